"""DynamoDB stream shards that behave like AWS's: append-only, 24 h retention, no inline dispatch.

moto's `StreamShard.add` invokes event source mappings inside PutItem and then empties the
shard, restarts sequence numbers, shares one shard id between all tables and stamps every
record us-east-1. AWS keeps every record for 24 hours for any number of readers, so the
stream-mapping poller and external GetRecords readers see the same records. This module
patches the shard (and the Streams API's iterator over it) to do that; it invokes nothing.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamShard
from moto.dynamodb.models.utilities import dynamo_json_dump
from moto.dynamodbstreams.models import ShardIterator

from harness.emulator import clock

RETENTION_SECONDS = 24 * 60 * 60
SEQUENCE_DIGITS = 21
# The Streams API spells the identity's keys PrincipalId/Type (botocore's
# Identity shape); Lambda events spell them principalId/type.
TTL_SERVICE_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}

# One counter for the whole process: numbers increase across every table's lifetime and are
# never reused, even when moto swaps a Table for its deep copy after a cancelled transaction.
_last_sequence = 0
# Taking a number and appending must be one step, or a reader could pass over a record that
# a slower writer appends later with a smaller number.
_append_lock = threading.Lock()
_context = threading.local()


def format_sequence_number(number: int) -> str:
    """Zero-padded so that string order equals numeric order, as readers often compare them."""
    return str(number).zfill(SEQUENCE_DIGITS)


def next_sequence_number() -> int:
    """The number the next record written anywhere will get (for LATEST positions)."""
    with _append_lock:
        return _last_sequence + 1


class StreamRecord:
    """One stream record: the Streams API's JSON, its number, its arrival (clock.now())."""

    __slots__ = ("sequence", "arrival", "record")

    def __init__(self, sequence: int, arrival: float, record: dict[str, Any]):
        self.sequence = sequence
        self.arrival = arrival
        self.record = record

    def to_json(self) -> dict[str, Any]:
        return self.record


@contextlib.contextmanager
def service_deletion() -> Iterator[None]:
    """Within this block, deletes are recorded as made by DynamoDB's TTL service."""
    previous = getattr(_context, "service_deletion", False)
    _context.service_deletion = True
    try:
        yield
    finally:
        _context.service_deletion = previous


def _image(item: Item) -> dict[str, Any]:
    # A JSON round trip detaches the image from the live item, which UpdateItem mutates in place.
    return json.loads(dynamo_json_dump(item.to_json()["Attributes"]))


def _build_record(shard: StreamShard, old: Item | None, new: Item | None) -> dict[str, Any]:
    table = shard.table
    view_type = table.stream_specification["StreamViewType"]
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    either = old if old is not None else new
    keys = {table.hash_key_attr: either.hash_key.to_json()}
    if table.range_key_attr is not None:
        keys[table.range_key_attr] = either.range_key.to_json()
    keys = json.loads(dynamo_json_dump(keys))
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": int(clock.now()),
        "Keys": keys,
    }
    size = sum(len(name.encode()) for name in keys)
    if view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
        dynamodb["NewImage"] = _image(new)
        size += new.size()
    if view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
        dynamodb["OldImage"] = _image(old)
        size += old.size()
    if view_type == "KEYS_ONLY":
        size += either.hash_key.size() + (either.range_key.size() if either.range_key else 0)
    dynamodb["SequenceNumber"] = ""  # assigned when appended; keeps AWS's key order
    dynamodb["SizeBytes"] = size
    dynamodb["StreamViewType"] = view_type
    record: dict[str, Any] = {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": table.region_name,
        "dynamodb": dynamodb,
    }
    if event_name == "REMOVE" and getattr(_context, "service_deletion", False):
        record["userIdentity"] = dict(TTL_SERVICE_IDENTITY)
    return record


def _append(shard: StreamShard, old: Item | None, new: Item | None) -> None:
    global _last_sequence
    record = _build_record(shard, old, new)
    with _append_lock:
        _last_sequence += 1
        sequence = _last_sequence
        record["dynamodb"]["SequenceNumber"] = format_sequence_number(sequence)
        now = clock.now()
        shard.items.append(StreamRecord(sequence, now, record))
        _trim(shard, now)


def _trim(shard: StreamShard, now: float) -> None:
    items = shard.items
    if items and items[0].arrival < now - RETENTION_SECONDS:
        cutoff = bisect.bisect_left(items, now - RETENTION_SECONDS, key=lambda r: r.arrival)
        del items[:cutoff]


def add(self: StreamShard, old: Item | None, new: Item | None) -> None:
    """Replacement for StreamShard.add: append one record; never invoke, never clear."""
    buffer = getattr(_context, "buffer", None)
    if buffer is not None:
        buffer.append((self, old, new))  # inside UpdateItem or a transaction: decided on exit
        return
    _append(self, old, new)


@contextlib.contextmanager
def _buffered() -> Iterator[list[tuple[StreamShard, Item | None, Item | None]]]:
    outer = getattr(_context, "buffer", None)
    _context.buffer = buffer = []
    try:
        yield buffer
    finally:
        _context.buffer = outer


