"""Zero drift: random histories, hostile delivery, and every aggregate still matches its items.

Hypothesis draws a history of inserts, modifies and removes (TTL expiries
included) over several courses, assignments, users and instructors. Each
change is written to a real emulator table and turned into the stream record
DynamoDB would emit, in the shard its partition key hashes to, with increasing
sequence numbers. A delivery loop then plays Lambda's event source mapping at
its worst: shards interleaved (so items are reordered against each other),
records repeated inside a batch, batches redelivered after success, crashes
before or after the k-th write, and writes that fail (or fail after landing)
followed by retries from the lowest reported sequence number. After draining,
the reconciler (`invoke aggregates.check`'s engine) must report zero drift, and
its truth must equal a ground truth written out here by hand from the contract.
"""

from __future__ import annotations

import importlib
import random
import sys
import uuid
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import LAMBDA_SOURCE_DIR
from harness.model import key_design
from harness.ops.reconciler import Reconciler

REGION = "us-east-1"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2025-01-01T00:00:00.000"
SHARDS = 3
COURSES = ("101", "102", "103")
ASSIGNMENTS = {
    "a1": ("101", "2025-10-01"),
    "a2": ("102", "2025-10-08"),
    "a3": ("101", "2025-11-01"),
}
USERS = ("201", "202", "203")
INSTRUCTORS = ("301", "302")
STUDENTS = ("201", "202", "203", "204")
ORDERS = ("o1", "o2", "o3")

_serializer = TypeSerializer()
EVENTS_SEEN = {"emitted": 0, "delivered": 0, "invocations": 0}


# ----------------------------------------------------------- the history


grades = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=100),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
    st.just("abc"),
)
amounts = st.one_of(
    st.decimals(
        min_value=Decimal("0.01"), max_value=500, places=2, allow_nan=False, allow_infinity=False
    ),
    st.just("n/a"),
)
operations = st.one_of(
    st.tuples(
        st.just("student"),
        st.sampled_from(COURSES),
        st.sampled_from(STUDENTS),
        st.sampled_from(["put", "put", "rename", "delete", "expire"]),
    ),
    st.tuples(
        st.just("submission"),
        st.sampled_from(sorted(ASSIGNMENTS)),
        st.sampled_from(STUDENTS),
        st.sampled_from(["put", "put", "delete"]),
        grades,
    ),
    st.tuples(
        st.just("order"),
        st.sampled_from(USERS),
        st.sampled_from(ORDERS),
        st.sampled_from(["put", "put", "delete"]),
        amounts,
    ),
    st.tuples(
        st.just("teaching"),
        st.sampled_from(INSTRUCTORS),
        st.sampled_from(COURSES),
        st.sampled_from(["put", "delete"]),
    ),
)


def child(operation: tuple) -> tuple[dict, str, bool]:
    """The item an operation puts (or the key it deletes), the action, and TTL-ness."""
    family = operation[0]
    if family == "student":
        _, c, s, action = operation
        item = {
            "pk": f"course#{c}",
            "sk": f"student#{s}",
            "entityType": "student",
            "studentID": s,
            "courseID": c,
            "name": f"Student {s}",
            "expiresAt": 1_900_000_000,
        }
        if action == "rename":
            item["name"] += " (renamed)"
        return item, "delete" if action in ("delete", "expire") else "put", action == "expire"
    if family == "submission":
        _, a, s, action, grade = operation
        c, _ = ASSIGNMENTS[a]
        item = {
            "pk": f"assignment#{a}",
            "sk": f"student#{s}",
            "entityType": "submission",
            "assignmentID": a,
            "studentID": s,
            "courseID": c,
        }
        if grade is not None:
            item["grade"] = grade if isinstance(grade, str) else Decimal(grade)
        return item, action, False
    if family == "order":
        _, u, o, action, amount = operation
        item = {
            "pk": f"user#{u}",
            "sk": f"2025-03-15#order#{o}",
            "entityType": "order",
            "orderID": o,
            "userID": u,
            "amount": amount,
            "orderDate": "2025-03-15",
        }
        return item, action, False
    _, i, c, action = operation
    item = {
        "pk": f"instructor#{i}",
        "sk": f"course#{c}",
        "entityType": "teaching",
        "instructorID": i,
        "courseID": c,
    }
    return item, action, False


# ----------------------------------------------------------- DynamoDB Streams, simulated


