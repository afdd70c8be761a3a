"""Restores equal the past: random histories, random restore points, a model to compare with.

Hypothesis draws a short history of puts, updates, deletes and two-item
transactions over a few keys, some of which carry the GSI's key attribute
(studentID) and some of which do not (the index is sparse). Each step is
written to a real table with PITR on, on the DynamoDB Local data plane, and the
time after each step is noted. A restore to a random one of those times must
hold exactly the model's items at that time, and the restored table's GSI must
return, for every studentID, exactly the model's items with that studentID:
"DynamoDB restores your table data to the state based on the selected date and
time" and includes the GSIs
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest
import test_data_plane
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_data_plane import client
from test_pitr import GSI, make_table, wait_active

KEYS = ("a", "b", "c", "d")
# The DynamoDB Local emulator of test_data_plane (a module-scoped fixture) and its reset.
local_plane = test_data_plane.local_plane
plane = test_data_plane.plane
STUDENTS = ("s1", "s2")
_names = itertools.count()

students = st.one_of(st.none(), st.sampled_from(STUDENTS))
put = st.tuples(st.just("put"), st.sampled_from(KEYS), students, st.integers(0, 9))
update = st.tuples(st.just("update"), st.sampled_from(KEYS), students, st.integers(0, 9))
delete = st.tuples(st.just("delete"), st.sampled_from(KEYS))
transaction = st.tuples(
    st.just("transaction"),
    st.lists(st.sampled_from(KEYS), min_size=2, max_size=2, unique=True),
    students,
    st.integers(0, 9),
)
histories = st.lists(st.one_of(put, update, delete, transaction), min_size=1, max_size=8)


def _item(key: str, student: str | None, value: int) -> dict:
    item = {"pk": {"S": key}, "sk": {"S": "#"}, "v": {"N": str(value)}}
    if student is not None:
        item["studentID"] = {"S": student}
    return item


def _apply(ddb, table: str, model: dict[str, dict], step: tuple) -> None:
    """Write one step to the table and to the model."""
    kind = step[0]
    if kind == "put":
        _, key, student, value = step
        model[key] = _item(key, student, value)
        ddb.put_item(TableName=table, Item=model[key])
    elif kind == "update":
        _, key, student, value = step
        if student is None:
            expression, values = "SET v = :v REMOVE studentID", {":v": {"N": str(value)}}
        else:
            expression = "SET v = :v, studentID = :s"
            values = {":v": {"N": str(value)}, ":s": {"S": student}}
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": key}, "sk": {"S": "#"}},
            UpdateExpression=expression,
            ExpressionAttributeValues=values,
        )
        model[key] = _item(key, student, value)  # an update of a missing item creates it
    elif kind == "delete":
        _, key = step
        model.pop(key, None)
        ddb.delete_item(TableName=table, Key={"pk": {"S": key}, "sk": {"S": "#"}})
    else:  # a transaction: put the first key, delete the second
        _, (first, second), student, value = step
        model[first] = _item(first, student, value)
        model.pop(second, None)
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": model[first]}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": second}, "sk": {"S": "#"}}}},
            ]
        )


def _by_student(ddb, table: str) -> dict[str, list[str]]:
    found = {}
    for student in STUDENTS:
        items = ddb.query(
            TableName=table,
            IndexName=GSI.name,
            KeyConditionExpression="studentID = :s",
            ExpressionAttributeValues={":s": {"S": student}},
        )["Items"]
        found[student] = sorted(item["pk"]["S"] for item in items)
    return found


@pytest.mark.slow
@settings(
    max_examples=max(200, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, data=st.data())
def test_a_restore_holds_the_models_items_and_index_at_that_time(plane, history, data):
    ddb = client(plane)
    table = f"history-{next(_names)}"
    make_table(ddb, table)
    model: dict[str, dict] = {}
    states = [({}, dt.datetime.now(dt.UTC))]
    for step in history:
        _apply(ddb, table, model, step)
        states.append(({k: dict(v) for k, v in model.items()}, dt.datetime.now(dt.UTC)))
        time.sleep(0.001)  # distinct times even on a coarse clock
    expected, moment = data.draw(st.sampled_from(states), label="restore point")
    target = f"{table}-restored"
    ddb.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=target, RestoreDateTime=moment
    )
    wait_active(ddb, target)
    items = ddb.scan(TableName=target, ConsistentRead=True)["Items"]
    assert sorted(items, key=lambda i: i["pk"]["S"]) == [expected[k] for k in sorted(expected)]
    assert _by_student(ddb, target) == {
        student: sorted(k for k, i in expected.items() if i.get("studentID") == {"S": student})
        for student in STUDENTS
    }
    for name in (table, target):
        ddb.delete_table(TableName=name)
