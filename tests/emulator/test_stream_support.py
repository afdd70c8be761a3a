"""Helpers for the stream tests (no tests here): a scripted Lambda and a table feeding it.

The test function is a real zip run by the emulator's Lambda runtime. Environment variables
script it: POISON keys always fail, FLAKY keys fail their first FLAKY_TIMES deliveries,
MODE=partial reports failures as batchItemFailures instead of raising, SLEEP seconds pass
before it answers. Every invocation is written to a DynamoDB table the test reads back.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from execution_roles import create_execution_role
from moto.dynamodb.models.table import Table

from harness.model import key_design

REGION = "us-east-1"
ACCOUNT = "123456789012"
FAILURE_QUEUE = "stream-failures"
FAILURE_QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{FAILURE_QUEUE}"

HANDLER = """
import json, os, time
import boto3

ddb = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"])
CALLS = os.environ["CALLS_TABLE"]
POISON = set(filter(None, os.environ.get("POISON", "").split(",")))
FLAKY = set(filter(None, os.environ.get("FLAKY", "").split(",")))
FLAKY_TIMES = int(os.environ.get("FLAKY_TIMES", "1"))


def key_of(record):
    return record["dynamodb"]["Keys"]["pk"]["S"]


def failed_before(key):
    answer = ddb.update_item(
        TableName=CALLS, Key={"pk": {"S": "attempts#" + key}, "sk": {"S": "-"}},
        UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW")
    return int(answer["Attributes"]["n"]["N"]) <= FLAKY_TIMES


def handler(event, context):
    ddb.put_item(TableName=CALLS, Item={
        "pk": {"S": "call"}, "sk": {"S": "%020d" % time.time_ns()},
        "event": {"S": json.dumps(event)}, "requestId": {"S": context.aws_request_id}})
    time.sleep(float(os.environ.get("SLEEP", "0")))
    failing = [r for r in event["Records"]
               if key_of(r) in POISON or (key_of(r) in FLAKY and failed_before(key_of(r)))]
    if not failing:
        return {"batchItemFailures": []}
    if os.environ.get("MODE") == "partial":
        return {"batchItemFailures": [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failing]}
    raise RuntimeError("cannot process " + ",".join(key_of(r) for r in failing))
"""


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def clients(endpoint_url: str, region: str = REGION) -> dict[str, Any]:
    settings = dict(
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    names = ("dynamodb", "dynamodbstreams", "lambda", "iam", "sqs", "sns", "logs", "s3")
    return {name: boto3.client(name, **settings) for name in names}


def wait_for(probe: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Poll until `probe` returns something truthy; fail with its last answer."""
    deadline = time.monotonic() + timeout
    answer = probe()
    while not answer and time.monotonic() < deadline:
        time.sleep(interval)
        answer = probe()
    assert answer, f"nothing after {timeout} s (last answer {answer!r})"
    return answer


def moto_table(region: str = REGION, stream_view_type: str | None = None) -> Table:
    """A moto Table built directly (no server), for tests that check moto's internals."""
    streams = None
    if stream_view_type:
        streams = {"StreamEnabled": True, "StreamViewType": stream_view_type}
    return Table(
        "t",
        ACCOUNT,
        region,
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        streams=streams,
    )


def create_stream_table(ddb: Any, name: str, ttl_attribute: str | None = None) -> str:
    """A pk-only table with a NEW_AND_OLD_IMAGES stream; returns the stream ARN."""
    table = ddb.create_table(
        **key_design.table_request(name, sort_key=False, stream_view_type="NEW_AND_OLD_IMAGES")
    )
    if ttl_attribute:
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
        )
    return table["TableDescription"]["LatestStreamArn"]


