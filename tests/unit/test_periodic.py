"""The emulator's background worker and the reset's wait for requests in flight.

An emulator reset relies on both (harness.emulator.server.Emulator.reset): when a worker's
`stop` returns True no step of it runs any more, and `wait_for_earlier` returns only when
the requests that were being answered have ended.
"""

from __future__ import annotations

import threading
import time

from harness.emulator.periodic import Worker
from harness.emulator.server import RequestsInFlight


def test_a_woken_worker_steps_at_once_not_at_its_interval():
    stepped = threading.Event()
    worker = Worker("test-woken", lambda: 60.0, stepped.set)
    worker.start()
    try:
        worker.wake()
        assert stepped.wait(5), "a wake runs the step without waiting the 60 s interval"
    finally:
        assert worker.stop(5)


def test_stop_waits_for_the_step_in_progress_and_no_step_runs_after_it():
    inside, release = threading.Event(), threading.Event()
    steps: list[str] = []

    def step() -> None:
        steps.append("began")
        inside.set()
        release.wait(5)
        steps.append("ended")

    worker = Worker("test-drain", lambda: 0.0, step)
    worker.start()
    assert inside.wait(5)
    threading.Timer(0.3, release.set).start()
    assert worker.stop(5), "the step ended within the timeout"
    assert steps[-1] == "ended", "stop returned only after the step in progress finished"
    count = len(steps)
    time.sleep(0.2)
    assert len(steps) == count, "no step after stop"


def test_a_step_that_outlasts_the_timeout_is_reported_and_the_worker_cannot_restart():
    release = threading.Event()
    worker = Worker("test-stuck", lambda: 0.0, lambda: release.wait(5))
    worker.start()
    time.sleep(0.1)
    assert worker.stop(0.2) is False
    try:
        worker.start()
    except RuntimeError as error:
        assert "still runs" in str(error)
    else:
        raise AssertionError("a second thread beside one still in a step")
    finally:
        release.set()
        assert worker.join(5)
    worker.start()  # once the old thread ended, it runs again
    assert worker.stop(5)


def test_a_failing_step_is_logged_and_the_next_one_runs():
    calls: list[int] = []

    def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("one bad beat")

    worker = Worker("test-failing", lambda: 0.01, step)
    worker.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.stop(5)
    assert len(calls) >= 3


def test_the_reset_waits_for_requests_already_in_flight_but_not_its_own():
    gate = RequestsInFlight()
    entered, release = threading.Event(), threading.Event()
    ended: list[str] = []

    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/slow":
            entered.set()
            release.wait(5)
            ended.append("slow")
        return [b""]

    gate.app = app
    slow = threading.Thread(target=gate, args=({"PATH_INFO": "/slow"}, None))
    slow.start()
    assert entered.wait(5)

    def reset_request(environ, start_response):  # the reset runs inside a request too
        threading.Timer(0.3, release.set).start()
        assert gate.wait_for_earlier(5), "the slow request ended in time"
        assert ended == ["slow"], "the wait returned only after the earlier request ended"
        return [b""]

    gate.app = reset_request
    gate({"PATH_INFO": "/moto-api/reset"}, None)
    slow.join(5)


def test_the_wait_gives_up_after_its_timeout():
    gate = RequestsInFlight()
    entered, release = threading.Event(), threading.Event()

    def app(environ, start_response):
        entered.set()
        release.wait(5)
        return [b""]

    gate.app = app
    stuck = threading.Thread(target=gate, args=({}, None))
    stuck.start()
    assert entered.wait(5)
    started = time.monotonic()
    assert gate.wait_for_earlier(0.2) is False
    assert time.monotonic() - started < 2
    release.set()
    stuck.join(5)
