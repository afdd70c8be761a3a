"""The root module's plan for the local target: what a newcomer's `invoke setup` creates."""

from __future__ import annotations

import json

import pytest
from plan_expectations import (
    addresses,
    assert_plan_matches,
    planned_values,
    throttle_alarm_addresses,
)

TABLE = "module.table.aws_dynamodb_table.this"
REPLICA = "module.replica_us_west_2[0].aws_dynamodb_table_replica.this"
FUNCTION = "module.stream_processor.aws_lambda_function.this"
MAPPING = "module.stream_processor.aws_lambda_event_source_mapping.stream"
QUEUE = "module.stream_processor.aws_sqs_queue.failures"
LOG_GROUP = "module.stream_processor.aws_cloudwatch_log_group.this"
POLICY = "module.stream_processor.data.aws_iam_policy_document.permissions"
ALARM = "module.alarms.aws_cloudwatch_metric_alarm.this"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:university-alarms"

AGGREGATE_SOURCES = ["student", "submission", "order", "teaching"]


@pytest.fixture(scope="module")
def plan(plan_root):
    return plan_root()


def test_table_is_the_key_design(plan):
    assert_plan_matches(
        plan,
        {
            TABLE: {
                "name": "university",
                "billing_mode": "PAY_PER_REQUEST",
                "hash_key": "pk",
                "range_key": "sk",
                "ttl[0].attribute_name": "expiresAt",
                "ttl[0].enabled": True,
                "point_in_time_recovery[0].enabled": True,
                "server_side_encryption[0].enabled": True,
                "stream_enabled": True,
                "stream_view_type": "NEW_AND_OLD_IMAGES",
                "deletion_protection_enabled": False,  # the local target turns it off
            }
        },
    )


def test_attribute_definitions_are_exactly_the_keys(plan):
    got = {a["name"]: a["type"] for a in planned_values(plan, TABLE)["attribute"]}
    want = {"pk": "S", "sk": "S", "studentID": "S", "entityType": "S", "courseDate": "S"}
    assert got == want, f"Got {got}, expected {want} at {TABLE}.attribute"


def test_both_gsis_with_their_key_schemas(plan):
    got = {
        index["name"]: (index["hash_key"], index["range_key"] or None, index["projection_type"])
        for index in planned_values(plan, TABLE)["global_secondary_index"]
    }
    want = {
        "studentID-index": ("studentID", None, "ALL"),
        "entityType-courseDate-index": ("entityType", "courseDate", "ALL"),
    }
    assert got == want, f"Got {got}, expected {want} at {TABLE}.global_secondary_index"


def test_the_harness_key_design_declares_the_same_table(plan):
    """The catalog queries what harness.model.key_design declares; the table must match it."""
    from harness.model import key_design

    table = planned_values(plan, TABLE)
    got = (
        table["name"],
        table["hash_key"],
        table["range_key"],
        table["ttl"][0]["attribute_name"],
        {
            i["name"]: (i["hash_key"], i["range_key"] or None)
            for i in table["global_secondary_index"]
        },
    )
    want = (
        key_design.TABLE_NAME,
        key_design.PARTITION_KEY,
        key_design.SORT_KEY,
        key_design.TTL_ATTRIBUTE,
        {index.name: (index.hash_key, index.range_key) for index in key_design.INDEXES},
    )
    assert got == want, f"Got {got} in the plan, expected {want} from harness.model.key_design"


def test_replica_in_us_west_2_with_pitr_tags_and_the_tables_deletion_protection(plan):
    """The replica is an aws_dynamodb_table_replica through the us-west-2 provider (the
    table's own `replica {}` blocks stay empty: provider 5.100's block cannot protect one)."""
    assert addresses(plan, "aws_dynamodb_table_replica") == [REPLICA]
    assert_plan_matches(
        plan,
        {
            REPLICA: {
                "point_in_time_recovery": True,
                "deletion_protection_enabled": False,  # as the table: the local target
                "tags.Table": "university",
                "tags_all.Environment": "local",
            }
        },
    )
    assert planned_values(plan, TABLE)["replica"] == []


def test_every_resource_carries_the_default_tags(plan):
    untagged = [
        address
        for address, change in plan.resource_changes.items()
        if change["mode"] == "managed"
        and "tags_all" in (change["change"]["after"] or {})
        and change["change"]["after"]["tags_all"].get("Environment") != "local"
    ]
    assert not untagged, f"Got no Environment=local tag, expected one at {', '.join(untagged)}"


