"""What `invoke load` does: drive reads or writes at a steady rate and count what comes back.

A learner sets a table's maximum throughput (or provisioned capacity), drives it above and
below that figure, and watches DynamoDB throttle: every answer is counted as succeeded,
throttled (with AWS's ThrottlingReasons) or failed, and the consumed capacity the answers
report (ReturnConsumedCapacity=INDEXES) is summed. A live line every second shows the rate,
the throttles and the units consumed; a summary ends the run.

Requests and units are per second of the target's clock. On the emulator that clock can
run faster (EMULATOR_CLOCK_SPEED), and its capacity buckets refill on it
(data_plane/throttling.py); so the load is paced on the same clock: at speed 10, 5 requests
per second are 50 per real second, and a table capped at 10 write units per second behaves
as on AWS against the same figures. On AWS the clock is real time.

The SDK's own retries are off, so each throttle is seen and counted once, as DynamoDB's
WriteThrottleEvents / ReadThrottleEvents metrics count throttled requests
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html).

What is sent (the table's key schema is read with DescribeTable, so any table works):
- writes: PutItem of items of `item_size` bytes as DynamoDB counts them (attribute names
  plus values), entityType "loadTest" (outside the stream processor's filter), keys
  "load#<n>" for n below `keys` (partition and sort key alike), or one partition key
  "load#hot" for a hot key. Items are overwritten in turn, so at most `keys` remain.
- reads: the Query of an access pattern (every page), or GetItem of the load keys (or of
  the hot key's).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from harness import HarnessError
from harness.model import access_patterns
from harness.stack.targets import Target

THROTTLE_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"}
)
LOAD_ENTITY_TYPE = "loadTest"
HOT_KEY = "load#hot"
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's item size limit
DEFAULT_WORKERS = 8


@dataclass(frozen=True)
class LoadPlan:
    """What to send: `operation` "write" or "read", `rate` requests per second and
    `duration` seconds of the target's clock (None: until interrupted)."""

    table: str
    operation: str = "write"
    rate: float = 10.0
    duration: float | None = 30.0
    hot_key: bool = False
    keys: int = 100
    item_size: int = 1000
    pattern: str | None = None
    pattern_params: Mapping[str, object] = field(default_factory=dict)
    workers: int = DEFAULT_WORKERS

    def check(self) -> None:
        """HarnessError naming the flag when the plan cannot run."""
        if self.operation not in ("write", "read"):
            raise HarnessError(f"--operation must be write or read, not {self.operation!r}")
        if not self.rate > 0:
            raise HarnessError(
                f"--rate must be a positive number of requests per second, not {self.rate}"
            )
        if self.duration is not None and not self.duration > 0:
            raise HarnessError(
                f"--duration must be a positive number of seconds, not {self.duration}"
            )
        if self.keys < 1:
            raise HarnessError(f"--keys must be at least 1, not {self.keys}")
        if not 1 <= self.workers <= 64:
            raise HarnessError(f"--workers must be 1-64, not {self.workers}")
        if self.pattern and self.operation == "write":
            raise HarnessError(
                "--pattern drives reads (its Query); for writes use --hot-key or spread keys"
            )
        if self.pattern and self.hot_key:
            raise HarnessError(
                "--pattern and --hot-key exclude each other: a pattern reads its own keys"
            )
        if not 0 < self.item_size <= MAX_ITEM_BYTES:
            raise HarnessError(
                f"--item-size must be 1-{MAX_ITEM_BYTES} bytes (DynamoDB's item limit), "
                f"not {self.item_size}"
            )


@dataclass
class Tally:
    """Counts since the start (or a window's): requests, outcomes, units, latencies."""

    sent: int = 0
    succeeded: int = 0
    throttled: int = 0
    failed: int = 0
    units: float = 0.0
    reasons: Counter = field(default_factory=Counter)  # "reason (exception)" -> count
    errors: Counter = field(default_factory=Counter)  # "code: message" -> count
    latencies: list[float] = field(default_factory=list)  # real seconds, succeeded only


@dataclass(frozen=True)
class Outcome:
    kind: str  # "succeeded" | "throttled" | "failed"
    units: float = 0.0
    detail: str = ""
    latency: float = 0.0


def clock_speed(target: Target) -> float:
    """Emulated seconds per real second: the emulator's clock speed, 1 on AWS."""
    if not target.is_local:
        return 1.0
    try:
        with urllib.request.urlopen(f"{target.endpoint_url}/_emulator/clock", timeout=10) as answer:
            return float(json.load(answer)["speed"])
    except (OSError, ValueError, KeyError) as error:
        raise HarnessError(f"cannot read the emulator's clock ({error}); is it running?") from None


