"""Event source mappings for DynamoDB streams, polled the way AWS Lambda polls them.

moto stores a mapping's settings but ignores them: it invokes the function inside PutItem and
then drops the records. Here moto's inline dispatch is off (see `streams`), and a poller reads
each enabled mapping's shard in order and applies BatchSize, the batching window,
StartingPosition, FilterCriteria, partial batch responses, retries, record age, bisection and
the on-failure destination. The function runs in the Docker-free Lambda runtime.

Policy where AWS leaves room: one batch in flight per mapping (ParallelizationFactor 1, which
is always compliant); on a function error with bisection on, the batch is split at once and
the halves run in order, down to single records, and the retry quota applies to each piece as
its own batch; a piece's approximateInvokeCount counts only its own invocations.

Not emulated: tumbling windows (TumblingWindowInSeconds is validated and stored, records are
delivered without window state) and ParallelizationFactor above 1 (runs as 1).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import EventSourceMapping, LambdaBackend, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import StreamShard

from harness.emulator import streams
from harness.emulator.event_filter import FilterPatternError, compile_criteria

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
SCAN_LIMIT = 10_000
MAX_BACKOFF = 5.0  # seconds between retries of a failing batch, at most
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")
RESPONSE_TYPES = ("ReportBatchItemFailures",)
RANGES = {
    "BatchSize": (1, 10_000),
    "MaximumBatchingWindowInSeconds": (0, 300),
    "ParallelizationFactor": (1, 10),
    "MaximumRetryAttempts": (-1, 10_000),
    # AWS requires -1 or 60..604800; the emulator also takes 0..59 so tests need not wait.
    "MaximumRecordAgeInSeconds": (-1, 604_800),
    "TumblingWindowInSeconds": (0, 900),
}

InvokeFn = Callable[[Any, bytes], Any]


def _runtime_invoke(function: Any, payload: bytes) -> Any:
    from harness.emulator.lambda_runtime import invoke_function

    return invoke_function(function, payload)


# --------------------------------------------------------------------------- validation


def _is_stream_source(arn: str | None) -> bool:
    return bool(arn) and arn.split(":")[2:3] == ["dynamodb"] and "/stream/" in arn


def validate_spec(spec: dict[str, Any], creating: bool) -> None:
    """Reject what AWS rejects for a DynamoDB-stream mapping (InvalidParameterValueException)."""
    if creating:
        position = spec.get("StartingPosition")
        if not position:
            raise InvalidParameterValueException(
                "StartingPosition is required for DynamoDB stream event sources"
            )
        if position not in STARTING_POSITIONS:
            raise InvalidParameterValueException(
                f"Unsupported starting position for DynamoDB streams: {position}"
            )
    for name, (low, high) in RANGES.items():
        value = spec.get(name)
        if value is not None and not low <= int(value) <= high:
            raise InvalidParameterValueException(
                f"{name} {value} is out of range; it must be between {low} and {high}"
            )
    unknown = set(spec.get("FunctionResponseTypes") or ()) - set(RESPONSE_TYPES)
    if unknown:
        raise InvalidParameterValueException(
            f"Unsupported FunctionResponseTypes {sorted(unknown)}; only {RESPONSE_TYPES[0]}"
        )
    if "FilterCriteria" in spec:
        try:
            compile_criteria(spec["FilterCriteria"])
        except FilterPatternError as error:
            raise InvalidParameterValueException(f"Invalid filter pattern: {error}") from error


# --------------------------------------------------------------------------- event records


def to_event_record(record: streams.StreamRecord, stream_arn: str) -> dict[str, Any]:
    """A stream record in the shape Lambda delivers it (adds eventSourceARN)."""
    source = record.record
    event = {
        "eventID": source["eventID"],
        "eventName": source["eventName"],
        "eventVersion": source["eventVersion"],
        "eventSource": source["eventSource"],
        "awsRegion": source["awsRegion"],
        "dynamodb": source["dynamodb"],
    }
    if "userIdentity" in source:
        identity = source["userIdentity"]
        event["userIdentity"] = {"type": identity["Type"], "principalId": identity["PrincipalId"]}
    event["eventSourceARN"] = stream_arn
    return event


# --------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    """How an invocation ended: success, failure of all, or failure from a sequence number."""

    ok: bool
    failed_from: int | None = None  # lowest failed SequenceNumber in a partial failure


def interpret(result: Any, batch_sequences: list[int], partial_responses: bool) -> Outcome:
    """Read an invocation result the way Lambda reads it for a stream batch."""
    if result.function_error:
        return Outcome(ok=False)
    if not partial_responses:
        return Outcome(ok=True)
    try:
        response = json.loads(result.payload or b"null")
    except ValueError:
        return Outcome(ok=False)
    if response is None or response == "":
        return Outcome(ok=True)
    if not isinstance(response, dict):
        return Outcome(ok=False)
    failures = response.get("batchItemFailures")
    if failures is None or failures == []:
        return Outcome(ok=True)
    if not isinstance(failures, list):
        return Outcome(ok=False)
    known = set(batch_sequences)
    failed: list[int] = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier.isdigit():
            return Outcome(ok=False)
        if int(identifier) not in known:
            return Outcome(ok=False)
        failed.append(int(identifier))
    return Outcome(ok=False, failed_from=min(failed))


# --------------------------------------------------------------------------- destinations


def _iso(epoch: float, milliseconds: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    if milliseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_record(
    esm: EventSourceMapping,
    shard_id: str,
    records: list[streams.StreamRecord],
    condition: str,
    invoke_count: int,
    last_result: Any | None,
) -> dict[str, Any]:
    """The JSON AWS sends to an OnFailure destination: where the records are, not the records."""
    document: dict[str, Any] = {
        "requestContext": {
            "requestId": last_result.request_id if last_result else str(uuid.uuid4()),
            "functionArn": esm.function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
    }
    if last_result is not None:
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if last_result.function_error:
            response_context["functionError"] = last_result.function_error
        document["responseContext"] = response_context
    document["version"] = "1.0"
    document["timestamp"] = _iso(time.time(), milliseconds=True)
    document["DDBStreamBatchInfo"] = {
        "shardId": shard_id,
        "startSequenceNumber": records[0].record["dynamodb"]["SequenceNumber"],
        "endSequenceNumber": records[-1].record["dynamodb"]["SequenceNumber"],
        "approximateArrivalOfFirstRecord": _iso(records[0].arrival),
        "approximateArrivalOfLastRecord": _iso(records[-1].arrival),
        "batchSize": len(records),
        "streamArn": esm.event_source_arn,
    }
    return document


def send_to_destination(esm: EventSourceMapping, document: dict[str, Any]) -> None:
    """Deliver a failure record to the mapping's OnFailure SQS queue or SNS topic, if any."""
    target = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
    if not target:
        return
    body = json.dumps(document)
    _, _, service, region, account, name = target.split(":", 5)
    try:
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            sqs_backends[account][region].send_message(name, body)
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(message=body, arn=target)
        else:
            log.warning("on-failure destination %s is not supported by the emulator", target)
    except Exception:  # the destination may be gone; AWS drops the record then too
        log.exception("could not deliver the failure record to %s", target)


