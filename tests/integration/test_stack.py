"""The applied stack has every part of the design, as a user would see it with boto3."""

from __future__ import annotations

import time
import uuid

import pytest

pytestmark = pytest.mark.integration

GSI_KEYS = {
    "studentID-index": [("studentID", "HASH")],
    "entityType-courseDate-index": [("entityType", "HASH"), ("courseDate", "RANGE")],
}


def describe(stack, region=None):
    return stack.client("dynamodb", region).describe_table(TableName=stack.outputs["table_name"])[
        "Table"
    ]


def test_table_has_both_gsis_with_their_key_schemas(stack):
    table = describe(stack)
    found = {
        index["IndexName"]: [(key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]]
        for index in table["GlobalSecondaryIndexes"]
    }
    assert found == GSI_KEYS
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        ("pk", "HASH"),
        ("sk", "RANGE"),
    ]


def test_stream_ttl_and_pitr_are_on(stack):
    client = stack.client("dynamodb")
    name = stack.outputs["table_name"]
    assert describe(stack)["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    pitr = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_replica_is_active_and_listed_from_both_regions(stack):
    primary = describe(stack, "us-east-1")
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in primary["Replicas"]] == [
        ("us-west-2", "ACTIVE")
    ]
    replica = describe(stack, "us-west-2")
    assert [r["RegionName"] for r in replica["Replicas"]] == ["us-east-1"]
    assert replica["TableStatus"] == "ACTIVE"


def test_throttle_alarms_cover_the_table_and_every_gsi_and_notify(stack):
    alarms = stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
    table_name = stack.outputs["table_name"]
    covered = set()
    for alarm in alarms:
        if alarm["MetricName"] not in ("ReadThrottleEvents", "WriteThrottleEvents"):
            continue
        dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        if dimensions.get("TableName") != table_name:
            continue
        assert alarm["AlarmActions"], f"alarm {alarm['AlarmName']} notifies nobody"
        covered.add((dimensions.get("GlobalSecondaryIndexName", "<table>"), alarm["MetricName"]))
    expected = {
        (scope, metric)
        for scope in ("<table>", *GSI_KEYS)
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
    }
    assert covered == expected


def wait_for_item(table, key, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = table.get_item(Key=key).get("Item")
        if item is not None:
            return item
        time.sleep(0.1)
    return None


@pytest.mark.parametrize(
    "source,destination", [("us-east-1", "us-west-2"), ("us-west-2", "us-east-1")]
)
def test_items_replicate_between_regions_within_five_seconds(stack, source, destination):
    key = {"pk": f"replication-check#{uuid.uuid4()}", "sk": "#details"}
    stack.table(source).put_item(Item={**key, "entityType": "check", "from": source})
    item = wait_for_item(stack.table(destination), key)
    assert item is not None, f"an item put in {source} did not reach {destination} within 5 s"
    assert item["from"] == source
    stack.table(source).delete_item(Key=key)


def test_a_second_plan_is_empty(stack):
    plan = stack.stack.plan()
    changes = [
        c["address"]
        for c in plan.get("resource_changes", [])
        if c["change"]["actions"] not in (["no-op"], ["read"])
    ]
    assert changes == [], f"the applied stack drifts: {changes}"
