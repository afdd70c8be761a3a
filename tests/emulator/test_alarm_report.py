"""`invoke alarms` (harness.ops.alarms) on the emulator: state, reason, transition, notices."""

from __future__ import annotations

from test_stream_support import advance_clock, wait_for

from harness.ops import alarms
from harness.stack import targets


def test_the_report_shows_state_reason_transition_and_notifications(emulator):
    """An alarm that fires (TreatMissingData breaching: no data counts as bad, AWS's alarm
    page) publishes to its topic; the report names the state, CloudWatch's reason, the
    transition from INSUFFICIENT_DATA and the notification, and lists the email subscriber
    that on AWS would have received it."""
    target = targets.local(emulator.endpoint_url)
    sns = target.client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="learner@example.com")
    target.client("cloudwatch").put_metric_alarm(
        AlarmName="processor-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "processor"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="breaching",
        AlarmActions=[topic],
    )
    advance_clock(emulator.endpoint_url, 60)
    reports = wait_for(lambda: [r for r in alarms.gather(target) if r.state == "ALARM"] or None)
    text = alarms.render(reports)
    assert text.startswith("ALARM             processor-errors")
    assert "treated as [Breaching]" in text
    assert "last transition:" in text and "Alarm updated from INSUFFICIENT_DATA to ALARM" in text
    assert "notified: " in text and f"Successfully executed action {topic}" in text
    assert 'ALARM: "processor-errors" in US East (N. Virginia)' in text
    assert "subscribers: email learner@example.com" in text
    assert alarms.render([]) == "no alarms"
