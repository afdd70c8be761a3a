"""The stream processor's role policy, planned with literal ARNs so every statement is known.

Least privilege is checked on the whole document: each statement names exactly
this table, its indexes, its stream, the failure queue or the function's own
log group. The wildcards are the log streams inside that log group and
dynamodb:ListStreams on "*": AWS's Service Authorization Reference lists no
resource type for ListStreams, so IAM matches it against "*" only
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
The whole document also passes the catalogue rules of harness/review/iam_validation.
"""

from __future__ import annotations

import json

import pytest

from harness.review import iam_validation

TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/university"
LOG_STREAMS = (
    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/university-stream-processor:*"
)

# Slow: each plan here is a `terraform plan` of its own (about 8 s of CPU); the fast lane
# plans only the default stack, once per session (shared_plans).
pytestmark = pytest.mark.slow
EXPECTED_RESOURCES = {
    "ReadTableStream": [f"{TABLE_ARN}/stream/2025-01-01T00:00:00.000"],
    "ListTableStreams": ["*"],
    "MaintainAggregates": [TABLE_ARN],
    "QueryIndexes": [
        f"{TABLE_ARN}/index/entityType-courseDate-index",
        f"{TABLE_ARN}/index/studentID-index",
    ],
    "SendFailedBatches": [
        "arn:aws:sqs:us-east-1:123456789012:university-stream-processor-failures"
    ],
    "WriteOwnLogs": [LOG_STREAMS],
}
ADDRESS = "module.stream_processor.data.aws_iam_policy_document.permissions"


@pytest.fixture(scope="module")
def document(plan_fixture):
    plan = plan_fixture("stream_processor_policy")()
    document = plan.outputs["policy_json"]
    assert document, f"Got no policy JSON at plan time, expected the whole document at {ADDRESS}"
    return json.loads(document)


@pytest.fixture(scope="module")
def statements(document):
    return {statement["Sid"]: statement for statement in document["Statement"]}


def _as_list(value):
    return sorted([value] if isinstance(value, str) else value)


def test_each_statement_names_exactly_its_resources(statements):
    got = {sid: _as_list(statement["Resource"]) for sid, statement in statements.items()}
    want = {sid: sorted(resources) for sid, resources in EXPECTED_RESOURCES.items()}
    assert got == want, f"Got {got}, expected {want} at {ADDRESS}"


def test_the_only_wildcards_are_the_log_streams_and_list_streams(statements):
    wildcards = {
        sid: _as_list(statement["Action"])
        for sid, statement in statements.items()
        if any("*" in resource for resource in _as_list(statement["Resource"]))
    }
    want = {
        "ListTableStreams": ["dynamodb:ListStreams"],
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
    }
    assert wildcards == want, f"Got {wildcards}, expected {want} at {ADDRESS}"


def test_the_whole_document_matches_awss_catalogue(document):
    findings = [str(finding) for finding in iam_validation.validate(document)]
    assert findings == [], f"Got {findings}, expected none at {ADDRESS}"


def test_actions_are_named_never_wildcarded(statements):
    actions = [a for statement in statements.values() for a in _as_list(statement["Action"])]
    starred = [a for a in actions if "*" in a]
    assert not starred, f"Got {starred}, expected no wildcard actions at {ADDRESS}"
    index_actions = _as_list(statements["QueryIndexes"]["Action"])
    assert index_actions == ["dynamodb:Query"], (
        f"Got {index_actions}, expected dynamodb:Query only on indexes at {ADDRESS}"
    )
    assert "dynamodb:DeleteItem" not in _as_list(statements["MaintainAggregates"]["Action"]), (
        f"Got dynamodb:DeleteItem, expected the function never to delete items at {ADDRESS}"
    )


def test_every_statement_allows_and_none_denies(statements):
    effects = {sid: statement.get("Effect", "Allow") for sid, statement in statements.items()}
    assert set(effects.values()) == {"Allow"}, (
        f"Got {effects}, expected Allow everywhere at {ADDRESS}"
    )
