"""CloudWatch as AWS runs it for the emulator's services: metrics that arrive by themselves.

moto's CloudWatch stores metric data and alarms but nothing publishes AWS/DynamoDB,
AWS/Lambda or AWS/SQS metrics into it. This extension does (see `sources` for the metrics,
names and dimensions, `metrics` for the 1-minute statistic sets). One worker, every
FLUSH_INTERVAL_SECONDS of real time, samples the SQS queues, publishes what was recorded
into moto's CloudWatch backends, and evaluates the metric alarms whose period ended
(`alarms`); `moto_cloudwatch` makes moto's alarm states and ListMetrics answer as AWS does.

Other extensions reach it through `emulator.shared`: "dynamodb_metrics" (the DynamoDB
data plane's observer and the replicator's ReplicationLatency) and "metric_recorder".
"""

from __future__ import annotations

from typing import Any

from harness.emulator.cloudwatch import moto_cloudwatch
from harness.emulator.cloudwatch.alarms import AlarmEvaluator
from harness.emulator.cloudwatch.metrics import MetricRecorder
from harness.emulator.cloudwatch.patching import rewrap
from harness.emulator.cloudwatch.sources import DynamoDBMetrics, LambdaMetrics, SqsMetrics
from harness.emulator.periodic import Worker

FLUSH_INTERVAL_SECONDS = 0.25


class MetricsBeat:
    """One beat: sample the queues, publish the recorded metrics, evaluate the alarms."""

    def __init__(self, recorder: MetricRecorder, sqs: SqsMetrics, evaluator: AlarmEvaluator):
        self.recorder = recorder
        self.sqs = sqs
        self.evaluator = evaluator

    def __call__(self) -> None:
        self.sqs.sample_queues()
        self.evaluator.evaluate_all(now=self.recorder.flush())


def install(emulator: Any) -> None:
    """Publish the services' metrics into moto's CloudWatch (see the module docstring)."""
    if not emulator.settings.cloudwatch_metrics:
        return  # EMULATOR_CLOUDWATCH_METRICS=0: moto's plain CloudWatch (bench/alarms_cost.py)
    from moto.sqs.models import SQSBackend

    from harness.emulator.lambda_runtime.runtime import Runtime

    recorder = MetricRecorder()
    sqs = SqsMetrics(recorder)
    rewrap(Runtime, "invoke", LambdaMetrics(recorder).wrap)
    rewrap(SQSBackend, "send_message", sqs.wrap_send)
    emulator.shared["metric_recorder"] = recorder
    emulator.shared["dynamodb_metrics"] = DynamoDBMetrics(recorder)
    evaluator = AlarmEvaluator()
    moto_cloudwatch.install(evaluator.history)
    beat = MetricsBeat(recorder, sqs, evaluator)
    emulator.shared["metrics_beat"] = beat
    worker = Worker("cloudwatch-metrics", lambda: FLUSH_INTERVAL_SECONDS, beat)
    emulator.add_worker(worker.start, worker.stop)
    emulator.on_reset(recorder.clear)
    emulator.on_reset(evaluator.reset)
