"""IAM enforced in the emulator for role sessions: a function's calls, a learner's AssumeRole.

AWS's rules and texts are cited where they are used: harness.emulator.iam.enforcement
(AccessDeniedException and its message), policy_evaluation (Deny wins, Allow needed,
wildcards), request_context (the resource ARN of each call, "*" from AWS's reference),
harness.emulator.esm_permissions (CreateEventSourceMapping's InvalidParameterValueException).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from execution_roles import LAMBDA_TRUST, create_function_as
from moto.iam.access_control import AssumedRoleAccessKey
from moto.iam.models import IAMBackend
from moto.sts.models import STSBackend
from moto_hook_pins import assert_hook_in_place, each_hook
from test_lambda_runtime import invoke, zipped
from test_stream_support import ACCOUNT, FAILURE_QUEUE_ARN, REGION, clients, wait_for

from harness.emulator import process
from harness.model import key_design

TABLE = "university"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"

CALLER = """
import json, os
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    client = boto3.client(event["service"])
    try:
        answer = getattr(client, event["call"])(**event.get("arguments", {}))
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        return {"error": error.response["Error"], "status": status}
    answer.pop("ResponseMetadata", None)
    answer = json.loads(json.dumps(answer, default=str))
    return {"answer": answer, "key": os.environ["AWS_ACCESS_KEY_ID"]}
"""


def create_table(aws: dict) -> str:
    """The key design's table with its stream; returns the stream ARN."""
    request = key_design.table_request(
        TABLE, indexes=key_design.INDEXES, stream_view_type="NEW_AND_OLD_IMAGES"
    )
    return aws["dynamodb"].create_table(**request)["TableDescription"]["LatestStreamArn"]


def caller(aws: dict, statements: list[dict], name: str = "caller") -> str:
    """A function that makes the AWS call its event names, as role `name` with `statements`."""
    code = zipped({"app.py": CALLER})
    return create_function_as(aws, name, statements, code, "app.handler", Timeout=10)


def call(aws: dict, function: str, service: str, name: str, **arguments) -> dict:
    response, payload = invoke(
        aws["lambda"], function, {"service": service, "call": name, "arguments": arguments}
    )
    assert "FunctionError" not in response, payload
    return payload


def denial(role: str, session: str, action: str, resource: str | None, explicit=False) -> str:
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"
    on = f" on resource: {resource}" if resource else ""
    head = f"User: {principal} is not authorized to perform: {action}{on}"
    if explicit:
        return f"{head} with an explicit deny in an identity-based policy"
    return f"{head} because no identity-based policy allows the {action} action"