def _emit(entries: list[tuple[StreamShard, Item | None, Item | None]]) -> None:
    outer = getattr(_context, "buffer", None)
    for shard, old, new in entries:
        if outer is not None:
            outer.append((shard, old, new))
        elif old is not None or new is not None:
            _append(shard, old, new)


def get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    """Replacement for StreamShard.get: records numbered `start` or later (numbers have gaps)."""
    return [record.to_json() for record in records_from(self, start, quantity)]


def records_from(shard: StreamShard, start: int, limit: int) -> list[StreamRecord]:
    """Up to `limit` retained records of `shard` whose sequence number is at least `start`."""
    with _append_lock:
        _trim(shard, clock.now())  # a quiet table still loses day-old records
        items = shard.items
        first = bisect.bisect_left(items, start, key=lambda r: r.sequence)
        return items[first : first + limit]


def to_json(self: StreamShard) -> dict[str, Any]:
    """Replacement for StreamShard.to_json with a zero-padded starting sequence number."""
    return {
        "ShardId": self.id,
        "SequenceNumberRange": {
            "StartingSequenceNumber": format_sequence_number(self.starting_sequence_number)
        },
    }


_original_shard_init = StreamShard.__init__
_original_iterator_init = ShardIterator.__init__
_original_update_item = DynamoDBBackend.update_item
_original_transact_write_items = DynamoDBBackend.transact_write_items


def shard_init(self: StreamShard, account_id: str, table: Any) -> None:
    """Give each table's stream its own shard id and start numbering where the counter is."""
    _original_shard_init(self, account_id, table)
    created_ms = int(time.time() * 1000)
    digest = hashlib.sha256(
        f"{table.table_arn}/{table.latest_stream_label}/{time.time_ns()}".encode()
    ).hexdigest()[:8]
    self.id = f"shardId-{created_ms:020d}-{digest}"
    self.starting_sequence_number = next_sequence_number()


def iterator_init(
    self: ShardIterator,
    streams_backend: Any,
    stream_shard: StreamShard,
    shard_iterator_type: str,
    sequence_number: int | None = None,
) -> None:
    """LATEST means: after the newest record now in the shard (moto counted list length)."""
    _original_iterator_init(
        self, streams_backend, stream_shard, shard_iterator_type, sequence_number
    )
    if shard_iterator_type == "LATEST":
        self.sequence_number = next_sequence_number()


def update_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
    """UpdateItem that creates an item writes twice inside moto; AWS emits one INSERT."""
    merged: dict[int, tuple[StreamShard, Item | None, Item | None]] = {}
    try:
        with _buffered() as buffer:
            return _original_update_item(self, *args, **kwargs)
    finally:
        # Also after an error: moto may have inserted the key-only item before failing.
        for shard, old, new in buffer:
            first_old = merged[id(shard)][1] if id(shard) in merged else old
            merged[id(shard)] = (shard, first_old, new)
        _emit(list(merged.values()))


def transact_write_items(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
    """A cancelled transaction leaves no stream records; a committed one emits them in order.

    moto rolls a failed transaction back by swapping in deep copies of its tables, which
    dropped records that other writers appended meanwhile; records now wait for the commit.
    """
    with _buffered() as buffer:
        result = _original_transact_write_items(self, *args, **kwargs)
        entries = list(buffer)
    _emit(entries)
    return result


def shard_deepcopy(self: StreamShard, memo: dict[int, Any]) -> StreamShard:
    """moto deep-copies whole tables before a transaction; the copy shares the record list.

    Records are immutable once written, and a rollback must not lose or duplicate any, so
    the copy and the original append to one list (the deep copy also cost O(records)).
    """
    clone = StreamShard.__new__(StreamShard)
    memo[id(self)] = clone
    for name, value in self.__dict__.items():
        clone.__dict__[name] = value if name == "items" else copy.deepcopy(value, memo)
    return clone


PATCHES = (
    (StreamShard, "__init__", shard_init),
    (StreamShard, "add", add),
    (StreamShard, "get", get),
    (StreamShard, "to_json", to_json),
    (ShardIterator, "__init__", iterator_init),
    (StreamShard, "__deepcopy__", shard_deepcopy),
    (DynamoDBBackend, "update_item", update_item),
    (DynamoDBBackend, "transact_write_items", transact_write_items),
)


def install() -> None:
    """Apply the patches (idempotent)."""
    for owner, name, replacement in PATCHES:
        setattr(owner, name, replacement)


def append_mirrored(shard: Any, record: StreamRecord) -> None:
    """Append a record copied from another store (DynamoDB Local) to a shard-like object.

    `shard.items` must hold StreamRecords in sequence order; the counter behind
    `next_sequence_number` moves past the record's number, so LATEST positions
    taken afterwards start after it.
    """
    global _last_sequence
    with _append_lock:
        shard.items.append(record)
        _last_sequence = max(_last_sequence, record.sequence)
        _trim(shard, record.arrival)
