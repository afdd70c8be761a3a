"""harness.ops.logs.tail, the code behind `invoke logs`, against CloudWatch Logs in an emulator."""

from __future__ import annotations

import threading
import time

import pytest

from harness import HarnessError
from harness.ops.logs import tail

GROUP = "/aws/lambda/stream-processor"


@pytest.fixture
def logs(local_target):
    client = local_target.client("logs")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="2025/03/15/[$LATEST]abc")
    return client


def put(logs, *messages: str, at_ms: int | None = None) -> None:
    stamp = at_ms or int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="2025/03/15/[$LATEST]abc",
        logEvents=[{"timestamp": stamp, "message": message} for message in messages],
    )


def test_prints_recent_events_in_order(local_target, logs):
    put(logs, "START RequestId: r1 Version: $LATEST", "processing o1001", "END RequestId: r1")
    lines: list[str] = []

    count = tail(local_target, "stream-processor", out=lines.append)

    assert count == 3
    assert [line.split("  ", 1)[1] for line in lines] == [
        "START RequestId: r1 Version: $LATEST",
        "processing o1001",
        "END RequestId: r1",
    ]
    assert lines[0][:4].isdigit() and "T" in lines[0].split("  ")[0]


def test_since_seconds_leaves_out_older_events(local_target, logs):
    put(logs, "an hour ago", at_ms=int((time.time() - 3600) * 1000))
    put(logs, "just now")
    lines: list[str] = []

    tail(local_target, "stream-processor", since_seconds=60, out=lines.append)

    assert [line.split("  ", 1)[1] for line in lines] == ["just now"]


def test_multi_line_error_events_print_as_lines(local_target, logs):
    put(logs, "[ERROR] KeyError: 'x'\rTraceback (most recent call last):")
    lines: list[str] = []

    tail(local_target, "stream-processor", out=lines.append)

    assert lines[0].endswith("[ERROR] KeyError: 'x'\nTraceback (most recent call last):")


def test_follow_prints_new_events_once_each_until_stopped(local_target, logs):
    put(logs, "before")
    lines: list[str] = []
    stop = threading.Event()
    follower = threading.Thread(
        target=tail,
        args=(local_target, "stream-processor", True),
        kwargs={"poll_seconds": 0.1, "out": lines.append, "stop": stop},
    )
    follower.start()
    try:
        time.sleep(0.3)
        put(logs, "after")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(lines) < 2:
            time.sleep(0.05)
        time.sleep(0.3)  # a few more polls: nothing may print twice
    finally:
        stop.set()
        follower.join(timeout=5)

    assert [line.split("  ", 1)[1] for line in lines] == ["before", "after"]
    assert not follower.is_alive()


def test_missing_log_group_is_a_one_line_error(local_target):
    with pytest.raises(HarnessError) as raised:
        tail(local_target, "never-deployed")

    message = str(raised.value)
    assert "/aws/lambda/never-deployed does not exist" in message
    assert "\n" not in message


def test_unreachable_emulator_is_a_one_line_error(tmp_path):
    from harness.emulator.process import free_port
    from harness.stack import targets

    nowhere = targets.local(f"http://127.0.0.1:{free_port()}", state_dir=tmp_path)

    with pytest.raises(HarnessError, match="cannot reach http://127.0.0.1:"):
        tail(nowhere, "stream-processor")
