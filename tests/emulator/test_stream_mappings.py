"""Event source mappings on DynamoDB streams deliver records the way AWS Lambda does.

Each test runs a real function (a zip the test writes, run by the emulator's Lambda runtime)
behind a real mapping on the shared emulator, scripts its failures, and reads back what it
received. Where the batch composition matters, the mapping starts disabled, the records are
written, and enabling it hands the poller all of them at once.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError
from test_stream_support import (
    FAILURE_QUEUE_ARN,
    StreamScenario,
    advance_clock,
    clients,
    create_stream_table,
    settle,
    wait_for,
    zip_of,
)


def keys(*numbers: int) -> list[str]:
    return [f"k{n}" for n in numbers]


def enable_and_wait(scenario: StreamScenario, count: int, timeout: float = 15.0) -> list:
    scenario.update_mapping(Enabled=True)
    return scenario.wait_for_invocations(count, timeout)


def on_failure() -> dict:
    return {"DestinationConfig": {"OnFailure": {"Destination": FAILURE_QUEUE_ARN}}}


def test_a_put_reaches_the_function_in_aws_event_shape_and_is_logged(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url)
    scenario.put("k1", name={"S": "Ana"})
    # How fast is a benchmark's question (bench/stream_throughput.py, p50/p95), not a test's.
    scenario.wait_for_invocations(1, timeout=30)
    scenario.aws["dynamodb"].put_item(
        TableName="source", Item={"pk": {"S": "k1"}, "name": {"S": "Bea"}}
    )
    scenario.wait_for_invocations(2)

    insert, modify = (event["Records"][0] for event in scenario.invocations())
    assert list(insert) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ]
    assert insert["eventName"] == "INSERT" and modify["eventName"] == "MODIFY"
    assert insert["eventVersion"] == "1.1"
    assert insert["eventSource"] == "aws:dynamodb"
    assert insert["awsRegion"] == "us-east-1"
    assert insert["eventSourceARN"] == scenario.stream_arn
    assert insert["eventID"] != modify["eventID"]
    data = insert["dynamodb"]
    assert set(data) == {
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    }, "an INSERT has no OldImage"
    assert isinstance(data["ApproximateCreationDateTime"], int)
    assert abs(data["ApproximateCreationDateTime"] - time.time()) < 60
    assert data["Keys"] == {"pk": {"S": "k1"}}
    assert data["NewImage"] == {"pk": {"S": "k1"}, "name": {"S": "Ana"}}
    assert data["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(data["SizeBytes"], int) and data["SizeBytes"] > 0
    assert data["SequenceNumber"].isdigit()
    assert int(modify["dynamodb"]["SequenceNumber"]) > int(data["SequenceNumber"])
    assert modify["dynamodb"]["OldImage"] == {"pk": {"S": "k1"}, "name": {"S": "Ana"}}
    assert modify["dynamodb"]["NewImage"]["name"] == {"S": "Bea"}

    logs = scenario.aws["logs"]
    messages = wait_for(
        lambda: [
            event["message"]
            for event in logs.filter_log_events(logGroupName="/aws/lambda/recorder")["events"]
        ]
    )
    assert any(message.startswith("START RequestId") for message in messages)


def test_partial_batch_failure_retries_from_the_failed_record_only(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"MODE": "partial", "FLAKY": "k3", "FLAKY_TIMES": "1"},
        Enabled=False,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    scenario.put(*keys(1, 2, 3, 4, 5))
    enable_and_wait(scenario, 2)
    settle()
    assert scenario.delivered_keys() == [keys(1, 2, 3, 4, 5), keys(3, 4, 5)]
    assert scenario.mapping()["LastProcessingResult"] == "OK"


def _zip_returning(answer: dict) -> bytes:
    return zip_of({"handler.py": f"def handler(event, context):\n    return {answer!r}\n"})


def test_a_malformed_partial_response_fails_the_whole_batch(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        Enabled=False,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=1,
        **on_failure(),
    )
    malformed = {"batchItemFailures": [{"itemIdentifier": ""}]}
    scenario.aws["lambda"].update_function_code(
        FunctionName="recorder", ZipFile=_zip_returning(malformed)
    )
    scenario.put("k1", "k2")
    scenario.update_mapping(Enabled=True)
    failure = scenario.wait_for_failure()
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 2, "an empty identifier fails it all"
    assert failure["requestContext"]["approximateInvokeCount"] == 2


def test_a_partial_response_is_ignored_unless_the_mapping_asks_for_it(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url, Enabled=False, MaximumRetryAttempts=0, **on_failure()
    )
    failed = {"batchItemFailures": [{"itemIdentifier": "1"}]}
    scenario.aws["lambda"].update_function_code(
        FunctionName="recorder", ZipFile=_zip_returning(failed)
    )
    scenario.put("k1")
    scenario.update_mapping(Enabled=True)
    wait_for(lambda: scenario.mapping()["LastProcessingResult"] == "OK")
    assert scenario.failure_messages() == []


def test_exhausted_retries_send_a_failure_record_to_sqs_and_processing_continues(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"POISON": "k2"},
        Enabled=False,
        MaximumRetryAttempts=2,
        **on_failure(),
    )
    scenario.put(*keys(1, 2, 3))
    numbers = scenario.stream_sequence_numbers()
    enable_and_wait(scenario, 3)
    failure = scenario.wait_for_failure()

    assert scenario.delivered_keys() == [keys(1, 2, 3)] * 3, "MaximumRetryAttempts=2: 3 calls"
    shard_id = scenario.aws["dynamodbstreams"].describe_stream(StreamArn=scenario.stream_arn)[
        "StreamDescription"
    ]["Shards"][0]["ShardId"]
    assert failure["version"] == "1.0"
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestContext"]["functionArn"].endswith(":function:recorder")
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["timestamp"].endswith("Z")
    info = failure["DDBStreamBatchInfo"]
    assert info["shardId"] == shard_id
    assert info["startSequenceNumber"] == numbers["k1"]
    assert info["endSequenceNumber"] == numbers["k3"]
    assert info["batchSize"] == 3
    assert info["streamArn"] == scenario.stream_arn
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert "Records" not in json.dumps(failure), "the failure record carries no record data"

    scenario.put("k4")
    assert scenario.wait_for_invocations(4)[3] == ["k4"]
    assert scenario.mapping()["LastProcessingResult"] == "OK"


def test_bisect_isolates_the_poison_record_without_charging_the_splits(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"POISON": "k3"},
        Enabled=False,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
        **on_failure(),
    )
    scenario.put(*keys(1, 2, 3, 4))
    numbers = scenario.stream_sequence_numbers()
    enable_and_wait(scenario, 6)
    failure = scenario.wait_for_failure()
    settle(0.5)

    assert scenario.delivered_keys() == [
        keys(1, 2, 3, 4),
        keys(1, 2),
        keys(3, 4),
        keys(3),
        keys(3),
        keys(4),
    ]
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (numbers["k3"],) * 2
    assert info["batchSize"] == 1
    assert failure["requestContext"]["approximateInvokeCount"] == 2, "splits are not retries"
    assert scenario.failure_messages() == []


def test_filter_criteria_drop_records_and_a_fully_filtered_batch_is_not_invoked(emulator):
    pattern = {"dynamodb": {"NewImage": {"entityType": {"S": ["student"]}}}}
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        Enabled=False,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    for key, kind in [("c1", "course"), ("s1", "student"), ("c2", "course"), ("s2", "student")]:
        scenario.put(key, entityType={"S": kind})
    assert enable_and_wait(scenario, 1) == [["s1", "s2"]]

    scenario.put("c3", entityType={"S": "course"})
    settle()
    assert len(scenario.invocations()) == 1, "a batch with no matching record is not invoked"
    scenario.put("s3", entityType={"S": "student"})
    assert scenario.wait_for_invocations(2)[1] == ["s3"], "filtered records never block"


def test_invalid_settings_are_rejected_at_create_and_update(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    create = scenario.aws["lambda"].create_event_source_mapping
    bad_creates = [
        {},  # StartingPosition is required for streams
        {"StartingPosition": "AT_TIMESTAMP"},
        {"StartingPosition": "LATEST", "BatchSize": 10_001},
        {"StartingPosition": "LATEST", "MaximumBatchingWindowInSeconds": 301},
        {"StartingPosition": "LATEST", "MaximumRetryAttempts": 10_001},
        {"StartingPosition": "LATEST", "FunctionResponseTypes": ["Everything"]},
        {"StartingPosition": "LATEST", "FilterCriteria": {"Filters": [{"Pattern": "{oops"}]}},
    ]
    for settings in bad_creates:
        with pytest.raises(ClientError, match="InvalidParameterValue") as raised:
            create(EventSourceArn=scenario.stream_arn, FunctionName="recorder", **settings)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, settings
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        scenario.update_mapping(FilterCriteria={"Filters": [{"Pattern": '{"a": "not a list"}'}]})
    listed = scenario.aws["lambda"].list_event_source_mappings(FunctionName="recorder")
    assert len(listed["EventSourceMappings"]) == 1


def test_a_function_timeout_is_a_failed_invocation(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"SLEEP": "3"},
        timeout=1,
        MaximumRetryAttempts=0,
        **on_failure(),
    )
    scenario.put("k1")
    failure = scenario.wait_for_failure(timeout=20)
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    assert scenario.mapping()["LastProcessingResult"].startswith("PROBLEM")


def test_order_within_the_shard_is_kept_under_retries(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"FLAKY": "k2", "FLAKY_TIMES": "2"},
        Enabled=False,
        BatchSize=2,
    )
    scenario.put(*keys(1, 2, 3, 4, 5, 6))
    enable_and_wait(scenario, 5)
    settle(0.5)
    assert scenario.delivered_keys() == [
        keys(1, 2),
        keys(1, 2),
        keys(1, 2),
        keys(3, 4),
        keys(5, 6),
    ], "later records wait until the failing batch succeeds"
    numbers = [
        int(record["dynamodb"]["SequenceNumber"])
        for event in scenario.invocations()[2:]
        for record in event["Records"]
    ]
    assert numbers == sorted(numbers)


def test_a_disabled_mapping_delivers_nothing_then_resumes_where_it_stopped(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url)
    scenario.put("k1")
    scenario.wait_for_invocations(1)

    answer = scenario.update_mapping(Enabled=False)
    assert answer["State"] == "Disabling"
    assert scenario.mapping()["State"] == "Disabled"
    settle(0.3)
    scenario.put("k2", "k3")
    settle()
    assert scenario.delivered_keys() == [["k1"]]

    assert scenario.update_mapping(Enabled=True)["State"] == "Enabling"
    assert scenario.mapping()["State"] == "Enabled"
    scenario.wait_for_invocations(2)
    settle(0.5)
    assert scenario.delivered_keys() == [["k1"], ["k2", "k3"]]


def test_a_deleted_mapping_stops_and_the_stream_keeps_its_records(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url)
    scenario.put("k1")
    scenario.wait_for_invocations(1)
    deleted = scenario.aws["lambda"].delete_event_source_mapping(UUID=scenario.mapping_id)
    assert deleted["State"] == "Deleting"
    settle(0.3)
    scenario.put("k2")
    settle()
    assert scenario.delivered_keys() == [["k1"]]
    assert set(scenario.stream_sequence_numbers()) == {"k1", "k2"}


def test_latest_delivers_only_records_written_after_the_mapping_was_created(emulator):
    """The scenario's own (disabled) mapping is deleted first: a second mapping of one
    function to one stream is a 409 on AWS (test_stream_mapping_api)."""
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    scenario.aws["lambda"].delete_event_source_mapping(UUID=scenario.mapping_id)
    scenario.put("k0")
    latest = scenario.aws["lambda"].create_event_source_mapping(
        EventSourceArn=scenario.stream_arn, FunctionName="recorder", StartingPosition="LATEST"
    )
    assert latest["State"] == "Creating"
    settle(0.5)
    scenario.put("k1")
    scenario.wait_for_invocations(1)
    settle(0.5)
    assert scenario.delivered_keys() == [["k1"]]


def test_latest_starts_after_the_streams_newest_record_whatever_other_regions_wrote(emulator):
    """LATEST is a position in the mapped stream's own shard: "just after the most recent
    stream record in the shard" (GetShardIterator, API_streams_GetShardIterator.html).
    Another region's table numbers its records on its own; many writes there must not
    move this mapping's start past records written here after it was created."""
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    scenario.aws["lambda"].delete_event_source_mapping(UUID=scenario.mapping_id)
    elsewhere = clients(emulator.endpoint_url, "us-west-2")["dynamodb"]
    create_stream_table(elsewhere, "elsewhere")
    for number in range(40):
        elsewhere.put_item(TableName="elsewhere", Item={"pk": {"S": f"w{number}"}})
    scenario.put("k0")
    settle(1.0)  # the stream mirror has read both regions' streams
    scenario.aws["lambda"].create_event_source_mapping(
        EventSourceArn=scenario.stream_arn, FunctionName="recorder", StartingPosition="LATEST"
    )
    scenario.put("k1", "k2")
    scenario.wait_for_invocations(1)
    settle(0.5)
    assert [key for batch in scenario.delivered_keys() for key in batch] == ["k1", "k2"]