def key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def test_a_function_runs_with_its_roles_temporary_credentials(emulator):
    """Lambda puts the role's session credentials in AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN;
    the session is named after the function
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime,
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html)."""
    aws = clients(emulator.endpoint_url)
    function = caller(aws, [])

    payload = call(aws, function, "sts", "get_caller_identity")

    assert payload["answer"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/caller/caller"
    assert payload["key"].startswith("ASIA")  # temporary credentials' access key prefix


def test_create_function_refuses_a_role_lambda_cannot_assume(emulator):
    """CreateFunction: InvalidParameterValueException "The role defined for the function
    cannot be assumed by Lambda." when the trust policy does not name lambda.amazonaws.com
    (AWS-recorded; see harness.emulator.lambda_runtime.lambda_api)."""
    aws = clients(emulator.endpoint_url)
    ec2_trust = json.loads(
        json.dumps(LAMBDA_TRUST).replace("lambda.amazonaws.com", "ec2.amazonaws.com")
    )
    role = aws["iam"].create_role(
        RoleName="ec2-only", AssumeRolePolicyDocument=json.dumps(ec2_trust)
    )

    with pytest.raises(ClientError) as refusal:
        aws["lambda"].create_function(
            FunctionName="fn",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": zipped({"app.py": CALLER})},
        )

    assert refusal.value.response["Error"] == {
        "Code": "InvalidParameterValueException",
        "Message": "The role defined for the function cannot be assumed by Lambda.",
    }


def test_calls_are_authorised_against_the_roles_policy_with_aws_message(emulator):
    """Allow is needed per action and resource: table, index, "*" for ListTables (no
    resource-level permission in AWS's reference); a refusal is AWS's AccessDeniedException,
    HTTP 400, naming the principal, the action and the resource."""
    aws = clients(emulator.endpoint_url)
    create_table(aws)
    aws["dynamodb"].put_item(TableName=TABLE, Item={**key("course#101", "#stats")})
    function = caller(aws, [{"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": TABLE_ARN}])

    allowed = call(
        aws, function, "dynamodb", "get_item", TableName=TABLE, Key=key("course#101", "#stats")
    )
    update = call(
        aws,
        function,
        "dynamodb",
        "update_item",
        TableName=TABLE,
        Key=key("course#101", "#stats"),
        UpdateExpression="SET studentCount = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    index = call(
        aws,
        function,
        "dynamodb",
        "query",
        TableName=TABLE,
        IndexName="studentID-index",
        KeyConditionExpression="studentID = :k",
        ExpressionAttributeValues={":k": {"S": "201"}},
    )
    listing = call(aws, function, "dynamodb", "list_tables")

    assert allowed["answer"]["Item"]["pk"] == {"S": "course#101"}
    assert update["status"] == 400
    assert update["error"] == {
        "Code": "AccessDeniedException",
        "Message": denial("caller", "caller", "dynamodb:UpdateItem", TABLE_ARN),
    }
    assert index["error"]["Message"] == denial(
        "caller", "caller", "dynamodb:Query", f"{TABLE_ARN}/index/studentID-index"
    )
    assert listing["error"]["Message"] == denial("caller", "caller", "dynamodb:ListTables", None)
    item = aws["dynamodb"].get_item(TableName=TABLE, Key=key("course#101", "#stats"))["Item"]
    assert "studentCount" not in item, "a refused update must not reach the table"


def test_an_explicit_deny_wins_over_an_allow(emulator):
    """reference_policies_evaluation-logic.html: an explicit Deny in any policy overrides
    any Allow; the message says "with an explicit deny in an identity-based policy"."""
    aws = clients(emulator.endpoint_url)
    create_table(aws)
    function = caller(
        aws,
        [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE_ARN},
        ],
    )

    put = call(aws, function, "dynamodb", "put_item", TableName=TABLE, Item=key("a", "b"))
    delete = call(aws, function, "dynamodb", "delete_item", TableName=TABLE, Key=key("a", "b"))

    assert "error" not in put
    assert delete["error"]["Message"] == denial(
        "caller", "caller", "dynamodb:DeleteItem", TABLE_ARN, explicit=True
    )


def test_attached_aws_managed_policies_count(emulator):
    """A role's attached policies are identity-based policies too, AWS managed ones included:
    AWSLambdaDynamoDBExecutionRole allows dynamodb:ListStreams on "*"
    (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaDynamoDBExecutionRole.html)."""
    aws = clients(emulator.endpoint_url)
    create_table(aws)
    function = caller(aws, [])
    before = call(aws, function, "dynamodbstreams", "list_streams")
    aws["iam"].attach_role_policy(
        RoleName="caller",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
    )

    after = call(aws, function, "dynamodbstreams", "list_streams")

    assert before["error"]["Message"] == denial("caller", "caller", "dynamodb:ListStreams", None)
    assert TABLE in {s["TableName"] for s in after["answer"]["Streams"]}


