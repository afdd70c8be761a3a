"""CloudWatch metrics published by the emulator's services, and metric alarms that fire.

The emulator runs with its clock at 60x (EMULATOR_CLOCK_SPEED), so a 60-second period
passes in a real second without changing any alarm. Metric names, units and dimensions are
AWS's (pages cited per test); alarm behaviour is CloudWatch's
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
"the alarm page" below).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request

import boto3
import pytest
from test_stream_support import StreamScenario, on_failure_to, set_clock, wait_for

from harness.emulator import process
from harness.emulator.cloudwatch import alarms, moto_cloudwatch
from harness.model import key_design

SPEED = 60
REGION = "us-east-1"


@pytest.fixture(scope="module")
def fast_plane(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("alarms")
    yield process.start_private(state_dir, data_plane="dynamodb-local", clock_speed=SPEED)
    process.stop(state_dir)


@pytest.fixture
def aws(fast_plane):
    request = urllib.request.Request(fast_plane.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    return {
        name: boto3.client(
            name,
            endpoint_url=fast_plane.endpoint_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for name in ("dynamodb", "cloudwatch", "sqs", "sns", "lambda", "iam", "dynamodbstreams")
    } | {"endpoint_url": fast_plane.endpoint_url}


def emulated_now(aws) -> dt.datetime:
    with urllib.request.urlopen(aws["endpoint_url"] + "/_emulator/clock") as answer:
        now = json.load(answer)["now"]
    return dt.datetime.fromtimestamp(now, dt.UTC)


def metric_sum(aws, namespace: str, name: str, dimensions: dict[str, str], stat="Sum") -> float:
    now = emulated_now(aws)
    points = aws["cloudwatch"].get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now + dt.timedelta(minutes=1),
        Period=60,
        Statistics=[stat],
    )["Datapoints"]
    values = [point[stat] for point in points]
    return max(values, default=0.0) if stat == "Maximum" else sum(values)


def topic_with_queue(aws, name: str = "alarms") -> tuple[str, str]:
    queue_url = aws["sqs"].create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    topic = aws["sns"].create_topic(Name=name)["TopicArn"]
    aws["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue_url


def notifications(aws, queue_url: str) -> list[dict]:
    found = []
    while True:
        messages = (
            aws["sqs"]
            .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            .get("Messages", [])
        )
        if not messages:
            return found
        for message in messages:
            envelope = json.loads(message["Body"])
            found.append({"Subject": envelope["Subject"], **json.loads(envelope["Message"])})
            aws["sqs"].delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def alarm_state(aws, name: str) -> dict:
    return aws["cloudwatch"].describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def wait_for_state(aws, name: str, state: str, timeout: float = 20.0) -> dict:
    return wait_for(
        lambda: (found := alarm_state(aws, name))["StateValue"] == state and found, timeout
    )


def put_alarm(aws, name, namespace, metric, dimensions, topic=None, **settings):
    spec = {
        "AlarmName": name,
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        **settings,
    }
    if topic:
        spec |= {"AlarmActions": [topic], "OKActions": [topic]}
    aws["cloudwatch"].put_metric_alarm(**spec)


# ------------------------------------------------------------------ metrics


def test_dynamodb_metrics_carry_aws_names_units_and_dimensions(aws):
    """AWS/DynamoDB metrics and dimensions as listed in
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html:
    ConsumedWriteCapacityUnits (TableName; TableName + GlobalSecondaryIndexName),
    ConsumedReadCapacityUnits, SuccessfulRequestLatency and ReturnedItemCount (TableName +
    Operation), UserErrors (no dimension). ListMetrics lists each metric once
    (API_ListMetrics.html). The Sum of consumed write units is the sum of the writes'
    ConsumedCapacity."""
    ddb = aws["dynamodb"]
    ddb.create_table(**key_design.table_request("metrics", sort_key=True))
    written = 0.0
    for n in range(4):
        answer = ddb.put_item(
            TableName="metrics",
            Item={"pk": {"S": "a"}, "sk": {"S": str(n)}, "v": {"S": "x" * 1500}},
            ReturnConsumedCapacity="TOTAL",
        )
        written += answer["ConsumedCapacity"]["CapacityUnits"]
    ddb.query(
        TableName="metrics",
        KeyConditionExpression="pk = :a",
        ExpressionAttributeValues={":a": {"S": "a"}},
    )
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="missing-table", Key={"pk": {"S": "a"}})
    table = {"TableName": "metrics"}

    def listed():
        metrics = aws["cloudwatch"].list_metrics(Namespace="AWS/DynamoDB")["Metrics"]
        return (
            {
                (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
                for m in metrics
            }
            if len(metrics) >= 6
            else None
        )

    found = wait_for(listed, 10)
    assert ("ConsumedWriteCapacityUnits", (("TableName", "metrics"),)) in found
    assert ("ConsumedReadCapacityUnits", (("TableName", "metrics"),)) in found
    for metric in ("SuccessfulRequestLatency", "ReturnedItemCount"):
        assert (metric, (("Operation", "Query"), ("TableName", "metrics"))) in found
    assert (
        "SuccessfulRequestLatency",
        (("Operation", "PutItem"), ("TableName", "metrics")),
    ) in found
    assert ("UserErrors", ()) in found
    metrics = aws["cloudwatch"].list_metrics(Namespace="AWS/DynamoDB")["Metrics"]
    assert len(metrics) == len(found), "ListMetrics lists each metric once"
    assert wait_for(
        lambda: metric_sum(aws, "AWS/DynamoDB", "ConsumedWriteCapacityUnits", table) == written
    )
    assert (
        metric_sum(aws, "AWS/DynamoDB", "ReturnedItemCount", {**table, "Operation": "Query"}) == 4
    )
    now = emulated_now(aws)
    data = aws["cloudwatch"].get_metric_data(
        MetricDataQueries=[
            {
                "Id": "w",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": "ConsumedWriteCapacityUnits",
                        "Dimensions": [{"Name": "TableName", "Value": "metrics"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now + dt.timedelta(minutes=1),
    )["MetricDataResults"][0]
    assert sum(data["Values"]) == written


def test_sqs_metrics_count_sent_messages_and_sample_visible_ones(aws):
    """AWS/SQS NumberOfMessagesSent and ApproximateNumberOfMessagesVisible per QueueName
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html)."""
    url = aws["sqs"].create_queue(QueueName="depth")["QueueUrl"]
    for n in range(3):
        aws["sqs"].send_message(QueueUrl=url, MessageBody=str(n))
    queue = {"QueueName": "depth"}
    assert wait_for(lambda: metric_sum(aws, "AWS/SQS", "NumberOfMessagesSent", queue) == 3)
    assert wait_for(
        lambda: (
            metric_sum(aws, "AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, "Maximum") == 3
        )
    )


# ------------------------------------------------------------------ alarms


def test_a_new_alarm_starts_insufficient_data_and_an_update_keeps_its_state(aws):
    """A new alarm is INSUFFICIENT_DATA, "Unchecked: Initial alarm creation" (the alarm page,
    Alarm states); "When you update an existing alarm, its state is left unchanged"
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)."""
    put_alarm(aws, "fresh", "AWS/DynamoDB", "WriteThrottleEvents", {"TableName": "t"})
    ok = wait_for_state(aws, "fresh", "OK")  # notBreaching: no data is good
    # Read the first state from the transition's record, not by a second DescribeAlarms:
    # at 60x a period ends one real second after creation, which a loaded machine may miss.
    history = aws["cloudwatch"].describe_alarm_history(
        AlarmName="fresh", HistoryItemType="StateUpdate"
    )["AlarmHistoryItems"]
    first = json.loads(history[-1]["HistoryData"])
    assert first["oldState"] == {
        "stateValue": "INSUFFICIENT_DATA",
        "stateReason": "Unchecked: Initial alarm creation",
    }
    assert first["newState"]["stateValue"] == "OK"
    put_alarm(aws, "fresh", "AWS/DynamoDB", "WriteThrottleEvents", {"TableName": "t"}, Threshold=5)
    updated = alarm_state(aws, "fresh")
    assert updated["StateValue"] == "OK"
    assert updated["StateReason"] == ok["StateReason"]


def test_an_alarm_fires_notifies_and_returns_to_ok(aws):
    """The alarm page: at each period's end the statistic is compared with the threshold; on
    each change of state the actions for the new state run, and an SNS action publishes
    CloudWatch's alarm message (AlarmName, NewStateValue, NewStateReason, OldStateValue,
    Trigger, ...) with the subject 'ALARM: "<name>" in <region>'. When the writes stop the
    alarm returns to OK (missing data treated as notBreaching)."""
    topic, inbox = topic_with_queue(aws)
    ddb = aws["dynamodb"]
    ddb.create_table(**key_design.table_request("busy", sort_key=False))
    # The alarm and the writes in one period, however slow the machine: the clock is moved
    # to a second after a period starts and nearly stopped until the writes are done.
    now = emulated_now(aws).timestamp()
    set_clock(aws["endpoint_url"], advance_seconds=60 - now % 60 + 1, speed=0.001)
    put_alarm(
        aws,
        "busy-writes",
        "AWS/DynamoDB",
        "ConsumedWriteCapacityUnits",
        {"TableName": "busy"},
        topic,
    )
    for n in range(3):
        ddb.put_item(TableName="busy", Item={"pk": {"S": str(n)}})
    set_clock(aws["endpoint_url"], speed=SPEED)
    # ALARM lasts one period, a real second at 60x: a loaded machine's DescribeAlarms polls
    # may all miss it, so both transitions are read from the alarm's history, which keeps them.
    back = wait_for_state(aws, "busy-writes", "OK")
    assert back["StateReason"].endswith("treated as [NonBreaching].")
    history = aws["cloudwatch"].describe_alarm_history(
        AlarmName="busy-writes", HistoryItemType="StateUpdate"
    )["AlarmHistoryItems"]
    summaries = [item["HistorySummary"] for item in reversed(history)]
    assert summaries[:2] == [
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
        "Alarm updated from ALARM to OK",
    ]
    fired = json.loads(history[-1]["HistoryData"])["newState"]
    assert fired["stateReason"].startswith("Threshold Crossed: 1 datapoint [")
    assert "was greater than the threshold (0.0)" in fired["stateReason"]
    reason_data = fired["stateReasonData"]
    assert reason_data["statistic"] == "Sum" and reason_data["period"] == 60
    assert reason_data["recentDatapoints"][0] > 0
    sent: list[dict] = []
    wait_for(lambda: sent.extend(notifications(aws, inbox)) or len(sent) >= 2)
    first = next(n for n in sent if n["NewStateValue"] == "ALARM")
    assert first["Subject"] == 'ALARM: "busy-writes" in US East (N. Virginia)'
    assert first["NewStateValue"] == "ALARM" and first["OldStateValue"] == "INSUFFICIENT_DATA"
    assert first["AlarmArn"] == back["AlarmArn"]
    assert first["Trigger"]["MetricName"] == "ConsumedWriteCapacityUnits"
    assert first["Trigger"]["Dimensions"] == [{"value": "busy", "name": "TableName"}]
    actions = aws["cloudwatch"].describe_alarm_history(
        AlarmName="busy-writes", HistoryItemType="Action"
    )["AlarmHistoryItems"]
    assert actions and actions[0]["HistorySummary"] == f"Successfully executed action {topic}"


def test_missing_data_left_missing_keeps_insufficient_data(aws):
    """TreatMissingData missing (the default): with no datapoints in the evaluation range the
    alarm is INSUFFICIENT_DATA; breaching counts missing data as bad (the alarm page,
    Configuring how CloudWatch alarms treat missing data)."""
    put_alarm(
        aws, "quiet", "AWS/Lambda", "Errors", {"FunctionName": "f"}, TreatMissingData="missing"
    )
    put_alarm(
        aws, "grim", "AWS/Lambda", "Errors", {"FunctionName": "f"}, TreatMissingData="breaching"
    )
    grim = wait_for_state(aws, "grim", "ALARM")
    assert "treated as [Breaching]" in grim["StateReason"]
    time.sleep(2 * 60 / SPEED)
    quiet = alarm_state(aws, "quiet")
    assert quiet["StateValue"] == "INSUFFICIENT_DATA"
    # No transition happened, so the reason is still the creation's.
    assert quiet["StateReason"] == "Unchecked: Initial alarm creation"


def test_walkthrough_throttled_writes_raise_write_throttle_events_alarm_and_it_clears(aws):
    """README's walkthrough: a table with a low maximum write throughput
    (OnDemandThroughput MaxWriteRequestUnits, on-demand-capacity-mode-max-throughput.html),
    writes above it are throttled (ThrottlingReasons TableWriteMaxOnDemandThroughputExceeded,
    API_ThrottlingReason.html) and counted in WriteThrottleEvents (metrics-dimensions.html);
    the alarm goes INSUFFICIENT_DATA -> ALARM, its SNS message reaches an SQS subscriber,
    and when the load stops it returns to OK (the alarm page)."""
    from botocore.config import Config

    topic, inbox = topic_with_queue(aws)
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=aws["endpoint_url"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )
    ddb.create_table(
        **key_design.table_request("capped", sort_key=False),
        OnDemandThroughput={"MaxWriteRequestUnits": 1},
    )
    put_alarm(
        aws,
        "capped-throttles",
        "AWS/DynamoDB",
        "WriteThrottleEvents",
        {"TableName": "capped"},
        topic,
    )
    assert alarm_state(aws, "capped-throttles")["StateValue"] == "INSUFFICIENT_DATA"
    reasons = []
    # 50 KB items: 50 write units each, so even a slow machine writes above 1 unit per
    # emulated second at 60x.
    for n in range(20):
        try:
            ddb.put_item(TableName="capped", Item={"pk": {"S": str(n)}, "v": {"S": "x" * 50_000}})
        except ddb.exceptions.ClientError as error:
            assert error.response["Error"]["Code"] == "ThrottlingException"
            # AWS's model spells it throttlingReasons in ThrottlingException.
            reasons.extend(error.response["throttlingReasons"])
    assert reasons and reasons[0]["reason"] == "TableWriteMaxOnDemandThroughputExceeded"
    assert reasons[0]["resource"].endswith(":table/capped")
    fired = wait_for_state(aws, "capped-throttles", "ALARM")
    assert "was greater than the threshold (0.0)" in fired["StateReason"]
    wait_for_state(aws, "capped-throttles", "OK")
    sent: list[dict] = []
    wait_for(lambda: sent.extend(notifications(aws, inbox)) or len(sent) >= 2)
    alarm_message = next(n for n in sent if n["NewStateValue"] == "ALARM")
    assert alarm_message["AlarmName"] == "capped-throttles"
    assert alarm_message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert alarm_message["Trigger"]["MetricName"] == "WriteThrottleEvents"
    assert {n["NewStateValue"] for n in sent} >= {"ALARM", "OK"}


@pytest.mark.slow
def test_a_failing_stream_processor_drives_errors_and_failure_queue_alarms(aws):
    """AWS/Lambda Errors per FunctionName counts failed invocations
    (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html); once the
    mapping gives a batch up (MaximumRetryAttempts), its record goes to the on-failure queue,
    whose AWS/SQS ApproximateNumberOfMessagesVisible rises. The Terraform alarms module
    watches both (terraform/modules/alarms)."""
    scenario = StreamScenario.create(
        aws["endpoint_url"],
        env={"POISON": "bad"},
        MaximumRetryAttempts=1,
        **on_failure_to(),
    )
    put_alarm(aws, "errors", "AWS/Lambda", "Errors", {"FunctionName": scenario.function})
    put_alarm(
        aws,
        "failures",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": "stream-failures"},
        Statistic="Maximum",
    )
    scenario.put("bad")
    assert wait_for_state(aws, "errors", "ALARM", 30)["StateValue"] == "ALARM"
    assert wait_for_state(aws, "failures", "ALARM", 30)["StateValue"] == "ALARM"
    invocations = {"FunctionName": scenario.function}
    assert metric_sum(aws, "AWS/Lambda", "Invocations", invocations) >= 2
    assert metric_sum(aws, "AWS/Lambda", "Duration", invocations, "Maximum") > 0


@pytest.mark.slow
def test_a_stalled_mapping_drives_iterator_age(aws):
    """IteratorAge: "the age of the last record in the event" when Lambda received the
    batch, in milliseconds (monitoring-metrics-types.html). A processor that takes 3 s per
    batch (3 emulated minutes at 60x) leaves the next batch's records minutes old."""
    scenario = StreamScenario.create(aws["endpoint_url"], env={"SLEEP": "3"}, BatchSize=1)
    put_alarm(
        aws,
        "lagging",
        "AWS/Lambda",
        "IteratorAge",
        {"FunctionName": scenario.function},
        Statistic="Maximum",
        Threshold=60_000,
    )
    scenario.put("a", "b", "c")
    fired = wait_for_state(aws, "lagging", "ALARM", 40)
    assert json.loads(fired["StateReasonData"])["recentDatapoints"][0] > 60_000


