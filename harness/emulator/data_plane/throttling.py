"""Throttling as DynamoDB does it: capacity limits per table and index, and per partition key.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TroubleshootingThrottling.html
and API_ThrottlingReason.html: a request is throttled when it would take a table or a
global secondary index past

- its provisioned ReadCapacityUnits / WriteCapacityUnits per second (PROVISIONED mode),
  with burst capacity: "DynamoDB currently retains up to 5 minutes (300 seconds) of unused
  read and write capacity" (burst-adaptive-capacity.html) -> reason
  <Table|Index><Read|Write>ProvisionedThroughputExceeded, ProvisionedThroughputExceededException;
- its OnDemandThroughput MaxReadRequestUnits / MaxWriteRequestUnits per second (on-demand
  with a maximum, on-demand-capacity-mode-max-throughput.html) -> reason
  <Table|Index><Read|Write>MaxOnDemandThroughputExceeded. AWS's pages name the reason but
  not the exception for it; the emulator answers ThrottlingException (the API reference's
  "request throttling" error) and lists this in README's deviations;
- the per-partition ceiling of 3,000 read units and 1,000 write units per second for one
  partition key value (bp-partition-key-design.html)
  -> Table<Read|Write>KeyRangeThroughputExceeded.

Each limit is a token bucket refilled at its rate on the emulator's clock (so a sped-up
clock refills faster): on-demand maximum and partition buckets hold one second of
capacity, provisioned ones up to 300 seconds of unused capacity and start with one second.
A request is throttled when a bucket it draws on is empty; one that passes is charged
its consumed capacity afterwards (the units are known only then), so a bucket may dip
below zero and the next requests wait for it to refill. A write is checked against every
limited GSI of its table, as a throttled GSI write holds back the table write
(GSI.html#GSI.ThroughputConsiderations). Throttled requests consume nothing.

Batches are throttled per item, as AWS documents for BatchWriteItem and BatchGetItem
(API_BatchWriteItem.html, API_BatchGetItem.html): the items that fit the capacity left go
ahead, the rest come back in UnprocessedItems / UnprocessedKeys, and only when no item of
any table can be processed does the whole call fail with the throttling exception. What an
item will consume is estimated before it runs (a put by its size in 1 KB units, a delete
as one unit, a read as half a unit, one if strongly consistent); what it consumed is
charged afterwards from DynamoDB Local's figures, as for single requests. Every held-back
item is one Read/WriteThrottleEvent, the batch one ThrottledRequest (metrics-dimensions.html:
"a BatchGetItem that reads 10 items is processed as ten GetItem events").
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from harness.emulator import clock
from harness.emulator.data_plane.capacity import Consumption, item_size, kind_of

PARTITION_UNITS_PER_SECOND = {"read": 3000.0, "write": 1000.0}
BURST_SECONDS = 300.0
SINGLE_ITEM_OPERATIONS = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem"})
BATCH_OPERATIONS = frozenset({"BatchWriteItem", "BatchGetItem"})
PROVISIONED_MESSAGE = (
    "The level of configured provisioned throughput for the table was exceeded. "
    "Consider increasing your provisioning level with the UpdateTable API."
)
ON_DEMAND_MESSAGE = (
    "Throughput exceeds the maximum OnDemandThroughput configured on table or index."
)
KEY_RANGE_MESSAGE = "Throughput exceeds the current capacity for one or more partitions."


@dataclass
class Bucket:
    rate: float  # units per emulated second
    capacity: float  # most units it holds
    level: float
    updated: float  # clock.monotonic() of the last refill
    limit_type: str  # ProvisionedThroughputExceeded | MaxOnDemandThroughputExceeded | KeyRange...

    def refill(self, now: float) -> None:
        # The clock goes back to real time on an emulator reset: never drain on that.
        elapsed = max(0.0, now - self.updated)
        self.level = min(self.capacity, self.level + elapsed * self.rate)
        self.updated = now


@dataclass(frozen=True)
class Throttled:
    """Why a request was throttled: the exception and the ThrottlingReasons AWS returns."""

    code: str
    message: str
    reasons: list[dict[str, str]]
    table: str
    index: str | None
    kind: str


@dataclass
class BatchSplit:
    """A batch divided by the capacity left: `request` holds what may run (RequestItems of
    the admitted items only), `unprocessed` what comes back to the caller in AWS's shape
    (UnprocessedItems or UnprocessedKeys), `throttles` each table's throttle with the number
    of items it held back."""

    request: dict[str, Any]
    unprocessed: dict[str, Any] = field(default_factory=dict)
    throttles: list[tuple[Throttled, int]] = field(default_factory=list)

    @property
    def admitted(self) -> bool:
        return bool(self.request.get("RequestItems"))


def _estimate(operation: str, entry: Any, consistent: bool) -> float:
    """Units one batch item will consume, before it runs (see the module docstring)."""
    if operation == "BatchGetItem":
        return 1.0 if consistent else 0.5
    item = (entry.get("PutRequest") or {}).get("Item") if isinstance(entry, dict) else None
    return float(max(1, math.ceil(item_size(item) / 1024))) if item else 1.0


def _bucket(rate: float, limit_type: str, now: float) -> Bucket:
    burst = BURST_SECONDS if limit_type == "ProvisionedThroughputExceeded" else 1.0
    return Bucket(rate, rate * burst, rate, now, limit_type)


def limits_of(description: dict[str, Any], on_demand: dict[str, Any] | None) -> dict:
    """{(index or None, "read"|"write"): (units per second, limit type)} for a table."""
    found: dict[tuple[str | None, str], tuple[float, str]] = {}
    provisioned = (description.get("BillingModeSummary") or {}).get(
        "BillingMode"
    ) != "PAY_PER_REQUEST"

    def add(index: str | None, throughput: dict | None, max_units: dict | None) -> None:
        if provisioned and throughput:
            for kind, field in (("read", "ReadCapacityUnits"), ("write", "WriteCapacityUnits")):
                if throughput.get(field):
                    found[(index, kind)] = (
                        float(throughput[field]),
                        "ProvisionedThroughputExceeded",
                    )
        for kind, field in (("read", "MaxReadRequestUnits"), ("write", "MaxWriteRequestUnits")):
            value = (max_units or {}).get(field)
            if value and float(value) > 0:
                found[(index, kind)] = (float(value), "MaxOnDemandThroughputExceeded")

    add(None, description.get("ProvisionedThroughput"), on_demand)
    for gsi in description.get("GlobalSecondaryIndexes") or []:
        add(gsi["IndexName"], gsi.get("ProvisionedThroughput"), gsi.get("OnDemandThroughput"))
    return found


class Throttle:
    """The capacity buckets of every table the proxy has seen described."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limits: dict[tuple[Any, str], dict] = {}
        self._hash_keys: dict[tuple[Any, str], str] = {}
        self._buckets: dict[tuple, Bucket] = {}

    def configure(
        self, namespace: Any, description: dict[str, Any], on_demand: dict | None
    ) -> None:
        """Take a table's limits from its description (after CreateTable, UpdateTable,
        DescribeTable); buckets whose limit changed start afresh."""
        name = description["TableName"]
        limits = limits_of(description, on_demand)
        hash_key = next(
            (
                k["AttributeName"]
                for k in description.get("KeySchema", [])
                if k["KeyType"] == "HASH"
            ),
            None,
        )
        with self._lock:
            if self._limits.get((namespace, name)) != limits:
                self._limits[(namespace, name)] = limits
                for key in [k for k in self._buckets if k[:2] == (namespace, name) and k[2] != "#"]:
                    del self._buckets[key]
                now = clock.monotonic()
                for (index, kind), (rate, limit_type) in limits.items():
                    self._buckets[(namespace, name, index, kind)] = _bucket(rate, limit_type, now)
            if hash_key:
                self._hash_keys[(namespace, name)] = hash_key

    def forget(self, namespace: Any, name: str) -> None:
        with self._lock:
            self._limits.pop((namespace, name), None)
            self._hash_keys.pop((namespace, name), None)
            for key in [k for k in self._buckets if k[:2] == (namespace, name)]:
                del self._buckets[key]

    def reset(self) -> None:
        with self._lock:
            self._limits.clear()
            self._hash_keys.clear()
            self._buckets.clear()

    def check(self, namespace: Any, operation: str, request: dict[str, Any]) -> Throttled | None:
        """The throttle a request meets before it runs, or None if it may run."""
        table = request.get("TableName")
        if not isinstance(table, str):
            return None
        kind = kind_of(operation)
        now = clock.monotonic()
        with self._lock:
            limits = self._limits.get((namespace, table), {})
            wanted = [(None, kind)] if kind == "read" and not request.get("IndexName") else []
            if kind == "read" and request.get("IndexName"):
                wanted = [(request["IndexName"], kind)]
            if kind == "write":
                wanted = [(index, k) for index, k in limits if k == "write"]
            for index, k in wanted:
                if (index, k) not in limits:
                    continue
                rate, limit_type = limits[(index, k)]
                bucket = self._buckets.get((namespace, table, index, k))
                if bucket is None:
                    bucket = self._buckets[(namespace, table, index, k)] = _bucket(
                        rate, limit_type, now
                    )
                bucket.refill(now)
                if bucket.level <= 0:
                    return _throttled(namespace, table, index, k, limit_type)
            partition = self._partition(namespace, table, operation, request)
            if partition is not None:
                bucket = self._buckets.get((namespace, table, "#", kind, partition))
                if bucket is not None:
                    bucket.refill(now)
                    if bucket.level <= 0:
                        return _throttled(
                            namespace, table, None, kind, "KeyRangeThroughputExceeded"
                        )
        return None

    def split_batch(self, namespace: Any, operation: str, request: dict[str, Any]) -> BatchSplit:
        """Which items of a BatchWriteItem or BatchGetItem fit the capacity left.

        Items are taken in order per table while every limit the table's items draw on
        (the table's, and each limited GSI's for writes) has capacity left after the
        items already taken; the rest are held back.
        """
        kind = kind_of(operation)
        tables = request.get("RequestItems")
        split = BatchSplit(dict(request))
        if not isinstance(tables, dict):
            return split
        admitted: dict[str, Any] = {}
        now = clock.monotonic()
        with self._lock:
            for table, entries in tables.items():
                limits = self._limits.get((namespace, table), {})
                wanted = [
                    key for key in limits if key[1] == kind and (kind == "write" or key[0] is None)
                ]
                levels = {}
                for index, k in wanted:
                    bucket = self._buckets.get((namespace, table, index, k))
                    if bucket is None:
                        rate, limit_type = limits[(index, k)]
                        bucket = self._buckets[(namespace, table, index, k)] = _bucket(
                            rate, limit_type, now
                        )
                    bucket.refill(now)
                    levels[(index, k)] = bucket.level
                items = entries.get("Keys", []) if kind == "read" else entries
                consistent = kind == "read" and bool(entries.get("ConsistentRead"))
                taken, held, blocker = [], [], None
                for entry in items if isinstance(items, list) else []:
                    empty = next((key for key in wanted if levels[key] <= 0), None)
                    if empty is not None:
                        held.append(entry)
                        blocker = blocker or empty
                        continue
                    taken.append(entry)
                    units = _estimate(operation, entry, consistent)
                    for key in wanted:
                        levels[key] -= units
                if held:
                    index, k = blocker
                    throttle = _throttled(namespace, table, index, k, limits[blocker][1])
                    split.throttles.append((throttle, len(held)))
                    split.unprocessed[table] = _batch_part(kind, entries, held)
                if taken:
                    admitted[table] = _batch_part(kind, entries, taken)
        split.request["RequestItems"] = admitted
        return split

    def charge(
        self, namespace: Any, operation: str, request: dict[str, Any], used: list[Consumption]
    ) -> None:
        """Take what a request consumed from the buckets it drew on."""
        now = clock.monotonic()
        with self._lock:
            for item in used:
                bucket = self._buckets.get((namespace, item.table, item.index, item.kind))
                if bucket is not None:
                    bucket.refill(now)
                    bucket.level -= item.units
            table = request.get("TableName")
            partition = self._partition(namespace, table, operation, request)
            if partition is None:
                return
            units = sum(u.units for u in used if u.table == table and u.index is None)
            kind = kind_of(operation)
            key = (namespace, table, "#", kind, partition)
            bucket = self._buckets.get(key)
            if bucket is None:
                rate = PARTITION_UNITS_PER_SECOND[kind]
                bucket = self._buckets[key] = _bucket(rate, "KeyRangeThroughputExceeded", now)
            bucket.refill(now)
            bucket.level -= units

    def _partition(self, namespace: Any, table: Any, operation: str, request: dict) -> str | None:
        if operation not in SINGLE_ITEM_OPERATIONS or not isinstance(table, str):
            return None
        hash_key = self._hash_keys.get((namespace, table))
        source = request.get("Key") or request.get("Item") or {}
        value = source.get(hash_key) if hash_key else None
        return None if value is None else repr(sorted(value.items()))


def _throttled(
    namespace: Any, table: str, index: str | None, kind: str, limit_type: str
) -> Throttled:
    resource = namespace.table_arn(table) + (f"/index/{index}" if index else "")
    reason = f"{'Index' if index else 'Table'}{kind.capitalize()}{limit_type}"
    if limit_type == "MaxOnDemandThroughputExceeded":
        code, message = "ThrottlingException", ON_DEMAND_MESSAGE
    elif limit_type == "KeyRangeThroughputExceeded":
        code, message = "ProvisionedThroughputExceededException", KEY_RANGE_MESSAGE
    else:
        code, message = "ProvisionedThroughputExceededException", PROVISIONED_MESSAGE
    return Throttled(code, message, [{"reason": reason, "resource": resource}], table, index, kind)


def _batch_part(kind: str, entries: Any, chosen: list) -> Any:
    """A table's RequestItems entry holding only `chosen` items (reads keep their options)."""
    if kind == "read":
        return {**entries, "Keys": chosen}
    return chosen