def test_the_functions_log_is_written_only_with_the_roles_logs_permissions(emulator):
    """Lambda writes the log with the role's logs:CreateLogGroup/CreateLogStream/
    PutLogEvents; without them no log is sent (lambda/latest/dg/monitoring-cloudwatchlogs.html).
    AWSLambdaBasicExecutionRole grants them."""
    aws = clients(emulator.endpoint_url)
    function = caller(aws, [])

    call(aws, function, "sts", "get_caller_identity")
    groups = aws["logs"].describe_log_groups(logGroupNamePrefix="/aws/lambda/caller")["logGroups"]
    aws["iam"].attach_role_policy(
        RoleName="caller",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    call(aws, function, "sts", "get_caller_identity")
    events = aws["logs"].filter_log_events(logGroupName="/aws/lambda/caller")["events"]

    assert groups == []
    assert [e["message"].split(" ")[0] for e in events] == ["START", "END", "REPORT"]


def test_default_credentials_are_an_administrators_and_assumed_sessions_are_checked(emulator):
    """Requests signed with the learner's keys pass (a sandbox administrator); a session the
    learner assumes with STS is held to the role's policy, for SQS and Logs as for DynamoDB."""
    aws = clients(emulator.endpoint_url)
    queue_url = aws["sqs"].create_queue(QueueName="work")["QueueUrl"]
    aws["logs"].create_log_group(logGroupName="/app")
    role = aws["iam"].create_role(
        RoleName="reader", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
    )["Role"]["Arn"]
    credentials = boto3.client(
        "sts",
        endpoint_url=emulator.endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).assume_role(RoleArn=role, RoleSessionName="me")["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    sqs = session.client("sqs", endpoint_url=emulator.endpoint_url)
    logs = session.client("logs", endpoint_url=emulator.endpoint_url)

    aws["sqs"].send_message(QueueUrl=queue_url, MessageBody="admin")
    with pytest.raises(ClientError) as queue_refusal:
        sqs.send_message(QueueUrl=queue_url, MessageBody="reader")
    with pytest.raises(ClientError) as log_refusal:
        logs.create_log_stream(logGroupName="/app", logStreamName="s")

    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work"
    assert queue_refusal.value.response["Error"]["Message"] == denial(
        "reader", "me", "sqs:SendMessage", queue_arn
    )
    log_stream_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app:log-stream:s"
    assert log_refusal.value.response["Error"]["Message"] == denial(
        "reader", "me", "logs:CreateLogStream", log_stream_arn
    )


def mapping_role(aws: dict, stream_arn: str, read: list[str], send: bool) -> str:
    statements = [{"Effect": "Allow", "Action": read, "Resource": stream_arn}]
    statements.append({"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"})
    if send:
        statements.append(
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": FAILURE_QUEUE_ARN}
        )
    return caller(aws, statements, "processor")


STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]


@pytest.mark.parametrize(
    "read, send, message",
    [
        (
            ["dynamodb:DescribeStream", "dynamodb:GetShardIterator"],
            True,
            "Cannot access stream {stream}. Please ensure the role can perform the GetRecords, "
            "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.",
        ),
        (
            STREAM_READ,
            False,
            "The provided execution role does not have permissions to call SendMessage on SQS",
        ),
    ],
    ids=["cannot-read-stream", "cannot-send-to-destination"],
)
def test_create_event_source_mapping_checks_the_roles_permissions(emulator, read, send, message):
    """Lambda checks at CreateEventSourceMapping that the role can read the stream and send
    to the on-failure destination: InvalidParameterValueException with AWS's texts
    (recorded: awslabs/dynamodb-continuous-backup#39;
    aws-samples/aws-serverless-ecommerce-platform#41)."""
    aws = clients(emulator.endpoint_url)
    stream_arn = create_table(aws)
    aws["sqs"].create_queue(QueueName="stream-failures")
    function = mapping_role(aws, stream_arn, read, send)

    with pytest.raises(ClientError) as refusal:
        aws["lambda"].create_event_source_mapping(
            EventSourceArn=stream_arn,
            FunctionName=function,
            StartingPosition="TRIM_HORIZON",
            DestinationConfig={"OnFailure": {"Destination": FAILURE_QUEUE_ARN}},
        )

    assert refusal.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert refusal.value.response["Error"]["Message"] == message.format(stream=stream_arn)
    assert aws["lambda"].list_event_source_mappings()["EventSourceMappings"] == []


def test_the_poller_reads_the_stream_as_the_role(emulator):
    """A role that loses stream read after creation: records wait unread (AWS retries
    "before invocation" until they expire, services-dynamodb-errors.html) and come once
    the permission is back; LastProcessingResult says why (its AWS wording is undocumented)."""
    aws = clients(emulator.endpoint_url)
    stream_arn = create_table(aws)
    aws["sqs"].create_queue(QueueName="stream-failures")
    function = mapping_role(aws, stream_arn, STREAM_READ, True)
    mapping = aws["lambda"].create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=function, StartingPosition="TRIM_HORIZON"
    )["UUID"]
    policy = aws["iam"].get_role_policy(RoleName="processor", PolicyName="processor-access")
    aws["iam"].delete_role_policy(RoleName="processor", PolicyName="processor-access")

    aws["dynamodb"].put_item(TableName=TABLE, Item=key("a", "b"))

    result = wait_for(
        lambda: (
            aws["lambda"]
            .get_event_source_mapping(UUID=mapping)["LastProcessingResult"]
            .startswith("PROBLEM")
        ),
        timeout=10,
    )
    assert result
    problem = aws["lambda"].get_event_source_mapping(UUID=mapping)["LastProcessingResult"]
    assert problem == "PROBLEM: " + denial(
        "processor", "awslambda-stream-poller", "dynamodb:GetRecords", stream_arn
    )
    aws["iam"].put_role_policy(
        RoleName="processor",
        PolicyName="processor-access",
        PolicyDocument=json.dumps(policy["PolicyDocument"]),
    )
    # The record now reaches the function (which is no stream handler, so it fails).
    assert wait_for(
        lambda: (
            aws["lambda"].get_event_source_mapping(UUID=mapping)["LastProcessingResult"]
            in ("OK", "PROBLEM: Function call failed")
        ),
        timeout=15,
    )