@dataclass
class Shard:
    records: list[dict] = field(default_factory=list)
    next_sequence: int = 0
    checkpoint: int = 0  # index of the next record the mapping will deliver


class Stream:
    """Records as DynamoDB would emit them: one shard per partition key, in order."""

    def __init__(self, arn: str, rng: random.Random):
        self.arn = arn
        self.rng = rng
        # Start just below a power of ten so sequence numbers gain a digit mid-run.
        self.shards = [Shard(next_sequence=10**21 - rng.randint(1, 400)) for _ in range(SHARDS)]

    def emit(self, old: dict | None, new: dict | None, ttl: bool) -> None:
        if old is None and new is None:
            return
        source = new or old
        shard = self.shards[zlib.crc32(source["pk"].encode()) % SHARDS]
        name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        stream = {
            "Keys": _image({"pk": source["pk"], "sk": source["sk"]}),
            "SequenceNumber": str(shard.next_sequence),
            "SizeBytes": 64,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "ApproximateCreationDateTime": 1.76e9,
        }
        if new is not None:
            stream["NewImage"] = _image(new)
        if old is not None:
            stream["OldImage"] = _image(old)
        record = {
            "eventID": uuid.uuid4().hex,
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "eventSourceARN": self.arn,
            "dynamodb": stream,
        }
        if ttl:
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        shard.records.append(record)
        EVENTS_SEEN["emitted"] += 1
        shard.next_sequence += self.rng.randint(1, 300)


def _image(item: dict) -> dict:
    return {name: _serializer.serialize(value) for name, value in item.items()}


class InjectedCrash(Exception):
    """The function instance dies: the mapping sees an error and retries the whole batch."""


class FaultyClient:
    """The handler's DynamoDB client, failing the k-th write before or after it lands."""

    def __init__(self, real, fault: str | None, on_write: int):
        self.real, self.fault, self.on_write, self.writes = real, fault, on_write, 0

    def update_item(self, **arguments):
        self.writes += 1
        if self.fault is None or self.writes != self.on_write:
            return self.real.update_item(**arguments)
        kind, when = self.fault.split("-")
        if when == "after":
            self.real.update_item(**arguments)  # the write lands, the caller never hears
        if kind == "crash":
            raise InjectedCrash(f"crash {when} write {self.writes}")
        raise ClientError(
            {"Error": {"Code": "InternalServerError", "Message": "injected"}}, "UpdateItem"
        )

    def __getattr__(self, name):
        return getattr(self.real, name)


FAULTS = (None, None, None, "crash-before", "crash-after", "fail-before", "fail-after")


def deliver(handler, stream: Stream, rng: random.Random, chaos_budget: int) -> None:
    """Play the event source mapping until every shard is drained."""
    real_client = handler.DYNAMODB
    try:
        while True:
            pending = [s for s in stream.shards if s.checkpoint < len(s.records)]
            if not pending:
                return
            shard = rng.choice(pending)
            size = rng.randint(1, 25)
            batch = shard.records[shard.checkpoint : shard.checkpoint + size]
            chaotic = chaos_budget > 0
            chaos_budget -= 1
            records = list(batch)
            if chaotic and rng.random() < 0.3:  # a record repeated inside the batch
                at = rng.randrange(len(records))
                records.insert(at, records[at])
            fault = rng.choice(FAULTS) if chaotic else None
            handler.DYNAMODB = FaultyClient(real_client, fault, rng.randint(1, 4))
            EVENTS_SEEN["invocations"] += 1
            EVENTS_SEEN["delivered"] += len(records)
            try:
                result = handler.lambda_handler({"Records": records}, None)
            except InjectedCrash:
                continue  # the checkpoint stays: the whole batch comes again
            failures = [f["itemIdentifier"] for f in result["batchItemFailures"]]
            delivered = [r["dynamodb"]["SequenceNumber"] for r in batch]
            if handler.DYNAMODB.writes < handler.DYNAMODB.on_write or fault is None:
                assert failures == [], "nothing failed, yet records were reported"
            assert set(failures) <= set(delivered), "reported a record not in the batch"
            if failures:
                lowest = min(failures, key=int)
                shard.checkpoint += delivered.index(lowest)
            else:
                shard.checkpoint += len(batch)
            if chaotic and rng.random() < 0.15:  # at-least-once: an old stretch comes again
                shard.checkpoint = rng.randint(0, shard.checkpoint)
    finally:
        handler.DYNAMODB = real_client


