"""Reading the table and its indexes for the page: every item as plain JSON values.

Scan is right here and nowhere else in the project: the page shows the whole
(small, teaching-sized) table. It stops at `MAX_ITEMS` so a large table cannot
exhaust memory; the page says when it stopped.
"""

from __future__ import annotations

from harness.model import key_design
from harness.model.access_patterns import plain_item

MAX_ITEMS = 5000


def scan(client, table_name: str, index_name: str | None = None, limit: int = MAX_ITEMS) -> dict:
    """{"items": [...], "truncated": bool} of the table (or one GSI), through every page.

    Items are ordered by (pk, sk), the table's own order within an item collection.
    """
    request: dict = {"TableName": table_name}
    if index_name:
        request["IndexName"] = index_name
    items: list[dict] = []
    truncated = False
    for page in client.get_paginator("scan").paginate(**request):
        items += [plain_item(raw) for raw in page.get("Items", [])]
        if len(items) >= limit:
            truncated = len(items) > limit or "LastEvaluatedKey" in page
            items = items[:limit]
            break
    items.sort(key=_table_order)
    return {"items": items, "truncated": truncated}


def _table_order(item: dict) -> tuple[str, str]:
    return (str(item.get(key_design.PARTITION_KEY, "")), str(item.get(key_design.SORT_KEY, "")))


def index_description(client, table_name: str) -> list[dict]:
    """Each GSI as DescribeTable reports it: name, key schema, projection, item count."""
    table = client.describe_table(TableName=table_name)["Table"]
    return [
        {
            "name": index["IndexName"],
            "keySchema": index["KeySchema"],
            "projection": index.get("Projection", {}),
            "status": index.get("IndexStatus"),
        }
        for index in table.get("GlobalSecondaryIndexes", [])
    ]
