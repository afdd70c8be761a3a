"""Aggregates stay exact with the real function deployed: across two regions, across
DynamoDB's number range, and while the reconciler repairs drift under a live stream.

The function is the project's zip behind a mapping configured as Terraform
configures it (tests/emulator/test_stream_deployed.py); the table is a global
table with a replica in us-west-2 (the emulator replicates both ways, last
writer wins, after EMULATOR_REPLICATION_DELAY_SECONDS = 0.1 s). The reconciler,
the engine of `invoke aggregates.check`, is the oracle throughout.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_global_tables import add_replica
from test_stream_deployed import FUNCTION, TABLE, deploy
from test_stream_support import clients, wait_for

from harness.ops import reconciler

PRIMARY, REPLICA = "us-east-1", "us-west-2"
pytestmark = pytest.mark.slow


@pytest.fixture
def deployed(local_target):
    """The table (with its us-west-2 replica), the function and its mapping in us-east-1."""
    aws = clients(local_target.endpoint_url, PRIMARY)
    deploy(aws)
    add_replica(aws["dynamodb"], REPLICA, TABLE)
    return local_target, aws


def reconciled(target, region: str, timeout: float = 40.0, prefix: str = "") -> reconciler.Report:
    """The reconciler's report once it finds nothing to repair in `region` (among the
    aggregates whose partition key contains `prefix`), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        report = reconciler.reconcile(target, TABLE, region=region, echo=lambda line: None)
        drifting = [a for a in report.drifting if prefix in a.pk]
        if not drifting or time.monotonic() > deadline:
            lines = [line for a in drifting for line in a.lines()]
            assert not drifting, f"{region}: {report.summary()}\n" + "\n".join(lines)
            return report
        time.sleep(0.5)


def student(course: str, student_id: str) -> dict:
    return {
        "pk": {"S": f"course#{course}"},
        "sk": {"S": f"student#{student_id}"},
        "entityType": {"S": "student"},
        "studentID": {"S": student_id},
        "courseID": {"S": course},
        "name": {"S": f"Student {student_id}"},
    }


def course(course_id: str) -> dict:
    return {
        "pk": {"S": f"course#{course_id}"},
        "sk": {"S": "#details"},
        "entityType": {"S": "course"},
        "courseID": {"S": course_id},
        "title": {"S": "Databases"},
        "courseDate": {"S": "2025-09-15"},
    }


def retitle(client, course_id: str, title: str) -> None:
    client.update_item(
        TableName=TABLE,
        Key={"pk": {"S": f"course#{course_id}"}, "sk": {"S": "#details"}},
        UpdateExpression="SET title = :title",
        ExpressionAttributeValues={":title": {"S": title}},
    )


def count_in(client, course_id: str) -> tuple[int, int | None]:
    """(students in the partition, the studentCount stored), both read in one Query."""
    items = client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"course#{course_id}"}},
        ConsistentRead=True,
    )["Items"]
    students = sum(1 for item in items if item["entityType"]["S"] == "student")
    stats = [item for item in items if item["sk"]["S"] == "#stats"]
    return students, int(stats[0]["studentCount"]["N"]) if stats else None


def test_enrol_in_one_region_retitle_in_the_other_leaves_every_count_exact(deployed):
    """Must show 1: 20 rounds of "enrol in us-east-1, then 0-0.5 s later UpdateItem the
    course's title in us-west-2", then removals racing retitles the same way.

    Global tables resolve concurrent writes to one item by last writer wins, for the whole
    item (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
    V2globaltables_HowItWorks.html, "Conflict resolution"). A count kept on the course item
    lost increments that way; kept in the #stats item, which only the processor (primary
    region) writes, no user write can win over it.
    """
    target, aws = deployed
    east, west = target.client("dynamodb", PRIMARY), target.client("dynamodb", REPLICA)
    rng = random.Random(20261130)
    courses = ("101", "102")
    for course_id in courses:
        east.put_item(TableName=TABLE, Item=course(course_id))
    enrolled: list[tuple[str, str]] = []
    for round_number in range(20):
        course_id = rng.choice(courses)
        east.put_item(TableName=TABLE, Item=student(course_id, f"{round_number:03d}"))
        enrolled.append((course_id, f"{round_number:03d}"))
        time.sleep(rng.uniform(0, 0.5))
        retitle(west, course_id, f"Databases, take {round_number}")
    removed = rng.sample(enrolled, 10)
    for course_id, student_id in removed:
        here, there = rng.choice([(east, west), (west, east)])
        here.delete_item(
            TableName=TABLE,
            Key={"pk": {"S": f"course#{course_id}"}, "sk": {"S": f"student#{student_id}"}},
        )
        time.sleep(rng.uniform(0, 0.5))
        retitle(there, course_id, f"Databases, after {student_id} left")

    for region in (PRIMARY, REPLICA):
        report = reconciled(target, region)
        assert {(a.pk, a.status) for a in report.aggregates} == {
            (f"course#{c}", "exact") for c in courses
        }
    for client in (east, west):
        for course_id in courses:
            expected = sum(1 for e in enrolled if e[0] == course_id and e not in removed)
            both = (expected, expected)
            assert wait_for(lambda c=client, i=course_id, n=both: count_in(c, i) == n)
            details = client.get_item(
                TableName=TABLE,
                Key={"pk": {"S": f"course#{course_id}"}, "sk": {"S": "#details"}},
                ConsistentRead=True,
            )["Item"]
            assert "studentCount" not in details, "counts never land on the user's item"


