"""On the applied stack, boto3 writes move the aggregates (the #stats items) within 5 s,
through the deployed Lambda behind the real event source mapping."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

pytestmark = pytest.mark.integration

A3 = {"pk": "assignment#a3", "sk": "#stats"}


def settles(table, key, expected: dict, timeout: float = 5.0) -> dict:
    """The item once every expected attribute holds its value (None: absent), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        item = table.get_item(Key=key, ConsistentRead=True).get("Item", {})
        if all(item.get(name) == value for name, value in expected.items()):
            return item
        if time.monotonic() > deadline:
            pytest.fail(f"{key} after {timeout} s: {item}, expected {expected}")
        time.sleep(0.1)


def test_seed_aggregates_are_exact(stack):
    table = stack.table()
    settles(table, {"pk": "course#101", "sk": "#stats"}, {"studentCount": 3}, timeout=15)
    settles(
        table,
        {"pk": "assignment#a1", "sk": "#stats"},
        {"submissionCount": 3, "gradedCount": 3, "averageGrade": 85},
        timeout=15,
    )
    settles(table, {"pk": "instructor#301", "sk": "#stats"}, {"courseCount": 2}, timeout=15)


def test_a_submission_moves_its_assignment_and_back(stack):
    table = stack.table()
    key = {"pk": "assignment#a3", "sk": "student#202"}
    submission = {
        **key,
        "entityType": "submission",
        "assignmentID": "a3",
        "studentID": "202",
        "courseID": "101",
        "grade": 90,
    }
    table.put_item(Item=submission)
    settles(table, A3, {"submissionCount": 1, "averageGrade": 90})
    table.update_item(
        Key=key, UpdateExpression="SET grade = :g", ExpressionAttributeValues={":g": 70}
    )
    settles(table, A3, {"submissionCount": 1, "averageGrade": 70})
    table.delete_item(Key=key)
    settles(table, A3, {"submissionCount": 0, "gradedCount": 0, "averageGrade": None})


def test_an_order_moves_the_users_totals_and_back(stack):
    table = stack.table()
    profile = {"pk": "user#202", "sk": "#stats"}
    before = settles(table, profile, {}, timeout=0)
    count, spent = before.get("orderCount", 0), before.get("totalSpent", 0)
    order = {"pk": "user#202", "sk": "2025-09-01#order#o9001"}
    table.put_item(
        Item={
            **order,
            "entityType": "order",
            "orderID": "o9001",
            "userID": "202",
            "amount": Decimal("19.95"),
            "orderDate": "2025-09-01",
        }
    )
    settles(table, profile, {"orderCount": count + 1, "totalSpent": spent + Decimal("19.95")})
    table.delete_item(Key=order)
    settles(table, profile, {"orderCount": count, "totalSpent": spent})


def test_an_enrollment_raises_the_student_count_and_its_removal_lowers_it(stack):
    table = stack.table()
    course = {"pk": "course#104", "sk": "#stats"}
    enrolled = settles(table, course, {}, timeout=0).get("studentCount", 0)
    enrollment = {"pk": "course#104", "sk": "student#299"}
    table.put_item(
        Item={
            **enrollment,
            "entityType": "student",
            "studentID": "299",
            "courseID": "104",
            "name": "Eve",
            "expiresAt": 1893456000,
        }
    )
    settles(table, course, {"studentCount": enrolled + 1})
    table.delete_item(Key=enrollment)
    settles(table, course, {"studentCount": enrolled})
