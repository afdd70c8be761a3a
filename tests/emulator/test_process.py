"""The emulator runs as a background process that tasks can find, query and stop."""

import socket

import pytest

from harness import HarnessError
from harness.emulator import process


def test_start_find_stop(tmp_path):
    running, new = process.start(tmp_path, port=process.free_port())
    try:
        assert new
        again, new_again = process.start(tmp_path, port=running.port)
        assert (again.pid, new_again) == (running.pid, False), (
            "a second start reuses the running emulator"
        )
        status = process.status_of(running.endpoint_url)
        assert status["pid"] == running.pid
        assert set(status["extensions"]) >= {"global_tables", "lambda_runtime", "stream_mappings"}
    finally:
        assert process.stop(tmp_path)
    assert process.find(tmp_path) is None
    assert process.status_of(running.endpoint_url) is None
    assert not process.stop(tmp_path), "stopping twice says nothing was running"


def test_taken_port_is_one_clear_error(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(HarnessError, match=f"port {port} .* is taken .*--port"):
            process.start(tmp_path, port=port)


def test_a_killed_emulator_is_not_reported_as_running(tmp_path):
    running, _ = process.start(tmp_path, port=process.free_port())
    import os
    import signal
    import time

    os.killpg(running.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while process.status_of(running.endpoint_url) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.find(tmp_path) is None
