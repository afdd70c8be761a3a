"""On-demand maximum throughput: unset by default, set per table and per index when asked.

AWS: OnDemandThroughput's MaxReadRequestUnits and MaxWriteRequestUnits cap what an on-demand
table or global secondary index consumes per second; requests above the cap are throttled
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html).
A maximum is "greater than or equal to 1" (API_OnDemandThroughput.html); the module's
validation refuses anything else before Terraform calls AWS.
"""

from __future__ import annotations

import pytest
from plan_expectations import planned_values

from harness import HarnessError

TABLE = "module.table.aws_dynamodb_table.this"

CAPPED_INDEXES = [
    {"name": "studentID-index", "hash_key": "studentID", "max_write_request_units": 4},
    {"name": "entityType-courseDate-index", "hash_key": "entityType", "range_key": "courseDate"},
]


def throughput_of(block: dict) -> list[dict]:
    return block.get("on_demand_throughput") or []


@pytest.fixture(scope="module")
def default_plan(plan_root):
    return plan_root()


@pytest.fixture(scope="module")
def capped_plan(plan_root):
    return plan_root(
        table_max_write_request_units=10,
        table_max_read_request_units=40,
        global_secondary_indexes=CAPPED_INDEXES,
    )


def test_no_maximum_by_default_on_the_table_or_its_indexes(default_plan):
    table = planned_values(default_plan, TABLE)
    assert throughput_of(table) == [], f"Got {throughput_of(table)}, expected no maximum"
    for index in table["global_secondary_index"]:
        assert throughput_of(index) == [], f"Got {index}, expected no maximum on the index"


@pytest.mark.slow  # a plan of its own (about 8 s of CPU)
def test_the_table_and_one_index_get_their_maximums(capped_plan):
    table = planned_values(capped_plan, TABLE)
    assert throughput_of(table) == [
        {"max_read_request_units": 40, "max_write_request_units": 10}
    ], f"Got {throughput_of(table)} at {TABLE}.on_demand_throughput"
    by_name = {index["name"]: throughput_of(index) for index in table["global_secondary_index"]}
    written = by_name["studentID-index"][0]["max_write_request_units"]
    assert written == 4, f"Got {by_name}, expected studentID-index capped at 4 write units"
    assert by_name["entityType-courseDate-index"] == [], f"Got {by_name}"


@pytest.mark.slow  # a refused plan of its own each (about 4 s of CPU)
@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"table_max_write_request_units": 0}, "max_write_request_units must be a whole number"),
        ({"table_max_read_request_units": 2.5}, "max_read_request_units must be a whole number"),
        (
            {
                "global_secondary_indexes": [
                    {
                        "name": "studentID-index",
                        "hash_key": "studentID",
                        "max_read_request_units": -1,
                    }
                ]
            },
            "An index's max_read_request_units and max_write_request_units must be whole",
        ),
    ],
    ids=["table-write-zero", "table-read-fraction", "index-negative"],
)
def test_a_maximum_below_one_or_fractional_is_refused(plan_root, variables, message):
    with pytest.raises(HarnessError) as refused:
        plan_root(**variables)
    text = " ".join(str(refused.value).split())
    assert message in text, f"Got {text[-600:]!r}, expected it to contain {message!r}"