def test_a_read_and_a_write_throttle_alarm_for_the_table_and_each_gsi(plan):
    expected = {}
    for scope, dimensions in [
        ("table", {"TableName": "university"}),
        (
            "index/studentID-index",
            {"TableName": "university", "GlobalSecondaryIndexName": "studentID-index"},
        ),
        (
            "index/entityType-courseDate-index",
            {"TableName": "university", "GlobalSecondaryIndexName": "entityType-courseDate-index"},
        ),
    ]:
        for metric in ["ReadThrottleEvents", "WriteThrottleEvents"]:
            expected[f'{ALARM}["{scope}/{metric}"]'] = {
                "namespace": "AWS/DynamoDB",
                "metric_name": metric,
                "dimensions": dimensions,
                "statistic": "Sum",
                "comparison_operator": "GreaterThanThreshold",
                "threshold": 0,
            }
    assert_plan_matches(plan, expected)
    throttle_alarms = throttle_alarm_addresses(plan)
    assert len(throttle_alarms) == 6, f"Got {throttle_alarms}, expected 6 throttle alarms"


def test_stream_processor_and_queue_alarms(plan):
    assert_plan_matches(
        plan,
        {
            f'{ALARM}["stream-processor/errors"]': {
                "namespace": "AWS/Lambda",
                "metric_name": "Errors",
                "dimensions": {"FunctionName": "university-stream-processor"},
            },
            f'{ALARM}["stream-processor/iterator-age"]': {
                "namespace": "AWS/Lambda",
                "metric_name": "IteratorAge",
                "dimensions": {"FunctionName": "university-stream-processor"},
                "statistic": "Maximum",
            },
            f'{ALARM}["failure-queue/depth"]': {
                "namespace": "AWS/SQS",
                "metric_name": "ApproximateNumberOfMessagesVisible",
                "dimensions": {"QueueName": "university-stream-processor-failures"},
            },
            f'{ALARM}["replication/us-west-2"]': {
                "namespace": "AWS/DynamoDB",
                "metric_name": "ReplicationLatency",
                "dimensions": {"TableName": "university", "ReceivingRegion": "us-west-2"},
            },
        },
    )


def test_every_alarm_notifies_the_alarm_topic(plan):
    alarms = addresses(plan, "aws_cloudwatch_metric_alarm")
    assert len(alarms) == 10, f"Got {len(alarms)} alarms, expected 10: {alarms}"
    assert_plan_matches(
        plan,
        {alarm: {"alarm_actions": [TOPIC_ARN], "ok_actions": [TOPIC_ARN]} for alarm in alarms},
    )
    assert_plan_matches(plan, {"module.alarms.aws_sns_topic.alarms": {"name": "university-alarms"}})


def test_no_email_subscription_without_an_address(plan):
    subscriptions = addresses(plan, "aws_sns_topic_subscription")
    assert subscriptions == [], (
        f"Got {subscriptions}, expected no subscription when alarm_email is null"
    )


def test_function_runs_the_handler_with_the_table_name(plan):
    assert_plan_matches(
        plan,
        {
            FUNCTION: {
                "function_name": "university-stream-processor",
                "runtime": "python3.12",
                "handler": "handler.lambda_handler",
                "environment[0].variables": {"TABLE_NAME": "university"},
            },
            LOG_GROUP: {"name": "/aws/lambda/university-stream-processor", "retention_in_days": 14},
            QUEUE: {
                "name": "university-stream-processor-failures",
                "sqs_managed_sse_enabled": True,
            },
        },
    )


def test_mapping_reports_partial_failures_bisects_and_dead_letters(plan):
    assert_plan_matches(
        plan,
        {
            MAPPING: {
                "starting_position": "TRIM_HORIZON",
                "batch_size": 100,
                "function_response_types": ["ReportBatchItemFailures"],
                "bisect_batch_on_function_error": True,
                "maximum_retry_attempts": 3,
                "maximum_record_age_in_seconds": 3600,
                "enabled": True,
            }
        },
    )
    change = plan.resource_changes[MAPPING]["change"]
    destination_unknown = change["after_unknown"]["destination_config"][0]["on_failure"][0]
    assert destination_unknown.get("destination_arn") is True, (
        f"Got {change['after']['destination_config']}, expected an on-failure destination "
        f"(the failure queue's ARN, known after apply) at {MAPPING}.destination_config"
    )
    config = plan.configuration["root_module"]["module_calls"]["stream_processor"]["module"]
    mapping_config = next(
        r for r in config["resources"] if r["address"] == "aws_lambda_event_source_mapping.stream"
    )
    references = mapping_config["expressions"]["destination_config"][0]["on_failure"][0][
        "destination_arn"
    ]["references"]
    assert "aws_sqs_queue.failures.arn" in references, (
        f"Got {references}, expected the failure queue's ARN at {MAPPING}.destination_config"
    )