def table_maximum(description: Mapping[str, Any], operation: str) -> str:
    """The table's own limit for `operation` in words, or "" when it has none."""
    kind = "Write" if operation == "write" else "Read"
    on_demand = (description.get("OnDemandThroughput") or {}).get(f"Max{kind}RequestUnits")
    if on_demand and float(on_demand) > 0:
        return f"maximum {on_demand:g} {kind.lower()} units/s (OnDemandThroughput)"
    mode = (description.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    provisioned = (description.get("ProvisionedThroughput") or {}).get(f"{kind}CapacityUnits")
    if mode == "PROVISIONED" and provisioned:
        return f"provisioned {provisioned:g} {kind.lower()} units/s"
    return ""


def _key_values(description: Mapping[str, Any]) -> list[tuple[str, str]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    return [(k["AttributeName"], types[k["AttributeName"]]) for k in description["KeySchema"]]


def _typed(kind: str, text: str) -> dict[str, str]:
    if kind == "N":
        return {"N": str(sum(ord(c) for c in text) * 1000 + len(text))}
    if kind == "B":
        return {"B": text.encode()}  # type: ignore[dict-item]
    return {"S": text}


def _attribute_bytes(name: str, value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for a string, binary or small number attribute."""
    ((kind, raw),) = value.items()
    if kind == "N":
        return len(name) + (len(raw.lstrip("-").lstrip("0")) + 1) // 2 + 1
    return len(name.encode()) + len(raw if isinstance(raw, bytes) else raw.encode())


class Requests:
    """Builds request number n as a boto3 call on a low-level DynamoDB client."""

    def __init__(self, plan: LoadPlan, description: Mapping[str, Any]):
        self.plan = plan
        self.keys = _key_values(description)
        self.query = None
        if plan.pattern:
            pattern = access_patterns.get(plan.pattern)
            bound = pattern.bind(plan.pattern_params)
            self.query = pattern.query_request(plan.table, bound)
        fixed = {"entityType": {"S": LOAD_ENTITY_TYPE}, "v": {"S": ""}}
        sample = self._key(0) | fixed
        overhead = sum(_attribute_bytes(name, value) for name, value in sample.items())
        if plan.operation == "write" and plan.item_size < overhead:
            raise HarnessError(
                f"--item-size must be at least {overhead} bytes (the keys and entityType alone)"
            )
        self.padding = "x" * max(0, plan.item_size - overhead)

    def _key(self, n: int) -> dict[str, Any]:
        slot = n % self.plan.keys
        values = [HOT_KEY if self.plan.hot_key else f"load#{slot}", f"load#{slot}"]
        return {
            name: _typed(kind, value)
            for (name, kind), value in zip(self.keys, values, strict=False)
        }

    def send(self, client, n: int) -> float:
        """Send request n; returns the capacity units its answers reported."""
        if self.query is not None:
            units = 0.0
            for page in client.get_paginator("query").paginate(
                **self.query, ReturnConsumedCapacity="INDEXES"
            ):
                units += page.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0)
            return units
        if self.plan.operation == "read":
            answer = client.get_item(
                TableName=self.plan.table, Key=self._key(n), ReturnConsumedCapacity="INDEXES"
            )
        else:
            item = self._key(n) | {
                "entityType": {"S": LOAD_ENTITY_TYPE},
                "v": {"S": self.padding},
            }
            answer = client.put_item(
                TableName=self.plan.table, Item=item, ReturnConsumedCapacity="INDEXES"
            )
        return answer.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0)


def _outcome(requests: Requests, client, n: int) -> Outcome:
    started = time.perf_counter()
    try:
        units = requests.send(client, n)
    except ClientError as error:
        answer = error.response
        code = answer.get("Error", {}).get("Code", "")
        if code in THROTTLE_CODES:
            found = answer.get("ThrottlingReasons") or answer.get("throttlingReasons") or []
            reason = ", ".join(r.get("reason", "?") for r in found) or "no reason given"
            return Outcome("throttled", detail=f"{reason} ({code})")
        message = answer.get("Error", {}).get("Message", "")
        return Outcome("failed", detail=f"{code}: {message}")
    return Outcome("succeeded", units, latency=time.perf_counter() - started)


@dataclass
class Run:
    """A load run in progress: pacing, workers, and the tallies the live line reads."""

    plan: LoadPlan
    requests: Requests
    client: Any
    speed: float
    total: Tally = field(default_factory=Tally)
    window: Tally = field(default_factory=Tally)
    stop: threading.Event = field(default_factory=threading.Event)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _take(self, started: float) -> tuple[int, float] | None:
        """The next request number and its due time (real monotonic), or None when done."""
        with self._lock:
            n = self._next
            self._next += 1
        due = started + n / (self.plan.rate * self.speed)
        if self.plan.duration is not None and n >= self.plan.rate * self.plan.duration:
            return None
        return n, due

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            for tally in (self.total, self.window):
                tally.sent += 1
                if outcome.kind == "succeeded":
                    tally.succeeded += 1
                    tally.units += outcome.units
                    tally.latencies.append(outcome.latency)
                elif outcome.kind == "throttled":
                    tally.throttled += 1
                    tally.reasons[outcome.detail] += 1
                else:
                    tally.failed += 1
                    tally.errors[outcome.detail] += 1

    def _worker(self, started: float) -> None:
        while not self.stop.is_set():
            taken = self._take(started)
            if taken is None:
                return
            n, due = taken
            delay = due - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            self._record(_outcome(self.requests, self.client, n))

    def take_window(self) -> Tally:
        with self._lock:
            window, self.window = self.window, Tally()
        return window

    def execute(self, echo: Callable[[str], None], interval: float = 1.0) -> float:
        """Run to the end (or Ctrl-C), echoing a live line every `interval` real seconds;
        returns the run's length in seconds of the target's clock."""
        started = last = time.monotonic()
        threads = [
            threading.Thread(target=self._worker, args=(started,), daemon=True)
            for _ in range(self.plan.workers)
        ]
        for thread in threads:
            thread.start()
        try:
            while alive := [thread for thread in threads if thread.is_alive()]:
                alive[0].join(timeout=max(0.0, last + interval - time.monotonic()))
                now = time.monotonic()
                if now >= last + interval:
                    self._echo_window(echo, started, last, now)
                    last = now
        except KeyboardInterrupt:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=5)
        now = time.monotonic()
        if self.window.sent and now - last >= interval / 2:
            # A last sliver of a window would show a meaningless rate; its requests are
            # in the totals and the summary.
            self._echo_window(echo, started, last, now)
        elapsed = (now - started) * self.speed
        if self.plan.duration is not None and not self.stop.is_set():
            # The last request is due just before the end; the run lasted its duration.
            elapsed = max(elapsed, self.plan.duration)
        return elapsed

    def _echo_window(
        self, echo: Callable[[str], None], started: float, last: float, now: float
    ) -> None:
        echo(
            live_line(
                (now - started) * self.speed,
                (now - last) * self.speed,
                self.take_window(),
                self.total,
                self.plan.operation,
            )
        )


def _unit_name(operation: str) -> str:
    return "WCU" if operation == "write" else "RCU"


def live_line(elapsed: float, span: float, window: Tally, total: Tally, operation: str) -> str:
    """One progress line: the last window's rate, throttles and units per second, and totals.

    `elapsed` and `span` are seconds of the target's clock.
    """
    span = span or 1e-9
    unit = _unit_name(operation)
    line = (
        f"[{elapsed:6.1f} s] {window.sent / span:6.1f} req/s  "
        f"throttled {window.throttled} (total {total.throttled})  "
        f"consumed {window.units / span:.1f} {unit}/s (total {total.units:.1f})"
    )
    if window.failed:
        line += f"  failed {window.failed}"
    return line


def summary(plan: LoadPlan, total: Tally, elapsed: float) -> list[str]:
    """The closing lines: what was asked and what happened, by outcome and reason."""
    unit = _unit_name(plan.operation)
    elapsed = elapsed or 1e-9
    lines = [
        f"summary: {total.sent} {plan.operation} requests in {elapsed:.1f} s "
        f"({total.sent / elapsed:.1f}/s, asked {plan.rate:g}/s): {total.succeeded} succeeded, "
        f"{total.throttled} throttled, {total.failed} failed",
        f"consumed: {total.units:.1f} {unit} ({total.units / elapsed:.1f} {unit}/s)",
    ]
    for reason, count in total.reasons.most_common():
        lines.append(f"throttled: {count} x {reason}")
    for error, count in total.errors.most_common(3):
        lines.append(f"failed: {count} x {error}")
    if total.latencies:
        ordered = sorted(total.latencies)
        p50 = ordered[len(ordered) // 2] * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        lines.append(f"latency (real time): p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    return lines


def run(target: Target, plan: LoadPlan, echo: Callable[[str], None] = print) -> Tally:
    """Drive `plan` against `target`, echoing a header, live lines and the summary.

    Raises HarnessError for a plan that cannot run; a missing table is a ClientError
    (ResourceNotFoundException) from DescribeTable, before anything is sent.
    """
    plan.check()
    client = target.session().client(
        "dynamodb",
        endpoint_url=target.endpoint_url,
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=plan.workers + 2),
    )
    description = client.describe_table(TableName=plan.table)["Table"]
    requests = Requests(plan, description)
    speed = clock_speed(target)
    what = (
        f"the Query of pattern {plan.pattern}"
        if plan.pattern
        else f"hot key {HOT_KEY}"
        if plan.hot_key
        else f"{plan.keys} keys"
    )
    found = table_maximum(description, plan.operation)
    limit = f"table {found}" if found else "no table maximum"
    clock_note = (
        f"; emulator clock x{speed:g}, so rates are per emulated second" if speed != 1 else ""
    )
    length = f"for {plan.duration:g} s" if plan.duration else "until Ctrl-C"
    echo(
        f"load: {plan.rate:g} {plan.operation}s/s {length} on table {plan.table} over {what}; "
        f"{limit}{clock_note}"
    )
    load = Run(plan, requests, client, speed)
    elapsed = load.execute(echo)
    for line in summary(plan, load.total, elapsed):
        echo(line)
    return load.total


def tty_echo() -> Callable[[str], None]:
    """An echo that rewrites live lines in place on a terminal, else prints each."""
    if not sys.stdout.isatty():
        return lambda line: print(line, flush=True)
    state = {"live": False}

    def echo(line: str) -> None:
        live = line.startswith("[")
        if live:
            print(f"\r\033[K{line}", end="", flush=True)
        else:
            print(("\n" if state["live"] else "") + line, flush=True)
        state["live"] = live

    return echo
