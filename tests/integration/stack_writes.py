"""Writes the integration tests make on the applied stack, in one shape."""

from __future__ import annotations

FAR_FUTURE = 1893456000  # 2030-01-01: the seed's enrolments expire then too


def enrol(table, course: str, student: str, name: str) -> dict:
    """Put student `student` into course `course` (a boto3 Table); returns the item's key."""
    key = {"pk": f"course#{course}", "sk": f"student#{student}"}
    table.put_item(
        Item={
            **key,
            "entityType": "student",
            "studentID": student,
            "courseID": course,
            "name": name,
            "expiresAt": FAR_FUTURE,
        }
    )
    return key
