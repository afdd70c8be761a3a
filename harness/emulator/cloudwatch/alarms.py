"""Metric alarms evaluated as CloudWatch evaluates them, on the emulator's clock.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
(Evaluating an alarm; Configuring how alarms treat missing data):

- At the end of each Period (emulated time) the alarm takes its last EvaluationPeriods
  complete periods, the Statistic of its metric (the exact namespace, name and dimension
  set) in each, and counts the datapoints beyond Threshold by ComparisonOperator.
  DatapointsToAlarm (default EvaluationPeriods) breaching ones put it in ALARM; otherwise
  it is OK.
- Missing periods follow TreatMissingData: notBreaching counts them as good, breaching as
  bad, ignore keeps the current state when nothing is there, missing (the default) goes
  to INSUFFICIENT_DATA when nothing is there.
- Each change of state sets StateValue, StateReason, StateReasonData and
  StateUpdatedTimestamp, adds a StateUpdate item to the alarm history, and, when
  ActionsEnabled, runs the actions for the new state (AlarmActions, OKActions,
  InsufficientDataActions): an SNS topic gets CloudWatch's alarm message (`message`),
  delivered by moto's SNS to its subscriptions; an Action history item records it.

Not evaluated (listed in README's deviations): alarms on metric math (Metrics) or
percentiles (ExtendedStatistic), and anomaly-detection thresholds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from harness.emulator import clock
from harness.emulator.cloudwatch.metrics import timestamp_of

log = logging.getLogger(__name__)

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
COMPARISONS = {
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
# CloudWatch's region names in alarm messages and subjects (the Region field).
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-central-1": "EU (Frankfurt)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
}


@dataclass
class Datapoint:
    start: float  # emulated epoch seconds of the period's start
    value: float
    sample_count: float


@dataclass
class Verdict:
    state: str
    reason: str
    reason_data: dict[str, Any] | None


@dataclass
class AlarmTracker:
    """What the evaluator keeps per alarm: the last period end it evaluated."""

    evaluated_until: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)


def _statistic(data: list[Any], statistic: str) -> tuple[float, float] | None:
    """(value, sample count) of moto datums (single values or statistic sets)."""
    count = total = 0.0
    low, high = math.inf, -math.inf
    for datum in data:
        if hasattr(datum, "sample_count"):
            count += datum.sample_count
            total += datum.sum
            low, high = min(low, datum.min), max(high, datum.max)
        else:
            count += 1
            total += datum.value
            low, high = min(low, datum.value), max(high, datum.value)
    if count == 0:
        return None
    value = {
        "Sum": total,
        "SampleCount": count,
        "Average": total / count,
        "Minimum": low,
        "Maximum": high,
    }.get(statistic)
    return None if value is None else (value, count)


def datapoints(backend: Any, alarm: Any, end: float) -> list[Datapoint | None]:
    """The alarm's statistic in each of its last EvaluationPeriods periods ending at `end`,
    oldest first; None for a period without data."""
    period = int(alarm.period)
    periods = int(alarm.evaluation_periods)
    start = end - period * periods
    want = {(d.name, d.value) for d in alarm.dimensions}
    lo, hi = timestamp_of(start), timestamp_of(end)
    buckets: list[list[Any]] = [[] for _ in range(periods)]
    for datum in backend.metric_data:
        if datum.name != alarm.metric_name or datum.namespace != alarm.namespace:
            continue
        if not lo <= datum.timestamp < hi:
            continue
        if {(d.name, d.value) for d in datum.dimensions} != want:
            continue
        if alarm.unit and datum.unit != alarm.unit:
            continue
        index = int((datum.timestamp - lo).total_seconds() // period)
        buckets[index].append(datum)
    points: list[Datapoint | None] = []
    for index, bucket in enumerate(buckets):
        found = _statistic(bucket, alarm.statistic)
        points.append(None if found is None else Datapoint(start + index * period, *found))
    return points


def _aws_time(epoch: float) -> str:
    return timestamp_of(epoch).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _reason_time(epoch: float) -> str:
    return timestamp_of(epoch).strftime("%d/%m/%y %H:%M:%S")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def judge(alarm: Any, points: list[Datapoint | None], current: str, end: float) -> Verdict:
    """The state `points` put the alarm in, with CloudWatch's StateReason wording."""
    compare, words = COMPARISONS.get(alarm.comparison_operator, COMPARISONS["GreaterThanThreshold"])
    threshold = float(alarm.threshold)
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    treat = alarm.treat_missing_data or "missing"
    present = [p for p in points if p is not None]
    missing = len(points) - len(present)
    period = int(alarm.period)
    data = {
        "version": "1.0",
        "queryDate": _aws_time(clock.now()),
        "startDate": _aws_time(end - period * len(points)),
        "statistic": alarm.statistic,
        "period": period,
        "recentDatapoints": [p.value for p in present],
        "threshold": threshold,
        "evaluatedDatapoints": [
            {"timestamp": _aws_time(p.start), "sampleCount": p.sample_count, "value": p.value}
            for p in reversed(present)
        ],
    }
    if not present:
        if treat == "ignore":
            return Verdict(current, alarm.state_reason, None)
        if treat in ("notBreaching", "breaching"):
            kind = "NonBreaching" if treat == "notBreaching" else "Breaching"
            reason = (
                "Threshold Crossed: no datapoints were received for "
                f"{_plural(len(points), 'period')} "
                f"and {_plural(missing, 'missing datapoint')} {'was' if missing == 1 else 'were'} "
                f"treated as [{kind}]."
            )
            return Verdict(OK if treat == "notBreaching" else ALARM, reason, data)
        return Verdict(
            INSUFFICIENT_DATA,
            f"Insufficient Data: {_plural(len(points), 'datapoint')} "
            f"{'was' if len(points) == 1 else 'were'} unknown.",
            data,
        )
    breaching = [p for p in present if compare(p.value, threshold)]
    count = len(breaching) + (missing if treat == "breaching" else 0)
    state = ALARM if count >= needed else OK
    shown = breaching if state == ALARM else present
    listed = ", ".join(f"{p.value} ({_reason_time(p.start)})" for p in reversed(shown))
    verb = words if state == ALARM else f"not {words}"
    if len(points) == 1:
        reason = (
            f"Threshold Crossed: 1 datapoint [{listed}] was {verb} the threshold ({threshold})."
        )
    else:
        told = len(shown)
        reason = (
            f"Threshold Crossed: {told} out of the last {len(points)} datapoints [{listed}] "
            f"{'was' if told == 1 else 'were'} {verb} the threshold ({threshold}) "
            f"(minimum {_plural(needed, 'datapoint')} for "
            f"{'OK -> ALARM' if state == ALARM else 'ALARM -> OK'} transition)."
        )
    return Verdict(state, reason, data)


