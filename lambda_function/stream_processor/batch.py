"""Process one batch: coalesce changes per aggregate, write each aggregate once, report failures.

Coalescing: records are applied, in shard order, to their aggregate's running
totals for the batch, so write requests grow with the aggregates touched, not
the records.

Failures: Lambda retries a shard from the LOWEST sequence number reported, so
for each shard (eventSourceARN) the handler reports the first record it could
not apply and every later record it did not apply; records applied after it
come again and are skipped by their aggregate's watermark.

Malformed records (no key, no numeric SequenceNumber, unknown eventName),
images that break the contract (non-numeric grade or amount, unknown entity)
and records whose change would take a sum or average out of what a DynamoDB
number can hold (more than 38 digits, beyond 1E+126 or below 1E-130) are logged
with their eventID and skipped: retrying cannot repair them, and holding the
shard for them would stall every aggregate behind them. A skipped record still
moves the watermark, so it is not retried either.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from botocore.exceptions import BotoCoreError, ClientError

from stream_processor import aggregate_update, watermarks
from stream_processor.contract import AggregateKey, Vector, apply
from stream_processor.dynamodb_numbers import NotStorable
from stream_processor.logs import log
from stream_processor.records import Change, MalformedRecord, event_id, parse
from stream_processor.store import AggregateStore

MAX_WRITE_ATTEMPTS = 5

APPLIED = "applied"
DUPLICATE = "duplicate"
FAILED = "failed"


@dataclass
class BatchOutcome:
    """What the handler returns and logs."""

    failures: list[str]
    stats: dict[str, int] = field(default_factory=dict)


def process(records: list[dict], store: AggregateStore, now: float) -> BatchOutcome:
    """Apply a batch of stream records to the aggregates; never raises for a bad record."""
    changes: list[Change | None] = [_parse_or_log(record) for record in records]
    touching: dict[AggregateKey, list[Change]] = defaultdict(list)
    for change in changes:
        if change is not None:
            for key in change.aggregates:
                touching[key].append(change)

    applied: set[tuple] = set()
    not_storable: set[tuple] = set()
    outcome_by_key = _apply_all(store, touching, now, applied, not_storable)
    failures = _failures_to_report(records, changes, outcome_by_key)
    stats = _stats(changes, outcome_by_key, applied, not_storable, len(failures), store.writes)
    return BatchOutcome(failures, stats)


def _parse_or_log(record: dict) -> Change | None:
    try:
        change = parse(record)
    except MalformedRecord as error:
        log("WARNING", "malformed record skipped", eventID=event_id(record), reason=str(error))
        return None
    for problem in change.problems:
        log(
            "WARNING",
            "image ignored: it breaks the aggregate contract",
            eventID=change.event_id,
            sequenceNumber=str(change.sequence),
            reason=problem,
        )
    return change


def _apply_all(
    store: AggregateStore,
    touching: dict[AggregateKey, list[Change]],
    now: float,
    applied: set[tuple],
    not_storable: set[tuple],
):
    outcome: dict[AggregateKey, str] = {}
    if not touching:
        return outcome
    keys = sorted(touching)
    try:
        items = store.read_many(keys)
    except (ClientError, BotoCoreError, RuntimeError) as error:
        log("ERROR", "aggregate read failed", error=_describe(error), aggregates=len(keys))
        return {key: FAILED for key in keys}
    for key in keys:
        outcome[key] = _apply_one(store, key, items[key], touching[key], now, applied, not_storable)
    return outcome


def _apply_one(
    store,
    key: AggregateKey,
    item: dict | None,
    changes: list[Change],
    now: float,
    applied: set[tuple],
    not_storable: set[tuple],
):
    """Write one aggregate, retrying when another writer moved it since the read."""
    for attempt in range(MAX_WRITE_ATTEMPTS):
        if attempt:
            item = store.read(key)
        totals, highest, positions, rejected = _coalesce(key, item, changes)
        if not highest:
            return DUPLICATE
        arguments = aggregate_update.build(store.table_name, key, item, totals, highest, now)
        try:
            store.update(arguments)
        except (ClientError, BotoCoreError) as error:
            if isinstance(error, ClientError) and _code(error) == "ConditionalCheckFailedException":
                continue  # another writer moved the aggregate: read it again
            log(
                "ERROR",
                "aggregate write failed",
                aggregate=key.pk + " " + key.sk,
                error=_describe(error),
            )
            return FAILED
        applied.update(positions - set(rejected))
        for change, reason in rejected.items():
            not_storable.add(change)
            log(
                "WARNING",
                "image ignored: the aggregate could not store it",
                eventID=reason[0],
                sequenceNumber=str(change[1]),
                aggregate=key.pk + " " + key.sk,
                reason=reason[1],
            )
        return APPLIED
    log(
        "ERROR",
        "aggregate kept changing under us",
        aggregate=key.pk + " " + key.sk,
        attempts=MAX_WRITE_ATTEMPTS,
    )
    return FAILED


def _coalesce(key: AggregateKey, item: dict | None, changes: list[Change]):
    """Apply, in order, the records the aggregate has not applied yet.

    Returns the new totals, the marks they reach, the positions applied, and the
    positions rejected because a sum or average would not fit a DynamoDB number
    (with eventID and reason), which are skipped but still move the mark.
    """
    item = item or {}
    marks, _ = watermarks.read(item)
    zero = Decimal(0)
    totals: Vector = {
        name: item[name] if isinstance(item.get(name), Decimal) else zero for name in key.sums
    }
    highest: dict[tuple[str, str], int] = {}
    seen: set[tuple[tuple[str, str], int]] = set()
    rejected: dict[tuple, tuple[str, str]] = {}
    for change in changes:
        position = (change.source, change.sequence)
        if position in seen or watermarks.is_applied(marks, change.source, change.sequence):
            continue
        seen.add(position)
        highest[change.source] = max(highest.get(change.source, 0), change.sequence)
        try:
            totals = apply(totals, change.old.get(key, {}), change.new.get(key, {}))
        except NotStorable as error:
            rejected[position] = (change.event_id, str(error))
    # Changes that cancel out still need the write: it moves the mark.
    return totals, highest, seen, rejected


def _failures_to_report(records, changes, outcome_by_key) -> list[str]:
    """For each shard, the first unapplied record and every later record not applied."""

    def failed(change: Change | None) -> bool:
        return change is not None and any(
            outcome_by_key.get(key) == FAILED for key in change.aggregates
        )

    first_failed: dict[str, int] = {}
    for change in filter(failed, changes):
        arn = change.source[0]
        first_failed[arn] = min(first_failed.get(arn, change.sequence), change.sequence)
    return [
        record["dynamodb"]["SequenceNumber"]
        for record, change in zip(records, changes, strict=True)
        if failed(change) and change.sequence >= first_failed[change.source[0]]
    ]


def _stats(changes, outcome_by_key, applied, not_storable, reported, writes) -> dict[str, int]:
    counts = dict.fromkeys(
        ("applied", "duplicates", "malformed", "noEffect", "notStorable", "failed"), 0
    )
    for change in changes:
        if change is None:
            counts["malformed"] += 1
            continue
        outcomes = {outcome_by_key.get(key) for key in change.aggregates}
        if not change.aggregates:
            counts["noEffect"] += 1
        elif FAILED in outcomes:
            counts["failed"] += 1
        elif (change.source, change.sequence) in not_storable:
            counts["notStorable"] += 1
        elif (change.source, change.sequence) in applied:
            counts["applied"] += 1
        else:
            counts["duplicates"] += 1
    skipped = sum(counts[n] for n in ("duplicates", "malformed", "noEffect", "notStorable"))
    return {
        "records": len(changes),
        "writes": writes,
        "skipped": skipped,
        "failed": counts["failed"],
        "reported": reported,
        **counts,
        "aggregates": len(outcome_by_key),
        "problemImages": counts["notStorable"]
        + sum(len(c.problems) for c in changes if c is not None),
        "ttlExpired": sum(1 for c in changes if c is not None and c.expired_by_ttl),
    }


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
