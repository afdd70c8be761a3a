"""Metric data points as AWS services publish them: 1-minute statistic sets in CloudWatch.

AWS services publish their metrics to CloudWatch at 1-minute granularity (DynamoDB:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html,
"DynamoDB sends metrics to CloudWatch ... at one-minute intervals"; Lambda and SQS alike).
The emulator's services call `MetricRecorder.add` once per event (a request, an
invocation); the recorder folds the values into one statistic set (SampleCount, Sum,
Minimum, Maximum) per metric, dimensions and emulated minute, and `flush` publishes what
accumulated since the last flush into moto's CloudWatch backend of the event's account and
region, as a PutMetricData StatisticValues datum stamped with the minute's start. So
GetMetricData, GetMetricStatistics and ListMetrics answer them as they answer any metric,
and several flushes within one minute add up to the minute's statistics.

Minutes are the emulator clock's (harness.emulator.clock): at a sped-up clock a metric's
timestamps run ahead of the wall clock, as every other emulated time does.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from harness.emulator import clock

PERIOD_SECONDS = 60

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MetricKey:
    account: str
    region: str
    namespace: str
    name: str
    dimensions: Dimensions
    unit: str
    minute: int  # emulated epoch seconds of the minute's start


@dataclass
class StatisticSet:
    sample_count: float = 0.0
    total: float = 0.0
    minimum: float = float("inf")
    maximum: float = float("-inf")

    def add(self, value: float) -> None:
        self.sample_count += 1
        self.total += value
        if value < self.minimum:
            self.minimum = value
        if value > self.maximum:
            self.maximum = value


def minute_of(epoch_seconds: float) -> int:
    return int(epoch_seconds // PERIOD_SECONDS) * PERIOD_SECONDS


def timestamp_of(epoch_seconds: float) -> dt.datetime:
    """A naive UTC datetime, as moto's CloudWatch backend keeps timestamps."""
    return dt.datetime.fromtimestamp(epoch_seconds, dt.UTC).replace(tzinfo=None)


class MetricRecorder:
    """Thread-safe accumulator of service metrics, published to moto's CloudWatch on flush."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[MetricKey, StatisticSet] = {}

    def add(
        self,
        account: str,
        region: str,
        namespace: str,
        name: str,
        dimensions: Dimensions,
        value: float,
        unit: str = "Count",
        at: float | None = None,
    ) -> None:
        """Record one sample of `name` in `namespace` (e.g. "AWS/DynamoDB") at emulated
        epoch time `at` (default: now). `dimensions` is ((Name, Value), ...) in AWS's order."""
        with self._lock:
            # "Now" is read under the lock: a sample stamped before a flush took its batch is
            # in that batch (see `flush`), never published after its period was evaluated.
            key = MetricKey(
                account,
                region,
                namespace,
                name,
                dimensions,
                unit,
                minute_of(clock.now() if at is None else at),
            )
            found = self._pending.get(key)
            if found is None:
                found = self._pending[key] = StatisticSet()
            found.add(value)

    def flush(self) -> float:
        """Publish everything recorded since the last flush; returns the emulated time up to
        which everything recorded is now published (samples stamped earlier are all in).

        Alarms are evaluated only up to that time (MetricsBeat): a period evaluated before
        its last samples were published would be judged on part of its data, for good.
        Samples given an explicit earlier `at` are the caller's to order.
        """
        with self._lock:
            pending, self._pending = self._pending, {}
            published_until = clock.now()
        if not pending:
            return published_until
        from moto.cloudwatch.models import cloudwatch_backends

        by_backend: dict[tuple[str, str, str], list[dict]] = {}
        for key, stats in pending.items():
            by_backend.setdefault((key.account, key.region, key.namespace), []).append(
                {
                    "MetricName": key.name,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in key.dimensions],
                    "Timestamp": timestamp_of(key.minute),
                    "Unit": key.unit,
                    "StatisticValues": {
                        "SampleCount": stats.sample_count,
                        "Sum": stats.total,
                        "Minimum": stats.minimum,
                        "Maximum": stats.maximum,
                    },
                }
            )
        for (account, region, namespace), data in by_backend.items():
            cloudwatch_backends[account][region].put_metric_data(namespace, data)
        return published_until

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
