"""The aggregate contract: which base item adds what to which aggregate item.

Every aggregate is a sum over its source items, so an item's *contribution*
(a vector of numbers added to one aggregate item) is all the handler needs:
a stream record changes an aggregate by contribution(NewImage) minus
contribution(OldImage). An image that breaks the contract (a grade that is not
a number, an unknown entityType, a missing parent key) contributes nothing, so
the aggregate always equals the sum over the well-formed items in the table.

| source entity | aggregate item                   | contribution                            |
|---------------|----------------------------------|-----------------------------------------|
| student       | pk (course#ID), sk #details      | studentCount 1                          |
| submission    | pk assignmentPK, sk assignmentSK | submissionCount 1; if graded:           |
|               |                                  | gradedCount 1, gradeSum grade           |
| order         | pk (user#ID), sk #profile        | orderCount 1, totalSpent amount         |
| teaching      | pk (instructor#ID), sk #details  | courseCount 1                           |

averageGrade on the assignment is derived at write time: gradeSum / gradedCount
rounded to AVERAGE_GRADE_PLACES, and absent while no submission is graded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Entities that feed an aggregate; the mapping's filter admits exactly these.
SOURCE_ENTITIES = ("student", "submission", "order", "teaching")
# Entities the handler knows but that feed nothing (aggregate holders, sessions, ...).
PASSIVE_ENTITIES = ("course", "instructor", "assignment", "userProfile", "session", "transaction")

AVERAGE_GRADE = "averageGrade"
AVERAGE_GRADE_PLACES = Decimal("0.01")

Vector = dict[str, Decimal]


@dataclass(frozen=True, order=True)
class AggregateKey:
    """The primary key of the item that holds an aggregate."""

    pk: str
    sk: str


class BadImage(ValueError):
    """The image breaks the contract; the message says how."""


def contribution(image: dict | None) -> dict[AggregateKey, Vector]:
    """What one item image adds to aggregates (empty for passive entities)."""
    if not image:
        return {}
    entity = _string(image, "entityType")
    if entity in PASSIVE_ENTITIES:
        return {}
    builder = _BUILDERS.get(entity)
    if builder is None:
        raise BadImage(f"unknown entityType {entity!r}")
    return builder(image)


def difference(new: dict[AggregateKey, Vector], old: dict[AggregateKey, Vector]):
    """new minus old, keeping only aggregates and fields that actually change."""
    delta: dict[AggregateKey, Vector] = {}
    for key in new.keys() | old.keys():
        fields: Vector = {}
        for name in new.get(key, {}).keys() | old.get(key, {}).keys():
            change = new.get(key, {}).get(name, Decimal(0)) - old.get(key, {}).get(name, Decimal(0))
            if change:
                fields[name] = change
        if fields:
            delta[key] = fields
    return delta


def derived(values: Vector, changed: set[str]) -> dict[str, Decimal | None]:
    """Attributes recomputed from running sums that changed (None: remove the attribute)."""
    if not changed & {"gradedCount", "gradeSum"}:
        return {}
    graded = values.get("gradedCount", Decimal(0))
    if graded <= 0:
        return {AVERAGE_GRADE: None}
    average = values.get("gradeSum", Decimal(0)) / graded
    return {AVERAGE_GRADE: average.quantize(AVERAGE_GRADE_PLACES, rounding=ROUND_HALF_EVEN)}


def _student(image: dict) -> dict[AggregateKey, Vector]:
    pk = _prefixed(image, "pk", "course#")
    return {AggregateKey(pk, "#details"): {"studentCount": Decimal(1)}}


def _teaching(image: dict) -> dict[AggregateKey, Vector]:
    pk = _prefixed(image, "pk", "instructor#")
    return {AggregateKey(pk, "#details"): {"courseCount": Decimal(1)}}


def _order(image: dict) -> dict[AggregateKey, Vector]:
    pk = _prefixed(image, "pk", "user#")
    amount = _number(image, "amount")
    return {AggregateKey(pk, "#profile"): {"orderCount": Decimal(1), "totalSpent": amount}}


def _submission(image: dict) -> dict[AggregateKey, Vector]:
    key = AggregateKey(_string(image, "assignmentPK"), _string(image, "assignmentSK"))
    vector: Vector = {"submissionCount": Decimal(1)}
    if "grade" in image and "NULL" not in image["grade"]:
        vector["gradedCount"] = Decimal(1)
        vector["gradeSum"] = _number(image, "grade")
    return {key: vector}


_BUILDERS = {
    "student": _student,
    "submission": _submission,
    "order": _order,
    "teaching": _teaching,
}


def _string(image: dict, name: str) -> str:
    value = image.get(name)
    if not isinstance(value, dict) or not isinstance(value.get("S"), str) or not value["S"]:
        raise BadImage(f"{name} is missing or not a non-empty string")
    return value["S"]


def _prefixed(image: dict, name: str, prefix: str) -> str:
    value = _string(image, name)
    if not value.startswith(prefix) or value == prefix:
        raise BadImage(f"{name} {value!r} does not start with {prefix!r}")
    return value


def _number(image: dict, name: str) -> Decimal:
    value = image.get(name)
    text = value.get("N") if isinstance(value, dict) else None
    if not isinstance(text, str):
        raise BadImage(f"{name} is missing or not a number: {value!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadImage(f"{name} is not a number: {text!r}") from None
    if not number.is_finite():
        raise BadImage(f"{name} is not a finite number: {text!r}")
    return number