# ----------------------------------------------------------- ground truth


def ground_truth(items: list[dict]) -> dict[tuple[str, str], dict[str, Decimal]]:
    """Every aggregate recomputed from the base items, by the documented contract."""
    truth: dict[tuple[str, str], dict[str, Decimal]] = {}

    def add(key, **fields):
        entry = truth.setdefault(key, {})
        for name, amount in fields.items():
            entry[name] = entry.get(name, Decimal(0)) + amount

    for item in items:
        kind, key = item.get("entityType"), (item["pk"], "#stats")
        if kind == "student":
            add(key, studentCount=1)
        elif kind == "teaching":
            add(key, courseCount=1)
        elif kind == "order" and isinstance(item.get("amount"), Decimal):
            add(key, orderCount=1, totalSpent=item["amount"])
        elif kind == "submission":
            if "grade" not in item:
                add(key, submissionCount=1)
            elif isinstance(item["grade"], Decimal):
                add(key, submissionCount=1, gradedCount=1, gradeSum=item["grade"])
    return truth


def assert_no_drift(table) -> None:
    """The reconciler finds every aggregate exact, and its truth is the hand-written one."""
    # A resource's client converts to Python values by itself; the reconciler wants DynamoDB JSON.
    client = boto3.client(
        "dynamodb", region_name=REGION, endpoint_url=table.meta.client.meta.endpoint_url
    )
    report = Reconciler(client, table.name, echo=lambda line: None).check()
    assert report.drifting == [], "\n".join(
        line for aggregate in report.drifting for line in aggregate.lines()
    )
    truth = ground_truth(_scan(table))
    for aggregate in report.aggregates:
        wanted = truth.get((aggregate.pk, aggregate.sk), {})
        for name, value in aggregate.true.items():
            if name == "averageGrade":
                graded = wanted.get("gradedCount", 0)
                expected = (
                    (wanted["gradeSum"] / graded).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
                    if graded
                    else None
                )
            else:
                expected = wanted.get(name, Decimal(0))
            assert value == expected, f"{aggregate.pk} {name}: oracle {value}, by hand {expected}"
    assert {key for key, fields in truth.items() if any(fields.values())} <= {
        (a.pk, a.sk) for a in report.aggregates
    }


def _scan(table) -> list[dict]:
    response = table.scan(ConsistentRead=True)
    items = response["Items"]
    while "LastEvaluatedKey" in response:
        response = table.scan(ConsistentRead=True, ExclusiveStartKey=response["LastEvaluatedKey"])
        items += response["Items"]
    return items


# ----------------------------------------------------------- the test


@pytest.fixture
def handler(emulator, monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ENDPOINT_URL": emulator.endpoint_url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "TABLE_NAME": "university",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(LAMBDA_SOURCE_DIR))
    module = sys.modules.get("handler")
    module = importlib.reload(module) if module else importlib.import_module("handler")
    yield module
    print("property run:", EVENTS_SEEN)


# Example count from the Hypothesis profile (tests/conftest.py): 8 in the fast lane, 40 by
# default, 60 in CI.
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(operations, min_size=80, max_size=300), seed=st.integers(0, 2**32))
def test_aggregates_never_drift(handler, emulator, history, seed):
    rng = random.Random(seed)
    name = f"university-{uuid.uuid4().hex[:8]}"
    resource = boto3.resource("dynamodb", region_name=REGION, endpoint_url=emulator.endpoint_url)
    table = resource.create_table(**key_design.table_request(name))
    handler.TABLE_NAME = name
    try:
        stream = Stream(STREAM_ARN.format(table=name), rng)
        current: dict[tuple[str, str], dict] = {}
        for operation in history:
            item, action, ttl = child(operation)
            key = (item["pk"], item["sk"])
            old = current.get(key)
            if action == "put":
                table.put_item(Item=item)
                current[key] = item
                stream.emit(old, item, ttl=False)
            elif old is not None:
                table.delete_item(Key={"pk": key[0], "sk": key[1]})
                del current[key]
                stream.emit(old, None, ttl=ttl)
        deliver(handler, stream, rng, chaos_budget=rng.randint(0, 40))
        assert_no_drift(table)
    finally:
        table.delete()
