"""What `invoke alarms` prints: each alarm's state, last transition, reason and notifications.

Works the same on both targets: it reads CloudWatch's DescribeAlarms and
DescribeAlarmHistory (StateUpdate and Action items) and SNS's ListSubscriptionsByTopic
for the topics the alarms notify. Email subscribers are listed with the notifications
their topic received: on the emulator no mail leaves the machine, so this is where a
learner sees what would have been sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.stack.targets import Target

DEFAULT_NOTIFICATIONS = 5


@dataclass
class AlarmReport:
    name: str
    state: str
    since: str  # StateUpdatedTimestamp, ISO 8601
    reason: str
    transitions: list[str] = field(default_factory=list)  # newest first, "time  summary"
    notifications: list[str] = field(default_factory=list)  # newest first
    subscribers: list[str] = field(default_factory=list)  # "protocol endpoint"


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else str(value)


def gather(
    target: Target, region: str | None = None, prefix: str | None = None
) -> list[AlarmReport]:
    """One AlarmReport per metric alarm (optionally those whose name starts with `prefix`)."""
    cloudwatch = target.client("cloudwatch", region)
    sns = target.client("sns", region)
    kwargs = {"AlarmNamePrefix": prefix} if prefix else {}
    alarms = [
        alarm
        for page in cloudwatch.get_paginator("describe_alarms").paginate(**kwargs)
        for alarm in page["MetricAlarms"]
    ]
    subscribers: dict[str, list[str]] = {}
    reports = []
    for alarm in sorted(alarms, key=lambda a: a["AlarmName"]):
        report = AlarmReport(
            alarm["AlarmName"],
            alarm["StateValue"],
            _iso(alarm.get("StateUpdatedTimestamp", "")),
            alarm.get("StateReason", ""),
        )
        history = cloudwatch.describe_alarm_history(AlarmName=alarm["AlarmName"], MaxRecords=100)
        for item in history["AlarmHistoryItems"]:
            line = f"{_iso(item['Timestamp'])}  {item['HistorySummary']}"
            if item["HistoryItemType"] == "StateUpdate":
                report.transitions.append(line)
            elif item["HistoryItemType"] == "Action":
                subject = json.loads(item.get("HistoryData") or "{}").get("subject")
                report.notifications.append(f"{line}" + (f" ({subject})" if subject else ""))
        topics = {
            arn
            for key in ("AlarmActions", "OKActions", "InsufficientDataActions")
            for arn in alarm.get(key, [])
            if ":sns:" in arn
        }
        for topic in sorted(topics):
            if topic not in subscribers:
                subscribers[topic] = [
                    f"{s['Protocol']} {s['Endpoint']}"
                    for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
                ]
            report.subscribers.extend(subscribers[topic])
        reports.append(report)
    return reports


def render(reports: list[AlarmReport], notifications: int = DEFAULT_NOTIFICATIONS) -> str:
    """The reports as text: a line per alarm, then its last transition, reason and
    notifications (up to `notifications`, newest first) indented."""
    if not reports:
        return "no alarms"
    lines = []
    for report in reports:
        lines.append(f"{report.state:<17} {report.name}  (since {report.since})")
        lines.append(f"    reason: {report.reason}")
        if report.transitions:
            lines.append(f"    last transition: {report.transitions[0]}")
        for note in report.notifications[:notifications]:
            lines.append(f"    notified: {note}")
        if report.subscribers:
            lines.append(f"    subscribers: {', '.join(report.subscribers)}")
    return "\n".join(lines)
