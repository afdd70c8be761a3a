"""The action and resource ARN IAM authorises for each kind of request (request_context).

Resource types per action: AWS's Service Authorization Reference (list_amazondynamodb.html,
list_amazonsqs.html, list_amazoncloudwatchlogs.html, list_amazonsns.html); multi-item calls:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html and
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html.
"""

from __future__ import annotations

import json

import pytest

from harness.emulator.iam.request_context import Call, Signature, calls, signature_of

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/university"
STREAM = f"{TABLE}/stream/2026-11-30T00:00:00.000"
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261130/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc"
)


def json_calls(service: str, target: str, parameters: dict) -> list[Call] | None:
    signature = Signature("ASIAEXAMPLE", "us-east-1", service)
    headers = {"x-amz-target": target}
    return calls(signature, ACCOUNT, "POST", "/", headers, json.dumps(parameters).encode())


def dynamodb(operation: str, **parameters) -> list[Call] | None:
    return json_calls("dynamodb", f"DynamoDB_20120810.{operation}", parameters)


def test_the_signature_names_key_region_and_service():
    assert signature_of(AUTHORIZATION) == Signature("ASIAEXAMPLE", "us-east-1", "dynamodb")
    presigned = "X-Amz-Credential=ASIAEXAMPLE%2F20261130%2Feu-west-1%2Fsqs%2Faws4_request"
    assert signature_of(None, presigned) == Signature("ASIAEXAMPLE", "eu-west-1", "sqs")
    assert signature_of("Bearer x") is None


@pytest.mark.parametrize(
    "operation, parameters, expected",
    [
        ("UpdateItem", {"TableName": "university"}, [Call("dynamodb:UpdateItem", TABLE)]),
        ("GetItem", {"TableName": TABLE}, [Call("dynamodb:GetItem", TABLE)]),  # ARN as name
        (
            "Query",
            {"TableName": "university", "IndexName": "studentID-index"},
            [Call("dynamodb:Query", f"{TABLE}/index/studentID-index")],
        ),
        ("ListTables", {}, [Call("dynamodb:ListTables", "*")]),
        # ListStreams takes a TableName, but supports no resource-level permissions.
        ("ListStreams", {"TableName": "university"}, [Call("dynamodb:ListStreams", "*")]),
        ("TagResource", {"ResourceArn": TABLE}, [Call("dynamodb:TagResource", TABLE)]),
        (
            "BatchWriteItem",
            {"RequestItems": {"university": [], "other": []}},
            [
                Call("dynamodb:BatchWriteItem", TABLE),
                Call("dynamodb:BatchWriteItem", TABLE.replace("university", "other")),
            ],
        ),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"TableName": "university"}},
                    {"Update": {"TableName": "university"}},
                    {"ConditionCheck": {"TableName": "university"}},
                    {"Delete": {"TableName": "university"}},
                ]
            },
            [
                Call("dynamodb:PutItem", TABLE),
                Call("dynamodb:UpdateItem", TABLE),
                Call("dynamodb:ConditionCheckItem", TABLE),
                Call("dynamodb:DeleteItem", TABLE),
            ],
        ),
        (
            "TransactGetItems",
            {"TransactItems": [{"Get": {"TableName": "university"}}]},
            [Call("dynamodb:GetItem", TABLE)],
        ),
        (
            "ExecuteStatement",
            {"Statement": 'SELECT * FROM "university" WHERE pk = ?'},
            [Call("dynamodb:PartiQLSelect", TABLE)],
        ),
        (
            "ExecuteStatement",
            {"Statement": "UPDATE university SET n = 1 WHERE pk = 'a'"},
            [Call("dynamodb:PartiQLUpdate", TABLE)],
        ),
    ],
)
def test_dynamodb_calls(operation, parameters, expected):
    assert dynamodb(operation, **parameters) == expected


def test_streams_api_calls_are_signed_as_dynamodb_and_name_the_stream():
    target = "DynamoDBStreams_20120810."
    assert json_calls("dynamodb", target + "DescribeStream", {"StreamArn": STREAM}) == [
        Call("dynamodb:DescribeStream", STREAM)
    ]
    iterator = {"ShardIterator": f"{STREAM}|1|AAAA"}
    assert json_calls("dynamodb", target + "GetRecords", iterator) == [
        Call("dynamodb:GetRecords", STREAM)
    ]
    # An iterator that does not carry its stream cannot be authorised: no check, said so.
    assert json_calls("dynamodb", target + "GetRecords", {"ShardIterator": "opaque"}) is None


def test_sqs_logs_sns_sts_and_lambda_resources():
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:failures"
    url = {"QueueUrl": f"http://127.0.0.1:5000/{ACCOUNT}/failures"}
    assert json_calls("sqs", "AmazonSQS.SendMessage", url) == [Call("sqs:SendMessage", queue)]
    group = {"logGroupName": "/aws/lambda/fn", "logStreamName": "s"}
    assert json_calls("logs", "Logs_20140328.PutLogEvents", group) == [
        Call(
            "logs:PutLogEvents",
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/fn:log-stream:s",
        )
    ]
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms"
    form = f"Action=Publish&TopicArn={topic}&Message=x".encode()
    sns = Signature("ASIAEXAMPLE", "us-east-1", "sns")
    assert calls(sns, ACCOUNT, "POST", "/", {}, form) == [Call("sns:Publish", topic)]
    lambda_ = Signature("ASIAEXAMPLE", "us-east-1", "lambda")
    path = "/2015-03-31/functions/fn/invocations"
    assert calls(lambda_, ACCOUNT, "POST", path, {}, b"{}") == [
        Call("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn")
    ]
    sts = Signature("ASIAEXAMPLE", "us-east-1", "sts")
    identity = calls(sts, ACCOUNT, "POST", "/", {}, b"Action=GetCallerIdentity")
    assert identity == [Call("sts:GetCallerIdentity", "*")]
