"""On the applied stack, a write the mapping's filter admits reaches the deployed
function once, and its log shows it; the function's own aggregate
writes never come back to it."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from stack_writes import enrol

pytestmark = pytest.mark.integration


def log_messages(stack, since_ms: int) -> list[str]:
    logs = stack.client("logs")
    group = f"/aws/lambda/{stack.outputs['function_name']}"
    events = logs.filter_log_events(logGroupName=group, startTime=since_ms)["events"]
    return [event["message"] for event in events]


def batch_lines(messages: list[str]) -> list[dict]:
    lines = []
    for message in messages:
        try:
            line = json.loads(message)
        except ValueError:
            continue
        if isinstance(line, dict) and "records" in line:
            lines.append(line)
    return lines


def test_an_enrollment_invokes_the_deployed_function_once_and_is_logged_within_2_s(stack):
    since_ms = int(time.time() * 1000)
    student = f"9{uuid.uuid4().int % 10_000:04d}"
    key = enrol(stack.table(), "103", student, "Stream Check")
    written = time.monotonic()
    while not batch_lines(log_messages(stack, since_ms)):
        # A generous bound: latency is bench/stream_throughput.py's to measure.
        assert time.monotonic() - written < 30, "no batch line in the function's log within 30 s"
        time.sleep(0.05)
    time.sleep(1.5)  # room for a second (wrong) invocation: the aggregate write it caused
    messages = log_messages(stack, since_ms)
    starts = [message for message in messages if message.startswith("START RequestId:")]
    assert len(starts) == 1, f"expected one invocation, got {len(starts)}: {messages}"
    (batch,) = batch_lines(messages)
    assert batch["records"] == 1
    stack.table().delete_item(Key=key)