@pytest.mark.slow
def test_enforcement_off_lets_sessions_do_anything_and_status_says_so(tmp_path):
    """EMULATOR_IAM_ENFORCEMENT=0 turns enforcement off; the status document says which."""
    running = process.start_private(tmp_path / "emulator", iam_enforcement=0)
    try:
        aws = clients(running.endpoint_url)
        create_table(aws)
        function = caller(aws, [])

        put = call(aws, function, "dynamodb", "put_item", TableName=TABLE, Item=key("a", "b"))

        assert "error" not in put
        assert process.status_of(running.endpoint_url)["iam_enforcement"] == "off"
    finally:
        process.stop(tmp_path / "emulator")


def test_status_says_enforcement_is_on_by_default(emulator):
    assert process.status_of(emulator.endpoint_url)["iam_enforcement"] == "on"


# (owner, attribute, parameter names after self) of what harness.emulator.iam.principals uses.
HOOKS = (
    (
        STSBackend,
        "assume_role",
        ("region_name", "role_session_name", "role_arn", "policy", "duration", "external_id"),
    ),
    (AssumedRoleAccessKey, "__init__", ("account_id", "partition", "access_key_id", "headers")),
    (AssumedRoleAccessKey, "collect_policies", ()),
    (IAMBackend, "get_role_by_arn", ("arn",)),
)


@each_hook(HOOKS)
def test_moto_hooks_are_where_iam_enforcement_expects_them(owner, name, parameters):
    """A moto upgrade that moves what principals.py uses must fail here, by name."""
    assert_hook_in_place(
        owner,
        name,
        parameters,
        moved="; update harness/emulator/iam/principals.py",
        changed="update harness/emulator/iam/principals.py",
    )
    # AssumedRole's access_key_id and role_arn are read on every request: the behaviour
    # tests above fail if they move. The principal ARN is a property of the key.
    assert isinstance(AssumedRoleAccessKey.arn, property)
