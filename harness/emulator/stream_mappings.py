"""Event source mappings for DynamoDB streams, polled the way AWS Lambda polls them.

moto stores a mapping's settings but ignores them: it invokes the function inside PutItem and
then drops the records. Here moto's inline dispatch is off (see `streams`), and a poller reads
each enabled mapping's shard in order and applies BatchSize, the batching window,
StartingPosition, FilterCriteria, partial batch responses, retries, record age, bisection,
ParallelizationFactor and the on-failure destination (`esm_destinations`). The function
runs in the Docker-free Lambda runtime. Record ages, the batching window and retry back-off
are measured on the emulator's clock (`clock`), so a faster clock makes them pass sooner.

The control plane answers as AWS does (AWS-recorded responses in LocalStack's
test_lambda_integration_dynamodbstreams.snapshot.json): Create, Update and Delete answer 202,
StateTransitionReason is "User action", every stream setting is in the answer with its
default, a second mapping of one function to one stream is a 409, and FunctionName may be
any identifier form AWS accepts (`lambda_runtime.lambda_api`).

Policy where AWS leaves room: on a function error with bisection on, the batch is split at
once and the halves run in order, down to single records, and the retry quota applies to
each piece as its own batch; a piece's approximateInvokeCount counts only its own
invocations. With ParallelizationFactor N the shard's records go to N lanes by a hash of
their partition key (so each key keeps its order, as AWS guarantees); each round invokes
one batch per lane at once and the shard's checkpoint moves when all of them are done.
Filtered-out records are dropped before the age check, so they never reach a destination.

Not emulated: tumbling windows. TumblingWindowInSeconds above 0 is refused with a clear
InvalidParameterValueException rather than accepted and ignored.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import EventSourceMapping, LambdaBackend, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import StreamShard

from harness.emulator import clock, esm_destinations, esm_permissions, iam, streams
from harness.emulator.esm_destinations import RECORD_AGE_EXCEEDED, RETRIES_EXHAUSTED
from harness.emulator.event_filter import FilterPatternError, compile_criteria
from harness.emulator.lambda_runtime.lambda_api import function_arn
from harness.emulator.periodic import STOP_TIMEOUT_SECONDS, Worker

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
SCAN_LIMIT = 10_000
MAX_BACKOFF = 5.0  # emulated seconds between retries of a failing batch, at most
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")
RESPONSE_TYPES = ("ReportBatchItemFailures",)
# AWS's ranges for a DynamoDB stream mapping (services-ddb-params.html).
RANGES = {
    "BatchSize": (1, 10_000),
    "MaximumBatchingWindowInSeconds": (0, 300),
    "ParallelizationFactor": (1, 10),
    "MaximumRetryAttempts": (-1, 10_000),
    "TumblingWindowInSeconds": (0, 900),
}
# MaximumRecordAgeInSeconds: -1 (infinite) or 60..604800 (API_CreateEventSourceMapping.html).
RECORD_AGE_RANGE = (60, 604_800)
# What every stream mapping's description shows when the setting was never given
# (AWS-recorded create/get/list answers in test_lambda_integration_dynamodbstreams.snapshot.json).
DESCRIBED_DEFAULTS: dict[str, Any] = {
    "BisectBatchOnFunctionError": False,
    "DestinationConfig": {"OnFailure": {}},
    "FunctionResponseTypes": [],
    "MaximumBatchingWindowInSeconds": 0,
    "MaximumRecordAgeInSeconds": -1,
    "MaximumRetryAttempts": -1,
    "ParallelizationFactor": 1,
    "TumblingWindowInSeconds": 0,
}

InvokeFn = Callable[[Any, bytes], Any]


class Entry(NamedTuple):
    """A record, its Lambda event form, and that event as JSON text.

    The text is made once: it gives the record's share of the 6 MB payload limit and is
    joined as-is into the invocation payload (encoding every event twice cost the poller
    about a sixth of its throughput, bench/stream_throughput.py).
    """

    record: streams.StreamRecord
    event: dict[str, Any]
    text: str


def batch_payload(batch: list[Entry]) -> bytes:
    """The invocation payload {"Records": [...]} for a batch, as UTF-8 JSON."""
    return ('{"Records": [' + ", ".join(entry.text for entry in batch) + "]}").encode()


def _runtime_invoke(function: Any, payload: bytes) -> Any:
    from harness.emulator.lambda_runtime import invoke_function

    return invoke_function(function, payload)


class MappingConflict(LambdaClientError):
    """409: the function already has a mapping on this stream (AWS's wording, recorded)."""

    code = 409

    def __init__(self, stream_arn: str, function_name: str, existing_uuid: str):
        super().__init__(
            "ResourceConflictException",
            f'The event source arn (" {stream_arn} ") and function (" {function_name} ") '
            "provided mapping already exists. Please update or delete the existing mapping "
            f"with UUID {existing_uuid}",
        )


class MappingNotFound(LambdaClientError):
    """404 for an unknown UUID (moto's GetEventSourceMapping wording, also AWS's)."""

    code = 404

    def __init__(self) -> None:
        super().__init__("ResourceNotFoundException", "The resource you requested does not exist.")


# --------------------------------------------------------------------------- validation


def _is_stream_source(arn: str | None) -> bool:
    return bool(arn) and arn.split(":")[2:3] == ["dynamodb"] and "/stream/" in arn


def validate_spec(spec: dict[str, Any], creating: bool) -> None:
    """Reject what AWS rejects for a DynamoDB-stream mapping (InvalidParameterValueException).

    Also refuses TumblingWindowInSeconds above 0, which AWS accepts and the emulator does
    not run (README, "Event source mapping conformance").
    """
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
    age = spec.get("MaximumRecordAgeInSeconds")
    low, high = RECORD_AGE_RANGE
    if age is not None and int(age) != -1 and not low <= int(age) <= high:
        raise InvalidParameterValueException(
            f"MaximumRecordAgeInSeconds {age} is out of range; it must be -1 or between "
            f"{low} and {high} (to see records age sooner, speed up the emulator's clock: "
            "EMULATOR_CLOCK_SPEED or POST /_emulator/clock)"
        )
    window = spec.get("TumblingWindowInSeconds")
    if window is not None and int(window) > 0:
        raise InvalidParameterValueException(
            f"TumblingWindowInSeconds {window}: tumbling windows are not emulated (AWS accepts "
            "0 to 900); leave it unset or 0 here"
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
            raise InvalidParameterValueException(str(error)) from error  # AWS: the message alone


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


def _latest_position(stream_arn: str) -> int:
    """Where LATEST starts for a new mapping: just after the newest record now in the shard.

    AWS: LATEST "start reading just after the most recent stream record in the shard, so
    that you always read the most recent data in the shard"
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html).
    moto's shards take their records at the write, so the process-wide counter is that
    point; the DynamoDB Local data plane replaces this hook (it reads the stream first).
    """
    return streams.next_sequence_number()


def _lane_key(shard: StreamShard) -> Callable[[streams.StreamRecord], bytes]:
    """The bytes that decide a record's lane: its partition key value.

    `shard` is moto's StreamShard (its table knows the key) or the DynamoDB Local data
    plane's MirrorShard (which carries the key attribute itself).
    """
    mirrored = getattr(shard, "hash_key_attr", None)
    attribute = mirrored if mirrored is not None else shard.table.hash_key_attr

    def key(record: streams.StreamRecord) -> bytes:
        value = record.record["dynamodb"]["Keys"].get(attribute)
        return json.dumps(value, sort_keys=True).encode()

    return key


@dataclass
class MappingRunner:
    """Reads one mapping's shard in order and invokes its function, one round at a time.

    A round is one batch, or with ParallelizationFactor N up to N batches (one per lane)
    delivered at once; the shard checkpoint moves past the round when all are done.
    """

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
    _lanes: ThreadPoolExecutor | None = None
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
        try:
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
        finally:
            if self._lanes is not None:
                self._lanes.shutdown(wait=False)
            self.poller.forget(self)

    # -- one poll

    def _matcher(self, esm: EventSourceMapping) -> Callable[[dict[str, Any]], bool]:
        key = json.dumps(esm.filter_criteria, sort_keys=True)
        if key != self._filter_key:
            self._filter = compile_criteria(esm.filter_criteria)
            self._filter_key = key
        return self._filter

    def step(self, esm: EventSourceMapping) -> bool:
        """Deliver at most one round; True if anything moved (poll again at once)."""
        shard = _find_shard(esm.event_source_arn)
        if shard is None:
            return False
        if shard.id != self.shard_id:
            self.shard_id = shard.id
            self.checkpoint = None
        if self.checkpoint is None:
            if esm.starting_position == "LATEST":
                if not hasattr(esm, "emulator_latest_position"):
                    return False  # CreateEventSourceMapping has not finished fixing it yet
                self.checkpoint = esm.emulator_latest_position
            else:
                self.checkpoint = 0
        records = streams.records_from(shard, self.checkpoint, SCAN_LIMIT)
        if not records:
            return False
        # Lambda reads as the role: without the permission nothing is read, nothing is lost.
        # Checked when records wait (an idle shard shows nothing either way), to keep idle
        # polling cheap.
        denial = self._read_denial(esm)
        if denial is not None:
            self.last_processing_result = f"PROBLEM: {denial}"
            return False
        lanes, expired, end = self._gather(esm, shard, records)
        if expired:
            self._discard(esm, shard.id, expired, RECORD_AGE_EXCEEDED, 0, None)
            self.checkpoint = max(self.checkpoint, end)
            return True
        if not lanes:
            self.checkpoint = max(self.checkpoint, end)
            return True
        window = esm.max_batch_window or 0
        if window and sum(len(batch) for batch in lanes) < esm.batch_size:
            now = clock.monotonic()
            if self._window_deadline is None:
                self._window_deadline = now + window
            if now < self._window_deadline:
                return False
        self._window_deadline = None
        if self._deliver_round(lanes, shard.id):
            self.checkpoint = max(self.checkpoint, end)
        return True

    def _gather(
        self, esm: EventSourceMapping, shard: StreamShard, records: list[streams.StreamRecord]
    ) -> tuple[list[list[Entry]], list[Entry], int]:
        """The next round's batches (one per lane used), or the expired records that lead.

        Returns (batches, expired, end): `end` is the sequence number after the last record
        the round accounts for. Records the filter drops are passed over for good; a round
        stops before a record whose lane is full, so no lane overtakes another's records.
        """
        matcher = self._matcher(esm)
        factor = max(1, int(esm.parallelization_factor or 1))
        lane_key = _lane_key(shard) if factor > 1 else None
        max_age = esm.max_record_age
        cutoff = clock.now() - max_age if max_age is not None and max_age >= 0 else None
        lanes: dict[int, list[Entry]] = {}
        sizes: dict[int, int] = {}
        expired: list[Entry] = []
        end = self.checkpoint or 0
        batch_size = esm.batch_size  # moto properties, read once: this loop is the hot path
        stream_arn = esm.event_source_arn
        for record in records:
            event = to_event_record(record, stream_arn)
            if not matcher(event):
                end = record.sequence + 1
                if not lanes and not expired:
                    self.checkpoint = end
                continue
            if cutoff is not None and record.arrival < cutoff and not lanes:
                expired.append(Entry(record, event, json.dumps(event)))
                end = record.sequence + 1
                if len(expired) >= batch_size:
                    break
                continue
            if expired:
                break
            lane = zlib.crc32(lane_key(record)) % factor if lane_key else 0
            batch = lanes.get(lane)
            if batch is None:
                batch = lanes[lane] = []
                sizes[lane] = 0
            elif len(batch) >= batch_size:
                break
            text = json.dumps(event)
            record_size = len(text)
            if batch and sizes[lane] + record_size > MAX_PAYLOAD_BYTES:
                break
            batch.append(Entry(record, event, text))
            sizes[lane] += record_size
            end = record.sequence + 1
            if factor == 1 and len(batch) >= batch_size:
                break
        return list(lanes.values()), expired, end

    def _deliver_round(self, lanes: list[list[Entry]], shard_id: str) -> bool:
        """Deliver each lane's batch, at once when there are several; False if interrupted."""
        if len(lanes) == 1:
            return self.deliver(lanes[0], shard_id)
        if self._lanes is None:
            self._lanes = ThreadPoolExecutor(RANGES["ParallelizationFactor"][1], "stream-lane")
        # Lanes never move the shard checkpoint: one lane's progress says nothing of another's.
        futures = [
            self._lanes.submit(self.deliver, batch, shard_id, checkpointing=False)
            for batch in lanes
        ]
        return all([future.result() for future in futures])

    def _discard(
        self,
        esm: EventSourceMapping,
        shard_id: str,
        entries: list[Entry],
        condition: str,
        invoke_count: int,
        last_call: esm_destinations.Call | None,
    ) -> None:
        """Send the invocation record of discarded records to the mapping's destination."""
        first, last = entries[0].record, entries[-1].record
        batch = esm_destinations.DiscardedBatch(
            mapping_uuid=self.uuid,
            function_arn=esm.function_arn,
            stream_arn=esm.event_source_arn,
            shard_id=shard_id,
            first_sequence=first.record["dynamodb"]["SequenceNumber"],
            last_sequence=last.record["dynamodb"]["SequenceNumber"],
            first_arrival=first.arrival,
            last_arrival=last.arrival,
            size=len(entries),
            event={"Records": [entry.event for entry in entries]},
        )
        destination = _on_failure_destination(esm)
        denial = self._send_denial(esm, destination)
        if denial is not None:  # Lambda sends as the role; the batch is discarded either way
            log.warning("stream mapping %s: failure record not sent: %s", self.uuid, denial)
            return
        esm_destinations.send(destination, batch, condition, invoke_count, last_call)

    def _read_denial(self, esm: EventSourceMapping) -> str | None:
        """Why the execution role may not read the stream now, or None (esm_permissions)."""
        function = self._function(esm) if iam.enabled() else None
        if function is None:
            return None
        try:
            return esm_permissions.stream_read_denial(function.role, esm.event_source_arn)
        except iam.RoleCannotBeAssumed:
            return iam.ROLE_CANNOT_BE_ASSUMED

    def _send_denial(self, esm: EventSourceMapping, destination: str | None) -> str | None:
        function = self._function(esm) if iam.enabled() else None
        if function is None:
            return None
        try:
            return esm_permissions.destination_denial(function.role, destination)
        except iam.RoleCannotBeAssumed:
            return iam.ROLE_CANNOT_BE_ASSUMED

    # -- delivery with retries, partial responses and bisection

    def deliver(self, batch: list[Entry], shard_id: str, checkpointing: bool = True) -> bool:
        """Invoke until the batch succeeds or is discarded; False if the mapping went away.

        With `checkpointing`, progress inside the batch (records discarded for age, a
        partial failure's successful prefix, a finished bisection half) moves the checkpoint.
        """
        attempts = 0
        last_call: esm_destinations.Call | None = None
        while True:
            esm = self.active_mapping()
            if esm is None:
                return False
            max_age = esm.max_record_age
            if max_age is not None and max_age >= 0:
                cutoff = clock.now() - max_age
                expired = [entry for entry in batch if entry.record.arrival < cutoff]
                if expired:
                    self._discard(esm, shard_id, expired, RECORD_AGE_EXCEEDED, attempts, last_call)
                    self._advance(checkpointing, expired[-1].record.sequence + 1)
                    batch = batch[len(expired) :]
                    if not batch:
                        return True
            function = self._function(esm)
            if function is None:
                self.poller.sleep(self.poller.poll_interval())
                continue
            payload = batch_payload(batch)
            try:
                result = self.poller.invoke(function, payload)
            except Exception:
                # Failures before the function runs do not count as attempts, as in AWS.
                log.exception("stream mapping %s: invoke failed", self.uuid)
                self.poller.sleep(self.poller.poll_interval())
                continue
            attempts += 1
            last_call = esm_destinations.Call(
                result.request_id, result.function_error, str(function.version)
            )
            sequences = [entry.record.sequence for entry in batch]
            partial = "ReportBatchItemFailures" in (esm.function_response_types or ())
            outcome = interpret(result, sequences, partial)
            if outcome.ok:
                self.last_processing_result = "OK"
                return True
            self.last_processing_result = "PROBLEM: Function call failed"
            if outcome.failed_from is not None:
                # Checkpoint before the lowest failed record; retry from there only.
                self._advance(checkpointing, outcome.failed_from)
                batch = [entry for entry in batch if entry.record.sequence >= outcome.failed_from]
            elif esm.bisect_on_error and len(batch) > 1:
                middle = (len(batch) + 1) // 2
                if not self.deliver(batch[:middle], shard_id, checkpointing):
                    return False
                self._advance(checkpointing, batch[middle - 1].record.sequence + 1)
                return self.deliver(batch[middle:], shard_id, checkpointing)
            retries = esm.max_retry_attempts
            if retries is not None and retries >= 0 and attempts > retries:
                self._discard(esm, shard_id, batch, RETRIES_EXHAUSTED, attempts, last_call)
                return True
            # Back off like Lambda does, so a record that always fails does not spin the CPU.
            backoff = min(self.poller.poll_interval() * 2 ** (attempts - 1), MAX_BACKOFF)
            self.poller.wait_emulated(backoff)

    def _advance(self, checkpointing: bool, sequence: int) -> None:
        if checkpointing:
            self.checkpoint = max(self.checkpoint or 0, sequence)

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
        self.worker = Worker("stream-poller", poll_interval, self._start_new_runners)

    def start(self) -> None:
        self.worker.start()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Stop the supervisor and every runner; True when all have ended (none in a call).

        A runner in the middle of an invocation ends when the invocation does; an emulator
        reset kills the Lambda workers first so that this is quick.
        """
        deadline = time.monotonic() + timeout
        stopped = self.worker.stop(timeout)
        with self._lock:
            threads = [runner.thread for runner in self._runners.values() if runner.thread]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("stream poller: %s still runs %s s after stop", thread.name, timeout)
                stopped = False
        return stopped

    def reset(self) -> None:
        """Forget every runner and checkpoint (moto's state was reset)."""
        with self._lock:
            self._runners.clear()

    def sleep(self, seconds: float) -> None:
        """Wait real seconds (poll intervals), or until the poller stops."""
        self.worker.stopped.wait(seconds)

    def wait_emulated(self, seconds: float) -> None:
        """Wait seconds of the emulator's clock (AWS time: back-off), or until it stops."""
        clock.sleep(seconds, self.worker.stopped)

    def stopping(self, runner: MappingRunner) -> bool:
        return self.worker.stopped.is_set() or self._runners.get(runner.uuid) is not runner

    def forget(self, runner: MappingRunner) -> None:
        with self._lock:
            if self._runners.get(runner.uuid) is runner:
                del self._runners[runner.uuid]

    def last_processing_result(self, mapping_id: str) -> str | None:
        runner = self._runners.get(mapping_id)
        return runner.last_processing_result if runner else None

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
_original_list = LambdaBackend.list_event_source_mappings
_original_configuration = EventSourceMapping.get_configuration
_original_create_response = LambdaResponse.create_event_source_mapping
_original_update_response = LambdaResponse.update_event_source_mapping
_original_delete_response = LambdaResponse.delete_event_source_mapping


def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    """Validate like AWS, refuse a duplicate, remember where LATEST starts, no inline dispatch.

    FunctionArn is the function's ARN with the qualifier the caller gave (a version or alias
    mapping invokes that version or alias), whatever form FunctionName took.
    """
    stream_source = _is_stream_source(spec.get("EventSourceArn"))
    target = None
    if stream_source:
        validate_spec(spec, creating=True)
        function = self.get_function(spec.get("FunctionName") or "")  # ResourceNotFound first
        target = function_arn(spec["FunctionName"], self.region_name, self.account_id)
        for existing in self._event_source_mappings.values():
            if (existing.event_source_arn, existing.function_arn) == (
                spec["EventSourceArn"],
                target,
            ):
                raise MappingConflict(spec["EventSourceArn"], spec["FunctionName"], existing.uuid)
        esm_permissions.check_at_create(
            function.role, spec["EventSourceArn"], _on_failure_destination(spec)
        )
    # Fixed before the mapping exists, so that the poller never sees it without a position.
    latest = _latest_position(spec["EventSourceArn"]) if stream_source else 0
    esm = _original_create(self, spec)
    if stream_source:
        esm.function_arn = target
        esm.emulator_latest_position = latest
        for backend in dynamodb_backends.get(self.account_id, {}).values():
            for table in backend.tables.values():
                table.lambda_event_source_mappings.clear()
    return esm


def _on_failure_destination(spec: dict[str, Any] | EventSourceMapping) -> str | None:
    config = spec.get("DestinationConfig") if isinstance(spec, dict) else spec.destination_config
    return ((config or {}).get("OnFailure") or {}).get("Destination") or None


def update_event_source_mapping(
    self: LambdaBackend, uuid: str, spec: dict[str, Any]
) -> EventSourceMapping | None:
    """Validate like AWS; a new FunctionName keeps its qualifier in FunctionArn."""
    esm = self.get_event_source_mapping(uuid)
    if esm is None:
        raise MappingNotFound()
    if not _is_stream_source(esm.event_source_arn):
        return _original_update(self, uuid, spec)
    validate_spec(spec, creating=False)
    if spec.get("FunctionName") or spec.get("DestinationConfig"):
        function = self.get_function(spec.get("FunctionName") or esm.function_arn)
        changed = spec if spec.get("DestinationConfig") else esm
        esm_permissions.check_at_create(
            function.role, esm.event_source_arn, _on_failure_destination(changed)
        )
    updated = _original_update(self, uuid, spec)
    if updated is not None and spec.get("FunctionName"):
        updated.function_arn = function_arn(spec["FunctionName"], self.region_name, self.account_id)
    return updated


def list_event_source_mappings(
    self: LambdaBackend, event_source_arn: str, function_name: str
) -> list[EventSourceMapping]:
    """Filter by the function the identifier names, in any form AWS accepts."""
    if not function_name:
        return list(_original_list(self, event_source_arn, function_name))
    wanted = function_arn(function_name, self.region_name, self.account_id)
    return [esm for esm in _original_list(self, event_source_arn, "") if esm.function_arn == wanted]


def get_configuration(self: EventSourceMapping) -> dict[str, Any]:
    """A mapping's description as AWS gives it: no Tags, "User action", stream defaults."""
    configuration = _original_configuration(self)
    configuration.pop("Tags", None)  # AWS lists tags with ListTags only
    configuration["StateTransitionReason"] = "User action"
    if _is_stream_source(self.event_source_arn):
        for name, default in DESCRIBED_DEFAULTS.items():
            if configuration.get(name) is None:
                configuration[name] = copy.deepcopy(default)
        on_failure = dict(configuration["DestinationConfig"].get("OnFailure") or {})
        if not on_failure.get("Destination"):
            on_failure.pop("Destination", None)  # "" removes the destination (AWS docs)
        configuration["DestinationConfig"] = {
            **configuration["DestinationConfig"],
            "OnFailure": on_failure,
        }
        result = _poller.last_processing_result(self.uuid) if _poller else None
        configuration["LastProcessingResult"] = result or "No records processed"
    return dict(sorted(configuration.items()))


def _answer(response: Any, status: int, state: str) -> Any:
    code, headers, body = response
    if code >= 300:
        return response
    document = json.loads(body)
    document["State"] = state
    return status, {**headers, "status": status}, json.dumps(document)


def create_event_source_mapping_response(self: LambdaResponse) -> Any:
    """AWS answers Create with 202 and State Creating; the next Get shows Enabled or Disabled."""
    return _answer(_original_create_response(self), 202, "Creating")


def update_event_source_mapping_response(self: LambdaResponse) -> Any:
    """202 with State Updating, Enabling or Disabling; an unknown UUID is a typed 404."""
    enabled = (self.json_body or {}).get("Enabled")
    state = "Updating" if enabled is None else "Enabling" if enabled else "Disabling"
    return _answer(_original_update_response(self), 202, state)


def delete_event_source_mapping_response(self: LambdaResponse) -> Any:
    """202 with State Deleting; an unknown UUID is a typed 404 (moto answered "{}")."""
    if self.backend.get_event_source_mapping(self.path.split("/")[-1]) is None:
        raise MappingNotFound()
    return _answer(_original_delete_response(self), 202, "Deleting")


PATCHES = (
    (LambdaBackend, "create_event_source_mapping", create_event_source_mapping),
    (LambdaBackend, "update_event_source_mapping", update_event_source_mapping),
    (LambdaBackend, "list_event_source_mappings", list_event_source_mappings),
    (EventSourceMapping, "get_configuration", get_configuration),
    (LambdaResponse, "create_event_source_mapping", create_event_source_mapping_response),
    (LambdaResponse, "update_event_source_mapping", update_event_source_mapping_response),
    (LambdaResponse, "delete_event_source_mapping", delete_event_source_mapping_response),
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
