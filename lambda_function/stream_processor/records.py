"""Turn one DynamoDB stream record into the change it makes to aggregates.

A record we cannot place in its shard (no eventSourceARN, no numeric
SequenceNumber, no partition key) is malformed as a whole: it is logged and
skipped, never retried, because a retry would bring the same bytes again and
hold the shard for nothing. An image that breaks the contract only makes that
image contribute nothing (see contract.py); the record still applies the other
image, so a MODIFY from a bad grade to a good one counts the good one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stream_processor.contract import AggregateKey, BadImage, Vector, affected, contribution

EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")


class MalformedRecord(ValueError):
    """The record cannot be placed or applied at all; the message says why."""


@dataclass(frozen=True)
class Change:
    """One record's effect: the contributions it replaces, and where it sits in its shard."""

    event_id: str
    source: tuple[str, str]  # (eventSourceARN, partition key): the watermark's key
    sequence: int
    old: dict[AggregateKey, Vector]  # contribution of the OldImage
    new: dict[AggregateKey, Vector]  # contribution of the NewImage
    aggregates: frozenset[AggregateKey]  # those whose contribution changes
    expired_by_ttl: bool = False
    problems: list[str] = field(default_factory=list)  # images that contributed nothing


def event_id(record: dict) -> str:
    return str(record.get("eventID", "")) if isinstance(record, dict) else ""


def parse(record: dict) -> Change:
    """The change a record makes; raises MalformedRecord if it cannot be applied at all."""
    if not isinstance(record, dict):
        raise MalformedRecord("record is not an object")
    stream = record.get("dynamodb")
    if not isinstance(stream, dict):
        raise MalformedRecord("record has no dynamodb section")
    arn = record.get("eventSourceARN")
    if not isinstance(arn, str) or not arn:
        raise MalformedRecord("record has no eventSourceARN")
    sequence = sequence_number(record)
    keys = stream.get("Keys")
    pk = keys.get("pk", {}).get("S") if isinstance(keys, dict) else None
    if not isinstance(pk, str) or not pk:
        raise MalformedRecord("record has no partition key (Keys.pk)")
    name = record.get("eventName")
    if name not in EVENT_NAMES:
        raise MalformedRecord(f"unknown eventName {name!r}")
    new_image = stream.get("NewImage") if name != "REMOVE" else None
    old_image = stream.get("OldImage") if name != "INSERT" else None
    if name != "REMOVE" and not isinstance(new_image, dict):
        raise MalformedRecord(f"{name} record has no NewImage")
    if name != "INSERT" and not isinstance(old_image, dict):
        raise MalformedRecord(f"{name} record has no OldImage")

    problems: list[str] = []
    new = _contribution_or_nothing(new_image, "NewImage", problems)
    old = _contribution_or_nothing(old_image, "OldImage", problems)
    identity = record.get("userIdentity") or {}
    return Change(
        event_id=event_id(record),
        source=(arn, pk),
        sequence=sequence,
        old=old,
        new=new,
        aggregates=frozenset(affected(new, old)),
        expired_by_ttl=name == "REMOVE" and identity.get("type") == "Service",
        problems=problems,
    )


def sequence_number(record: dict) -> int:
    """The record's SequenceNumber as an integer (a decimal string of any length)."""
    text = (record.get("dynamodb") or {}).get("SequenceNumber")
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        raise MalformedRecord(f"SequenceNumber {text!r} is not a decimal string")
    return int(text)


def _contribution_or_nothing(image: dict | None, label: str, problems: list[str]):
    try:
        return contribution(image)
    except BadImage as error:
        problems.append(f"{label}: {error}")
        return {}
