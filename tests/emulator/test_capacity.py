"""Consumed capacity on the DynamoDB Local data plane, case by case against AWS's arithmetic.

"read-write-operations.html" below is
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html.
Every expected figure is worked out by hand from the AWS page its test cites; the items are
built to an exact size as AWS counts it (attribute names plus values, UTF-8;
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
"""

from __future__ import annotations

import time
import urllib.request

import boto3
import pytest

from harness.emulator import process
from harness.emulator.data_plane import capacity

TABLE = "capacity"
RW_PAGE = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html"
)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("capacity")
    yield process.start_private(state_dir, data_plane="dynamodb-local")
    process.stop(state_dir)


def dynamodb(running, **options):
    """A DynamoDB client for the emulator (`options`: boto3.client's, such as config)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=running.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **options,
    )


@pytest.fixture
def ddb(running):
    request = urllib.request.Request(running.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    client = dynamodb(running)
    key = [{"AttributeName": "g", "KeyType": "HASH"}]
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "g")
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {"IndexName": "all", "KeySchema": key, "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "keys", "KeySchema": key, "Projection": {"ProjectionType": "KEYS_ONLY"}},
        ],
    )
    return client


def item(size: int, pk: str = "p", sk: str = "1", **extra: str) -> dict:
    """An item of exactly `size` bytes as AWS counts them: "pk"+pk, "sk"+sk, extras, "v"+pad."""
    fixed = 2 + len(pk) + 2 + len(sk) + sum(len(k) + len(v) for k, v in extra.items()) + 1
    assert size >= fixed
    built = {"pk": {"S": pk}, "sk": {"S": sk}, "v": {"S": "x" * (size - fixed)}}
    built.update({k: {"S": v} for k, v in extra.items()})
    return built


def key(pk: str = "p", sk: str = "1") -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def units(answer: dict) -> float:
    consumed = answer["ConsumedCapacity"]
    if isinstance(consumed, list):
        return sum(entry["CapacityUnits"] for entry in consumed)
    return consumed["CapacityUnits"]


def put(ddb, size: int, **kwargs) -> float:
    return units(
        ddb.put_item(TableName=TABLE, Item=item(size, **kwargs), ReturnConsumedCapacity="TOTAL")
    )


@pytest.mark.parametrize(
    ("size", "expected"),
    [(500, 1.0), (1024, 1.0), (1025, 2.0), (1536, 2.0), (3500, 4.0)],
)
def test_write_units_are_item_size_in_1kb_steps(ddb, size, expected):
    """Writes: one write unit per item of up to 1 KB,
    item sizes rounded up to the next 1 KB
    (read-write-operations.html, Capacity unit consumption for write operations):
    500 B -> 1, 1,025 B -> 2, 3,500 B -> 4."""
    assert put(ddb, size) == expected


@pytest.mark.parametrize(
    ("size", "consistent", "expected"),
    [
        (3500, True, 1.0),
        (3500, False, 0.5),
        (8192, True, 2.0),
        (8192, False, 1.0),
        (10240, True, 3.0),
    ],
)
def test_read_units_are_item_size_in_4kb_steps_halved_when_eventually_consistent(
    ddb, size, consistent, expected
):
    """Reads: "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item";
    an 8 KB item needs 2 read units strongly consistent, 1 eventually consistent; a 10 KB
    item is rounded up to 12 KB (read-write-operations.html, GetItem)."""
    ddb.put_item(TableName=TABLE, Item=item(size))
    answer = ddb.get_item(
        TableName=TABLE, Key=key(), ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL"
    )
    assert units(answer) == expected


def test_transactions_double_reads_and_writes(ddb):
    """ "A transactional read request of an item up to 4 KB requires two read units"; writes in
    a transaction consume two write units per 1 KB (read-write-operations.html; 8 KB item ->
    4 transactional read units; a 1.5 KB put -> 2 x 2 write units)."""
    ddb.put_item(TableName=TABLE, Item=item(8192))
    read = ddb.transact_get_items(
        TransactItems=[{"Get": {"TableName": TABLE, "Key": key()}}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert units(read) == 4.0
    write = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": TABLE, "Item": item(1536, sk="2")}}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert units(write) == 4.0


def test_batch_get_rounds_each_item_but_query_rounds_the_total(ddb):
    """BatchGetItem rounds each item up to 4 KB before adding (a 1.5 KB and a 6.5 KB item
    count as 12 KB, not 8 KB); Query adds the sizes of all items read and then rounds the
    total up to the next 4 KB (read-write-operations.html).
    Strongly consistent: BatchGetItem 3 units, Query of the same two items 2 units."""
    ddb.put_item(TableName=TABLE, Item=item(1536, sk="1"))
    ddb.put_item(TableName=TABLE, Item=item(6656, sk="2"))
    batch = ddb.batch_get_item(
        RequestItems={TABLE: {"Keys": [key(sk="1"), key(sk="2")], "ConsistentRead": True}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert units(batch) == 3.0
    query = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ConsistentRead=True,
        ReturnConsumedCapacity="TOTAL",
    )
    assert units(query) == 2.0


def test_a_filter_does_not_lower_what_query_and_scan_consume(ddb):
    """A filter
    expression is applied after the items are read, so a Query consumes the same read capacity
    with or without one
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.FilterExpression.html;
    Scan.html says the same for Scan). 1.5 KB + 6.5 KB = 8 KB -> 1 unit eventually consistent."""
    ddb.put_item(TableName=TABLE, Item=item(1536, sk="1"))
    ddb.put_item(TableName=TABLE, Item=item(6656, sk="2"))
    nothing = {":p": {"S": "p"}, ":no": {"S": "absent"}}
    query = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        FilterExpression="v = :no",
        ExpressionAttributeValues=nothing,
        ReturnConsumedCapacity="TOTAL",
    )
    assert query["Count"] == 0 and units(query) == 1.0
    scan = ddb.scan(
        TableName=TABLE,
        FilterExpression="v = :no",
        ExpressionAttributeValues={":no": nothing[":no"]},
        ReturnConsumedCapacity="TOTAL",
    )
    assert scan["Count"] == 0 and units(scan) == 1.0


def test_batch_write_counts_each_item(ddb):
    """BatchWriteItem: each item in the batch is counted as its own PutItem or
    DeleteItem (read-write-operations.html): 500 B + 1.5 KB + 3.5 KB -> 1 + 2 + 4."""
    answer = ddb.batch_write_item(
        RequestItems={
            TABLE: [
                {"PutRequest": {"Item": item(size, sk=str(n))}}
                for n, size in enumerate((500, 1536, 3500))
            ]
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert units(answer) == 7.0


def test_update_consumes_the_larger_of_before_and_after(ddb):
    """UpdateItem: the
    larger of the item's sizes before and after the update counts
    (read-write-operations.html): a 3.5 KB item shrunk to a few bytes still costs 4 units."""
    ddb.put_item(TableName=TABLE, Item=item(3500))
    answer = ddb.update_item(
        TableName=TABLE, Key=key(), UpdateExpression="REMOVE v", ReturnConsumedCapacity="TOTAL"
    )
    assert units(answer) == 4.0


def test_gsi_writes_by_projection_and_twice_when_the_index_key_changes(ddb):
    """GSI writes: a table write that adds an item to an index costs index write units for the
    projected size; a
    table write that changes an indexed key attribute takes two index writes, one to delete
    the old index entry and one to put the new
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html, Provisioned
    throughput considerations). A 1.5 KB item: table 2, ALL-projected index 2, KEYS_ONLY
    index 1 (its entry holds only pk, sk and g); changing g doubles the index writes."""
    first = ddb.put_item(TableName=TABLE, Item=item(1536, g="A"), ReturnConsumedCapacity="INDEXES")[
        "ConsumedCapacity"
    ]
    assert first["Table"] == {"CapacityUnits": 2.0}
    assert first["GlobalSecondaryIndexes"] == {
        "all": {"CapacityUnits": 2.0},
        "keys": {"CapacityUnits": 1.0},
    }
    assert "LocalSecondaryIndexes" not in first
    assert first["CapacityUnits"] == 5.0
    moved = ddb.put_item(TableName=TABLE, Item=item(1536, g="B"), ReturnConsumedCapacity="INDEXES")[
        "ConsumedCapacity"
    ]
    assert moved["GlobalSecondaryIndexes"] == {
        "all": {"CapacityUnits": 4.0},
        "keys": {"CapacityUnits": 2.0},
    }
    untouched = ddb.put_item(
        TableName=TABLE, Item=item(1536, sk="2"), ReturnConsumedCapacity="INDEXES"
    )["ConsumedCapacity"]
    assert "GlobalSecondaryIndexes" not in untouched or not any(
        figures["CapacityUnits"] for figures in untouched["GlobalSecondaryIndexes"].values()
    )


def test_item_size_counts_numbers_by_digits_not_by_text(ddb):
    """Numbers: a number's size is about its name's UTF-8 bytes + 1 byte per two significant
    digits + 1 byte (CapacityUnitCalculations.html). 30 attributes "nNN"
    holding 38 digits: 30 x (3 + 19 + 1) = 690 B -> 1 unit, though their text is 1,230 B."""
    numbers = {f"n{i:02d}": {"N": "1" * 38} for i in range(30)}
    answer = ddb.put_item(
        TableName=TABLE, Item={**key(), **numbers}, ReturnConsumedCapacity="TOTAL"
    )
    assert units(answer) == 1.0


def test_the_caller_gets_only_the_detail_it_asked_for(ddb):
    """ReturnConsumedCapacity: INDEXES gives the table and index split, TOTAL only the
    aggregate, NONE (the default) nothing
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnConsumedCapacity);
    the emulator asks DynamoDB Local for INDEXES every time, for its metrics."""
    assert "ConsumedCapacity" not in ddb.put_item(TableName=TABLE, Item=item(500))
    total = ddb.put_item(TableName=TABLE, Item=item(500, g="A"), ReturnConsumedCapacity="TOTAL")
    assert total["ConsumedCapacity"] == {"TableName": TABLE, "CapacityUnits": 3.0}
    batch = ddb.batch_write_item(
        RequestItems={TABLE: [{"PutRequest": {"Item": item(500, sk="9")}}]}
    )
    assert "ConsumedCapacity" not in batch


def test_consumed_reads_the_table_and_index_figures():
    """The split the metrics count: table and each GSI, read or write by operation."""
    document = {
        "ConsumedCapacity": {
            "TableName": "t",
            "CapacityUnits": 5.0,
            "Table": {"CapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"a": {"CapacityUnits": 2.0}, "b": {"CapacityUnits": 1.0}},
        }
    }
    assert capacity.consumed("PutItem", document) == [
        capacity.Consumption("t", None, "write", 2.0),
        capacity.Consumption("t", "a", "write", 2.0),
        capacity.Consumption("t", "b", "write", 1.0),
    ]
    total_only = {"ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 1.5}]}
    assert capacity.consumed("BatchGetItem", total_only) == [
        capacity.Consumption("t", None, "read", 1.5)
    ]


def test_a_gsi_on_demand_maximum_throttles_and_holds_back_the_table_write(running, ddb):
    """An index's OnDemandThroughput (API_GlobalSecondaryIndex.html,
    API_UpdateGlobalSecondaryIndexAction.html) is kept and described, and enforced: once the
    index's write units are spent, a table write that would write it is throttled with
    IndexWriteMaxOnDemandThroughputExceeded naming the index
    (throttling-ondemand-capacity-exceeded-mitigation.html, API_ThrottlingReason.html), and
    the table write does not happen: "For a table write to succeed, the provisioned
    throughput settings for the table and all of its global secondary indexes must have
    enough write capacity" (GSI.html#GSI.ThroughputConsiderations). -1 removes the maximum
    (API_OnDemandThroughput.html)."""
    from botocore.config import Config

    client = dynamodb(running, config=Config(retries={"total_max_attempts": 1}))
    client.create_table(
        TableName="capped-index",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "g")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "OnDemandThroughput": {"MaxWriteRequestUnits": 1},
            }
        ],
    )
    index = client.describe_table(TableName="capped-index")["Table"]["GlobalSecondaryIndexes"][0]
    assert index["OnDemandThroughput"] == {"MaxWriteRequestUnits": 1}
    big = "x" * 5000  # 5 write units on the table and on the index
    client.put_item(
        TableName="capped-index", Item={"pk": {"S": "1"}, "g": {"S": "a"}, "v": {"S": big}}
    )
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.put_item(
            TableName="capped-index", Item={"pk": {"S": "2"}, "g": {"S": "a"}, "v": {"S": big}}
        )
    answer = caught.value.response
    assert answer["Error"]["Code"] == "ThrottlingException"
    assert answer["throttlingReasons"] == [
        {
            "reason": "IndexWriteMaxOnDemandThroughputExceeded",
            "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/capped-index/index/by-g",
        }
    ]
    assert "Item" not in client.get_item(TableName="capped-index", Key={"pk": {"S": "2"}})
    client.update_table(
        TableName="capped-index",
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": "by-g", "OnDemandThroughput": {"MaxWriteRequestUnits": -1}}}
        ],
    )
    index = client.describe_table(TableName="capped-index")["Table"]["GlobalSecondaryIndexes"][0]
    assert index["OnDemandThroughput"] == {"MaxWriteRequestUnits": -1}
    client.put_item(
        TableName="capped-index", Item={"pk": {"S": "2"}, "g": {"S": "a"}, "v": {"S": big}}
    )
    assert "Item" in client.get_item(TableName="capped-index", Key={"pk": {"S": "2"}})


def test_batches_are_throttled_per_item_with_unprocessed_items_and_keys(running, ddb):
    """BatchWriteItem: "If any requested operations fail because the table's provisioned
    throughput is exceeded [...] the failed operations are returned in the UnprocessedItems
    response parameter"; "If none of the items can be processed due to insufficient
    provisioned throughput on all of the tables in the request, then BatchWriteItem returns"
    the throttling error (API_BatchWriteItem.html). BatchGetItem the same with UnprocessedKeys,
    which keep the table's request options (API_BatchGetItem.html). Here the limit is an
    on-demand maximum (on-demand-capacity-mode-max-throughput.html): 2 write units and 1 read
    unit per second."""
    from botocore.config import Config

    client = dynamodb(running, config=Config(retries={"total_max_attempts": 1}))
    client.create_table(
        TableName="capped-batch",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        OnDemandThroughput={"MaxWriteRequestUnits": 2, "MaxReadRequestUnits": 1},
    )
    one_unit = "x" * 900
    answer = client.batch_write_item(
        RequestItems={
            "capped-batch": [
                {"PutRequest": {"Item": {"pk": {"S": str(n)}, "v": {"S": one_unit}}}}
                for n in range(10)
            ]
        }
    )
    left = answer["UnprocessedItems"]["capped-batch"]
    assert [entry["PutRequest"]["Item"]["pk"]["S"] for entry in left] == [
        str(n) for n in range(2, 10)
    ]
    written = client.scan(TableName="capped-batch")["Items"]
    assert sorted(item["pk"]["S"] for item in written) == ["0", "1"]

    keys = [{"pk": {"S": str(n)}} for n in range(10)]
    answer = client.batch_get_item(
        RequestItems={"capped-batch": {"Keys": keys, "ProjectionExpression": "pk"}}
    )
    unread = answer["UnprocessedKeys"]["capped-batch"]
    assert len(unread["Keys"]) == 8 and unread["ProjectionExpression"] == "pk"
    assert len(answer["Responses"]["capped-batch"]) <= 2

    three_units = "x" * 3000
    big = [
        {"PutRequest": {"Item": {"pk": {"S": f"b{n}"}, "v": {"S": three_units}}}} for n in range(3)
    ]
    time.sleep(1.5)  # the write bucket refills to its 2 units
    client.batch_write_item(RequestItems={"capped-batch": big})  # one goes, spends 3 units
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.batch_write_item(RequestItems={"capped-batch": big})
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["throttlingReasons"][0]["reason"] == (
        "TableWriteMaxOnDemandThroughputExceeded"
    )
