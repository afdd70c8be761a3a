"""Per-source watermarks stored on the aggregate item: idempotency without a write per record.

Why this is enough. DynamoDB Streams put every change of one partition key in
one shard, in order, and a Lambda mapping retries a shard from a checkpoint, so
what a shard delivers again is always a replay of records it delivered before.
In our key design all the source items of one aggregate share one partition key
(a course's students share pk course#101, an assignment's submissions pk
assignment#a1, a user's orders pk user#201, an instructor's teaching links pk
instructor#301). So the aggregate item can remember, per (eventSourceARN,
source partition key), the highest SequenceNumber it has applied, and skip any
record at or below it. The mark moves in the same conditional UpdateItem that
applies the deltas, so a delta and its mark are never written apart.

Assumption: when a shard splits, its child shards continue the same partition
keys with larger sequence numbers (AWS processes a parent shard to its end
before its children), so the mark stays valid across resharding. Sequence
numbers are decimal strings of varying length: they are compared as integers.

Pruning. An entry written at time T covers records created before T; the stream
keeps records 24 hours, so once an entry is older than that no record it covers
can be delivered again, and the entry is removed (in the next write to that
aggregate) to keep the map small. A new stream (table recreated) has a new ARN,
hence new entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ATTRIBUTE = "streamWatermarks"
SEQUENCE = "seq"
TOUCHED_AT = "at"
STREAM_RETENTION_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Mark:
    """One stored entry: the highest sequence applied and when it was written."""

    sequence: int
    stored_text: str  # exactly as stored, for the optimistic-concurrency condition
    touched_at: Decimal


def entry_name(source: tuple[str, str]) -> str:
    """The map key for a (eventSourceARN, partition key) pair."""
    arn, pk = source
    return f"{arn}|{pk}"


def read(item: dict) -> tuple[dict[str, Mark], bool]:
    """The marks stored on a (deserialized) item, and whether the map attribute exists."""
    stored = item.get(ATTRIBUTE)
    if not isinstance(stored, dict):
        return {}, ATTRIBUTE in item
    marks: dict[str, Mark] = {}
    for name, entry in stored.items():
        text = entry.get(SEQUENCE) if isinstance(entry, dict) else None
        if isinstance(text, str) and text.isascii() and text.isdigit():
            touched = entry.get(TOUCHED_AT)
            touched = touched if isinstance(touched, Decimal) else Decimal(0)
            marks[name] = Mark(int(text), text, touched)
    return marks, True


def is_applied(marks: dict[str, Mark], source: tuple[str, str], sequence: int) -> bool:
    """True when the aggregate already holds this record's delta."""
    mark = marks.get(entry_name(source))
    return mark is not None and sequence <= mark.sequence


def stale(marks: dict[str, Mark], now: float, keep: set[str]) -> list[str]:
    """Entries older than the stream's retention, except those being written now."""
    cutoff = Decimal(int(now)) - STREAM_RETENTION_SECONDS
    return sorted(
        name for name, mark in marks.items() if mark.touched_at < cutoff and name not in keep
    )


def entry(sequence: int, now: float) -> dict:
    return {SEQUENCE: str(sequence), TOUCHED_AT: Decimal(int(now))}
