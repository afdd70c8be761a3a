"""IAM's evaluation of identity-based policies, rule by rule (iam.policy_evaluation).

Sources, under https://docs.aws.amazon.com/IAM/latest/UserGuide/:
reference_policies_evaluation-logic.html (Deny wins, Allow needed);
reference_policies_elements_action.html (case-insensitive action names, wildcards);
reference_policies_elements_resource.html, reference_policies_elements_notresource.html;
reference_policies_elements_condition_operators.html (operators, ...IfExists, missing keys);
reference_policies_condition-single-vs-multi-valued-context-keys.html (ForAnyValue/ForAllValues).
"""

from __future__ import annotations

import pytest

from harness.emulator.iam.policy_evaluation import (
    Decision,
    Request,
    UnsupportedCondition,
    arn_matches,
    evaluate,
)

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/university"
LOG_STREAM = (
    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:2026/11/30/[$LATEST]a"
)


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(*documents, action="dynamodb:UpdateItem", resource=TABLE, context=None) -> Decision:
    return evaluate(documents, Request(action, resource, context or {}))


def test_nothing_allows_means_implicit_deny():
    assert decide() is Decision.IMPLICIT_DENY
    assert decide(policy(allow("dynamodb:GetItem", TABLE))) is Decision.IMPLICIT_DENY


def test_an_allow_on_the_action_and_resource_allows():
    assert decide(policy(allow("dynamodb:UpdateItem", TABLE))) is Decision.ALLOWED


def test_an_explicit_deny_in_any_policy_wins_over_allows_in_others():
    documents = (policy(allow("dynamodb:*")), policy(deny("dynamodb:UpdateItem", TABLE)))
    assert decide(*documents) is Decision.EXPLICIT_DENY
    assert decide(*documents, action="dynamodb:GetItem") is Decision.ALLOWED


@pytest.mark.parametrize(
    "pattern, allowed",
    [
        ("dynamodb:UpdateItem", True),
        ("DynamoDB:updateitem", True),  # action names are case-insensitive
        ("dynamodb:Update*", True),
        ("dynamodb:?pdateItem", True),
        ("dynamodb:*Item", True),
        ("*", True),
        ("dynamodb:Update", False),
        ("dynamodb:U?dateItems", False),
        ("sqs:*", False),
    ],
)
def test_action_wildcards(pattern, allowed):
    result = decide(policy(allow(pattern, TABLE)))
    assert (result is Decision.ALLOWED) is allowed


@pytest.mark.parametrize(
    "pattern, arn, matches",
    [
        ("*", TABLE, True),
        (TABLE, TABLE, True),
        ("arn:aws:dynamodb:*:*:table/university", TABLE, True),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/*", TABLE, True),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/University", TABLE, False),  # case
        ("arn:aws:dynamodb:us-east-1:123456789012:table/universit?", TABLE, True),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/university", TABLE + "/index/i", False),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/university/*", TABLE + "/index/i", True),
        # A wildcard stays inside its own part of the ARN: region "*" does not eat the account.
        ("arn:aws:dynamodb:*:table/university", TABLE, False),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*", LOG_STREAM, True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/other:*", LOG_STREAM, False),
        # Regular-expression characters in a pattern are literal.
        ("arn:aws:dynamodb:us-east-1:123456789012:table/univ.rsity", TABLE, False),
    ],
)
def test_resource_arns_match_part_by_part(pattern, arn, matches):
    assert arn_matches(pattern, arn) is matches


def test_not_action_and_not_resource_apply_to_everything_else():
    everything_but_deletes = {"Effect": "Allow", "NotAction": "dynamodb:Delete*", "Resource": "*"}
    other_tables = {"Effect": "Deny", "Action": "*", "NotResource": TABLE}
    assert decide(policy(everything_but_deletes)) is Decision.ALLOWED
    assert decide(policy(everything_but_deletes), action="dynamodb:DeleteItem") is (
        Decision.IMPLICIT_DENY
    )
    documents = (policy(allow("*"), other_tables),)
    assert decide(*documents) is Decision.ALLOWED
    assert decide(*documents, resource=TABLE.replace("university", "other")) is (
        Decision.EXPLICIT_DENY
    )


def test_a_statement_whose_condition_fails_does_not_apply():
    """Not an explicit deny (moto's evaluator says Deny here): the statement is skipped."""
    regional = allow("dynamodb:*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    assert decide(policy(regional), context={"aws:RequestedRegion": "us-east-1"}) is (
        Decision.IMPLICIT_DENY
    )
    assert decide(policy(regional), context={"aws:requestedregion": "eu-west-1"}) is (
        Decision.ALLOWED
    )


@pytest.mark.parametrize(
    "condition, context, holds",
    [
        ({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}, {}, False),
        ({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}, None, True),
        ({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}, None, False),
        ({"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, {}, True),  # key missing
        ({"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}}, {}, True),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/univ*"}}, None, True),
        ({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}, None, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}}, None, True),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}}, None, False),
        ({"Bool": {"aws:SecureTransport": "false"}}, None, False),
        ({"Bool": {"aws:SecureTransport": True}}, None, True),
        ({"Null": {"aws:SourceVpc": "true"}}, None, True),
        ({"Null": {"aws:RequestedRegion": "true"}}, None, False),
        ({"NumericLessThan": {"dynamodb:Limit": "100"}}, {"dynamodb:Limit": "10"}, True),
        ({"NumericGreaterThanEquals": {"dynamodb:Limit": 100}}, {"dynamodb:Limit": "10"}, False),
        (
            {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "sk", "name"]}},
            {"dynamodb:Attributes": ["pk", "name"]},
            True,
        ),
        (
            {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "sk"]}},
            {"dynamodb:Attributes": ["pk", "secret"]},
            False,
        ),
        (
            {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["secret"]}},
            {"dynamodb:Attributes": ["pk", "secret"]},
            True,
        ),
        # Two operators in one block: both must hold.
        (
            {
                "StringEquals": {"aws:RequestedRegion": "us-east-1"},
                "Bool": {"aws:SecureTransport": "false"},
            },
            None,
            False,
        ),
    ],
)
def test_condition_operators(condition, context, holds):
    request_context = {
        "aws:RequestedRegion": "us-east-1",
        "aws:PrincipalArn": "arn:aws:iam::123456789012:role/university-stream-processor",
        "aws:SecureTransport": "true",
    }
    if context is not None:
        request_context = context
    result = decide(policy(allow("dynamodb:*", Condition=condition)), context=request_context)
    assert (result is Decision.ALLOWED) is holds


def test_an_unknown_operator_is_refused_loudly_not_guessed():
    strange = allow("dynamodb:*", Condition={"DateGreaterThan": {"aws:CurrentTime": "2020"}})
    with pytest.raises(UnsupportedCondition, match="DateGreaterThan"):
        decide(policy(strange), context={"aws:CurrentTime": "2026-11-30T00:00:00Z"})


def test_a_single_statement_object_and_string_lists_are_read_as_lists():
    document = {"Version": "2012-10-17", "Statement": allow(["dynamodb:GetItem"], [TABLE])}
    assert decide(document, action="dynamodb:GetItem") is Decision.ALLOWED
