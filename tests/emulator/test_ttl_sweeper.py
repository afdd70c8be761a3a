"""TTL expiry: the emulator deletes expired items itself, and the stream says DynamoDB did it."""

from __future__ import annotations

import inspect
import time

import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from test_stream_support import StreamScenario, moto_table, wait_for

from harness.emulator import process
from harness.emulator.ttl_sweeper import MAX_PAST_SECONDS, is_expired

SWEEP_SECONDS = 0.3


@pytest.fixture
def fast_sweeping_emulator(tmp_path):
    """A private emulator that sweeps TTL every 0.3 s instead of every 5 s."""
    running = process.start_private(tmp_path, ttl_sweep_interval_seconds=SWEEP_SECONDS)
    yield running
    process.stop(tmp_path)


def expires(seconds_from_now: float) -> dict:
    return {"expiresAt": {"N": str(int(time.time() + seconds_from_now))}}


def remaining_keys(scenario: StreamScenario) -> set[str]:
    items = scenario.aws["dynamodb"].scan(TableName=scenario.source)["Items"]
    return {item["pk"]["S"] for item in items}


def test_an_expired_item_is_deleted_and_reaches_the_function_as_a_service_remove(
    fast_sweeping_emulator,
):
    scenario = StreamScenario.create(fast_sweeping_emulator.endpoint_url, ttl_attribute="expiresAt")
    expired = expires(-60)
    scenario.put("expired", **expired)
    scenario.put("future", **expires(3600))
    scenario.put("ancient", **expires(-MAX_PAST_SECONDS - 86400))
    scenario.put("text", expiresAt={"S": "1"})
    scenario.put("none")

    def removes():
        return [
            record
            for event in scenario.invocations()
            for record in event["Records"]
            if record["eventName"] == "REMOVE"
        ]

    (remove,) = wait_for(removes, timeout=10)
    assert remove["dynamodb"]["Keys"] == {"pk": {"S": "expired"}}
    assert remove["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert remove["dynamodb"]["OldImage"] == {"pk": {"S": "expired"}, **expired}
    assert "NewImage" not in remove["dynamodb"]
    time.sleep(SWEEP_SECONDS * 3)
    assert remaining_keys(scenario) == {"future", "ancient", "text", "none"}
    assert len(removes()) == 1


def test_nothing_expires_while_ttl_is_disabled(fast_sweeping_emulator):
    scenario = StreamScenario.create(fast_sweeping_emulator.endpoint_url)
    scenario.put("expired", **expires(-60))
    time.sleep(SWEEP_SECONDS * 4)
    assert remaining_keys(scenario) == {"expired"}


def item_expiring_at(value: dict) -> Item:
    return Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "expiresAt": value})


@pytest.mark.parametrize(
    ("value", "expired"),
    [
        ({"N": "999"}, True),
        ({"N": "999.5"}, True),
        ({"N": "1000"}, False),  # not before now
        ({"N": "5000"}, False),
        ({"N": str(1000 - MAX_PAST_SECONDS)}, True),
        ({"N": str(999 - MAX_PAST_SECONDS)}, False),  # more than five years ago: ignored
        ({"S": "999"}, False),  # only numbers are TTL values
    ],
)
def test_is_expired(value, expired):
    assert is_expired(item_expiring_at(value), "expiresAt", now=1000.0) is expired


def test_moto_internals_the_sweeper_relies_on():
    parameters = list(inspect.signature(DynamoDBBackend.delete_item).parameters)
    assert parameters[:6] == [
        "self",
        "table_name",
        "key",
        "expression_attribute_names",
        "expression_attribute_values",
        "condition_expression",
    ], f"DynamoDBBackend.delete_item changed: {parameters}"
    table = moto_table()
    assert table.ttl["TimeToLiveStatus"] == "DISABLED", "Table.ttl holds the TTL setting"
    assert table.all_items() == []
    assert item_expiring_at({"N": "1"}).attrs["expiresAt"].type == "N"