def test_the_batching_window_gathers_records_into_one_invocation(emulator):
    scenario = StreamScenario.create(
        emulator.endpoint_url, BatchSize=100, MaximumBatchingWindowInSeconds=2
    )
    scenario.put(*keys(1, 2, 3, 4))
    scenario.wait_for_invocations(1)
    assert scenario.delivered_keys() == [keys(1, 2, 3, 4)]


def test_batch_size_limits_each_invocation(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False, BatchSize=2)
    scenario.put(*keys(1, 2, 3, 4, 5))
    enable_and_wait(scenario, 3)
    assert scenario.delivered_keys() == [keys(1, 2), keys(3, 4), keys(5)]


def test_records_older_than_the_maximum_age_go_to_the_destination_unprocessed(emulator):
    """Records past MaximumRecordAgeInSeconds are discarded to the destination, not invoked.

    services-dynamodb-errors.html ("retries until the records ... exceed the maximum age").
    AWS's minimum age is 60 s, so the test moves the emulator's clock a minute on instead
    of waiting (harness.emulator.clock).
    """
    scenario = StreamScenario.create(
        emulator.endpoint_url, Enabled=False, MaximumRecordAgeInSeconds=60, **on_failure()
    )
    scenario.put("k1", "k2")
    advance_clock(emulator.endpoint_url, 61)
    scenario.update_mapping(Enabled=True)
    failure = scenario.wait_for_failure()
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 2
    scenario.put("k3")
    assert scenario.wait_for_invocations(1) == [["k3"]]


