"""Build the one conditional UpdateItem that applies a batch's deltas to one aggregate.

The update writes absolute values computed from what the handler read, and its
condition says "the item still holds exactly what I read": the parent exists,
every running sum it touches and every watermark entry it moves are unchanged.
If anything moved in between, DynamoDB rejects the write and the handler reads
again and recomputes (optimistic concurrency), so no delta is lost or doubled.
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
    item: dict,
    delta: Vector,
    highest: dict[tuple[str, str], int],
    now: float,
) -> dict:
    """UpdateItem arguments applying `delta` and moving the marks to `highest`."""
    expression = _Expression()
    sets: list[str] = []
    removes: list[str] = []
    conditions = [f"attribute_exists({expression.name('pk')})"]

    totals: Vector = {}
    for field in sorted(delta):
        was = item.get(field)
        current = was if isinstance(was, Decimal) else Decimal(0)
        totals[field] = current + delta[field]
        placeholder = expression.name(field)
        sets.append(f"{placeholder} = {expression.value(totals[field])}")
        if field in item:
            conditions.append(f"{placeholder} = {expression.value(was)}")
        else:
            conditions.append(f"attribute_not_exists({placeholder})")

    known = {name: value for name, value in item.items() if isinstance(value, Decimal)}
    for field, value in derived({**known, **totals}, set(delta)).items():
        if value is None:
            removes.append(expression.name(field))
        else:
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