def test_judge_counts_datapoints_to_alarm_m_out_of_n():
    """ "DatapointsToAlarm ... M out of N": 2 breaching of the last 3 datapoints put an alarm
    with DatapointsToAlarm 2 in ALARM; 1 of 3 does not (the alarm page, Evaluating an alarm)."""

    class Alarm:
        comparison_operator = "GreaterThanOrEqualToThreshold"
        threshold = 10.0
        datapoints_to_alarm = 2
        evaluation_periods = 3
        treat_missing_data = "missing"
        period = 60
        statistic = "Sum"
        state_reason = ""

    def points(*values):
        return [alarms.Datapoint(60.0 * i, v, 1) for i, v in enumerate(values)]

    two = alarms.judge(Alarm, points(10, 1, 12), "OK", 180)
    assert two.state == "ALARM"
    assert two.reason.startswith("Threshold Crossed: 2 out of the last 3 datapoints [")
    assert "(minimum 2 datapoints for OK -> ALARM transition)" in two.reason
    assert alarms.judge(Alarm, points(10, 1, 2), "ALARM", 180).state == "OK"
    unknown = alarms.judge(Alarm, [None, None, None], "OK", 180)
    assert unknown.state == "INSUFFICIENT_DATA"
    assert unknown.reason == "Insufficient Data: 3 datapoints were unknown."


@pytest.mark.parametrize(("module", "owner", "name"), moto_cloudwatch.HOOKS)
def test_moto_cloudwatch_hooks_are_in_place(module, owner, name):
    """moto 5.2.5's CloudWatch methods the emulator patches (moto_cloudwatch.HOOKS)."""
    import importlib

    cls = getattr(importlib.import_module(module), owner)
    assert hasattr(cls, name), f"moto moved {module}.{owner}.{name}; update moto_cloudwatch"
