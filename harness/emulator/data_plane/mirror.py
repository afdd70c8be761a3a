"""A copy of DynamoDB Local's stream records, read through its Streams API as they arrive.

The stream-mapping poller, the TTL sweeper and global-tables replication need
what DynamoDB Local's records lack, so a tailer thread reads every stream with
DescribeStream/GetShardIterator/GetRecords shortly after each write (the proxy
wakes it) and keeps each record with:

- its arrival time, to the second in ApproximateCreationDateTime as AWS gives it
  (DynamoDB Local rounds down to the minute; AWS: "rounded down to the closest
  second", https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html);
- the userIdentity of a TTL deletion (DynamoDB's TTL service,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html),
  for the deletes our sweeper announced with `expect_service_delete`;
- the public region in awsRegion and ARNs.

The poller reads a stream's records through `find_shard` and `streams.records_from`
exactly as it reads moto's shards. Users' GetRecords are answered by DynamoDB Local
and annotated from this copy (`annotate`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from harness.emulator import clock, streams
from harness.emulator.data_plane.client import (
    Client,
    DynamoDBLocalError,
    Namespace,
    namespace_of_arn,
)
from harness.emulator.periodic import Worker

log = logging.getLogger(__name__)

TAIL_INTERVAL_SECONDS = 0.25  # a quiet stream is still read this often
SHARD_REFRESH_SECONDS = 2.0  # how often a stream's shard list is read again
# GetRecords errors after which an iterator is taken afresh. DynamoDB Local 3.3.0 answers
# TrimmedDataAccessException for an iterator it handed out on an empty shard once records
# with higher sequence numbers arrive (seen while other tables' streams took numbers);
# kept, that iterator stopped this stream's copy for good.
STALE_ITERATOR_ERRORS = ("ExpiredIteratorException", "TrimmedDataAccessException")


class MirrorShard:
    """What the poller reads: one stream's records in sequence order under one shard id."""

    def __init__(self, shard_id: str, hash_key_attr: str):
        self.id = shard_id
        # The table's partition key attribute (the poller's ParallelizationFactor lanes).
        self.hash_key_attr = hash_key_attr
        self.items: list[streams.StreamRecord] = []


class MirroredStream:
    def __init__(self, namespace: Namespace, arn: str, table_name: str):
        self.namespace = namespace
        self.arn = arn
        self.table_name = table_name
        self.shard: MirrorShard | None = None
        self.iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: closed)
        self.by_event: dict[str, streams.StreamRecord] = {}
        self.shard_ids: list[str] = []
        self.hash_key_attr = ""
        self.shards_read_at = 0.0
        self.lock = threading.Lock()


def key_token(table_name: str, keys: dict[str, Any]) -> str:
    return table_name + "\0" + json.dumps(keys, sort_keys=True)