def test_failure_records_can_go_to_an_sns_topic(emulator):
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    sns = scenario.aws["sns"]
    topic = sns.create_topic(Name="stream-failures")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=FAILURE_QUEUE_ARN)
    scenario.aws["lambda"].update_function_configuration(
        FunctionName="recorder", Environment={"Variables": {"CALLS_TABLE": "calls", "POISON": "k1"}}
    )
    scenario.put("k1")
    scenario.update_mapping(
        Enabled=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}},
    )
    envelope = scenario.wait_for_failure()
    failure = json.loads(envelope["Message"])
    assert envelope["TopicArn"] == topic
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1


def test_a_reset_forgets_mappings_and_checkpoints(emulator):
    first = StreamScenario.create(emulator.endpoint_url)
    first.put("k1")
    first.wait_for_invocations(1)
    first.aws["lambda"].update_function_configuration(
        FunctionName="recorder", Environment={"Variables": {"CALLS_TABLE": "calls", "SLEEP": "1"}}
    )
    first.put("k2")  # may be in flight when the reset comes
    request = urllib.request.Request(emulator.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()

    second = StreamScenario.create(emulator.endpoint_url)
    second.put("k3")
    assert second.wait_for_invocations(1) == [["k3"]]
    settle(1.5)
    assert second.delivered_keys() == [["k3"]]
    assert second.mapping()["LastProcessingResult"] == "OK"
