"""Where moto's CloudWatch (5.2.5) answers differently from CloudWatch; patched at install.

- ListMetrics lists each metric (namespace, name, dimension set) once
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html);
  moto lists a metric without dimensions, or with more than one, once per data point.
- A new alarm starts in INSUFFICIENT_DATA, "Unchecked: Initial alarm creation"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
  Alarm states); moto starts it OK. PutMetricAlarm on an existing alarm keeps its state:
  "When you update an existing alarm, its state is left unchanged, but the update
  completely overwrites the previous configuration of the alarm"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).

- DescribeAlarmHistory, which moto lacks, answers from the alarm evaluator's history
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html).

HOOKS names each moto attribute patched here; tests/emulator/test_alarms.py checks they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.emulator import clock
from harness.emulator.cloudwatch.metrics import timestamp_of

HOOKS = (
    ("moto.cloudwatch.models", "CloudWatchBackend", "get_filtered_metrics"),
    ("moto.cloudwatch.models", "CloudWatchBackend", "put_metric_alarm"),
    ("moto.cloudwatch.responses", "CloudWatchResponse", "cloudwatch_backend"),
)
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
INITIAL_REASON = "Unchecked: Initial alarm creation"


def _metric_identity(datum: Any) -> tuple:
    dims = frozenset((d.name, d.value) for d in datum.dimensions)
    return datum.namespace, datum.name, dims


def _filtered_metrics_once(original):
    def get_filtered_metrics(self, metric_name, namespace, dimensions):
        seen: dict[tuple, Any] = {}
        for datum in self.get_all_metrics():
            if not datum.filter(namespace=namespace, name=metric_name, dimensions=dimensions):
                continue
            seen.setdefault(_metric_identity(datum), datum)
        return list(seen.values())

    return get_filtered_metrics


def _alarm_state_as_aws(original):
    def put_metric_alarm(self, name, *args, **kwargs):
        previous = self.alarms.get(name)
        alarm = original(self, name, *args, **kwargs)
        # Alarm times are the emulator clock's, like the metrics they watch.
        alarm.configuration_updated_timestamp = timestamp_of(clock.now())
        if previous is None:
            alarm.state_updated_timestamp = alarm.configuration_updated_timestamp
            alarm.state_value = INSUFFICIENT_DATA
            alarm.state_reason = INITIAL_REASON
            alarm.state_reason_data = None
            alarm.history = []
        else:
            for field in (
                "state_value",
                "state_reason",
                "state_reason_data",
                "state_updated_timestamp",
                "history",
            ):
                setattr(alarm, field, getattr(previous, field))
        return alarm

    return put_metric_alarm


def _describe_alarm_history(history_of: Callable[[str], list[dict[str, Any]]]):
    def describe_alarm_history(self) -> Any:
        from moto.core.responses import ActionResult

        backend = self.cloudwatch_backend
        name = self._get_param("AlarmName")
        kind = self._get_param("HistoryItemType")
        limit = int(self._get_param("MaxRecords") or 100)
        alarms = [a for a in backend.alarms.values() if name in (None, a.name)]
        items = [item for alarm in alarms for item in history_of(alarm.alarm_arn)]
        if kind:
            items = [item for item in items if item["HistoryItemType"] == kind]
        items.sort(
            key=lambda item: item["Timestamp"],
            reverse=self._get_param("ScanBy") != "TimestampAscending",
        )
        return ActionResult({"AlarmHistoryItems": items[:limit]})

    return describe_alarm_history


def install(history_of: Callable[[str], list[dict[str, Any]]]) -> None:
    """Patch moto's CloudWatch; `history_of(alarm_arn)` gives an alarm's history items."""
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    from harness.emulator.cloudwatch.patching import rewrap

    rewrap(CloudWatchBackend, "get_filtered_metrics", _filtered_metrics_once)
    rewrap(CloudWatchBackend, "put_metric_alarm", _alarm_state_as_aws)
    CloudWatchResponse.describe_alarm_history = _describe_alarm_history(history_of)
