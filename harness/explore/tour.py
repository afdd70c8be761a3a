"""The tour: one button per feature of the design; each does one write and says what to watch.

A step returns what it wrote and the events that show the feature working
(`expect`); the page ticks each one off as the live feed delivers it:

- enrol: a student joins course 104 -> its INSERT stream record, the stream
  processor's invocation, the course's studentCount moving.
- expire: a session whose expiresAt has passed -> TTL deletes it: a REMOVE record
  whose userIdentity is {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
  ("Time to Live (TTL) and DynamoDB Streams", Developer Guide,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html).
  AWS deletes expired items within a few days; the emulator's sweeper within seconds.
- replicate: a write in the first replica region appears in the table's own region
  (global tables, last writer wins), with the lag this page observed.
- undo: deletes every item the tour wrote (the counts go back).

Writes are refused unless the explorer allows them (always on the local target; on
aws only with `invoke explore --allow-writes`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from boto3.dynamodb.types import TypeSerializer

from harness import HarnessError
from harness.model import key_design
from harness.stack.targets import Target

TOUR_COURSE = "104"
TOUR_USER = "202"
FAR_FUTURE = 1893456000  # 2030-01-01, like the seed's enrolments
SERVICE_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
STEPS = ("enrol", "expire", "replicate", "undo")
_SERIALIZER = TypeSerializer()


def aggregate_of(attribute: str) -> key_design.Entity:
    """The entity the key design derives `attribute` on (the course today, a sibling
    #stats item if the design moves it there)."""
    for entity in key_design.ENTITIES:
        if attribute in entity.derived:
            return entity
    raise HarnessError(f"the key design derives no attribute {attribute!r}")


@dataclass
class Tour:
    target: Target
    table_name: str
    allow_writes: bool
    written: list[tuple[str, dict]] = field(default_factory=list)  # (region, key)
    clients: dict = field(default_factory=dict, repr=False)
    on_write: Callable[[list[str], str], None] | None = None  # told of each write: key, region

    def client(self, region: str):
        if region not in self.clients:
            self.clients[region] = self.target.client("dynamodb", region)
        return self.clients[region]

    def run(self, step: str) -> dict:
        """Do step `step`; returns {"step", "title", "did", "key", "expect": [...]}."""
        if step not in STEPS:
            raise HarnessError(f"no tour step {step!r}; steps: {', '.join(STEPS)}")
        if not self.allow_writes:
            raise HarnessError(
                f"the page is read-only on target {self.target.name}; "
                "restart it with `invoke explore --allow-writes` to run the tour"
            )
        return getattr(self, f"_{step}")()

    def _put(self, item: dict, region: str | None = None) -> list[str]:
        region = region or self.target.region
        if self.on_write:  # before the write: its records may arrive at once
            self.on_write([item[key_design.PARTITION_KEY], item[key_design.SORT_KEY]], region)
        self.client(region).put_item(
            TableName=self.table_name,
            Item={name: _SERIALIZER.serialize(value) for name, value in item.items()},
        )
        key = {name: item[name] for name in (key_design.PARTITION_KEY, key_design.SORT_KEY)}
        self.written.append((region, key))
        return [key[key_design.PARTITION_KEY], key[key_design.SORT_KEY]]

    def _enrol(self) -> dict:
        student = f"t{secrets.randbelow(100_000):05d}"
        key_list = self._put(
            {
                "pk": f"course#{TOUR_COURSE}",
                "sk": f"student#{student}",
                "entityType": "student",
                "studentID": student,
                "courseID": TOUR_COURSE,
                "name": "Tour Student",
                "expiresAt": FAR_FUTURE,
            }
        )
        return _step(
            "enrol",
            f"Enrol student {student} in course {TOUR_COURSE}",
            f"PutItem {key_list} in {self.target.region}",
            key_list,
            [
                _record("INSERT", key_list, self.target.region, "its INSERT stream record"),
                {"kind": "invocation", "label": "the stream processor's invocation"},
                {
                    "kind": "aggregate",
                    "pk": key_list[0],
                    "attribute": "studentCount",
                    "label": f"studentCount of {aggregate_of('studentCount').entity_type} "
                    f"{key_list[0]} moves",
                },
            ],
        )

    def _expire(self) -> dict:
        session = f"tour-{secrets.token_hex(3)}"
        key_list = self._put(_session(session, int(time.time()) - 60))
        return _step(
            "expire",
            f"A session ({session}) that expired a minute ago",
            f"PutItem {key_list} with expiresAt in the past",
            key_list,
            [
                _record("INSERT", key_list, self.target.region, "its INSERT stream record"),
                {
                    # In any region: with replicas, TTL may expire the item in either one.
                    **_record(
                        "REMOVE",
                        key_list,
                        None,
                        "TTL deletes it: REMOVE by the service (dynamodb.amazonaws.com)",
                    ),
                    "userIdentity": SERVICE_IDENTITY,
                },
            ],
        )

    def _replicate(self) -> dict:
        if not self.target.replica_regions:
            raise HarnessError("the stack has no replica region to write in")
        region = self.target.replica_regions[0]
        session = f"tour-west-{secrets.token_hex(3)}"
        key_list = self._put(_session(session, FAR_FUTURE), region)
        return _step(
            "replicate",
            f"Write in {region}, read in {self.target.region}",
            f"PutItem {key_list} in {region}",
            key_list,
            [
                _record("INSERT", key_list, region, f"the INSERT in {region}"),
                _record(
                    "INSERT", key_list, self.target.region, f"it arrives in {self.target.region}"
                ),
                {
                    "kind": "replication",
                    "key": key_list,
                    "to": self.target.region,
                    "label": f"replica lag {region} -> {self.target.region}",
                },
            ],
        )

    def _undo(self) -> dict:
        removed = []
        for region, key in reversed(self.written):
            self.client(region).delete_item(
                TableName=self.table_name,
                Key={name: _SERIALIZER.serialize(value) for name, value in key.items()},
            )
            removed.append([key["pk"], key["sk"]])
        self.written.clear()
        return {
            "step": "undo",
            "title": "Undo the tour's writes",
            "did": f"DeleteItem x{len(removed)}",
            "key": None,
            "removed": removed,
            "expect": [],
        }


def _step(step: str, title: str, did: str, key: list[str], expect: list[dict]) -> dict:
    return {"step": step, "title": title, "did": did, "key": key, "expect": expect}


def _session(session: str, expires_at: int) -> dict:
    return {
        "pk": f"user#{TOUR_USER}",
        "sk": f"session#{session}",
        "entityType": "session",
        "userID": TOUR_USER,
        "sessionID": session,
        "expiresAt": expires_at,
    }


def _record(event_name: str, key: list[str], region: str | None, label: str) -> dict:
    return {"kind": "record", "eventName": event_name, "key": key, "region": region, "label": label}
