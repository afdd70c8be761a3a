"""Where the emulator's services report their metrics, with AWS's names, units and dimensions.

- AWS/DynamoDB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html),
  from the data-plane proxy's observer: ConsumedReadCapacityUnits and
  ConsumedWriteCapacityUnits (TableName; TableName + GlobalSecondaryIndexName),
  SuccessfulRequestLatency (TableName + Operation, Milliseconds), ReturnedItemCount
  (TableName + Operation, Query and Scan), UserErrors (no dimension: HTTP 400 answers other
  than a failed condition or transaction, which AWS counts elsewhere), and from the
  global-tables replicator ReplicationLatency (TableName + ReceivingRegion, Milliseconds).
  ReadThrottleEvents and WriteThrottleEvents (TableName; TableName +
  GlobalSecondaryIndexName) and ThrottledRequests (TableName + Operation) for requests the
  data plane's capacity limits throttle (data_plane.throttling).
- AWS/Lambda (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html),
  from the Lambda runtime: Invocations, Errors, Duration (Milliseconds) and
  ConcurrentExecutions per FunctionName (and ConcurrentExecutions without a dimension, for
  the account), IteratorAge (Milliseconds: the age of the batch's last record when the
  function was invoked) for stream invocations.
- AWS/SQS (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html):
  NumberOfMessagesSent per QueueName as messages are sent, and
  ApproximateNumberOfMessagesVisible per QueueName sampled by `sample_queues`.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from harness.emulator import clock
from harness.emulator.cloudwatch.metrics import MetricRecorder
from harness.emulator.data_plane import capacity

DYNAMODB = "AWS/DynamoDB"
LAMBDA = "AWS/Lambda"
SQS = "AWS/SQS"
# Errors AWS counts in their own metrics, not in UserErrors (metrics-dimensions.html, UserErrors).
NOT_USER_ERRORS = ("ConditionalCheckFailedException", "TransactionCanceledException")
RETURNED_ITEM_OPERATIONS = frozenset({"Query", "Scan"})


class DynamoDBMetrics:
    """The data-plane proxy's observer (harness.emulator.data_plane.proxy.Observer)."""

    def __init__(self, recorder: MetricRecorder):
        self.recorder = recorder

    def observe(
        self,
        namespace: Any,
        operation: str,
        request: dict[str, Any],
        status: int,
        document: dict[str, Any] | None,
        latency_seconds: float,
    ) -> None:
        add = self.recorder.add
        account, region = namespace.account, namespace.region
        if status >= 300:
            error = str((document or {}).get("__type", ""))
            if status < 500 and not error.endswith(NOT_USER_ERRORS):
                add(account, region, DYNAMODB, "UserErrors", (), 1.0)
            return
        if document is None:
            return
        for used in capacity.consumed(operation, document):
            name = (
                "ConsumedReadCapacityUnits" if used.kind == "read" else "ConsumedWriteCapacityUnits"
            )
            dims: tuple[tuple[str, str], ...] = (("TableName", used.table),)
            if used.index is not None:
                dims += (("GlobalSecondaryIndexName", used.index),)
            add(account, region, DYNAMODB, name, dims, used.units)
        table = request.get("TableName")
        if isinstance(table, str):
            dims = (("TableName", table), ("Operation", operation))
            add(
                account,
                region,
                DYNAMODB,
                "SuccessfulRequestLatency",
                dims,
                latency_seconds * 1000,
                "Milliseconds",
            )
            if operation in RETURNED_ITEM_OPERATIONS:
                add(
                    account,
                    region,
                    DYNAMODB,
                    "ReturnedItemCount",
                    dims,
                    float(document.get("Count", 0)),
                )

    def throttled(self, namespace: Any, operation: str, throttled: Any, events: int = 1) -> None:
        """One request throttled (data_plane.throttling.Throttled), `events` of its items
        (a batch's held-back items): <Read|Write>ThrottleEvents for the table or index by
        `events`, ThrottledRequests for the table and operation by one (metrics-dimensions.html)."""
        account, region = namespace.account, namespace.region
        dims: tuple[tuple[str, str], ...] = (("TableName", throttled.table),)
        if throttled.index is not None:
            dims += (("GlobalSecondaryIndexName", throttled.index),)
        name = "ReadThrottleEvents" if throttled.kind == "read" else "WriteThrottleEvents"
        self.recorder.add(account, region, DYNAMODB, name, dims, float(events))
        request_dims = (("TableName", throttled.table), ("Operation", operation))
        self.recorder.add(account, region, DYNAMODB, "ThrottledRequests", request_dims, 1.0)

    def replicated(
        self, account: str, table: str, source: str, receiving: str, latency_seconds: float
    ) -> None:
        """One replicated write from region `source` applied in `receiving`."""
        dims = (("TableName", table), ("ReceivingRegion", receiving))
        self.recorder.add(
            account,
            source,
            DYNAMODB,
            "ReplicationLatency",
            dims,
            latency_seconds * 1000,
            "Milliseconds",
        )