def test_filters_admit_only_records_that_feed_aggregates(plan):
    filters = planned_values(plan, MAPPING)["filter_criteria"][0]["filter"]
    got = sorted((json.loads(f["pattern"]) for f in filters), key=json.dumps)
    want = sorted(
        [
            {"dynamodb": {"NewImage": {"entityType": {"S": AGGREGATE_SOURCES}}}},
            {"dynamodb": {"OldImage": {"entityType": {"S": AGGREGATE_SOURCES}}}},
        ],
        key=json.dumps,
    )
    assert got == want, f"Got {got}, expected {want} at {MAPPING}.filter_criteria"


def test_known_policy_resources_have_no_wildcard_except_log_streams_and_list_streams(plan):
    """ListStreams supports no resource-level permissions (AWS's Service Authorization
    Reference lists no resource type for it), so IAM matches it against "*" only:
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html"""
    statements = planned_values(plan, POLICY)["statement"]
    by_sid = {s["sid"]: s for s in statements}
    assert set(by_sid) == {
        "ReadTableStream",
        "ListTableStreams",
        "MaintainAggregates",
        "QueryIndexes",
        "SendFailedBatches",
        "WriteOwnLogs",
    }, f"Got statements {sorted(by_sid)} at {POLICY}"
    wildcard_allowed = {"WriteOwnLogs", "ListTableStreams"}
    for sid, statement in by_sid.items():
        for resource in statement["resources"]:
            if resource is None:  # a table, index or stream ARN, known after apply
                continue
            has_wildcard = "*" in resource
            assert has_wildcard == (sid in wildcard_allowed), (
                f"Got resource {resource!r} in statement {sid}, expected a wildcard only in "
                f"{sorted(wildcard_allowed)} at {POLICY}"
            )
    assert by_sid["ListTableStreams"]["actions"] == ["dynamodb:ListStreams"], (
        f"Got {by_sid['ListTableStreams']['actions']}, expected only dynamodb:ListStreams "
        f"on * at {POLICY}.ListTableStreams"
    )
    index_arns = by_sid["QueryIndexes"]["resources"]
    assert index_arns == [None, None], (
        f"Got {index_arns}, expected one ARN per GSI at {POLICY}.QueryIndexes"
    )


def test_stream_processor_is_wired_to_the_table_module_outputs(plan):
    inputs = plan.configuration["root_module"]["module_calls"]["stream_processor"]["expressions"]
    for name, output in [
        ("table_arn", "module.table.table_arn"),
        ("stream_arn", "module.table.stream_arn"),
        ("index_arns", "module.table.index_arns"),
    ]:
        got = inputs[name].get("references", [])
        assert output in got, (
            f"Got {got}, expected {output} at module.stream_processor input {name}"
        )
    alarm_inputs = plan.configuration["root_module"]["module_calls"]["alarms"]["expressions"]
    got = alarm_inputs["gsi_names"].get("references", [])
    assert "module.table.gsi_names" in got, (
        f"Got {got}, expected module.table.gsi_names at module.alarms input gsi_names"
    )


def test_outputs_the_harness_and_readers_rely_on(plan):
    want = {
        "table_name": "university",
        "table_gsi_names": ["studentID-index", "entityType-courseDate-index"],
        "function_name": "university-stream-processor",
    }
    for name, value in want.items():
        assert plan.outputs[name] == value, (
            f"Got {plan.outputs[name]!r}, expected {value!r} at output.{name}"
        )
    planned_outputs = set(plan.planned_values["outputs"]) | set(plan.output_changes)
    for name in [
        "table_arn",
        "table_stream_arn",
        "replica_regions",
        "failure_queue_url",
        "alarm_topic_arn",
        "alarm_names",
    ]:
        assert name in planned_outputs, f"Got no output, expected one at output.{name}"
