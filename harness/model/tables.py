"""Items as a readable fixed-width table, or as JSON for machines.

Query results mix entity types with different attributes; the table shows the
keys first (they tell where an item lives), then the attributes a reader looks
for first, then the rest alphabetically, leaving out bookkeeping copies of
other items' keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from harness.model.key_design import PARTITION_KEY, SORT_KEY

# Shown right after the keys, in this order, when the items have them.
LEADING_ATTRIBUTES = (
    "entityType",
    "name",
    "title",
    "courseDate",
    "dueDate",
    "orderDate",
    "amount",
    "status",
    "grade",
    "expiresAt",
)
# The stream Lambda's idempotency bookkeeping on aggregate items, and when the
# reconciler last repaired one: noise to a reader (`--json` still shows them).
HIDDEN_ATTRIBUTES = ("streamWatermarks", "repairedAt")
MAX_CELL_WIDTH = 32


def columns_for(items: Sequence[dict]) -> list[str]:
    """pk, sk, then the leading attributes present, then the others alphabetically."""
    present = {name for item in items for name in item}
    keys = [name for name in (PARTITION_KEY, SORT_KEY) if name in present]
    leading = [name for name in LEADING_ATTRIBUTES if name in present]
    rest = sorted(present - set(keys) - set(leading) - set(HIDDEN_ATTRIBUTES))
    return keys + leading + rest


def render(items: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """A fixed-width table of `items` with a header, a rule and an item count."""
    if not items:
        return "(no items)"
    columns = list(columns) if columns else columns_for(items)
    rows = [[_cell(item.get(column)) for column in columns] for item in items]
    widths = [
        max(len(column), *(len(row[position]) for row in rows))
        for position, column in enumerate(columns)
    ]
    lines = [
        _line(columns, widths),
        "  ".join("-" * width for width in widths),
        *(_line(row, widths) for row in rows),
    ]
    count = len(items)
    lines.append(f"({count} item{'s' if count != 1 else ''})")
    return "\n".join(lines)


def render_json(items: Sequence[dict]) -> str:
    """The items as a JSON array, keys sorted so output diffs cleanly."""
    return json.dumps(list(items), indent=2, sort_keys=True, default=str)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_CELL_WIDTH else text[: MAX_CELL_WIDTH - 1] + "…"