# --------------------------------------------------------------------------- the poller


def _find_mapping(account: str, region: str, mapping_id: str) -> EventSourceMapping | None:
    if account not in lambda_backends or region not in lambda_backends[account].keys():
        return None
    return lambda_backends[account][region]._event_source_mappings.get(mapping_id)


def _find_shard(stream_arn: str) -> StreamShard | None:
    """The live shard behind a stream ARN; looked up each time because moto swaps Tables."""
    _, _, _, region, account, resource = stream_arn.split(":", 5)
    parts = resource.split("/")
    if len(parts) != 4:
        return None
    table_name, label = parts[1], parts[3]
    if account not in dynamodb_backends or region not in dynamodb_backends[account].keys():
        return None
    table = dynamodb_backends[account][region].tables.get(table_name)
    if table is None or table.latest_stream_label != label:
        return None
    return table.stream_shard


@dataclass
class MappingRunner:
    """Reads one mapping's shard in order and invokes its function; one batch in flight."""

    account: str
    region: str
    uuid: str
    poller: StreamPoller
    checkpoint: int | None = None
    shard_id: str | None = None
    last_processing_result: str = "No records processed"
    _window_deadline: float | None = None
    _filter_key: str | None = None
    _filter: Callable[[dict[str, Any]], bool] = field(default=lambda record: True)
    thread: threading.Thread | None = None

    # -- lifecycle

    def alive(self) -> bool:
        return not self.poller.stopping(self)

    def mapping(self) -> EventSourceMapping | None:
        if not self.alive():
            return None
        return _find_mapping(self.account, self.region, self.uuid)

    def active_mapping(self) -> EventSourceMapping | None:
        esm = self.mapping()
        return esm if esm is not None and esm.enabled else None

    def run(self) -> None:
        while self.alive():
            esm = self.mapping()
            if esm is None:
                break
            try:
                worked = esm.enabled and self.step(esm)
            except Exception:
                log.exception("stream mapping %s: poll failed", self.uuid)
                worked = False
            if not worked:
                self.poller.sleep(self.poller.poll_interval())
        self.poller.forget(self)

    # -- one poll

    def _matcher(self, esm: EventSourceMapping) -> Callable[[dict[str, Any]], bool]:
        key = json.dumps(esm.filter_criteria, sort_keys=True)
        if key != self._filter_key:
            self._filter = compile_criteria(esm.filter_criteria)
            self._filter_key = key
        return self._filter

    def step(self, esm: EventSourceMapping) -> bool:
        """Deliver at most one batch; True if anything moved (poll again at once)."""
        shard = _find_shard(esm.event_source_arn)
        if shard is None:
            return False
        if shard.id != self.shard_id:
            self.shard_id = shard.id
            self.checkpoint = None
        if self.checkpoint is None:
            if esm.starting_position == "LATEST":
                self.checkpoint = getattr(esm, "emulator_latest_position", 0)
            else:
                self.checkpoint = 0
        records = streams.records_from(shard, self.checkpoint, SCAN_LIMIT)
        if not records:
            return False
        records = self._discard_expired(esm, shard.id, records, invoke_count=0, last=None)
        if not records:
            return True
        matcher = self._matcher(esm)
        batch: list[tuple[streams.StreamRecord, dict[str, Any]]] = []
        end = self.checkpoint
        size = 0
        for record in records:
            event = to_event_record(record, esm.event_source_arn)
            if not matcher(event):
                end = record.sequence + 1
                if not batch:
                    self.checkpoint = end  # filtered records are passed over for good
                continue
            record_size = len(json.dumps(event))
            if batch and size + record_size > MAX_PAYLOAD_BYTES:
                break
            batch.append((record, event))
            size += record_size
            end = record.sequence + 1
            if len(batch) >= esm.batch_size:
                break
        if not batch:
            self.checkpoint = end
            return True
        window = esm.max_batch_window or 0
        if window and len(batch) < esm.batch_size:
            now = time.monotonic()
            if self._window_deadline is None:
                self._window_deadline = now + window
            if now < self._window_deadline:
                return False
        self._window_deadline = None
        if self.deliver(batch, shard.id):
            self.checkpoint = max(self.checkpoint, end)
        return True

    def _discard_expired(
        self,
        esm: EventSourceMapping,
        shard_id: str,
        records: list[streams.StreamRecord],
        invoke_count: int,
        last: Any | None,
    ) -> list[streams.StreamRecord]:
        """Records older than MaximumRecordAgeInSeconds go to the destination, not the function."""
        max_age = esm.max_record_age
        if max_age is None or max_age < 0:
            return records
        cutoff = time.time() - max_age
        expired = [r for r in records if r.arrival < cutoff]
        if not expired:
            return records
        document = failure_record(esm, shard_id, expired, "RecordAgeExceeded", invoke_count, last)
        send_to_destination(esm, document)
        self.checkpoint = max(self.checkpoint or 0, expired[-1].sequence + 1)
        return records[len(expired) :]

    # -- delivery with retries, partial responses and bisection

    def deliver(
        self, batch: list[tuple[streams.StreamRecord, dict[str, Any]]], shard_id: str
    ) -> bool:
        """Invoke until the batch succeeds or is discarded; False if the mapping went away."""
        attempts = 0
        last = None
        while True:
            esm = self.active_mapping()
            if esm is None:
                return False
            kept = self._discard_expired(esm, shard_id, [r for r, _ in batch], attempts, last)
            batch = batch[len(batch) - len(kept) :]
            if not batch:
                return True
            function = self._function(esm)
            if function is None:
                self.poller.sleep(self.poller.poll_interval())
                continue
            payload = json.dumps({"Records": [event for _, event in batch]}).encode()
            try:
                last = self.poller.invoke(function, payload)
            except Exception:
                # Failures before the function runs do not count as attempts, as in AWS.
                log.exception("stream mapping %s: invoke failed", self.uuid)
                self.poller.sleep(self.poller.poll_interval())
                continue
            attempts += 1
            sequences = [record.sequence for record, _ in batch]
            partial = "ReportBatchItemFailures" in (esm.function_response_types or ())
            outcome = interpret(last, sequences, partial)
            if outcome.ok:
                self.last_processing_result = "OK"
                return True
            self.last_processing_result = "PROBLEM: Function call failed"
            if outcome.failed_from is not None:
                # Checkpoint before the lowest failed record; retry from there only.
                self.checkpoint = max(self.checkpoint or 0, outcome.failed_from)
                batch = [(r, e) for r, e in batch if r.sequence >= outcome.failed_from]
            elif esm.bisect_on_error and len(batch) > 1:
                middle = (len(batch) + 1) // 2
                if not self.deliver(batch[:middle], shard_id):
                    return False
                self.checkpoint = max(self.checkpoint or 0, batch[middle - 1][0].sequence + 1)
                return self.deliver(batch[middle:], shard_id)
            retries = esm.max_retry_attempts
            if retries is not None and retries >= 0 and attempts > retries:
                records = [record for record, _ in batch]
                document = failure_record(
                    esm, shard_id, records, "RetryAttemptsExhausted", attempts, last
                )
                send_to_destination(esm, document)
                return True
            # Back off like Lambda does, so a record that always fails does not spin the CPU.
            self.poller.sleep(min(self.poller.poll_interval() * 2 ** (attempts - 1), MAX_BACKOFF))

    def _function(self, esm: EventSourceMapping) -> Any | None:
        try:
            backend: LambdaBackend = lambda_backends[self.account][self.region]
            return backend.get_function(esm.function_arn)
        except Exception:
            return None


