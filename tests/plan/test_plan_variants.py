"""The root module's plan with its variables changed: the design follows them."""

from __future__ import annotations

import pytest
from plan_expectations import (
    addresses,
    assert_plan_matches,
    planned_values,
    throttle_alarm_addresses,
)

# Slow: each plan here is a `terraform plan` of its own (about 8 s of CPU); the fast lane
# plans only the default stack, once per session (shared_plans).
pytestmark = pytest.mark.slow

TABLE = "module.table.aws_dynamodb_table.this"
ALARM = "module.alarms.aws_cloudwatch_metric_alarm.this"

INDEXES = [
    {"name": "studentID-index", "hash_key": "studentID"},
    {"name": "entityType-courseDate-index", "hash_key": "entityType", "range_key": "courseDate"},
    {"name": "instructorID-index", "hash_key": "instructorID", "range_key": "courseDate"},
]


@pytest.fixture(scope="module")
def plan(plan_root):
    return plan_root(
        global_secondary_indexes=INDEXES,
        deletion_protection_enabled=True,
        replica_regions=["us-west-2", "eu-central-1"],
        environment="sandbox",
        alarm_email="ops@example.com",
    )


def test_deletion_protection_follows_the_variable(plan):
    assert_plan_matches(plan, {TABLE: {"deletion_protection_enabled": True}})


def test_an_added_gsi_gets_its_key_schema_and_attribute(plan):
    table = planned_values(plan, TABLE)
    indexes = {i["name"]: (i["hash_key"], i["range_key"]) for i in table["global_secondary_index"]}
    assert indexes.get("instructorID-index") == ("instructorID", "courseDate"), (
        f"Got {indexes}, expected instructorID-index on (instructorID, courseDate) at {TABLE}"
    )
    attributes = {a["name"] for a in table["attribute"]}
    want = {"pk", "sk", "studentID", "entityType", "courseDate", "instructorID"}
    assert attributes == want, f"Got {attributes}, expected {want} at {TABLE}.attribute"


def test_an_added_gsi_gets_its_read_and_write_throttle_alarms(plan):
    dimensions = {"TableName": "university", "GlobalSecondaryIndexName": "instructorID-index"}
    assert_plan_matches(
        plan,
        {
            f'{ALARM}["index/instructorID-index/{metric}"]': {
                "metric_name": metric,
                "dimensions": dimensions,
            }
            for metric in ["ReadThrottleEvents", "WriteThrottleEvents"]
        },
    )
    throttle_alarms = throttle_alarm_addresses(plan)
    assert len(throttle_alarms) == 8, (
        f"Got {throttle_alarms}, expected 8 throttle alarms (table + 3 GSIs)"
    )


def test_each_replica_region_gets_a_protected_replica_and_a_latency_alarm(plan):
    replicas = addresses(plan, "aws_dynamodb_table_replica")
    want = [
        "module.replica_eu_central_1[0].aws_dynamodb_table_replica.this",
        "module.replica_us_west_2[0].aws_dynamodb_table_replica.this",
    ]
    assert replicas == want, f"Got {replicas}, expected {want}"
    for address in replicas:
        assert_plan_matches(plan, {address: {"deletion_protection_enabled": True}})
    latency = [
        address
        for address in addresses(plan, "aws_cloudwatch_metric_alarm")
        if planned_values(plan, address)["metric_name"] == "ReplicationLatency"
    ]
    want = [f'{ALARM}["replication/eu-central-1"]', f'{ALARM}["replication/us-west-2"]']
    assert latency == want, f"Got {latency}, expected {want}"


def test_alarm_email_is_subscribed_to_the_topic(plan):
    assert_plan_matches(
        plan,
        {
            "module.alarms.aws_sns_topic_subscription.email[0]": {
                "protocol": "email",
                "endpoint": "ops@example.com",
            }
        },
    )
