"""The key design: which entity lives under which keys, declared once.

Single-table design starts here: every entity shares one table, so its partition
and sort keys are templates that put related items side by side (an item
collection) and keep sort keys ordered the way queries need them (dates first).
The README's key-design table is generated from this module, and a test checks
every seed item against it, so the three cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TABLE_NAME = "university"
PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expiresAt"
# The sort key of the items that hold a partition's aggregates. Only the stream
# processor writes them, so no user write (PutItem over a parent, a write in
# another region) can collide with its counts; '#' sorts before letters and
# digits, so they come first in their partition, next to '#details'/'#profile'.
STATS_SK = "#stats"


@dataclass(frozen=True)
class Index:
    """A global secondary index; both declared here and in terraform/modules/table."""

    name: str
    hash_key: str
    range_key: str | None = None

    @property
    def key_attributes(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)


INDEXES = (
    Index("studentID-index", "studentID"),
    # Sparse: only courses carry courseDate, so the index holds courses alone.
    Index("entityType-courseDate-index", "entityType", "courseDate"),
)


@dataclass(frozen=True)
class Entity:
    """One kind of item: its entityType, key templates and attributes.

    Templates name attributes in angle brackets: `course#<courseID>`. A placeholder
    that is not an attribute (such as `<time>`) only appears in the key.
    """

    entity_type: str
    pk: str
    sk: str
    attributes: tuple[str, ...]
    derived: tuple[str, ...] = ()  # written by the stream processor, never by users

    @property
    def ttl(self) -> bool:
        return TTL_ATTRIBUTE in self.attributes

    @property
    def indexes(self) -> tuple[Index, ...]:
        """The indexes this entity appears in: those whose key attributes it carries."""
        carried = set(self.attributes)
        return tuple(index for index in INDEXES if set(index.key_attributes) <= carried)

    def key_mismatches(self, item: dict) -> list[str]:
        """Why `item`'s keys do not follow this entity's templates (empty when they do)."""
        problems = []
        for key_name, template in ((PARTITION_KEY, self.pk), (SORT_KEY, self.sk)):
            value = str(item.get(key_name, ""))
            match = _template_regex(template).fullmatch(value)
            if match is None:
                problems.append(f"{key_name} {value!r} does not match {template!r}")
                continue
            for placeholder, part in match.groupdict().items():
                if placeholder in self.attributes and str(item.get(placeholder)) != part:
                    problems.append(
                        f"{key_name} {value!r} says {placeholder}={part!r} "
                        f"but the item has {item.get(placeholder)!r}"
                    )
        return problems


ENTITIES = (
    Entity(
        "course",
        "course#<courseID>",
        "#details",
        ("entityType", "courseID", "title", "courseDate", "instructorID"),
    ),
    Entity("courseStats", "course#<courseID>", STATS_SK, ("entityType",), ("studentCount",)),
    Entity(
        "student",
        "course#<courseID>",
        "student#<studentID>",
        ("entityType", "studentID", "courseID", "name", TTL_ATTRIBUTE),
    ),
    Entity(
        "instructor",
        "instructor#<instructorID>",
        "#details",
        ("entityType", "instructorID", "name"),
    ),
    Entity(
        "instructorStats", "instructor#<instructorID>", STATS_SK, ("entityType",), ("courseCount",)
    ),
    Entity(
        "teaching",
        "instructor#<instructorID>",
        "course#<courseID>",
        ("entityType", "instructorID", "courseID", "title"),
    ),
    Entity(
        "assignment",
        "course#<courseID>",
        "<dueDate>#assignment#<assignmentID>",
        ("entityType", "assignmentID", "courseID", "title", "dueDate"),
    ),
    Entity(
        "submission",
        "assignment#<assignmentID>",
        "student#<studentID>",
        ("entityType", "assignmentID", "studentID", "courseID", "grade"),
    ),
    Entity(
        "assignmentStats",
        "assignment#<assignmentID>",
        STATS_SK,
        ("entityType",),
        ("submissionCount", "gradedCount", "gradeSum", "averageGrade"),
    ),
    Entity(
        "userProfile",
        "user#<userID>",
        "#profile",
        ("entityType", "userID", "name", "email"),
    ),
    Entity("userStats", "user#<userID>", STATS_SK, ("entityType",), ("orderCount", "totalSpent")),
    Entity(
        "order",
        "user#<userID>",
        "<orderDate>#order#<orderID>",
        ("entityType", "orderID", "userID", "amount", "orderDate"),
    ),
    Entity(
        "transaction",
        "order#<orderID>",
        "txn#<time>#<transactionID>",
        ("entityType", "orderID", "transactionID", "amount", "status"),
    ),
    Entity(
        "session",
        "user#<userID>",
        "session#<sessionID>",
        ("entityType", "userID", "sessionID", TTL_ATTRIBUTE),
    ),
)


def entity(entity_type: str) -> Entity:
    """The entity declared for `entity_type`; KeyError names the known ones."""
    for candidate in ENTITIES:
        if candidate.entity_type == entity_type:
            return candidate
    known = ", ".join(candidate.entity_type for candidate in ENTITIES)
    raise KeyError(f"no entity {entity_type!r} in the key design; known: {known}")


def index(name: str) -> Index:
    """The index called `name`; KeyError names the known ones."""
    for candidate in INDEXES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no index {name!r}; known: {', '.join(i.name for i in INDEXES)}")


def table_request(
    name: str = TABLE_NAME,
    *,
    sort_key: bool = True,
    indexes: tuple[Index, ...] = (),
    stream_view_type: str | None = None,
) -> dict:
    """CreateTable keyword arguments for a pay-per-request table keyed like the design.

    Tests, benches and the emulator checks all need this table (or a pk-only
    cousin of it); building the request here keeps their key schemas in step.
    Every key attribute is a string; index key attributes are declared too.
    """
    keys = (PARTITION_KEY, SORT_KEY) if sort_key else (PARTITION_KEY,)
    attributes = dict.fromkeys(keys)
    for gsi in indexes:
        attributes.update(dict.fromkeys(gsi.key_attributes))
    request: dict = {
        "TableName": name,
        "KeySchema": _key_schema(keys),
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": "S"} for attribute in attributes
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": gsi.name,
                "KeySchema": _key_schema(gsi.key_attributes),
                "Projection": {"ProjectionType": "ALL"},
            }
            for gsi in indexes
        ]
    if stream_view_type is not None:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream_view_type,
        }
    return request


def _key_schema(attributes: tuple[str, ...]) -> list[dict]:
    return [
        {"AttributeName": attribute, "KeyType": kind}
        for attribute, kind in zip(attributes, ("HASH", "RANGE"), strict=False)
    ]


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"<(\w+)>", template)
    pattern = "".join(
        f"(?P<{part}>[^#]+)" if position % 2 else re.escape(part)
        for position, part in enumerate(parts)
    )
    return re.compile(pattern)
