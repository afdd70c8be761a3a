"""A function's log lines, written to moto's CloudWatch Logs as AWS's Lambda service writes them.

AWS puts START, END and REPORT lines around whatever the function prints, in the log group
/aws/lambda/NAME, one stream per execution environment. Learners read these with `invoke logs`
(or the console's habits), so the emulator writes the same lines to the same places.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
import uuid
from dataclasses import dataclass, field

# moto's logs backend is not thread-safe; invocations finish on many threads.
_backend_lock = threading.Lock()


def new_log_stream_name(version: str) -> str:
    """AWS's stream naming: date, [version], one id per execution environment."""
    return f"{dt.datetime.now(dt.UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


@dataclass
class InvocationLog:
    """The lines of one invocation, each with its timestamp (epoch ms)."""

    events: list[tuple[int, str]] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.events.append((int(time.time() * 1000), message))

    def add_all(self, messages: list[str]) -> None:
        now = int(time.time() * 1000)
        self.events.extend((now, message) for message in messages)

    def text(self) -> str:
        return "".join(message + "\n" for _, message in self.events)

    def tail(self, max_bytes: int = 4096) -> str:
        """The last `max_bytes` of the log, as Invoke's LogType=Tail returns it."""
        data = self.text().encode()[-max_bytes:]
        return data.decode("utf-8", errors="ignore")


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_mb: int | None,
    init_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_mb or 0} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return "\t".join(parts)


def publish(account_id: str, region: str, group: str, stream: str, log: InvocationLog) -> None:
    """Append the lines to CloudWatch Logs in moto, creating group and stream when missing."""
    from moto.logs.models import logs_backends

    if not log.events:
        return
    events = [{"timestamp": stamp, "message": message} for stamp, message in log.events]
    with _backend_lock:
        backend = logs_backends[account_id][region]
        backend.ensure_log_group(group)
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        backend.put_log_events(group, stream, events)
