"""The table module's maximum throughput applies on the emulator and changes in place.

AWS: CreateTable and UpdateTable take OnDemandThroughput for the table and, in
GlobalSecondaryIndexes / GlobalSecondaryIndexUpdates, for each index
(API_CreateTable.html, API_UpdateGlobalSecondaryIndexAction.html); DescribeTable reports
them (API_TableDescription.html, API_GlobalSecondaryIndexDescription.html). The fixture
(tests/plan/fixtures/table_max_throughput) caps the table at 5 write units and
studentID-index at 3; the test moves the index to 4 and checks the plan is empty after
each apply (the provider reads back what it set).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.stack.terraform import Stack

FIXTURE = Path(__file__).parents[1] / "plan" / "fixtures" / "table_max_throughput"


def maximums(target) -> tuple[dict, dict]:
    table = target.client("dynamodb").describe_table(TableName="capped-by-terraform")["Table"]
    index = next(i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "studentID-index")
    return table.get("OnDemandThroughput", {}), index.get("OnDemandThroughput", {})


def pending(stack: Stack) -> list[str]:
    return [
        address
        for address, change in stack.plan().resource_changes.items()
        if change["change"]["actions"] != ["no-op"]
    ]


@pytest.mark.slow
def test_table_and_index_maximums_apply_and_the_index_one_changes_in_place(ddblocal_target):
    stack = Stack(ddblocal_target, tf_dir=FIXTURE)
    stack.init()
    try:
        stack.apply()
        table, index = maximums(ddblocal_target)
        assert table["MaxWriteRequestUnits"] == 5
        assert index["MaxWriteRequestUnits"] == 3
        assert pending(stack) == [], "the plan after apply must be empty"
        stack.extra_vars = {"index_max_write_request_units": 4}
        stack.apply()
        assert maximums(ddblocal_target)[1]["MaxWriteRequestUnits"] == 4
        assert pending(stack) == []
    finally:
        stack.destroy()