@dataclass
class StreamScenario:
    """A source table with a stream, the scripted function, and a table of its invocations."""

    aws: dict[str, Any]
    source: str = "source"
    calls_table: str = "calls"
    function: str = "recorder"
    stream_arn: str = ""
    mapping_id: str = ""
    queue_url: str = ""
    _written: list[str] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        endpoint_url: str,
        env: dict[str, str] | None = None,
        timeout: int = 10,
        ttl_attribute: str | None = None,
        **mapping: Any,
    ) -> StreamScenario:
        scenario = cls(clients(endpoint_url))
        scenario.setup(env or {}, timeout, ttl_attribute, mapping)
        return scenario

    def setup(
        self, env: dict[str, str], timeout: int, ttl_attribute: str | None, mapping: dict
    ) -> None:
        ddb = self.aws["dynamodb"]
        self.stream_arn = create_stream_table(ddb, self.source, ttl_attribute)
        ddb.create_table(**key_design.table_request(self.calls_table))
        self.queue_url = self.aws["sqs"].create_queue(QueueName=FAILURE_QUEUE)["QueueUrl"]
        role = create_execution_role(self.aws["iam"], "stream-test")
        self.aws["lambda"].create_function(
            FunctionName=self.function,
            Runtime="python3.11",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": zip_of({"handler.py": HANDLER})},
            Timeout=timeout,
            Environment={"Variables": {"CALLS_TABLE": self.calls_table, **env}},
        )
        settings = {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10, **mapping}
        self.mapping_id = self.aws["lambda"].create_event_source_mapping(
            EventSourceArn=self.stream_arn, FunctionName=self.function, **settings
        )["UUID"]

    def put(self, *keys: str, **attributes: dict) -> None:
        for key in keys:
            self.aws["dynamodb"].put_item(
                TableName=self.source, Item={"pk": {"S": key}, **attributes}
            )

    def invocations(self) -> list[dict]:
        """Every event the function received, oldest first."""
        return [json.loads(item["event"]["S"]) for item in self._calls()]

    def call_start_times(self) -> list[int]:
        """When each invocation's handler started (time.time_ns() inside it), oldest first."""
        return [int(item["sk"]["S"]) for item in self._calls()]

    def _calls(self) -> list[dict]:
        items = []
        pages = (
            self.aws["dynamodb"]
            .get_paginator("query")
            .paginate(
                TableName=self.calls_table,
                KeyConditionExpression="pk = :call",
                ExpressionAttributeValues={":call": {"S": "call"}},
            )
        )
        for page in pages:
            items.extend(page["Items"])
        items.sort(key=lambda item: item["sk"]["S"])
        return items

    def delivered_keys(self) -> list[list[str]]:
        """The keys of each invocation's records, in delivery order."""
        return [
            [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]]
            for event in self.invocations()
        ]

    def wait_for_invocations(self, count: int, timeout: float = 15.0) -> list[list[str]]:
        def enough() -> list[list[str]] | None:
            delivered = self.delivered_keys()
            return delivered if len(delivered) >= count else None

        return wait_for(enough, timeout)

    def failure_messages(self, wait: float = 0.0) -> list[dict]:
        answer = self.aws["sqs"].receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=int(wait)
        )
        return [json.loads(message["Body"]) for message in answer.get("Messages", [])]

    def wait_for_failure(self, timeout: float = 15.0) -> dict:
        return wait_for(lambda: self.failure_messages(), timeout)[0]

    def stream_sequence_numbers(self) -> dict[str, str]:
        """Key -> SequenceNumber of its newest record, read through the Streams API."""
        streams = self.aws["dynamodbstreams"]
        shard = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        return {r["dynamodb"]["Keys"]["pk"]["S"]: r["dynamodb"]["SequenceNumber"] for r in records}

    def update_mapping(self, **settings: Any) -> dict:
        return self.aws["lambda"].update_event_source_mapping(UUID=self.mapping_id, **settings)

    def mapping(self) -> dict:
        return self.mapping_of(self.mapping_id)

    def mapping_of(self, uuid: str) -> dict:
        return self.aws["lambda"].get_event_source_mapping(UUID=uuid)


def on_failure_to(arn: str = FAILURE_QUEUE_ARN) -> dict:
    return {"DestinationConfig": {"OnFailure": {"Destination": arn}}}


def advance_clock(endpoint_url: str, seconds: float) -> dict:
    """Move the emulator's clock `seconds` forward (POST /_emulator/clock); its answer."""
    return set_clock(endpoint_url, advance_seconds=seconds)


def set_clock(endpoint_url: str, **change: float) -> dict:
    """POST /_emulator/clock with `advance_seconds` and/or `speed`; the clock's answer."""
    request = urllib.request.Request(
        endpoint_url + "/_emulator/clock",
        data=json.dumps(change).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def settle(seconds: float = 1.0) -> None:
    """Give the poller time to do something it must not do, before asserting it did not."""
    time.sleep(seconds)
