"""The data plane's capacity limits (harness.emulator.data_plane.throttling), on a moved clock.

AWS's rules, cited per test: provisioned capacity with 300 s of burst, on-demand maximum
throughput, the per-partition ceilings, and the ThrottlingReasons each answer carries
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ThrottlingReason.html).
"""

from __future__ import annotations

import pytest

from harness.emulator import clock
from harness.emulator.data_plane.capacity import Consumption
from harness.emulator.data_plane.client import Namespace
from harness.emulator.data_plane.throttling import Throttle

NS = Namespace("123456789012", "us-east-1")
KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The clock stands still unless a test moves it."""
    now = [1000.0]
    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    import harness.emulator.data_plane.throttling as throttling

    monkeypatch.setattr(throttling.clock, "monotonic", lambda: now[0])
    return now


def put(throttle: Throttle, key: str = "a", units: float = 1.0, table: str = "t"):
    request = {"TableName": table, "Item": {"pk": {"S": key}}}
    found = throttle.check(NS, "PutItem", request)
    if found is None:
        throttle.charge(NS, "PutItem", request, [Consumption(table, None, "write", units)])
    return found


def test_on_demand_maximum_throttles_above_its_rate_and_recovers(frozen_clock):
    """MaxWriteRequestUnits caps writes per second; "additional requests that would exceed
    the limit receive quick throttle responses" with a MaxOnDemandThroughputExceeded reason
    naming the table (throttling-ondemand-capacity-exceeded-mitigation.html)."""
    throttle = Throttle()
    description = {
        "TableName": "t",
        "KeySchema": KEYS,
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    }
    throttle.configure(NS, description, {"MaxWriteRequestUnits": 2})
    assert put(throttle, "a") is None
    assert put(throttle, "b") is None
    throttled = put(throttle, "c")
    assert throttled is not None and throttled.code == "ThrottlingException"
    assert throttled.reasons == [
        {
            "reason": "TableWriteMaxOnDemandThroughputExceeded",
            "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        }
    ]
    frozen_clock[0] += 1.0
    assert put(throttle, "d") is None


def test_provisioned_capacity_keeps_300_seconds_of_burst(frozen_clock):
    """ "DynamoDB currently retains up to 5 minutes (300 seconds) of unused read and write
    capacity" (burst-adaptive-capacity.html): after 10 idle minutes at 1 WCU, 300 writes pass
    at once and the 301st is throttled with ProvisionedThroughputExceededException."""
    throttle = Throttle()
    description = {
        "TableName": "t",
        "KeySchema": KEYS,
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    }
    throttle.configure(NS, description, None)
    frozen_clock[0] += 600
    assert all(put(throttle, str(n)) is None for n in range(300))
    throttled = put(throttle, "over")
    assert throttled.code == "ProvisionedThroughputExceededException"
    assert throttled.reasons[0]["reason"] == "TableWriteProvisionedThroughputExceeded"


def test_a_hot_partition_key_is_throttled_at_1000_write_units_per_second(frozen_clock):
    """One partition key value gets at most 1,000 write units per second
    (bp-partition-key-design.html), even on an unlimited on-demand table; other keys pass."""
    throttle = Throttle()
    throttle.configure(NS, {"TableName": "t", "KeySchema": KEYS}, None)
    assert put(throttle, "hot", units=1000) is None
    throttled = put(throttle, "hot")
    assert throttled.reasons[0]["reason"] == "TableWriteKeyRangeThroughputExceeded"
    assert put(throttle, "cold") is None


def test_a_limited_gsi_holds_back_table_writes(frozen_clock):
    """A write to a table whose GSI has no write capacity left is throttled with an Index
    reason naming the index (GSI.html, provisioned throughput considerations;
    API_ThrottlingReason.html resource ARN of the index)."""
    throttle = Throttle()
    description = {
        "TableName": "t",
        "KeySchema": KEYS,
        "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "g",
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
    }
    throttle.configure(NS, description, None)
    request = {"TableName": "t", "Item": {"pk": {"S": "a"}}}
    assert throttle.check(NS, "PutItem", request) is None
    throttle.charge(
        NS,
        "PutItem",
        request,
        [Consumption("t", None, "write", 1), Consumption("t", "g", "write", 2)],
    )
    throttled = throttle.check(NS, "PutItem", request)
    assert throttled.reasons == [
        {
            "reason": "IndexWriteProvisionedThroughputExceeded",
            "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/g",
        }
    ]


def test_a_batch_takes_the_items_that_fit_and_holds_back_the_rest(frozen_clock):
    """Per-item throttling of BatchWriteItem (API_BatchWriteItem.html, UnprocessedItems):
    the table has 3 write units left and its GSI 2, so two 1-unit puts go and three are
    held back by the index (a limited GSI holds back table writes, GSI.html), counted as
    one throttle holding back 3 items (ten items are "ten events", metrics-dimensions.html).
    A table without limits takes the whole batch."""
    throttle = Throttle()
    description = {
        "TableName": "t",
        "KeySchema": KEYS,
        "GlobalSecondaryIndexes": [
            {"IndexName": "g", "OnDemandThroughput": {"MaxWriteRequestUnits": 2}}
        ],
    }
    throttle.configure(NS, description, {"MaxWriteRequestUnits": 3})
    puts = [{"PutRequest": {"Item": {"pk": {"S": str(n)}}}} for n in range(5)]
    split = throttle.split_batch(NS, "BatchWriteItem", {"RequestItems": {"t": puts}})
    assert split.request["RequestItems"] == {"t": puts[:2]}
    assert split.unprocessed == {"t": puts[2:]}
    ((throttled, items),) = split.throttles
    assert items == 3
    assert throttled.reasons[0]["reason"] == "IndexWriteMaxOnDemandThroughputExceeded"
    unlimited = throttle.split_batch(NS, "BatchWriteItem", {"RequestItems": {"other": puts}})
    assert unlimited.request["RequestItems"] == {"other": puts} and not unlimited.throttles


def test_a_clock_that_goes_back_does_not_drain_a_bucket(frozen_clock):
    """An emulator reset puts its clock back to real time (harness.emulator.clock); a
    bucket last refilled at a later emulated time must not lose capacity for it, or a key
    written before a test advanced the clock a day would stay throttled after a reset."""
    throttle = Throttle()
    throttle.configure(NS, {"TableName": "t", "KeySchema": KEYS}, {"MaxWriteRequestUnits": 5})
    frozen_clock[0] += 86_400
    assert put(throttle) is None
    frozen_clock[0] -= 86_400
    assert put(throttle) is None