class StreamPoller:
    """One supervisor thread that starts a runner thread per DynamoDB-stream mapping."""

    def __init__(self, poll_interval: Callable[[], float], invoke: InvokeFn | None = None):
        self.poll_interval = poll_interval
        self.invoke: InvokeFn = invoke or _runtime_invoke
        self._runners: dict[str, MappingRunner] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._generation = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._supervise, name="stream-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget every runner and checkpoint (moto's state was reset)."""
        with self._lock:
            self._generation += 1
            self._runners.clear()

    def sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def stopping(self, runner: MappingRunner) -> bool:
        return self._stop.is_set() or self._runners.get(runner.uuid) is not runner

    def forget(self, runner: MappingRunner) -> None:
        with self._lock:
            if self._runners.get(runner.uuid) is runner:
                del self._runners[runner.uuid]

    def last_processing_result(self, mapping_id: str) -> str | None:
        runner = self._runners.get(mapping_id)
        return runner.last_processing_result if runner else None

    def _supervise(self) -> None:
        while not self._stop.is_set():
            try:
                self._start_new_runners()
            except Exception:
                log.exception("stream poller: scanning mappings failed")
            self._stop.wait(self.poll_interval())

    def _start_new_runners(self) -> None:
        for account, regions in list(lambda_backends.items()):
            for region, backend in list(regions.items()):
                for mapping_id, esm in list(backend._event_source_mappings.items()):
                    if mapping_id in self._runners or not _is_stream_source(esm.event_source_arn):
                        continue
                    with self._lock:
                        runner = MappingRunner(account, region, mapping_id, self)
                        self._runners[mapping_id] = runner
                    runner.thread = threading.Thread(
                        target=runner.run, name=f"stream-mapping-{mapping_id[:8]}", daemon=True
                    )
                    runner.thread.start()


