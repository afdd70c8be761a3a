"""A background thread that runs one step every so many real seconds, until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `step()` every `interval()` real seconds in a daemon thread named `name`.

    A failing step is logged and the next one runs on time: one bad beat must not stop a
    worker for good. `start`/`stop` fit Emulator.add_worker.
    """

    def __init__(self, name: str, interval: Callable[[], float], step: Callable[[], object]):
        self.name = name
        self.interval = interval
        self.step = step
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval()):
            try:
                self.step()
            except Exception:
                log.exception("%s: step failed", self.name)
