"""Background threads that run one step at a time: every so often, or as soon as woken.

`Worker` is the one shape every emulator background thread takes (the stream mirror, the
replicator, the stream-mapping poller's supervisor, the TTL sweeper, the CloudWatch beat):
a daemon thread that waits `interval()` real seconds or until `wake()`, runs `step()`, and
again, until `stop()`. `stop(timeout)` also drains it: when it returns True the thread has
ended, so no step is running or will run, which is what an emulator reset needs before it
deletes state (server.Emulator's reset).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0  # a step is a few HTTP calls to DynamoDB Local; loaded: seconds


class Worker:
    """Runs `step()` in a daemon thread named `name`, after `interval()` seconds or a wake.

    `interval()` is asked before each wait, so it may change (a replicator waits until its
    next change is due; <= 0 runs the next step at once). A failing step is logged and the
    next one runs: one bad beat must not stop a worker for good. `start`/`stop` fit
    Emulator.add_worker; `start` after `stop` runs the worker again.
    """

    def __init__(self, name: str, interval: Callable[[], float], step: Callable[[], object]):
        self.name = name
        self.interval = interval
        self.step = step
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (again). Raises RuntimeError while a previous one still runs."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"{self.name}: started while its previous thread still runs")
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run the next step now rather than when the interval ends."""
        self._wake.set()

    @property
    def stopped(self) -> threading.Event:
        """Set once `stop` is called: long steps and helper threads check it or wait on it."""
        return self._stop

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Ask the thread to end after its current step and wait up to `timeout` seconds.

        Returns True when the thread has ended (or never ran), False if a step outlasted
        the timeout; that is logged, since whoever stopped it may rely on the drain.
        """
        self._stop.set()
        self._wake.set()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has (or never started)."""
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("%s: still in a step %s s after it was told to stop", self.name, timeout)
            return False
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(max(0.0, self.interval()))
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.step()
            except Exception:
                log.exception("%s: step failed", self.name)