# --------------------------------------------------------------------------- moto hooks

_poller: StreamPoller | None = None
_original_create = LambdaBackend.create_event_source_mapping
_original_update = LambdaBackend.update_event_source_mapping
_original_configuration = EventSourceMapping.get_configuration
_original_create_response = LambdaResponse.create_event_source_mapping
_original_update_response = LambdaResponse.update_event_source_mapping


def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    """Validate like AWS, remember where LATEST starts, and keep moto from dispatching inline."""
    stream_source = _is_stream_source(spec.get("EventSourceArn"))
    if stream_source:
        validate_spec(spec, creating=True)
    latest = streams.next_sequence_number()
    esm = _original_create(self, spec)
    if stream_source:
        esm.emulator_latest_position = latest
        for backend in dynamodb_backends.get(self.account_id, {}).values():
            for table in backend.tables.values():
                table.lambda_event_source_mappings.pop(esm.function_arn, None)
    return esm


def update_event_source_mapping(
    self: LambdaBackend, uuid: str, spec: dict[str, Any]
) -> EventSourceMapping | None:
    esm = self.get_event_source_mapping(uuid)
    if esm is not None and _is_stream_source(esm.event_source_arn):
        validate_spec(spec, creating=False)
    return _original_update(self, uuid, spec)


def get_configuration(self: EventSourceMapping) -> dict[str, Any]:
    configuration = _original_configuration(self)
    if _is_stream_source(self.event_source_arn):
        result = _poller.last_processing_result(self.uuid) if _poller else None
        configuration["LastProcessingResult"] = result or "No records processed"
    return configuration


