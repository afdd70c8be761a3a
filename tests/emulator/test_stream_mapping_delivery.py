"""What a stream mapping does with records: record age, the S3 destination, parallel lanes.

Sources: AWS's "Retain discarded records for a DynamoDB event source in Lambda"
(services-dynamodb-errors.html), "Lambda parameters for Amazon DynamoDB event source
mappings" (services-ddb-params.html), and invocation records recorded on AWS in LocalStack's
snapshots (tests/aws/services/lambda_/event_source_mapping/*.snapshot.json). AWS's smallest
MaximumRecordAgeInSeconds is 60 s: these tests move the emulator's clock instead of waiting.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from test_stream_support import (
    StreamScenario,
    advance_clock,
    on_failure_to,
    settle,
    wait_for,
)


def test_a_record_too_old_before_its_first_call_is_reported_with_count_1_and_no_response(
    emulator,
):
    """AWS-recorded (test_lambda_integration_kinesis.snapshot.json,
    test_kinesis_maximum_record_age_exceeded[expire-before-ingestion]; DynamoDB and Kinesis
    mappings share one poller and no DynamoDB recording exists): condition
    RecordAgeExceeded, approximateInvokeCount 1 although the function never ran, and no
    responseContext; keys in the order requestContext, version, timestamp, batch info."""
    scenario = StreamScenario.create(
        emulator.endpoint_url, Enabled=False, MaximumRecordAgeInSeconds=60, **on_failure_to()
    )
    scenario.put("k1")
    advance_clock(emulator.endpoint_url, 61)
    scenario.update_mapping(Enabled=True)
    failure = scenario.wait_for_failure()
    assert list(failure) == ["requestContext", "version", "timestamp", "DDBStreamBatchInfo"]
    context = failure["requestContext"]
    assert context["condition"] == "RecordAgeExceeded"
    assert context["approximateInvokeCount"] == 1
    assert context["functionArn"].endswith(":function:recorder")
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    settle(0.5)
    assert scenario.invocations() == [], "an expired record is never delivered"


def test_a_record_expiring_while_retried_is_reported_without_a_response(emulator):
    """AWS-recorded (test_lambda_integration_kinesis.snapshot.json,
    test_kinesis_maximum_record_age_exceeded[expire-while-retrying]): a failing record
    retried until it is older than MaximumRecordAgeInSeconds goes to the destination with
    condition RecordAgeExceeded and no responseContext; approximateInvokeCount counts the
    calls made (the recording shows 8 after a minute of retries). The stream goes on."""
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"POISON": "k1"},
        MaximumRecordAgeInSeconds=60,
        **on_failure_to(),
    )
    scenario.put("k1")
    scenario.wait_for_invocations(2)
    advance_clock(emulator.endpoint_url, 61)
    failure = scenario.wait_for_failure()
    settle(0.5)
    calls = len(scenario.invocations())
    assert "responseContext" not in failure
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == calls
    scenario.put("k2")
    assert scenario.wait_for_invocations(calls + 1)[-1] == ["k2"]


def test_an_s3_destination_gets_the_record_and_the_whole_event(emulator):
    """services-dynamodb-errors.html, "Example Amazon S3 invocation record": the SQS/SNS
    fields plus "payload", the invocation event as an escaped JSON string, in an object
    named aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>.
    AWS-recorded object (test_lambda_integration_dynamodbstreams.snapshot.json,
    test_dynamodb_event_source_mapping_with_s3_on_failure_destination): keys sorted,
    responseContext {executedVersion $LATEST, functionError Unhandled, statusCode 200}."""
    scenario = StreamScenario.create(
        emulator.endpoint_url, Enabled=False, env={"POISON": "k1"}, MaximumRetryAttempts=0
    )
    s3 = scenario.aws["s3"]
    s3.create_bucket(Bucket="stream-failures")
    scenario.update_mapping(
        Enabled=True, **on_failure_to("arn:aws:s3:::stream-failures"), MaximumRetryAttempts=0
    )
    scenario.put("k1")
    objects = wait_for(lambda: s3.list_objects_v2(Bucket="stream-failures").get("Contents"))
    assert len(objects) == 1
    key = objects[0]["Key"]
    raw = s3.get_object(Bucket="stream-failures", Key=key)["Body"].read()
    record = json.loads(raw)

    assert list(record) == sorted(record)
    assert list(record["requestContext"]) == sorted(record["requestContext"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
        "statusCode": 200,
    }
    assert record["version"] == "1.0"
    assert isinstance(record["payload"], str), "an escaped JSON string"
    assert json.loads(record["payload"]) == scenario.invocations()[0]
    info = record["DDBStreamBatchInfo"]
    moment = datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    expected = (
        rf"aws/lambda/{scenario.mapping_id}/{re.escape(info['shardId'])}/"
        rf"{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-[0-9a-f-]{{36}}"
    )
    assert re.fullmatch(expected, key), key


@pytest.mark.slow
def test_parallelization_factor_runs_batches_at_once_and_keeps_each_keys_order(emulator):
    """services-ddb-params.html: ParallelizationFactor 1..10 concurrent batches per shard;
    with-ddb.html ("Polling and batching streams"): Lambda keeps records of one partition key
    in order with concurrent batches. Each handler call sleeps 0.6 s, so calls starting
    closer together than that overlapped; every key's INSERT still comes before its MODIFY."""
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        env={"SLEEP": "0.6"},
        Enabled=False,
        BatchSize=1,
        ParallelizationFactor=10,
    )
    keys = [f"k{n}" for n in range(6)]
    scenario.put(*keys)
    scenario.put(*keys, v={"N": "2"})
    scenario.update_mapping(Enabled=True)
    scenario.wait_for_invocations(12, timeout=120)  # cold starts of up to 4 workers
    settle(0.5)
    records = [r for event in scenario.invocations() for r in event["Records"]]
    assert len(records) == 12, "each record once"
    for key in keys:
        names = [r["eventName"] for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == key]
        assert names == ["INSERT", "MODIFY"], key
    starts = scenario.call_start_times()
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert min(gaps) < 300_000_000, "some calls started while another was still sleeping"