def test_huge_and_38_digit_numbers_through_the_deployed_function(deployed):
    """Must show 2, deployed: 1E+26 grades and 38-digit amounts sum exactly, a sum past
    DynamoDB's range (magnitudes below 1E+126) is a logged problem image, and the function
    never errors: nothing reaches the mapping's failure queue and every batch succeeds."""
    target, aws = deployed
    east = target.client("dynamodb", PRIMARY)

    def put(pk: str, sk: str, entity: str, **numbers: str) -> None:
        item = {"pk": {"S": pk}, "sk": {"S": sk}, "entityType": {"S": entity}}
        item.update({name: {"N": value} for name, value in numbers.items()})
        east.put_item(TableName=TABLE, Item=item)

    put("assignment#a1", "student#201", "submission", grade="1E+26")
    put("assignment#a1", "student#202", "submission", grade="1E+26")
    full = "1234567890123456789012345678901234567.8"  # 38 significant digits
    put("user#201", "2025-01-01#order#o1", "order", amount=full)
    put("user#201", "2025-01-02#order#o2", "order", amount="0.1")
    put("user#202", "2025-01-01#order#o1", "order", amount="9E+125")
    put("user#202", "2025-01-02#order#o2", "order", amount="9E+125")  # 1.8E+126: out of range

    report = wait_for(lambda: _report_with(target, "user#202"), timeout=20)
    stats = {(a.pk, name): a.stored[name] for a in report.aggregates for name in a.stored}
    assert stats[("assignment#a1", "gradeSum")] == Decimal("2E+26")
    assert stats[("assignment#a1", "averageGrade")] == Decimal("1E+26")
    assert stats[("user#201", "totalSpent")] == Decimal("1234567890123456789012345678901234567.9")
    assert (stats[("user#202", "orderCount")], stats[("user#202", "totalSpent")]) == (
        1,
        Decimal("9E+125"),
    )
    [unstorable] = report.with_status(reconciler.UNSTORABLE)
    assert unstorable.pk == "user#202" and "totalSpent" in unstorable.note
    messages = _log_messages(aws)
    assert any("could not store it" in m and "user#202" in m for m in messages), messages
    assert not [m for m in messages if '"level": "ERROR"' in m or "Unhandled" in m]
    queue = aws["sqs"].get_queue_url(QueueName="failures")["QueueUrl"]
    assert "Messages" not in aws["sqs"].receive_message(QueueUrl=queue, WaitTimeSeconds=1)


def _report_with(target, pk: str):
    """The reconciler's report once the stream is applied and only `pk` differs (its true
    sum cannot be stored)."""
    report = reconciler.reconcile(target, TABLE, echo=lambda line: None)
    settled = not report.with_status(reconciler.DRIFT, reconciler.PENDING) and not any(
        any(a.in_flight.values()) for a in report.aggregates
    )
    if settled and any(a.pk == pk and a.stored.get("orderCount") for a in report.aggregates):
        return report
    return None


def _log_messages(aws) -> list[str]:
    events = aws["logs"].filter_log_events(logGroupName=f"/aws/lambda/{FUNCTION}")["events"]
    return [event["message"] for event in events]


