"""Where a stream mapping's discarded batches go: AWS's invocation record, to SQS, SNS or S3.

The record's shape is AWS's (services-dynamodb-errors.html, "Example Amazon SNS and Amazon
SQS invocation record" and "Example Amazon S3 invocation record"):

- requestContext {requestId, functionArn, condition, approximateInvokeCount}
- responseContext {statusCode, executedVersion, functionError} only when a function call's
  answer caused the discard (RetryAttemptsExhausted). A batch discarded for its age
  (RecordAgeExceeded) has none, before its first call (approximateInvokeCount 1) or while
  being retried (approximateInvokeCount = calls made): AWS-recorded in LocalStack's
  test_lambda_integration_kinesis.snapshot.json, test_kinesis_maximum_record_age_exceeded
  [expire-before-ingestion] and [expire-while-retrying]; DynamoDB stream mappings run on the
  same poller and no DynamoDB recording exists.
- version "1.0", timestamp (ISO 8601, milliseconds, Z), DDBStreamBatchInfo {shardId,
  startSequenceNumber, endSequenceNumber, approximateArrivalOfFirstRecord/LastRecord (ISO,
  seconds, Z), batchSize, streamArn}.

SQS and SNS get that JSON as the message. An S3 bucket gets it plus "payload", the
invocation event as an escaped JSON string, in an object named
aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID> (same page);
the object's keys are sorted, as in the AWS-recorded object of LocalStack's
test_dynamodb_event_source_mapping_with_s3_on_failure_destination.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness.emulator import clock

log = logging.getLogger(__name__)

RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True)
class Call:
    """The last function call made for a batch, as the invocation record reports it."""

    request_id: str
    function_error: str | None
    executed_version: str


@dataclass(frozen=True)
class DiscardedBatch:
    """What was discarded: where the records are, and the event that carried them."""

    mapping_uuid: str
    function_arn: str
    stream_arn: str
    shard_id: str
    first_sequence: str
    last_sequence: str
    first_arrival: float  # clock.now() seconds
    last_arrival: float
    size: int
    event: dict[str, Any]  # {"Records": [...]}, what the function got or would have got


def iso(epoch: float, milliseconds: bool = False) -> str:
    """ISO 8601 UTC with a Z: seconds, or milliseconds when asked."""
    moment = datetime.fromtimestamp(epoch, UTC)
    if milliseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def invocation_record(
    batch: DiscardedBatch, condition: str, invoke_count: int, last_call: Call | None, now: float
) -> dict[str, Any]:
    """The JSON AWS sends to an SQS or SNS destination (no record data)."""
    document: dict[str, Any] = {
        "requestContext": {
            "requestId": last_call.request_id if last_call else str(uuid.uuid4()),
            "functionArn": batch.function_arn,
            "condition": condition,
            "approximateInvokeCount": max(invoke_count, 1),
        },
    }
    if condition == RETRIES_EXHAUSTED and last_call is not None:
        response: dict[str, Any] = {
            "statusCode": 200,
            "executedVersion": last_call.executed_version,
        }
        if last_call.function_error:
            response["functionError"] = last_call.function_error
        document["responseContext"] = response
    document["version"] = "1.0"
    document["timestamp"] = iso(now, milliseconds=True)
    document["DDBStreamBatchInfo"] = {
        "shardId": batch.shard_id,
        "startSequenceNumber": batch.first_sequence,
        "endSequenceNumber": batch.last_sequence,
        "approximateArrivalOfFirstRecord": iso(batch.first_arrival),
        "approximateArrivalOfLastRecord": iso(batch.last_arrival),
        "batchSize": batch.size,
        "streamArn": batch.stream_arn,
    }
    return document


def s3_object_key(mapping_uuid: str, shard_id: str, now: float) -> str:
    """aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>."""
    moment = datetime.fromtimestamp(now, UTC)
    day = moment.strftime("%Y/%m/%d")
    stamp = moment.strftime("%Y-%m-%dT%H.%M.%S")
    return f"aws/lambda/{mapping_uuid}/{shard_id}/{day}/{stamp}-{uuid.uuid4()}"


def send(
    destination: str | None,
    batch: DiscardedBatch,
    condition: str,
    invoke_count: int,
    last_call: Call | None,
) -> None:
    """Deliver the invocation record to `destination` (an SQS, SNS or S3 ARN), if any.

    A destination that is gone or refuses the record is logged and skipped: AWS has
    discarded the batch either way and goes on with the stream.
    """
    if not destination:
        return
    now = clock.now()
    document = invocation_record(batch, condition, invoke_count, last_call, now)
    _, _, service, region, account, name = destination.split(":", 5)
    try:
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            sqs_backends[account][region].send_message(name, json.dumps(document))
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(message=json.dumps(document), arn=destination)
        elif service == "s3":
            from moto.s3.models import s3_backends

            document["payload"] = json.dumps(batch.event)
            key = s3_object_key(batch.mapping_uuid, batch.shard_id, now)
            body = json.dumps(document, sort_keys=True).encode()
            owner = batch.function_arn.split(":")[4]
            s3_backends[owner]["aws"].put_object(name, key, body)
        else:
            log.warning("on-failure destination %s is not an SQS, SNS or S3 ARN", destination)
    except Exception:  # the destination may be gone; AWS drops the record then too
        log.exception("could not deliver the invocation record to %s", destination)
