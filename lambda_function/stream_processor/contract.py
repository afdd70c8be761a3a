"""The aggregate contract: which base item adds what to which aggregate item.

Every aggregate is a sum over its source items, so an item's *contribution*
(a vector of numbers added to one aggregate item) is all the handler needs:
a stream record changes an aggregate from total to total - contribution(OldImage)
+ contribution(NewImage). An image that breaks the contract (a grade that is
not a number, an unknown entityType, a missing key) contributes nothing, so the
aggregate always equals the sum over the well-formed items in the table.

Aggregates live in items of their own, `#stats` in the source items' own
partition, that only this processor writes. A PutItem or UpdateItem over a
course, assignment, user profile or instructor never touches them, and under
global tables no user write can collide with them (last writer wins works per
item).

| source entity | aggregate item (entityType)            | contribution                        |
|---------------|----------------------------------------|-------------------------------------|
| student       | course#ID / #stats (courseStats)         | studentCount 1                    |
| submission    | assignment#ID / #stats (assignmentStats) | submissionCount 1; if graded:     |
|               |                                          | gradedCount 1, gradeSum grade     |
| order         | user#ID / #stats (userStats)             | orderCount 1, totalSpent amount   |
| teaching      | instructor#ID / #stats (instructorStats) | courseCount 1                     |

averageGrade is derived at write time: gradeSum / gradedCount rounded to
AVERAGE_GRADE_PLACES, absent while no submission is graded. Numbers follow
dynamodb_numbers: exact, 38 digits, DynamoDB's range.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from stream_processor import dynamodb_numbers

# Entities that feed an aggregate; the mapping's filter admits exactly these.
SOURCE_ENTITIES = ("student", "submission", "order", "teaching")
STATS_SK = "#stats"
# The aggregate item's entityType and running sums, by its partition key's prefix.
STATS = {
    "course#": ("courseStats", ("studentCount",)),
    "assignment#": ("assignmentStats", ("submissionCount", "gradedCount", "gradeSum")),
    "user#": ("userStats", ("orderCount", "totalSpent")),
    "instructor#": ("instructorStats", ("courseCount",)),
}
STATS_ENTITIES = tuple(entity for entity, _ in STATS.values())
# Entities the handler knows but that feed nothing (parents, its own items, sessions, ...).
PASSIVE_ENTITIES = (
    "course",
    "instructor",
    "assignment",
    "userProfile",
    "session",
    "transaction",
    *STATS_ENTITIES,
)

AVERAGE_GRADE = "averageGrade"
AVERAGE_GRADE_PLACES = Decimal("0.01")

Vector = dict[str, Decimal]


@dataclass(frozen=True, order=True)
class AggregateKey:
    """The primary key of the item that holds an aggregate."""

    pk: str
    sk: str

    @property
    def entity_type(self) -> str:
        """The aggregate item's entityType (courseStats, ...), from its pk's prefix."""
        return STATS[self.prefix][0]

    @property
    def sums(self) -> tuple[str, ...]:
        """The running sums this aggregate item holds."""
        return STATS[self.prefix][1]

    @property
    def prefix(self) -> str:
        return self.pk.split("#", 1)[0] + "#"


def stats_key(pk: str) -> AggregateKey:
    """The aggregate item of the partition `pk`."""
    return AggregateKey(pk, STATS_SK)


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


def affected(new: dict[AggregateKey, Vector], old: dict[AggregateKey, Vector]):
    """The aggregates whose contribution differs between the two images (by value)."""
    zero = Decimal(0)
    changed = set()
    for key in new.keys() | old.keys():
        fields = new.get(key, {}).keys() | old.get(key, {}).keys()
        if any(new.get(key, {}).get(f, zero) != old.get(key, {}).get(f, zero) for f in fields):
            changed.add(key)
    return changed


def apply(totals: Vector, old: Vector, new: Vector) -> Vector:
    """The running sums after replacing one item's `old` contribution by `new`.

    Raises dynamodb_numbers.NotStorable when a sum, or the average derived from
    it, would not fit a DynamoDB number; `totals` is left untouched then.
    """
    result = dict(totals)
    zero = Decimal(0)
    for name in sorted(old.keys() | new.keys()):
        result[name] = dynamodb_numbers.replace(
            totals.get(name, zero), old.get(name, zero), new.get(name, zero), name
        )
    derived(result)
    return result


def derived(values: Vector) -> dict[str, Decimal | None]:
    """Attributes computed from the running sums (None: the attribute is absent).

    Raises dynamodb_numbers.NotStorable for an average that needs more than 38 digits.
    """
    if "gradedCount" not in values and "gradeSum" not in values:
        return {}
    graded = values.get("gradedCount", Decimal(0))
    if graded <= 0:
        return {AVERAGE_GRADE: None}
    average = dynamodb_numbers.average(
        values.get("gradeSum", Decimal(0)), graded, AVERAGE_GRADE_PLACES, AVERAGE_GRADE
    )
    return {AVERAGE_GRADE: average}


def _student(image: dict) -> dict[AggregateKey, Vector]:
    key = stats_key(_prefixed(image, "pk", "course#"))
    return {key: {"studentCount": Decimal(1)}}


def _teaching(image: dict) -> dict[AggregateKey, Vector]:
    key = stats_key(_prefixed(image, "pk", "instructor#"))
    return {key: {"courseCount": Decimal(1)}}


def _order(image: dict) -> dict[AggregateKey, Vector]:
    key = stats_key(_prefixed(image, "pk", "user#"))
    amount = _number(image, "amount")
    return {key: {"orderCount": Decimal(1), "totalSpent": amount}}


def _submission(image: dict) -> dict[AggregateKey, Vector]:
    key = stats_key(_prefixed(image, "pk", "assignment#"))
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
    if not dynamodb_numbers.storable(number):
        raise BadImage(f"{name} is not a DynamoDB number: {text!r}")
    return number