# --------------------------------------------------------------- repair under a live stream

EXAMPLES = itertools.count()
operations = st.lists(
    st.tuples(
        st.sampled_from(["enrol", "enrol", "leave", "order", "refund"]),
        st.integers(0, 2),  # which partition
        st.integers(0, 5),  # which student / order
        st.decimals(Decimal("0.01"), Decimal("500"), places=2),
    ),
    min_size=20,
    max_size=60,
)
injections = st.lists(
    st.tuples(st.sampled_from(["course", "user"]), st.integers(0, 2), st.integers(-5, 5)),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=3,
    deadline=None,
    # No shrinking: every example costs tens of seconds against a live stream.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=operations, drift=injections, seed=st.integers(0, 2**32))
def test_repair_while_records_keep_flowing_ends_with_zero_drift(deployed, history, drift, seed):
    """Must show 3: drift injected by direct writes to aggregate items is found, and
    `--repair` fixes it while the deployed processor keeps applying new records; once the
    stream is drained the reconciler finds zero drift, without another repair.

    The fence: the repair's UpdateItem is conditional on the sums and the processor's
    watermark it read, and the processor's writes are conditional on every sum (a failed
    condition costs a re-read, never a lost or doubled change).
    """
    target, _ = deployed
    east = target.client("dynamodb", PRIMARY)
    rng = random.Random(seed)
    run = next(EXAMPLES)
    course_pk = [f"course#{run}-{n}" for n in range(3)]
    user_pk = [f"user#{run}-{n}" for n in range(3)]

    def write(stretch) -> None:
        for action, partition, number, amount in stretch:
            if action in ("enrol", "leave"):
                key = {"pk": {"S": course_pk[partition]}, "sk": {"S": f"student#{number}"}}
                extra = {"entityType": {"S": "student"}, "studentID": {"S": str(number)}}
            else:
                key = {"pk": {"S": user_pk[partition]}, "sk": {"S": f"2025-01-01#order#o{number}"}}
                extra = {"entityType": {"S": "order"}, "amount": {"N": str(amount)}}
            if action in ("enrol", "order"):
                east.put_item(TableName=TABLE, Item={**key, **extra})
            else:
                east.delete_item(TableName=TABLE, Key=key)
            time.sleep(rng.uniform(0, 0.05))

    # GIVEN a first stretch of history applied, and drift written straight onto #stats items
    first, rest = history[: len(history) // 2], history[len(history) // 2 :]
    write(first)
    mine = f"#{run}-"
    reconciled(target, PRIMARY, prefix=mine)
    injected = set()
    for kind, partition, amount in drift:
        pk = (course_pk if kind == "course" else user_pk)[partition]
        field = "studentCount" if kind == "course" else "orderCount"
        east.update_item(
            TableName=TABLE,
            Key={"pk": {"S": pk}, "sk": {"S": "#stats"}},
            UpdateExpression="SET #f = if_not_exists(#f, :zero) + :drift",
            ExpressionAttributeNames={"#f": field},
            ExpressionAttributeValues={":zero": {"N": "0"}, ":drift": {"N": str(amount or 1)}},
        )
        injected.add(pk)
    # WHEN new records keep flowing, the rest of the history then fresh enrolments and
    # orders on the same partitions, until the reconciler has checked and repaired
    done = threading.Event()
    written_during_repair = []

    def keep_writing() -> None:
        write(rest)
        for number in itertools.count(100):
            if done.is_set():
                return
            write([("enrol", number % 3, number, 0), ("order", number % 3, number, number)])
            written_during_repair.append(number)
            # Each partition gets a record every ~1.5 s: a repair (its window is the 0.5 s
            # settle) must be able to win the race at times; under a faster steady stream
            # to one partition it gives up as `pending` (README: aggregates.check).
            time.sleep(0.5)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    found = reconciler.reconcile(target, TABLE, repair=True, echo=lambda line: None)
    done.set()
    writer.join()
    assert written_during_repair, "the repair ran after the records stopped; nothing was shown"
    # THEN exactly the injected drift was repaired, and after draining everything is exact
    repaired = {a.pk for a in found.with_status(reconciler.REPAIRED) if mine in a.pk}
    assert repaired == injected, found.summary()
    report = reconciled(target, PRIMARY, prefix=mine)
    assert report.with_status(reconciler.REPAIRED) == []
