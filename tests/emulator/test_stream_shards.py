"""The emulator's DynamoDB streams keep records the way AWS does, for every reader.

moto cleared a shard after each inline Lambda dispatch, restarted sequence numbers, gave all
tables one shard id, said us-east-1 everywhere and emitted two INSERTs for an UpdateItem that
creates an item. These tests read streams through the public Streams API only.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from test_stream_support import StreamScenario, clients, create_stream_table, moto_table

from harness.emulator import streams


def shard_of(aws: dict, stream_arn: str) -> dict:
    description = aws["dynamodbstreams"].describe_stream(StreamArn=stream_arn)
    return description["StreamDescription"]["Shards"][0]


def read_stream(aws: dict, stream_arn: str, position: str = "TRIM_HORIZON", **extra) -> list:
    shard = shard_of(aws, stream_arn)
    iterator = aws["dynamodbstreams"].get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=position, **extra
    )["ShardIterator"]
    return aws["dynamodbstreams"].get_records(ShardIterator=iterator)["Records"]


def summary(records: list) -> list[tuple[str, str]]:
    return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]


def test_records_stay_readable_while_a_mapping_fails_on_them(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url, env={"POISON": "k1"})
    scenario.put("k1", "k2")
    scenario.wait_for_invocations(2)
    assert summary(read_stream(scenario.aws, scenario.stream_arn)) == [
        ("INSERT", "k1"),
        ("INSERT", "k2"),
    ]


def test_sequence_numbers_increase_are_padded_and_never_shared_between_tables(emulator):
    aws = clients(emulator.endpoint_url)
    first = create_stream_table(aws["dynamodb"], "first")
    second = create_stream_table(aws["dynamodb"], "second")
    for n in range(3):
        for table in ("first", "second"):
            aws["dynamodb"].put_item(TableName=table, Item={"pk": {"S": f"k{n}"}})
    numbers = {
        arn: [r["dynamodb"]["SequenceNumber"] for r in read_stream(aws, arn)]
        for arn in (first, second)
    }
    for sequence in numbers.values():
        assert len(sequence) == 3
        assert sequence == sorted(sequence, key=int), "increasing within the shard"
        assert sequence == sorted(sequence), "zero-padded: string order is numeric order"
        assert {len(number) for number in sequence} == {streams.SEQUENCE_DIGITS}
    assert not set(numbers[first]) & set(numbers[second])
    assert shard_of(aws, first)["ShardId"] != shard_of(aws, second)["ShardId"]


def test_each_region_has_its_own_shard_and_records_name_their_region(emulator):
    east = clients(emulator.endpoint_url, "us-east-1")
    west = clients(emulator.endpoint_url, "us-west-2")
    arns = {
        name: create_stream_table(aws["dynamodb"], "same")
        for name, aws in (("east", east), ("west", west))
    }
    east["dynamodb"].put_item(TableName="same", Item={"pk": {"S": "e"}})
    west["dynamodb"].put_item(TableName="same", Item={"pk": {"S": "w"}})
    (east_record,) = read_stream(east, arns["east"])
    (west_record,) = read_stream(west, arns["west"])
    assert (east_record["awsRegion"], west_record["awsRegion"]) == ("us-east-1", "us-west-2")
    assert shard_of(east, arns["east"])["ShardId"] != shard_of(west, arns["west"])["ShardId"]


def test_update_item_that_creates_an_item_emits_one_insert(emulator):
    aws = clients(emulator.endpoint_url)
    arn = create_stream_table(aws["dynamodb"], "tbl")
    for value in ("1", "2"):
        aws["dynamodb"].update_item(
            TableName="tbl",
            Key={"pk": {"S": "k"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"N": value}},
        )
    insert, modify = read_stream(aws, arn)
    assert (insert["eventName"], modify["eventName"]) == ("INSERT", "MODIFY")
    assert insert["dynamodb"]["NewImage"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    assert modify["dynamodb"]["NewImage"] == {"pk": {"S": "k"}, "v": {"N": "2"}}


def test_a_failed_conditional_update_emits_nothing(emulator):
    aws = clients(emulator.endpoint_url)
    arn = create_stream_table(aws["dynamodb"], "tbl")
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        aws["dynamodb"].update_item(
            TableName="tbl",
            Key={"pk": {"S": "k"}},
            UpdateExpression="SET v = :v",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":v": {"N": "1"}},
        )
    assert read_stream(aws, arn) == []


def test_a_cancelled_transaction_emits_nothing_and_a_committed_one_emits_its_writes(emulator):
    aws = clients(emulator.endpoint_url)
    arn = create_stream_table(aws["dynamodb"], "tbl")
    put = {"Put": {"TableName": "tbl", "Item": {"pk": {"S": "a"}}}}
    failing_check = {
        "ConditionCheck": {
            "TableName": "tbl",
            "Key": {"pk": {"S": "missing"}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    with pytest.raises(ClientError, match="TransactionCanceled"):
        aws["dynamodb"].transact_write_items(TransactItems=[put, failing_check])
    assert read_stream(aws, arn) == []
    aws["dynamodb"].transact_write_items(
        TransactItems=[put, {"Put": {"TableName": "tbl", "Item": {"pk": {"S": "b"}}}}]
    )
    assert summary(read_stream(aws, arn)) == [("INSERT", "a"), ("INSERT", "b")]
    aws["dynamodb"].put_item(TableName="tbl", Item={"pk": {"S": "c"}})
    with pytest.raises(ClientError, match="TransactionCanceled"):
        aws["dynamodb"].transact_write_items(TransactItems=[put, failing_check])
    aws["dynamodb"].put_item(TableName="tbl", Item={"pk": {"S": "d"}})
    assert summary(read_stream(aws, arn))[2:] == [("INSERT", "c"), ("INSERT", "d")], (
        "a rollback neither loses nor repeats records"
    )


def test_stream_api_positions_and_times(emulator):
    aws = clients(emulator.endpoint_url)
    arn = create_stream_table(aws["dynamodb"], "tbl")
    aws["dynamodb"].put_item(TableName="tbl", Item={"pk": {"S": "before"}})
    shard = shard_of(aws, arn)
    latest = aws["dynamodbstreams"].get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]
    aws["dynamodb"].put_item(TableName="tbl", Item={"pk": {"S": "after"}})
    aws["dynamodb"].delete_item(TableName="tbl", Key={"pk": {"S": "after"}})
    after_latest = aws["dynamodbstreams"].get_records(ShardIterator=latest)["Records"]
    assert summary(after_latest) == [("INSERT", "after"), ("REMOVE", "after")]
    assert "userIdentity" not in after_latest[1], "a user's delete names no service"

    first = read_stream(aws, arn)[0]
    assert (
        shard["SequenceNumberRange"]["StartingSequenceNumber"]
        <= first["dynamodb"]["SequenceNumber"]
    )
    rest = read_stream(
        aws,
        arn,
        "AFTER_SEQUENCE_NUMBER",
        SequenceNumber=first["dynamodb"]["SequenceNumber"],
    )
    assert summary(rest) == [("INSERT", "after"), ("REMOVE", "after")]
    created = first["dynamodb"]["ApproximateCreationDateTime"]
    assert isinstance(created, dt.datetime)
    assert abs(created.timestamp() - time.time()) < 60


def test_records_older_than_24_hours_are_trimmed():
    table = moto_table("eu-west-1", stream_view_type="KEYS_ONLY")
    shard = table.stream_shard
    item = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}})
    for _ in range(3):
        streams._append(shard, None, item)
    day_old = time.time() - streams.RETENTION_SECONDS - 1
    shard.items[0].arrival = shard.items[1].arrival = day_old
    streams._append(shard, item, None)
    assert [r.record["eventName"] for r in shard.items] == ["INSERT", "REMOVE"]
    shard.items[0].arrival = day_old
    assert [r.record["eventName"] for r in streams.records_from(shard, 0, 10)] == ["REMOVE"]
    assert len(shard.items) == 1, "reading trims too, so a quiet table forgets old records"
    kept = shard.items[0].sequence
    assert streams.records_from(shard, kept + 1, 10) == []
    assert streams.records_from(shard, kept, 10) == shard.items
    assert shard.items[0].record["awsRegion"] == "eu-west-1"
    assert "OldImage" not in shard.items[0].record["dynamodb"], "KEYS_ONLY carries keys only"