class StreamMirror:
    """Tails every stream of every namespace the proxy has seen."""

    def __init__(self, client: Client, namespaces: Callable[[], set[Namespace]]):
        self.client = client
        self.namespaces = namespaces
        self._streams: dict[str, MirroredStream] = {}
        self._streams_lock = threading.Lock()
        self._retired: set[str] = set()  # streams of tables an emulator reset deleted
        self._service_deletes: dict[tuple[Namespace, str], int] = {}
        self._deletes_lock = threading.Lock()
        self.worker = Worker("stream-mirror", lambda: TAIL_INTERVAL_SECONDS, self.catch_up_all)
        self.listeners: list[Callable[[MirroredStream, streams.StreamRecord], None]] = []

    # -- lifecycle

    def reset(self, namespaces: set[Namespace]) -> None:
        """Forget every stream, and never read again those that exist now (a reset).

        DynamoDB Local, as AWS, keeps a deleted table's stream readable for 24 hours, and
        ListStreams names it with its table's name; read again from the start after a reset,
        its records went to the listeners as new ones, and the replicator copied an old
        "university"'s records into the replica of a new table of that name.
        """
        retired = set()
        for namespace in namespaces:
            try:
                retired.update(arn for arn, _ in self._list_streams(namespace))
            except DynamoDBLocalError as error:
                log.warning("stream mirror: listing %s's streams at reset: %s", namespace, error)
        with self._streams_lock:
            self._streams.clear()
            self._retired |= retired
        with self._deletes_lock:
            self._service_deletes.clear()

    def wake(self) -> None:
        """A write happened: read the streams now rather than at the next tick."""
        self.worker.wake()

    # -- TTL identity

    def expect_service_delete(self, namespace: Namespace, table: str, keys: dict) -> None:
        """The next REMOVE of this item was made by the TTL service."""
        token = (namespace, key_token(table, keys))
        with self._deletes_lock:
            self._service_deletes[token] = self._service_deletes.get(token, 0) + 1

    def forget_service_delete(self, namespace: Namespace, table: str, keys: dict) -> None:
        token = (namespace, key_token(table, keys))
        with self._deletes_lock:
            count = self._service_deletes.get(token, 0) - 1
            if count > 0:
                self._service_deletes[token] = count
            else:
                self._service_deletes.pop(token, None)

    def _take_service_delete(self, namespace: Namespace, table: str, keys: dict) -> bool:
        token = (namespace, key_token(table, keys))
        with self._deletes_lock:
            count = self._service_deletes.get(token, 0)
            if count <= 0:
                return False
            if count == 1:
                del self._service_deletes[token]
            else:
                self._service_deletes[token] = count - 1
            return True

    # -- reading

    def catch_up_all(self) -> None:
        for namespace in list(self.namespaces()):
            for arn, table in self._list_streams(namespace):
                self.catch_up(namespace, arn, table)

    def _list_streams(self, namespace: Namespace) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        request: dict[str, Any] = {}
        while True:
            answer = self.client.call(namespace, "Streams.ListStreams", request)
            found += [(s["StreamArn"], s["TableName"]) for s in answer.get("Streams", [])]
            last = answer.get("LastEvaluatedStreamArn")
            if not last:
                return found
            request = {"ExclusiveStartStreamArn": last}

    def stream(self, namespace: Namespace, arn: str, table: str) -> MirroredStream:
        with self._streams_lock:
            mirrored = self._streams.get(arn)
            if mirrored is None:
                mirrored = self._streams[arn] = MirroredStream(namespace, arn, table)
            return mirrored

    def catch_up(self, namespace: Namespace, arn: str, table: str) -> None:
        """Copy the records DynamoDB Local has and we have not, in order."""
        if arn in self._retired:
            return
        mirrored = self.stream(namespace, arn, table)
        with mirrored.lock:
            if time.monotonic() - mirrored.shards_read_at > SHARD_REFRESH_SECONDS:
                try:
                    shards, key_schema = self._shards(namespace, arn)
                except DynamoDBLocalError:
                    return  # the table (and stream) went away meanwhile
                mirrored.shard_ids = [s["ShardId"] for s in shards]
                mirrored.hash_key_attr = next(
                    k["AttributeName"] for k in key_schema if k["KeyType"] == "HASH"
                )
                mirrored.shards_read_at = time.monotonic()
            for shard_id in mirrored.shard_ids:
                if mirrored.shard is None:
                    mirrored.shard = MirrorShard(shard_id, mirrored.hash_key_attr)
                if shard_id in mirrored.iterators and mirrored.iterators[shard_id] is None:
                    continue
                self._read_shard(mirrored, shard_id)

    def _shards(
        self, namespace: Namespace, arn: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """The stream's shards (every page of DescribeStream) and the table's KeySchema."""
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": arn}
        while True:
            answer = self.client.call(namespace, "Streams.DescribeStream", request)
            description = answer["StreamDescription"]
            shards += description.get("Shards", [])
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards, description["KeySchema"]
            request = {"StreamArn": arn, "ExclusiveStartShardId": last}

    def _read_shard(self, mirrored: MirroredStream, shard_id: str) -> None:
        namespace = mirrored.namespace
        iterator = mirrored.iterators.get(shard_id)
        if iterator is None:
            answer = self.client.call(
                namespace,
                "Streams.GetShardIterator",
                {
                    "StreamArn": mirrored.arn,
                    "ShardId": shard_id,
                    "ShardIteratorType": "TRIM_HORIZON",
                },
            )
            iterator = answer["ShardIterator"]
        while iterator:
            try:
                answer = self.client.call(
                    namespace, "Streams.GetRecords", {"ShardIterator": iterator}
                )
            except DynamoDBLocalError as error:
                if error.code in STALE_ITERATOR_ERRORS:
                    # Read from the oldest record again next time; `_add` skips what we hold.
                    mirrored.iterators.pop(shard_id, None)
                log.debug("stream mirror: GetRecords on %s: %s", mirrored.arn, error)
                return
            records = answer.get("Records", [])
            # The emulator's clock, as the moto plane's streams use: record ages, the
            # 24 h retention and the mapping poller's MaximumRecordAgeInSeconds read it.
            now = clock.now()
            for record in records:
                self._add(mirrored, record, now)
            iterator = answer.get("NextShardIterator")
            mirrored.iterators[shard_id] = iterator
            if not records:
                return

    def _add(self, mirrored: MirroredStream, record: dict[str, Any], now: float) -> None:
        dynamodb = record["dynamodb"]
        sequence = int(dynamodb["SequenceNumber"])
        items = mirrored.shard.items if mirrored.shard else []
        if items and sequence <= items[-1].sequence:
            return  # read twice (a retried GetRecords)
        dynamodb["ApproximateCreationDateTime"] = int(now)
        if record["eventName"] == "REMOVE" and self._take_service_delete(
            mirrored.namespace, mirrored.table_name, dynamodb["Keys"]
        ):
            record["userIdentity"] = dict(streams.TTL_SERVICE_IDENTITY)
        copied = streams.StreamRecord(sequence, now, record)
        assert mirrored.shard is not None
        streams.append_mirrored(mirrored.shard, copied)
        mirrored.by_event[record["eventID"]] = copied
        for listener in self.listeners:
            try:
                listener(mirrored, copied)
            except Exception:
                log.exception("stream mirror: a listener failed")

    # -- for the poller and the proxy

    def find_shard(self, stream_arn: str) -> MirrorShard | None:
        """The mirrored records of a stream, for `streams.records_from` (None if unknown)."""
        with self._streams_lock:
            mirrored = self._streams.get(stream_arn)
        return mirrored.shard if mirrored else None

    def latest_position(self, stream_arn: str) -> int:
        """The sequence number just after the stream's newest record as DynamoDB Local has
        it now (LATEST for a new mapping); 0 for an empty or unknown stream.

        The stream is read up to date first, under its lock, so every write DynamoDB Local
        acknowledged before this call is behind the position. Per stream: another
        namespace's DynamoDB Local numbers its records on its own counter, so the
        process-wide `streams.next_sequence_number()` could lie far past this stream's next
        record and make the mapping skip it.
        """
        namespace = namespace_of_arn(stream_arn)
        if namespace is None:
            return 0
        table = stream_arn.split(":", 5)[5].split("/")[1]
        self.catch_up(namespace, stream_arn, table)
        shard = self.find_shard(stream_arn)
        if shard is None or not shard.items:
            return 0
        return shard.items[-1].sequence + 1

    def annotate(self, namespace: Namespace, stream_arn: str, records: list[dict]) -> None:
        """Give records from a user's GetRecords the time and identity this copy has."""
        if not records:
            return
        mirrored = self._streams.get(stream_arn)
        if mirrored is None or records[-1]["eventID"] not in mirrored.by_event:
            table = stream_arn.split(":", 5)[5].split("/")[1]
            self.catch_up(namespace, stream_arn, table)
            mirrored = self._streams.get(stream_arn)
        if mirrored is None:
            return
        for record in records:
            copied = mirrored.by_event.get(record.get("eventID"))
            if copied is None:
                continue
            source = copied.record
            record["dynamodb"]["ApproximateCreationDateTime"] = source["dynamodb"][
                "ApproximateCreationDateTime"
            ]
            if "userIdentity" in source:
                record["userIdentity"] = dict(source["userIdentity"])
