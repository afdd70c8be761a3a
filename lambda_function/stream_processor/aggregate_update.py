"""Build the one conditional UpdateItem that writes a batch's new totals to one aggregate item.

The update writes absolute values computed from what the handler read, and its
condition says "the item still holds exactly what I read": it exists (or, for
a first write, does not exist yet), every running sum it touches and every
watermark entry it moves are unchanged. If anything moved in between (another
invocation, or the reconciler's repair), DynamoDB rejects the write and the
handler reads again and recomputes (optimistic concurrency), so no change is
lost or doubled.
"""

from __future__ import annotations

from decimal import Decimal

from boto3.dynamodb.types import TypeSerializer

from stream_processor import watermarks
from stream_processor.contract import AggregateKey, Vector, derived

_serializer = TypeSerializer()


class _Expression:
    """Collects placeholders so names with '#', '|' or ':' never meet the grammar."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, dict] = {}

    def name(self, text: str) -> str:
        for placeholder, existing in self.names.items():
            if existing == text:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = text
        return placeholder

    def value(self, python_value: object) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = _serializer.serialize(python_value)
        return placeholder


def build(
    table_name: str,
    key: AggregateKey,
    item: dict | None,
    totals: Vector,
    highest: dict[tuple[str, str], int],
    now: float,
) -> dict:
    """UpdateItem arguments storing `totals` and moving the marks to `highest`.

    `item` is the aggregate item as read (deserialized), None when it does not
    exist yet: the write then creates it, with its entityType.
    """
    expression = _Expression()
    sets: list[str] = []
    removes: list[str] = []
    exists = f"attribute_exists({expression.name('pk')})"
    conditions = [exists if item is not None else f"attribute_not_exists({expression.name('pk')})"]
    item = item if item is not None else {}
    if item.get("entityType") != key.entity_type:
        # Also mends an aggregate item that a stray write created without its type.
        sets.append(f"{expression.name('entityType')} = {expression.value(key.entity_type)}")

    # Every sum is in the condition, changed or not: the average derives from all of them.
    for field in sorted(totals):
        was = item.get(field)
        placeholder = expression.name(field)
        if field in item:
            conditions.append(f"{placeholder} = {expression.value(was)}")
        else:
            conditions.append(f"attribute_not_exists({placeholder})")
        if not (isinstance(was, Decimal) and was == totals[field]):
            sets.append(f"{placeholder} = {expression.value(totals[field])}")

    for field, value in derived(totals).items():
        if value is None:
            if field in item:
                removes.append(expression.name(field))
        elif item.get(field) != value:
            sets.append(f"{expression.name(field)} = {expression.value(value)}")

    _move_marks(expression, item, highest, now, sets, removes, conditions)

    update = "SET " + ", ".join(sets)
    if removes:
        update += " REMOVE " + ", ".join(removes)
    return {
        "TableName": table_name,
        "Key": {"pk": {"S": key.pk}, "sk": {"S": key.sk}},
        "UpdateExpression": update,
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": expression.names,
        "ExpressionAttributeValues": expression.values,
    }


def _move_marks(expression, item, highest, now, sets, removes, conditions) -> None:
    marks, map_exists = watermarks.read(item)
    attribute = expression.name(watermarks.ATTRIBUTE)
    entries = {watermarks.entry_name(source): seq for source, seq in highest.items()}
    if not map_exists:
        # A nested SET needs the map to exist, so the first write stores the whole map.
        whole = {name: watermarks.entry(seq, now) for name, seq in entries.items()}
        sets.append(f"{attribute} = {expression.value(whole)}")
        conditions.append(f"attribute_not_exists({attribute})")
        return
    for name, seq in sorted(entries.items()):
        path = f"{attribute}.{expression.name(name)}"
        sets.append(f"{path} = {expression.value(watermarks.entry(seq, now))}")
        if name in marks:
            stored = expression.value(marks[name].stored_text)
            conditions.append(f"{path}.{expression.name(watermarks.SEQUENCE)} = {stored}")
        else:
            conditions.append(f"attribute_not_exists({path})")
    for name in watermarks.stale(marks, now, keep=set(entries)):
        removes.append(f"{attribute}.{expression.name(name)}")
