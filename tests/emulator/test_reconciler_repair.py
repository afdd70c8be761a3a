"""`invoke aggregates.check --repair`'s write, on a table with no stream processor.

Fast companions of the slow repair tests (test_aggregates_reconciler.py,
tests/integration/test_tasks.py): the repair must write the true sums (it once
wrote only its `repairedAt` stamp and said "repaired"), and its condition must
fence it against a concurrent writer of the aggregate item. The fence is a
ConditionExpression on UpdateItem: "If the condition evaluates to false,
DynamoDB returns ConditionalCheckFailedException and does not update the item"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
Expressions.ConditionExpressions.html).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from harness.model import key_design
from harness.ops import reconciler
from harness.ops.reconciler import Reconciler

TABLE = "repair-drill"


@pytest.fixture
def client(local_target):
    """A table without a stream (so nothing is ever in flight), with drifting aggregates:
    course#101 holds 3 students but says 7; user#201's orders sum to 30.5, it says 99."""
    dynamodb = local_target.client("dynamodb", "us-east-1")
    dynamodb.create_table(**key_design.table_request(TABLE))
    for student in ("201", "202", "203"):
        put(dynamodb, "course#101", f"student#{student}", entityType="student")
    for order, amount in (("o1", "10.25"), ("o2", "20.25")):
        put(dynamodb, "user#201", f"2025-01-01#order#{order}", entityType="order", amount=amount)
    put(dynamodb, "course#101", "#stats", entityType="courseStats", studentCount="7")
    put(dynamodb, "user#201", "#stats", entityType="userStats", orderCount="2", totalSpent="99")
    return dynamodb


def put(client, pk: str, sk: str, **attributes: str) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": sk}}
    for name, value in attributes.items():
        item[name] = {"S": value} if name == "entityType" else {"N": value}
    client.put_item(TableName=TABLE, Item=item)


def stats(client, pk: str) -> dict:
    return client.get_item(
        TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": "#stats"}}, ConsistentRead=True
    )["Item"]


def test_repair_writes_the_true_sums_and_the_next_check_is_exact(client):
    """Must show 3: drift from direct writes is found, `--repair` writes the true values,
    and a second check finds none (the bug: "repaired", yet the injected value stayed)."""
    checker = Reconciler(client, TABLE, echo=lambda line: None)
    found = checker.check()
    assert {(a.pk, a.status) for a in found.drifting} == {
        ("course#101", reconciler.DRIFT),
        ("user#201", reconciler.DRIFT),
    }
    checker.repair(found)
    assert {a.pk for a in found.with_status(reconciler.REPAIRED)} == {"course#101", "user#201"}
    assert stats(client, "course#101")["studentCount"] == {"N": "3"}
    assert Decimal(stats(client, "user#201")["totalSpent"]["N"]) == Decimal("30.5")
    again = checker.check()
    assert again.drifting == [] and len(again.with_status(reconciler.EXACT)) == 2


def test_repair_that_loses_the_race_rereads_and_lands_on_the_truth(client):
    """A writer that changes the aggregate between the repair's read and its write (as the
    stream processor does) makes the repair's condition fail; the repair then reads again
    and writes the truth that includes the other writer's change, never over it."""
    checker = Reconciler(client, TABLE, echo=lambda line: None)
    found = checker.check()
    raced = []

    def enrol_first(**_):
        if not raced:  # once: a fourth student, and the processor's increment for them
            raced.append(True)
            put(client, "course#101", "student#204", entityType="student")
            client.update_item(
                TableName=TABLE,
                Key={"pk": {"S": "course#101"}, "sk": {"S": "#stats"}},
                UpdateExpression="ADD studentCount :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    client.meta.events.register("before-call.dynamodb.UpdateItem", enrol_first)
    try:
        checker.repair(found)
    finally:
        client.meta.events.unregister("before-call.dynamodb.UpdateItem", enrol_first)
    assert raced
    assert stats(client, "course#101")["studentCount"] == {"N": "4"}
    assert checker.check().drifting == []