def _with_state(response: Any, state: str) -> Any:
    status, headers, body = response
    if status >= 300:
        return response
    document = json.loads(body)
    document["State"] = state
    return status, headers, json.dumps(document)


def create_event_source_mapping_response(self: LambdaResponse) -> Any:
    """AWS answers Create with State Creating; the next Get shows Enabled or Disabled."""
    return _with_state(_original_create_response(self), "Creating")


def update_event_source_mapping_response(self: LambdaResponse) -> Any:
    enabled = (self.json_body or {}).get("Enabled")
    state = "Updating" if enabled is None else "Enabling" if enabled else "Disabling"
    return _with_state(_original_update_response(self), state)


PATCHES = (
    (LambdaBackend, "create_event_source_mapping", create_event_source_mapping),
    (LambdaBackend, "update_event_source_mapping", update_event_source_mapping),
    (EventSourceMapping, "get_configuration", get_configuration),
    (LambdaResponse, "create_event_source_mapping", create_event_source_mapping_response),
    (LambdaResponse, "update_event_source_mapping", update_event_source_mapping_response),
)


def install(emulator: Any, invoke: InvokeFn | None = None) -> None:
    """Patch moto's shards and mappings and run the poller as an emulator worker."""
    global _poller
    streams.install()
    for owner, name, replacement in PATCHES:
        setattr(owner, name, replacement)
    poller = StreamPoller(lambda: emulator.settings.stream_poll_interval_seconds, invoke)
    _poller = poller
    emulator.add_worker(poller.start, poller.stop)
    emulator.on_reset(poller.reset)
