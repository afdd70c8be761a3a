"""What each access pattern's example costs on the seed data, measured on DynamoDB Local.

README's access-pattern table shows, per pattern, the read units its example Query
consumes on the table `invoke setup` leaves (the seed items and the `#stats` items the
stream processor derives from them), with the items it reads and returns: single-table
design trades storage layout for exactly this figure. The figures are measured, not
computed: `python -m harness.ops.seed_costs` starts an emulator on the DynamoDB Local data
plane (AWS's own implementation, whose capacity arithmetic tests/emulator/test_capacity.py
checks against AWS's docs), loads the table, runs every example with
ReturnConsumedCapacity=INDEXES, writes harness/model/seed_costs.json and regenerates
README.org. A test measures again and fails when the file is stale.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import boto3

from harness.emulator import process
from harness.model import access_patterns, key_design, readme_docs
from harness.ops import reconciler
from harness.stack import seed


def measure(endpoint_url: str, region: str = "us-east-1") -> dict[str, dict]:
    """{pattern: {"units", "read", "returned", "pages"}} for every pattern's example, on a
    fresh table named like the design's at `endpoint_url` (which must not hold it yet)."""
    session = boto3.Session(
        region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    client = session.client("dynamodb", endpoint_url=endpoint_url)
    client.create_table(**key_design.table_request(indexes=key_design.INDEXES))
    table = session.resource("dynamodb", endpoint_url=endpoint_url).Table(key_design.TABLE_NAME)
    items = seed.load_items()
    seed.put_items(table, items)
    with table.batch_writer() as batch:
        for item in reconciler.aggregate_items(items.values()):
            batch.put_item(Item=item)
    costs = {}
    for pattern in access_patterns.PATTERNS:
        cost = access_patterns.QueryCost()
        access_patterns.run(client, pattern.name, pattern.example, cost=cost)
        costs[pattern.name] = {
            "units": cost.units,
            "read": cost.scanned,
            "returned": cost.returned,
            "pages": cost.pages,
        }
    return costs


def measure_on_dynamodb_local() -> dict[str, dict]:
    """`measure` on a private emulator of the DynamoDB Local data plane, stopped after."""
    with tempfile.TemporaryDirectory(prefix="seed-costs-") as state:
        running = process.start_private(Path(state), data_plane="dynamodb-local")
        try:
            return measure(running.endpoint_url)
        finally:
            process.stop(Path(state))


def main() -> int:
    costs = measure_on_dynamodb_local()
    readme_docs.SEED_COSTS_FILE.write_text(json.dumps(costs, indent=2, sort_keys=True) + "\n")
    print(f"wrote {readme_docs.SEED_COSTS_FILE}")
    return readme_docs.main([])


if __name__ == "__main__":
    sys.exit(main())
