"""Consumed capacity as DynamoDB computes it, taken from DynamoDB Local's figures.

The proxy asks DynamoDB Local for ReturnConsumedCapacity=INDEXES on every data call
(`prepare`), reads what each table and index consumed (`consumed`), and hands the caller
only what it asked for (`shape`): nothing for NONE or no parameter, the TableName and
CapacityUnits for TOTAL, and the per-table and per-index split for INDEXES
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ConsumedCapacity.html).

DynamoDB Local 3.3.0 computes the units as AWS documents them
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
checked case by case in tests/emulator/test_capacity.py): reads in 4 KB units, halved for
eventually consistent reads, doubled in transactions; writes in 1 KB units, doubled in
transactions; every GSI whose projection a write touches (two writes when the index key
changes); Query and Scan by the bytes read before any filter; batch operations per item;
item sizes as AWS counts them (names plus values, numbers and nested documents included).

What the emulator does not count (listed in README's deviations):
- a write whose condition fails: DynamoDB Local answers ConditionalCheckFailedException
  without a figure, and the proxy cannot see the existing item's size, so no units are
  recorded for it;
- PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction): DynamoDB Local
  returns no ConsumedCapacity for these, so none is recorded or returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
CAPACITY_OPERATIONS = READ_OPERATIONS | WRITE_OPERATIONS


@dataclass(frozen=True)
class Consumption:
    """Capacity one call consumed on one table or one of its GSIs.

    kind is "read" or "write"; units are read or write capacity units (floats, 0.5 steps
    for eventually consistent reads); index is None for the table itself.
    """

    table: str
    index: str | None
    kind: str
    units: float


def item_size(item: dict[str, Any]) -> int:
    """An item's size in bytes as DynamoDB counts it, from its DynamoDB JSON: names plus
    values (CapacityUnitCalculations.html): strings and binaries by their bytes, numbers
    about one byte per two significant digits plus one, booleans and nulls one byte, lists
    and maps three bytes plus one per element plus their contents, sets their elements.

    The emulator charges what DynamoDB Local reports; this estimate serves only where a
    figure is needed before a request runs (which items of a batch fit the capacity left).
    """
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "B":
        return len(raw) * 3 // 4 if isinstance(raw, str) else len(raw)
    if kind == "N":
        digits = raw.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in raw.items())
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: element}) for element in raw)
    return 0


def kind_of(operation: str) -> str:
    return "read" if operation in READ_OPERATIONS else "write"


def prepare(operation: str, request: dict[str, Any]) -> str:
    """Ask for INDEXES in `request` (in place); returns what the caller asked for.

    The answer is "NONE", "TOTAL" or "INDEXES" (NONE when the parameter is absent, as AWS
    treats it).
    """
    asked = request.get("ReturnConsumedCapacity") or "NONE"
    request["ReturnConsumedCapacity"] = "INDEXES"
    return asked


def consumed(operation: str, document: dict[str, Any]) -> list[Consumption]:
    """What a successful answer's INDEXES ConsumedCapacity says each table and GSI consumed."""
    entries = document.get("ConsumedCapacity")
    if entries is None:
        return []
    if isinstance(entries, dict):
        entries = [entries]
    kind = kind_of(operation)
    found: list[Consumption] = []
    for entry in entries:
        table = entry.get("TableName", "")
        table_units = (entry.get("Table") or {}).get("CapacityUnits")
        if table_units is None and "GlobalSecondaryIndexes" not in entry:
            table_units = entry.get("CapacityUnits", 0.0)
        if table_units:
            found.append(Consumption(table, None, kind, float(table_units)))
        for index, figures in (entry.get("GlobalSecondaryIndexes") or {}).items():
            units = float(figures.get("CapacityUnits", 0.0))
            if units:
                found.append(Consumption(table, index, kind, units))
    return found


def shape(document: dict[str, Any], asked: str) -> None:
    """Leave in `document` (in place) only the ConsumedCapacity the caller asked for."""
    if "ConsumedCapacity" not in document:
        return
    if asked == "INDEXES":
        return
    if asked != "TOTAL":
        del document["ConsumedCapacity"]
        return
    entries = document["ConsumedCapacity"]
    if isinstance(entries, dict):
        document["ConsumedCapacity"] = _total(entries)
    else:
        document["ConsumedCapacity"] = [_total(entry) for entry in entries]


def _total(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("TableName", "CapacityUnits") if key in entry}