class LambdaMetrics:
    """Wraps the Lambda runtime's synchronous invoke to count what AWS/Lambda publishes."""

    def __init__(self, recorder: MetricRecorder):
        self.recorder = recorder
        self._running: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def wrap(self, invoke):
        def invoke_measured(runtime, function, payload: bytes):
            account, region = function.account_id, function.region
            name = function.function_name
            dims = (("FunctionName", name),)
            add = self.recorder.add
            with self._lock:
                key = (account, region, name)
                self._running[key] = self._running.get(key, 0) + 1
                per_function = self._running[key]
                in_account = sum(
                    n for (a, r, _), n in self._running.items() if (a, r) == (account, region)
                )
            add(account, region, LAMBDA, "ConcurrentExecutions", dims, float(per_function))
            add(account, region, LAMBDA, "ConcurrentExecutions", (), float(in_account))
            age = iterator_age_ms(payload)
            if age is not None:
                add(account, region, LAMBDA, "IteratorAge", dims, age, "Milliseconds")
            try:
                result, log = invoke(runtime, function, payload)
            finally:
                with self._lock:
                    self._running[key] -= 1
            add(account, region, LAMBDA, "Invocations", dims, 1.0)
            add(account, region, LAMBDA, "Errors", dims, 1.0 if result.function_error else 0.0)
            add(account, region, LAMBDA, "Duration", dims, result.duration_ms, "Milliseconds")
            return result, log

        return invoke_measured


_CREATION_TIME = re.compile(rb'"ApproximateCreationDateTime": ?(-?[0-9][0-9.eE+-]*)')


def iterator_age_ms(payload: bytes) -> float | None:
    """For a stream batch, the age in ms of its last record now; None for other events.

    The batch's last ApproximateCreationDateTime is found with a scan of the payload rather
    than by parsing it again: it runs on every invocation, and parsing a 100-record batch
    cost the poller about a tenth of its throughput (bench/stream_throughput.py). Only a
    bare number matches, never an item attribute of that name (an image holds {"N": "..."}).
    """
    if (
        b'"eventSource": "aws:dynamodb"' not in payload
        and b'"eventSource":"aws:dynamodb"' not in payload
    ):
        return None
    times = _CREATION_TIME.findall(payload)
    if not times:
        return None
    try:
        created = float(times[-1])
    except ValueError:
        return None
    return max(0.0, (clock.now() - created) * 1000)


class SqsMetrics:
    """NumberOfMessagesSent as messages arrive; ApproximateNumberOfMessagesVisible sampled."""

    def __init__(self, recorder: MetricRecorder):
        self.recorder = recorder

    def wrap_send(self, send_message):
        def send_counted(backend, queue_name: str, *args, **kwargs):
            message = send_message(backend, queue_name, *args, **kwargs)
            dims = (("QueueName", backend.get_queue(queue_name).name),)
            self.recorder.add(
                backend.account_id, backend.region_name, SQS, "NumberOfMessagesSent", dims, 1.0
            )
            return message

        return send_counted

    def sample_queues(self) -> None:
        """One ApproximateNumberOfMessagesVisible sample for every queue of every backend."""
        from moto.sqs.models import sqs_backends

        for account, regions in list(sqs_backends.items()):
            for region, backend in list(regions.items()):
                for queue in list(backend.queues.values()):
                    dims = (("QueueName", queue.name),)
                    self.recorder.add(
                        account,
                        region,
                        SQS,
                        "ApproximateNumberOfMessagesVisible",
                        dims,
                        float(queue.approximate_number_of_messages),
                    )
