"""The project's own stream processor, behind a mapping set up as Terraform sets it up.

The zip is the one the harness builds for Terraform (harness.stack.lambda_package), the mapping has
the stream_processor module's settings and filter, the role has the module's permissions
(terraform/modules/stream_processor/iam.tf, statement by statement), and the table follows
the key design. A student enrollment must reach the function once, show up in its log, and
bump the course's studentCount (in its #stats item); the function's own aggregate writes
must not come back to it. IAM is enforced: the function runs as that role.
"""

from __future__ import annotations

import json
import re
import time

from execution_roles import create_function_as
from test_stream_support import ACCOUNT, REGION, clients, wait_for

from harness import LAMBDA_SOURCE_DIR, TERRAFORM_DIR
from harness.model import key_design
from harness.stack import lambda_package

TABLE = "university"
FUNCTION = "university-stream-processor"
ENTITY_TYPES = ["student", "submission", "order", "teaching"]
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"


def module_table_actions() -> list[str]:
    """The stream_processor module's default table_actions, read from its variables.tf."""
    text = (TERRAFORM_DIR / "modules/stream_processor/variables.tf").read_text()
    block = re.search(r'variable "table_actions" \{.*?default\s*=\s*(\[.*?\])', text, re.DOTALL)
    return json.loads(re.sub(r",\s*\]", "]", block[1]))


TABLE_ACTIONS = module_table_actions()


def module_statements(stream_arn: str, queue_arn: str, table_actions: list[str]) -> list[dict]:
    """The stream_processor module's permissions policy (iam.tf), for these ARNs."""
    log_group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{FUNCTION}"
    return [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
            ],
            "Resource": stream_arn,
        },
        {"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"},
        {"Effect": "Allow", "Action": table_actions, "Resource": TABLE_ARN},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group}:*",
        },
    ]


def deploy(aws: dict, table_actions: list[str] = TABLE_ACTIONS) -> str:
    """Deploy table, queue, role, function and mapping; returns the failure queue's URL."""
    stream_arn = aws["dynamodb"].create_table(
        **key_design.table_request(TABLE, stream_view_type="NEW_AND_OLD_IMAGES")
    )["TableDescription"]["LatestStreamArn"]
    queue_url = aws["sqs"].create_queue(QueueName="failures")["QueueUrl"]
    # The module creates the log group; its role may write streams in it, not create it.
    aws["logs"].create_log_group(logGroupName=f"/aws/lambda/{FUNCTION}")
    queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    create_function_as(
        aws,
        FUNCTION,
        module_statements(stream_arn, queue_arn, table_actions),
        lambda_package.zip_bytes(LAMBDA_SOURCE_DIR),
        "handler.lambda_handler",
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
    return queue_url


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


def enroll(aws: dict) -> None:
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


def test_an_enrollment_reaches_the_deployed_function_once_and_updates_the_course(emulator):
    aws = clients(emulator.endpoint_url)
    deploy(aws)

    enroll(aws)

    # Latency is bench/stream_throughput.py's to measure; here: it is logged at all.
    assert wait_for(lambda: any(m.startswith("START") for m in log_messages(aws)), timeout=30), (
        "nothing logged in /aws/lambda/NAME"
    )

    assert wait_for(lambda: student_count(aws) == 1, timeout=10)
    time.sleep(1.0)  # the function's write to the course must not come back to it
    starts = [m for m in log_messages(aws) if m.startswith("START")]
    assert len(starts) == 1, starts
    assert student_count(aws) == 1


def test_without_update_item_the_aggregate_stays_and_the_batch_lands_in_the_failure_queue(
    emulator,
):
    """A role lacking dynamodb:UpdateItem on the table: the write is refused as IAM refuses it.

    AWS's refusal is AccessDeniedException, "User: <assumed-role ARN> is not authorized to
    perform: dynamodb:UpdateItem on resource: <table ARN> because no identity-based policy
    allows the dynamodb:UpdateItem action" (recorded: aws/aws-parallelcluster#4367; see
    harness.emulator.iam.enforcement). The function reports the record in batchItemFailures,
    Lambda retries it MaximumRetryAttempts (3) times and then sends the invocation record
    to the on-failure destination (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
    """
    aws = clients(emulator.endpoint_url)
    queue_url = deploy(aws, [a for a in TABLE_ACTIONS if a != "dynamodb:UpdateItem"])

    enroll(aws)

    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{FUNCTION}/{FUNCTION}"
    denial = (
        f"User: {principal} is not authorized to perform: dynamodb:UpdateItem on resource: "
        f"{TABLE_ARN} because no identity-based policy allows the dynamodb:UpdateItem action"
    )
    assert wait_for(lambda: any(denial in m for m in log_messages(aws)), timeout=30), log_messages(
        aws
    )
    assert any("AccessDeniedException" in m for m in log_messages(aws))
    received = wait_for(
        lambda: aws["sqs"].receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"),
        timeout=30,
    )
    record = json.loads(received[0]["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 4  # the first call + 3 retries
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1
    assert student_count(aws) is None
