"""Print a Lambda function's CloudWatch Logs, once or following new lines (`invoke logs`).

Works the same on both targets: on the emulator the runtime writes START, END, REPORT and
the function's prints to /aws/lambda/NAME, where AWS writes them too.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from botocore.exceptions import ClientError, EndpointConnectionError

from harness import HarnessError
from harness.stack.targets import Target

DEFAULT_SINCE_SECONDS = 600
DEFAULT_POLL_SECONDS = 1.0


def log_group_of(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def tail(
    target: Target,
    function_name: str,
    follow: bool = False,
    since_seconds: float = DEFAULT_SINCE_SECONDS,
    *,
    region: str | None = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    out: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> int:
    """Print events of the last `since_seconds`; with `follow`, keep printing until `stop`.

    Returns how many events were printed. Raises HarnessError (one line) when the log group
    does not exist or the target cannot be reached.
    """
    region = region or target.region
    client = target.client("logs", region)
    group = log_group_of(function_name)
    start_ms = int((time.time() - since_seconds) * 1000)
    printed_at_start: set[str] = set()  # ids already printed with timestamp == start_ms
    printed = 0
    while True:
        events = _events_since(client, target, group, region, start_ms)
        for event in events:
            if event["timestamp"] == start_ms and event["eventId"] in printed_at_start:
                continue
            out(format_event(event))
            printed += 1
        if events:
            newest = max(event["timestamp"] for event in events)
            if newest != start_ms:
                printed_at_start = set()
            start_ms = newest
            printed_at_start |= {e["eventId"] for e in events if e["timestamp"] == newest}
        if not follow or (stop is not None and stop.wait(poll_seconds)):
            return printed
        if stop is None:
            time.sleep(poll_seconds)


def format_event(event: dict) -> str:
    """`2025-03-15T10:00:00.123Z  message`; AWS's multi-line events (\\r) become real lines."""
    stamp = dt.datetime.fromtimestamp(event["timestamp"] / 1000, dt.UTC)
    when = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"{when}  {event['message'].rstrip().replace(chr(13), chr(10))}"


def _events_since(client, target: Target, group: str, region: str, start_ms: int) -> list[dict]:
    events: list[dict] = []
    request = {"logGroupName": group, "startTime": start_ms}
    try:
        while True:
            page = client.filter_log_events(**request)
            events += page.get("events", [])
            token = page.get("nextToken")
            if not token:
                break
            request["nextToken"] = token
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            raise HarnessError(
                f"log group {group} does not exist in {region} on target {target.name}: "
                f"the function is not deployed there or has never run (try `invoke setup`)"
            ) from None
        raise HarnessError(f"reading {group} failed: {error}") from None
    except EndpointConnectionError:
        raise HarnessError(
            f"cannot reach {target.endpoint_url or 'AWS'} to read {group}; "
            f"is the emulator running? (`invoke setup` starts it)"
        ) from None
    # eventIds are digit strings: order by length, then text, keeps numeric order.
    return sorted(events, key=lambda e: (e["timestamp"], len(e["eventId"]), e["eventId"]))
