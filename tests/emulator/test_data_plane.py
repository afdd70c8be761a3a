"""The DynamoDB data plane served by AWS's DynamoDB Local (EMULATOR_DATA_PLANE=dynamodb-local).

These tests run on an emulator of their own with that data plane, whatever the default is.
Each expected value is AWS's, from the page cited in the test's docstring.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from test_stream_support import StreamScenario, wait_for

from harness.emulator import process, stream_mappings
from harness.model import key_design

DATA_PLANE = "dynamodb-local"
SWEEP_SECONDS = 2.0


@pytest.fixture(scope="module")
def local_plane(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("ddblocal")
    running = process.start_private(
        state_dir, data_plane=DATA_PLANE, ttl_sweep_interval_seconds=SWEEP_SECONDS
    )
    yield running
    process.stop(state_dir)


@pytest.fixture
def plane(local_plane):
    request = urllib.request.Request(local_plane.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    return local_plane


def client(running, service: str = "dynamodb", region: str = "us-east-1"):
    return boto3.client(
        service,
        endpoint_url=running.endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def make_table(ddb, name: str = "books", sort_key: bool = False, stream: str | None = None):
    return ddb.create_table(
        **key_design.table_request(name, sort_key=sort_key, stream_view_type=stream)
    )["TableDescription"]


def read_stream(streams, stream_arn: str) -> list[dict]:
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)["Records"]


# --------------------------------------------------------------------------- what a user sees


def test_status_names_dynamodb_local_and_java(plane):
    """`invoke emulator.status` reads these fields (the release pinned in dynamodb_local.py)."""
    status = process.status_of(plane.endpoint_url)
    assert status["data_plane"] == DATA_PLANE
    assert status["dynamodb_local_version"] == "3.3.0"
    assert status["dynamodb_local_java"].split(".")[0].isdigit()
    assert int(status["dynamodb_local_java"].split(".")[0]) >= 17


def test_conditional_put_on_an_existing_item_fails(plane):
    """attribute_not_exists(pk) on an existing item: ConditionalCheckFailedException.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
    """
    ddb = client(plane)
    make_table(ddb)
    ddb.put_item(TableName="books", Item={"pk": {"S": "b#1"}})
    with pytest.raises(ClientError) as raised:
        ddb.put_item(
            TableName="books",
            Item={"pk": {"S": "b#1"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_comparing_two_missing_attributes_is_false(plane):
    """`a = b` with neither attribute on the item is false, so the write is refused.

    A comparison with an attribute that does not exist evaluates to false
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html);
    moto evaluated it true.
    """
    ddb = client(plane)
    make_table(ddb)
    ddb.put_item(TableName="books", Item={"pk": {"S": "b#1"}})
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        ddb.update_item(
            TableName="books",
            Key={"pk": {"S": "b#1"}},
            UpdateExpression="SET c = :one",
            ConditionExpression="a = b",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )


def test_query_projection_returns_only_the_projected_attribute(plane):
    """ProjectionExpression `title` returns only title.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
    """
    ddb = client(plane)
    make_table(ddb)
    ddb.put_item(
        TableName="books", Item={"pk": {"S": "b#1"}, "title": {"S": "T"}, "pages": {"N": "3"}}
    )
    items = ddb.query(
        TableName="books",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "b#1"}},
        ProjectionExpression="title",
    )["Items"]
    assert items == [{"title": {"S": "T"}}]


def test_transact_get_items_takes_100_and_batch_write_refuses_26(plane):
    """TransactGetItems takes up to 100 items; BatchWriteItem up to 25 requests.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
    """
    ddb = client(plane)
    make_table(ddb)
    puts = [{"PutRequest": {"Item": {"pk": {"S": f"b#{n}"}}}} for n in range(100)]
    for start in range(0, 100, 25):
        ddb.batch_write_item(RequestItems={"books": puts[start : start + 25]})
    got = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": "books", "Key": {"pk": {"S": f"b#{n}"}}}} for n in range(100)
        ]
    )["Responses"]
    assert [r["Item"]["pk"]["S"] for r in got] == [f"b#{n}" for n in range(100)]
    too_many = [{"PutRequest": {"Item": {"pk": {"S": f"x#{n}"}}}} for n in range(26)]
    with pytest.raises(ClientError) as raised:
        ddb.batch_write_item(RequestItems={"books": too_many})
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_each_region_is_its_own_namespace_with_its_own_arns(plane):
    """A table ARN names its region and account; stream records name the table's region.

    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
    (arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName});
    awsRegion: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html
    """
    west = client(plane, region="us-west-2")
    east = client(plane, region="us-east-1")
    table = make_table(west, stream="NEW_AND_OLD_IMAGES")
    assert table["TableArn"] == "arn:aws:dynamodb:us-west-2:123456789012:table/books"
    assert table["LatestStreamArn"].startswith("arn:aws:dynamodb:us-west-2:123456789012:table/")
    assert east.list_tables()["TableNames"] == [], "us-east-1 has tables of its own"
    west.put_item(TableName="books", Item={"pk": {"S": "b#1"}})
    records = read_stream(client(plane, "dynamodbstreams", "us-west-2"), table["LatestStreamArn"])
    assert [r["awsRegion"] for r in records] == ["us-west-2"]
    created = records[0]["dynamodb"]["ApproximateCreationDateTime"]
    assert isinstance(created, dt.datetime)
    assert abs(created.timestamp() - time.time()) < 5, "rounded to the second, not the minute"


def test_item_data_that_holds_an_arn_comes_back_as_written_in_every_region(plane):
    """The ARN rewriting between DynamoDB Local's `ddblocal` names and public ones stays out
    of item data: GetItem returns "the attributes of the item" as stored
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html), in
    an attribute value, a map key (named through ExpressionAttributeNames) and a replica.

    Seen before the fix: us-west-2's copy read back with us-west-2 in the ARN, so the
    replicator took its own write for a new one and copied it back over us-east-1's item,
    undoing the stream processor's newer increment there (issue 12's lost counts).
    """
    east, west = client(plane), client(plane, region="us-west-2")
    stream = "arn:aws:dynamodb:us-east-1:123456789012:table/arns/stream/2026-01-01T00:00:00.000"
    make_table(east, name="arns", stream="NEW_AND_OLD_IMAGES")
    east.update_table(TableName="arns", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    east.update_item(
        TableName="arns",
        Key={"pk": {"S": "b#1"}},
        UpdateExpression="SET origin = :arn, marks = :marks",
        ExpressionAttributeValues={":arn": {"S": stream}, ":marks": {"M": {}}},
    )
    east.update_item(
        TableName="arns",
        Key={"pk": {"S": "b#1"}},
        UpdateExpression="SET marks.#entry = :seq",
        ExpressionAttributeNames={"#entry": f"{stream}|b#1"},
        ExpressionAttributeValues={":seq": {"N": "7"}},
    )
    expected = {
        "pk": {"S": "b#1"},
        "origin": {"S": stream},
        "marks": {"M": {f"{stream}|b#1": {"N": "7"}}},
    }
    assert east.get_item(TableName="arns", Key={"pk": {"S": "b#1"}})["Item"] == expected
    assert wait_for(
        lambda: west.get_item(TableName="arns", Key={"pk": {"S": "b#1"}}).get("Item") == expected
    ), west.get_item(TableName="arns", Key={"pk": {"S": "b#1"}}).get("Item")
    time.sleep(1.0)  # a copy coming back from us-west-2 would have landed by now
    east_stream = east.describe_table(TableName="arns")["Table"]["LatestStreamArn"]
    records = read_stream(client(plane, "dynamodbstreams"), east_stream)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"], "no write came back"


def test_a_write_replicated_to_a_peer_is_not_replicated_back(plane):
    """A write in us-east-1 reaches us-west-2 once and never comes back: AWS replicates
    each write to the other replicas (https://docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/V2globaltables_HowItWorks.html), and publishes ReplicationLatency per
    source and ReceivingRegion (https://docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/metrics-dimensions.html), so a copy coming back would show there.

    Numbers are written in exponent form, as the stream processor writes 10 (1E+1):
    DynamoDB Local gives us-west-2's copy back as 10. Seen before the fix: the replicator
    did not recognise that copy as its own, replicated it back, and under load the older
    image overwrote a newer write in us-east-1 (the processor's lost increments, issue 12).
    """
    east, west = client(plane), client(plane, region="us-west-2")
    make_table(east, name="counts", stream="NEW_AND_OLD_IMAGES")
    east.update_table(TableName="counts", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    key = {"pk": {"S": "c#1"}}
    east.update_item(
        TableName="counts",
        Key=key,
        UpdateExpression="SET n = :n, s = :s",
        ExpressionAttributeValues={":n": {"N": "1E+1"}, ":s": {"NS": ["3", "1E+1", "2"]}},
    )
    assert wait_for(lambda: "Item" in west.get_item(TableName="counts", Key=key))
    time.sleep(1.5)  # a copy coming back (0.1 s replication delay) has landed by now

    def samples(region: str, receiving: str) -> float:
        points = client(plane, "cloudwatch", region).get_metric_statistics(
            Namespace="AWS/DynamoDB",
            MetricName="ReplicationLatency",
            Dimensions=[
                {"Name": "TableName", "Value": "counts"},
                {"Name": "ReceivingRegion", "Value": receiving},
            ],
            StartTime=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
            EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1),
            Period=60,
            Statistics=["SampleCount"],
        )["Datapoints"]
        return sum(point["SampleCount"] for point in points)

    assert samples("us-east-1", "us-west-2") >= 1, "the write went out"
    assert samples("us-west-2", "us-east-1") == 0, "and did not come back"


def test_tags_table_id_ttl_backups_and_on_demand_throughput(plane):
    """What DynamoDB Local lacks, answered as AWS does.

    TableId: API_TableDescription.html; tags: API_TagResource.html / API_ListTagsOfResource.html;
    TTL: API_DescribeTimeToLive.html; PITR: API_DescribeContinuousBackups.html;
    OnDemandThroughput: API_UpdateTable.html (all under
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/).
    """
    ddb = client(plane)
    request = key_design.table_request("books", sort_key=False)
    table = ddb.create_table(**request, Tags=[{"Key": "team", "Value": "a"}])["TableDescription"]
    assert len(table["TableId"]) == 36
    arn = table["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "b"}]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    assert ddb.describe_time_to_live(TableName="books")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    ddb.update_time_to_live(
        TableName="books", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    assert ddb.describe_time_to_live(TableName="books")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "exp",
    }
    backups = ddb.describe_continuous_backups(TableName="books")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    ddb.update_table(TableName="books", OnDemandThroughput={"MaxReadRequestUnits": 10})
    described = ddb.describe_table(TableName="books")["Table"]
    assert described["OnDemandThroughput"] == {"MaxReadRequestUnits": 10}
    assert described["TableId"] == table["TableId"]
    with pytest.raises(ClientError, match="Requested resource not found: Table: gone not found"):
        ddb.delete_table(TableName="gone")


# --------------------------------------------------------------------------- streams and Lambda


@pytest.mark.slow
def test_writes_that_change_nothing_make_no_record_and_no_invocation(plane):
    """An identical PutItem and an UpdateItem that changes nothing write no stream record.

    "If you perform a PutItem or UpdateItem operation that does not change any data in an
    item, DynamoDB Streams does not write a stream record for that operation."
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
    """
    scenario = StreamScenario.create(plane.endpoint_url)
    scenario.put("k1", name={"S": "Ana"})
    scenario.wait_for_invocations(1)
    scenario.put("k1", name={"S": "Ana"})
    scenario.aws["dynamodb"].update_item(
        TableName=scenario.source,
        Key={"pk": {"S": "k1"}},
        UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "Ana"}},
    )
    scenario.put("k2")
    wait_for(lambda: ["k2"] in scenario.delivered_keys())
    time.sleep(0.5)
    assert scenario.delivered_keys() == [["k1"], ["k2"]]
    records = read_stream(scenario.aws["dynamodbstreams"], scenario.stream_arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "k1"),
        ("INSERT", "k2"),
    ]


@pytest.mark.slow
def test_ttl_expiry_in_a_global_table_within_the_sweep_interval(plane):
    """200 expired items among 2,000 live ones in one partition: all gone within a sweep
    interval plus 5 s, each with one REMOVE carrying the TTL service's identity in the region
    that expired it and a plain replicated REMOVE in the other region.

    Identity: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html;
    replicated TTL deletes carry none:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html
    """
    east = client(plane, region="us-east-1")
    west = client(plane, region="us-west-2")
    make_table(east, name="sessions", sort_key=True, stream="NEW_AND_OLD_IMAGES")
    east.update_table(
        TableName="sessions", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]
    )
    east.update_time_to_live(
        TableName="sessions", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    now = int(time.time())
    items = [
        {"pk": {"S": "user#1"}, "sk": {"S": f"s#{n:04d}"}, "exp": {"N": str(now + 3600)}}
        for n in range(2000)
    ] + [
        {"pk": {"S": "user#1"}, "sk": {"S": f"x#{n:04d}"}, "exp": {"N": str(now - 60)}}
        for n in range(200)
    ]
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        east.batch_write_item(RequestItems={"sessions": batch})
    written = time.monotonic()

    def remaining(ddb) -> int:
        return ddb.query(
            TableName="sessions",
            KeyConditionExpression="pk = :p AND begins_with(sk, :x)",
            ExpressionAttributeValues={":p": {"S": "user#1"}, ":x": {"S": "x#"}},
            Select="COUNT",
        )["Count"]

    wait_for(lambda: remaining(east) == 0, timeout=SWEEP_SECONDS + 5)
    wait_for(lambda: remaining(west) == 0, timeout=SWEEP_SECONDS + 5)
    assert time.monotonic() - written < SWEEP_SECONDS + 5 + 1
    assert (
        east.query(
            TableName="sessions",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "user#1"}},
            Select="COUNT",
        )["Count"]
        == 2000
    )

    def removes(region: str) -> dict[str, list[dict]]:
        streams = client(plane, "dynamodbstreams", region)
        arn = client(plane, region=region).describe_table(TableName="sessions")["Table"][
            "LatestStreamArn"
        ]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        found: dict[str, list[dict]] = {}
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                if record["eventName"] == "REMOVE":
                    found.setdefault(record["dynamodb"]["Keys"]["sk"]["S"], []).append(record)
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
        return found

    time.sleep(1.0)  # a replication delay more: no second delete may follow
    by_region = {region: removes(region) for region in ("us-east-1", "us-west-2")}
    expired = {f"x#{n:04d}" for n in range(200)}
    for region, found in by_region.items():
        assert set(found) == expired, region
        assert all(len(records) == 1 for records in found.values()), region
    for sk in expired:
        identities = [by_region[r][sk][0].get("userIdentity") for r in by_region]
        service = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
        assert sorted(json.dumps(i, sort_keys=True) for i in identities) == sorted(
            [json.dumps(service, sort_keys=True), "null"]
        ), sk


# --------------------------------------------------------------------------- faults and hooks


@pytest.mark.slow
def test_dynamodb_local_dying_stops_the_emulator_with_one_line(tmp_path):
    """Half a system is worse than none: the emulator stops and names DynamoDB Local's log."""
    running = process.start_private(tmp_path, data_plane=DATA_PLANE)
    try:
        status = process.status_of(running.endpoint_url)
        os.kill(int(status["dynamodb_local_pid"]), signal.SIGKILL)
        wait_for(lambda: process.status_of(running.endpoint_url) is None, timeout=10)
    finally:
        process.stop(tmp_path)
    log = Path(running.log_file).read_text()
    lines = [line for line in log.splitlines() if "DynamoDB Local exited unexpectedly" in line]
    assert len(lines) == 1
    assert status["dynamodb_local_log"] in lines[0]


def test_the_stream_mapping_hooks_are_where_we_expect():
    """The data plane points these at DynamoDB Local's streams; a rename must fail here."""
    assert list(inspect.signature(stream_mappings._find_shard).parameters) == ["stream_arn"]
    assert list(inspect.signature(stream_mappings._latest_position).parameters) == ["stream_arn"]
    assert list(inspect.signature(stream_mappings._original_create).parameters)[:2] == [
        "self",
        "spec",
    ]


# --------------------------------------------------------------------------- Streams API (issue 10)


def raw_client(running, service: str):
    """A client that sends what it is given (botocore would refuse Limit 0 itself)."""
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=running.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def error_of(call) -> tuple[int, str]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_streams_api_errors_are_typed_400s(plane):
    """A missing shard: ResourceNotFoundException; a malformed iterator: ValidationException.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
    (errors listed there; moto answered HTTP 500 pages).
    """
    ddb, streams = client(plane), raw_client(plane, "dynamodbstreams")
    arn = make_table(ddb, stream="NEW_AND_OLD_IMAGES")["LatestStreamArn"]
    assert error_of(
        lambda: streams.get_shard_iterator(
            StreamArn=arn,
            ShardId="shardId-00000000000000000000-00000000",
            ShardIteratorType="TRIM_HORIZON",
        )
    ) == (400, "ResourceNotFoundException")
    assert error_of(lambda: streams.get_records(ShardIterator="not-an-iterator" * 3)) == (
        400,
        "ValidationException",
    )


def test_a_disabled_stream_is_described_disabled_with_closed_shards(plane):
    """StreamStatus DISABLED, and each shard has an EndingSequenceNumber (closed).

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamDescription.html
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_SequenceNumberRange.html
    """
    ddb, streams = client(plane), client(plane, "dynamodbstreams")
    arn = make_table(ddb, stream="NEW_AND_OLD_IMAGES")["LatestStreamArn"]
    ddb.put_item(TableName="books", Item={"pk": {"S": "b#1"}})
    ddb.update_table(TableName="books", StreamSpecification={"StreamEnabled": False})
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    assert description["Shards"]
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in description["Shards"])


def test_stream_paging_limits_and_sizes(plane):
    """DescribeStream after the last shard lists none; ListStreams pages by Limit (1..100);
    SizeBytes counts keys and images; stream labels carry milliseconds.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_DescribeStream.html
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_ListStreams.html
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html
    (SizeBytes: "The size of the stream record, in bytes"; the record holds Keys and images)
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
    (LatestStreamLabel example 2015-05-20T20:51:10.252)
    """
    ddb, streams = client(plane), raw_client(plane, "dynamodbstreams")
    arns = [
        make_table(ddb, name=f"books{n}", stream="NEW_AND_OLD_IMAGES")["LatestStreamArn"]
        for n in range(3)
    ]
    shards = streams.describe_stream(StreamArn=arns[0])["StreamDescription"]["Shards"]
    after_last = streams.describe_stream(
        StreamArn=arns[0], ExclusiveStartShardId=shards[-1]["ShardId"]
    )["StreamDescription"]
    assert after_last["Shards"] == []
    listed, request = [], {"Limit": 2}
    while True:
        page = streams.list_streams(**request)
        assert len(page["Streams"]) <= 2
        listed += [stream["StreamArn"] for stream in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        request["ExclusiveStartStreamArn"] = page["LastEvaluatedStreamArn"]
    # Streams of tables dropped by earlier resets may be listed too (kept 24 hours).
    assert set(arns) <= set(listed) and len(listed) == len(set(listed))
    for limit in (0, 101):
        assert error_of(lambda limit=limit: streams.list_streams(Limit=limit)) == (
            400,
            "ValidationException",
        )
    ddb.put_item(TableName="books0", Item={"pk": {"S": "abc"}, "v": {"S": "x"}})
    record = read_stream(client(plane, "dynamodbstreams"), arns[0])[0]
    # Keys pk+abc (5 bytes) and NewImage pk+abc, v+x (7 bytes).
    assert record["dynamodb"]["SizeBytes"] == 12
    label = arns[0].rsplit("/", 1)[1]
    assert len(label.rsplit(".", 1)[1]) == 3, "milliseconds, not microseconds"


def test_the_moto_data_plane_is_still_there_when_asked_for(tmp_path):
    """EMULATOR_DATA_PLANE=moto keeps the previous base (for comparison and bench/data_plane.py)."""
    running = process.start_private(tmp_path, data_plane="moto")
    try:
        assert process.status_of(running.endpoint_url)["data_plane"] == "moto"
        ddb = client(running)
        make_table(ddb)
        ddb.put_item(TableName="books", Item={"pk": {"S": "b#1"}})
        assert ddb.get_item(TableName="books", Key={"pk": {"S": "b#1"}})["Item"]
    finally:
        process.stop(tmp_path)


@pytest.mark.parametrize(
    "request_fields,member",
    [
        ({"BillingMode": "unknown"}, "billingMode"),
        (
            {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "Fisk"}},
            "streamSpecification.streamViewType",
        ),
    ],
)
def test_values_outside_an_enum_are_validation_errors(plane, request_fields, member):
    """AWS refuses them with a ValidationException naming the member (DynamoDB Local gave
    HTTP 500 for BillingMode and accepted any StreamViewType).

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html
    """
    ddb = raw_client(plane, "dynamodb")
    request = {**key_design.table_request("books", sort_key=False), **request_fields}
    with pytest.raises(ClientError) as raised:
        ddb.create_table(**request)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert f"at '{member}' failed to satisfy constraint" in error["Message"]


def test_common_errors_are_worded_as_aws_recorded_them(plane):
    """Codes and messages as recorded on AWS in LocalStack's snapshots (reference data):
    tests/aws/services/dynamodb/test_dynamodb.snapshot.json (DescribeTable of a missing
    table: "Requested resource not found: Table: bad-table not found";
    test_batch_write_not_existing_table: "Requested resource not found"; a failed condition:
    "The conditional request failed") and
    tests/aws/services/dynamodbstreams/test_dynamodb_streams.snapshot.json
    (test_non_existent_stream: "Requested resource not found: Stream: <arn> not found", the
    ARN naming the caller's region and account, never DynamoDB Local's).
    """
    ddb, streams = client(plane), client(plane, "dynamodbstreams")

    def error(call) -> tuple[str, str]:
        with pytest.raises(ClientError) as raised:
            call()
        return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]

    assert error(lambda: ddb.describe_table(TableName="bad-table")) == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: bad-table not found",
    )
    put = {"PutRequest": {"Item": {"pk": {"S": "b#1"}}}}
    assert error(lambda: ddb.batch_write_item(RequestItems={"bad-table": [put]})) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    make_table(ddb)
    ddb.put_item(TableName="books", Item={"pk": {"S": "b#1"}})
    conditional = lambda: ddb.put_item(  # noqa: E731
        TableName="books", Item={"pk": {"S": "b#1"}}, ConditionExpression="attribute_not_exists(pk)"
    )
    assert error(conditional) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/bad-table/stream/2024-11-18T14:36:44.149"
    assert error(lambda: streams.describe_stream(StreamArn=arn)) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {arn} not found",
    )
