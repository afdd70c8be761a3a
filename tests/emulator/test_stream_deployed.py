"""The project's own stream processor, behind a mapping set up as Terraform sets it up.

The zip is the one the harness builds for Terraform (harness.stack.lambda_package), the mapping has
the stream_processor module's settings and filter, and the table follows the key design. A
student enrollment must reach the function once, show up in its log, and bump the
course's studentCount (in its #stats item); the function's own aggregate writes must not
come back to it.
"""

from __future__ import annotations

import json
import time

from test_stream_support import clients, wait_for

from harness import LAMBDA_SOURCE_DIR
from harness.model import key_design
from harness.stack import lambda_package

TABLE = "university"
FUNCTION = "university-stream-processor"
ENTITY_TYPES = ["student", "submission", "order", "teaching"]


def deploy(aws: dict) -> None:
    stream_arn = aws["dynamodb"].create_table(
        **key_design.table_request(TABLE, stream_view_type="NEW_AND_OLD_IMAGES")
    )["TableDescription"]["LatestStreamArn"]
    queue_arn = aws["sqs"].get_queue_attributes(
        QueueUrl=aws["sqs"].create_queue(QueueName="failures")["QueueUrl"],
        AttributeNames=["QueueArn"],
    )["Attributes"]["QueueArn"]
    role = aws["iam"].create_role(RoleName="processor", AssumeRolePolicyDocument="{}")["Role"]
    aws["lambda"].create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": lambda_package.zip_bytes(LAMBDA_SOURCE_DIR)},
        Timeout=30,
        Environment={"Variables": {"TABLE_NAME": TABLE}},
    )
    patterns = [
        json.dumps({"dynamodb": {image: {"entityType": {"S": ENTITY_TYPES}}}})
        for image in ("NewImage", "OldImage")
    ]
    aws["lambda"].create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=FUNCTION,
        StartingPosition="TRIM_HORIZON",
        BatchSize=100,
        MaximumBatchingWindowInSeconds=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=3,
        MaximumRecordAgeInSeconds=3600,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
        FilterCriteria={"Filters": [{"Pattern": pattern} for pattern in patterns]},
    )


def item(**attributes: str) -> dict:
    return {name: {"S": value} for name, value in attributes.items()}


def log_messages(aws: dict) -> list[str]:
    try:
        events = aws["logs"].filter_log_events(logGroupName=f"/aws/lambda/{FUNCTION}")["events"]
    except aws["logs"].exceptions.ResourceNotFoundException:
        return []
    return [event["message"] for event in events]


def student_count(aws: dict) -> int | None:
    stats = (
        aws["dynamodb"]
        .get_item(TableName=TABLE, Key=item(pk="course#101", sk="#stats"), ConsistentRead=True)
        .get("Item", {})
    )
    return int(stats["studentCount"]["N"]) if "studentCount" in stats else None


def test_an_enrollment_reaches_the_deployed_function_once_and_updates_the_course(emulator):
    aws = clients(emulator.endpoint_url)
    deploy(aws)
    course = item(
        pk="course#101",
        sk="#details",
        entityType="course",
        courseID="101",
        title="Databases",
        courseDate="2025-09-15",
        instructorID="301",
    )
    aws["dynamodb"].put_item(TableName=TABLE, Item=course)
    enrollment = item(
        pk="course#101", sk="student#201", entityType="student", studentID="201", courseID="101"
    )
    enrollment["expiresAt"] = {"N": str(int(time.time()) + 86400)}

    aws["dynamodb"].put_item(TableName=TABLE, Item=enrollment)
    # Latency is bench/stream_throughput.py's to measure; here: it is logged at all.
    assert wait_for(lambda: any(m.startswith("START") for m in log_messages(aws)), timeout=30), (
        "nothing logged in /aws/lambda/NAME"
    )

    assert wait_for(lambda: student_count(aws) == 1, timeout=10)
    time.sleep(1.0)  # the function's write to the course must not come back to it
    starts = [m for m in log_messages(aws) if m.startswith("START")]
    assert len(starts) == 1, starts
    assert student_count(aws) == 1