def message(alarm: Any, account: str, old_state: str, when: float) -> dict[str, Any]:
    """CloudWatch's alarm notification (the JSON body of the SNS message)
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions,
    fields as CloudWatch sends them to SNS)."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": _aws_time(
            alarm.configuration_updated_timestamp.replace(tzinfo=dt.UTC).timestamp()
        ),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _aws_time(when),
        "Region": REGION_NAMES.get(alarm.region_name, alarm.region_name),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": str(alarm.statistic).upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": int(alarm.period),
            "EvaluationPeriods": int(alarm.evaluation_periods),
            "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


class AlarmEvaluator:
    """Evaluates every metric alarm of every CloudWatch backend at its period ends."""

    def __init__(self) -> None:
        self._trackers: dict[str, AlarmTracker] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._trackers.clear()

    def history(self, alarm_arn: str) -> list[dict[str, Any]]:
        """DescribeAlarmHistory's items for one alarm, newest first."""
        with self._lock:
            tracker = self._trackers.get(alarm_arn)
            return list(reversed(tracker.history)) if tracker else []

    def evaluate_all(self, now: float | None = None) -> int:
        """Evaluate each alarm whose period ended, by emulated time `now` (default: the
        clock's), since its last evaluation; returns how many."""
        from moto.cloudwatch.models import cloudwatch_backends

        now = clock.now() if now is None else now
        evaluated = 0
        for account, regions in list(cloudwatch_backends.items()):
            for _, backend in list(regions.items()):
                for alarm in list(backend.alarms.values()):
                    if alarm.metric_data_queries or alarm.extended_statistic or not alarm.period:
                        continue
                    if self._evaluate(account, backend, alarm, now):
                        evaluated += 1
        return evaluated

    def _tracker(self, alarm: Any) -> AlarmTracker:
        with self._lock:
            tracker = self._trackers.get(alarm.alarm_arn)
            if tracker is None:
                # First evaluated at the end of the period it was created in, so the
                # first verdict covers what happened after its creation.
                tracker = self._trackers[alarm.alarm_arn] = AlarmTracker()
                created = alarm.configuration_updated_timestamp.replace(tzinfo=dt.UTC).timestamp()
                tracker.evaluated_until = math.floor(created / alarm.period) * alarm.period
                tracker.history.append(self._created_item(alarm))
            return tracker

    def _evaluate(self, account: str, backend: Any, alarm: Any, now: float) -> bool:
        tracker = self._tracker(alarm)
        period = int(alarm.period)
        end = math.floor(now / period) * period
        if end <= tracker.evaluated_until:
            return False
        tracker.evaluated_until = end
        points = datapoints(backend, alarm, end)
        verdict = judge(alarm, points, alarm.state_value, end)
        if verdict.state == alarm.state_value:
            return True
        old_state, old_reason = alarm.state_value, alarm.state_reason
        alarm.state_value = verdict.state
        alarm.state_reason = verdict.reason
        alarm.state_reason_data = json.dumps(verdict.reason_data) if verdict.reason_data else None
        alarm.state_updated_timestamp = timestamp_of(now)
        tracker.history.append(
            self._item(
                alarm,
                now,
                "StateUpdate",
                f"Alarm updated from {old_state} to {verdict.state}",
                {
                    "version": "1.0",
                    "oldState": {"stateValue": old_state, "stateReason": old_reason},
                    "newState": {
                        "stateValue": verdict.state,
                        "stateReason": verdict.reason,
                        "stateReasonData": verdict.reason_data,
                    },
                },
            )
        )
        if alarm.actions_enabled:
            actions = {
                ALARM: alarm.alarm_actions,
                OK: alarm.ok_actions,
                INSUFFICIENT_DATA: alarm.insufficient_data_actions,
            }[verdict.state]
            body = json.dumps(message(alarm, account, old_state, now))
            for action in actions:
                tracker.history.append(self._act(alarm, action, body, now))
        return True

    def _act(self, alarm: Any, action: str, body: str, now: float) -> dict[str, Any]:
        region_name = REGION_NAMES.get(alarm.region_name, alarm.region_name)
        subject = f'{alarm.state_value}: "{alarm.name}" in {region_name}'[:100]
        if ":sns:" not in action:
            summary = f"Failed to execute action {action}: the emulator runs SNS actions only"
            return self._item(alarm, now, "Action", summary, {"actionState": "Failed"})
        from moto.sns.models import sns_backends

        parts = action.split(":")
        try:
            sns = sns_backends[parts[4]][parts[3]]
            message_id = sns.publish(body, arn=action, subject=subject)
        except Exception as error:  # a deleted topic, a failing subscriber
            log.warning("alarm %s: publishing to %s failed: %s", alarm.name, action, error)
            summary = f"Failed to execute action {action}"
            return self._item(
                alarm, now, "Action", summary, {"actionState": "Failed", "error": str(error)}
            )
        data = {
            "actionState": "Succeeded",
            "notificationResource": action,
            "stateUpdateTimestamp": int(now * 1000),
            "publishedMessage": json.dumps({"MessageId": message_id}),
            "subject": subject,
            "message": json.loads(body),
        }
        return self._item(alarm, now, "Action", f"Successfully executed action {action}", data)

    def _created_item(self, alarm: Any) -> dict[str, Any]:
        when = alarm.configuration_updated_timestamp.replace(tzinfo=dt.UTC).timestamp()
        data = {"type": "Create", "version": "1.0", "createdAlarm": {"alarmName": alarm.name}}
        return self._item(alarm, when, "ConfigurationUpdate", f'Alarm "{alarm.name}" created', data)

    @staticmethod
    def _item(
        alarm: Any, when: float, kind: str, summary: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "AlarmName": alarm.name,
            "AlarmType": "MetricAlarm",
            "Timestamp": timestamp_of(when),
            "HistoryItemType": kind,
            "HistorySummary": summary,
            "HistoryData": json.dumps(data),
        }
