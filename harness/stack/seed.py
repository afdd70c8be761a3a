"""The example data, read from the file Terraform seeds the table from.

terraform/seed_items.json holds one plain-JSON item per key; seed_data.tf turns
each into DynamoDB JSON. Reading the same file here lets tests (and anyone
without Terraform at hand) load exactly the items `invoke setup` writes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from harness import TERRAFORM_DIR

SEED_FILE = TERRAFORM_DIR / "seed_items.json"


def load_items(path: Path = SEED_FILE) -> dict[str, dict]:
    """Seed items by their Terraform key; numbers are Decimal, as boto3 wants them."""
    return json.loads(path.read_text(), parse_float=Decimal, parse_int=Decimal)


def put_items(table, items: dict[str, dict] | None = None) -> int:
    """Write the seed items into a boto3 Table resource; returns how many."""
    items = load_items() if items is None else items
    with table.batch_writer() as batch:
        for item in items.values():
            batch.put_item(Item=item)
    return len(items)
