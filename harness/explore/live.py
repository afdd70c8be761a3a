"""The live feed: what the page shows as it happens, read the way any AWS client reads it.

- Stream records: this module is its own reader of the table's stream in every
  region (DescribeTable -> LatestStreamArn, DescribeStream, GetShardIterator
  LATEST for shards open at start and TRIM_HORIZON for shards found later,
  GetRecords), never emulator internals, so it works the same on AWS. AWS
  advises at most two simultaneous readers per shard (the stream processor's
  mapping is the other): "DynamoDB Streams low-level API", Developer Guide,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
- The stream processor's invocations: its CloudWatch Logs, through
  `harness.ops.logs.tail` (START / END / REPORT lines and the function's own).
- Aggregates: MODIFY records whose changed attributes are derived ones.
- Replica lag: the same change seen on two regions' streams; the lag is the
  difference of the times this reader received them (so within its poll interval).
- Alarms: DescribeAlarms on the stack's alarms.

Every event lands in a `Feed` with an increasing id; the web page follows it over
server-sent events.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from harness import HarnessError
from harness.explore import design
from harness.model import key_design
from harness.model.access_patterns import plain_item
from harness.ops import logs
from harness.stack.targets import Target

LOG = logging.getLogger(__name__)

STREAM_POLL_SECONDS = 0.2
SHARD_REFRESH_SECONDS = 5.0
LOG_POLL_SECONDS = 0.25
ALARM_POLL_SECONDS = 2.0
HISTORY = 2000


class Feed:
    """Events with increasing ids; readers ask for those after the last id they saw.

    `state` keeps the latest value of each "state" kind (alarms, replica lag) so a
    page that connects late still shows them.
    """

    def __init__(self, history: int = HISTORY) -> None:
        self._events: collections.deque = collections.deque(maxlen=history)
        self._lock = threading.Lock()
        self._next_id = 1
        self.state: dict[str, object] = {}

    def publish(self, kind: str, data: dict) -> int:
        with self._lock:
            event_id = self._next_id
            self._next_id += 1
            self._events.append((event_id, kind, data))
            return event_id

    def set_state(self, kind: str, value: object) -> None:
        with self._lock:
            self.state[kind] = value
        self.publish(kind, {"value": value})

    def after(self, last_id: int) -> list[tuple[int, str, dict]]:
        with self._lock:
            return [event for event in self._events if event[0] > last_id]

    @property
    def last_id(self) -> int:
        with self._lock:
            return self._next_id - 1


def image_changes(old: dict | None, new: dict | None) -> list[dict]:
    """[{"name", "old", "new"}] for every attribute whose value differs between images."""
    old, new = old or {}, new or {}
    names = list(dict.fromkeys([*old, *new]))
    return [
        {"name": name, "old": old.get(name), "new": new.get(name)}
        for name in names
        if old.get(name) != new.get(name)
    ]


def derived_for(item: dict | None) -> list[str]:
    """The derived attribute names for an item of its entityType (all of them if unknown)."""
    entity_type = (item or {}).get("entityType")
    return design.derived_names().get(entity_type) or design.all_derived_names()


def describe_record(record: dict, region: str) -> dict:
    """A stream record as the page shows it: keys, images, what changed, who changed it."""
    body = record.get("dynamodb", {})
    old = plain_item(body["OldImage"]) if "OldImage" in body else None
    new = plain_item(body["NewImage"]) if "NewImage" in body else None
    keys = plain_item(body.get("Keys", {}))
    changes = image_changes(old, new)
    derived = set(derived_for(new or old))
    created = body.get("ApproximateCreationDateTime")
    return {
        "region": region,
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "keys": keys,
        "key": [keys.get(key_design.PARTITION_KEY), keys.get(key_design.SORT_KEY)],
        "sequenceNumber": body.get("SequenceNumber"),
        "approximateCreationDateTime": created.isoformat() if created else None,
        "userIdentity": _identity(record.get("userIdentity")),
        "entityType": (new or old or {}).get("entityType"),
        "oldImage": old,
        "newImage": new,
        "changes": changes,
        "aggregates": [change for change in changes if change["name"] in derived],
        "receivedAt": time.time(),
    }


def _identity(identity: dict | None) -> dict | None:
    """GetRecords' Identity {Type, PrincipalId} in the spelling of the Lambda event and
    AWS's TTL documentation: {"type": "Service", "principalId": "dynamodb.amazonaws.com"}."""
    if not identity:
        return None
    return {"type": identity.get("Type"), "principalId": identity.get("PrincipalId")}


class ReplicationTracker:
    """Pairs the same change seen on two regions' streams; publishes the replica lag.

    Which region wrote first: the one a `note_write` names (the page's own writes),
    else the earlier ApproximateCreationDateTime (AWS rounds it to the second), else the
    first one this page received. The lag is the difference of the times this page
    received the two records, never below zero: it is good to this page's polling
    interval (STREAM_POLL_SECONDS per region).
    """

    def __init__(self, feed: Feed, window_seconds: float = 120.0) -> None:
        self.feed = feed
        self.window = window_seconds
        self._seen: dict[str, dict] = {}
        self._origins: dict[str, tuple[str, float]] = {}
        self._lag: dict[str, dict] = {}
        self._lock = threading.Lock()

    @staticmethod
    def signature(described: dict) -> str:
        return json.dumps(
            [described["keys"], described["eventName"], described["newImage"]],
            sort_keys=True,
            default=str,
        )

    def note_write(self, key: list[str], region: str) -> None:
        """The page itself writes `key` in `region`: that region is the change's origin."""
        with self._lock:
            self._origins[json.dumps(key)] = (region, time.time())

    def observe(self, described: dict) -> None:
        signature = self.signature(described)
        now = described["receivedAt"]
        with self._lock:
            for old in [
                k for k, seen in self._seen.items() if now - seen["receivedAt"] > self.window
            ]:
                del self._seen[old]
            first = self._seen.get(signature)
            if first is None:
                self._seen[signature] = described
                return
            if first["region"] == described["region"]:
                return
            origin, replica = self._order(first, described)
            lag = {
                "from": origin["region"],
                "to": replica["region"],
                "lagMs": max(0, round((replica["receivedAt"] - origin["receivedAt"]) * 1000)),
            }
            self._lag[replica["region"]] = {**lag, "key": described["key"], "at": now}
            snapshot = dict(self._lag)
        self.feed.publish("replication", {**lag, "key": described["key"]})
        self.feed.set_state("lag", snapshot)

    def _order(self, first: dict, second: dict) -> tuple[dict, dict]:
        noted = self._origins.get(json.dumps(first["key"]))
        if noted and noted[0] == second["region"]:
            return second, first
        if noted and noted[0] == first["region"]:
            return first, second
        created = (first["approximateCreationDateTime"], second["approximateCreationDateTime"])
        if all(created) and created[1] < created[0]:
            return second, first
        return first, second


class _Worker(threading.Thread):
    def __init__(self, name: str, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.stop_event = stop

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.loop()
            except (BotoCoreError, ClientError, HarnessError) as error:
                LOG.info("%s: %s; retrying", self.name, error)
                self.stop_event.wait(1.0)

    def loop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class StreamReader(_Worker):
    """Reads one region's table stream from now on and publishes each record."""

    def __init__(
        self,
        target: Target,
        table_name: str,
        region: str,
        feed: Feed,
        on_record: Callable[[dict], None],
        stop: threading.Event,
    ) -> None:
        super().__init__(f"stream-{region}", stop)
        self.target, self.table_name, self.region = target, table_name, region
        self.feed, self.on_record = feed, on_record
        self.iterators: dict[str, str] = {}
        self.known: set[str] = set()
        self.started = False

    def loop(self) -> None:
        dynamodb = self.target.client("dynamodb", self.region)
        streams = self.target.client("dynamodbstreams", self.region)
        arn = dynamodb.describe_table(TableName=self.table_name)["Table"].get("LatestStreamArn")
        if not arn:
            raise HarnessError(f"table {self.table_name} in {self.region} has no stream")
        refreshed = 0.0
        while not self.stop_event.is_set():
            if time.monotonic() - refreshed > SHARD_REFRESH_SECONDS:
                self._discover(streams, arn)
                refreshed = time.monotonic()
            for shard_id, iterator in list(self.iterators.items()):
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                for record in page.get("Records", []):
                    self.on_record(describe_record(record, self.region))
                following = page.get("NextShardIterator")
                if following:
                    self.iterators[shard_id] = following
                else:  # the shard is closed and read to its end
                    del self.iterators[shard_id]
            self.stop_event.wait(STREAM_POLL_SECONDS)

    def _discover(self, streams, arn: str) -> None:
        request = {"StreamArn": arn}
        while True:
            description = streams.describe_stream(**request)["StreamDescription"]
            for shard in description.get("Shards", []):
                shard_id = shard["ShardId"]
                if shard_id in self.known:
                    continue
                self.known.add(shard_id)
                closed = "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})
                if not self.started and closed:
                    continue  # history before the page opened
                kind = "LATEST" if not self.started else "TRIM_HORIZON"
                self.iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind
                )["ShardIterator"]
            last = description.get("LastEvaluatedShardId")
            if not last:
                break
            request["ExclusiveStartShardId"] = last
        self.started = True


class LogReader(_Worker):
    """Follows the stream processor's log group; groups lines by RequestId."""

    def __init__(self, target: Target, function_name: str, feed: Feed, stop: threading.Event):
        super().__init__("logs", stop)
        self.target, self.function_name, self.feed = target, function_name, feed
        self.since = time.time() - 1
        self.request_id: str | None = None

    def loop(self) -> None:
        try:
            logs.tail(
                self.target,
                self.function_name,
                follow=True,
                since_seconds=time.time() - self.since,
                poll_seconds=LOG_POLL_SECONDS,
                out=self.line,
                stop=self.stop_event,
            )
        except HarnessError:  # no log group before the first invocation
            self.stop_event.wait(1.0)

    def line(self, formatted: str) -> None:
        when, _, message = formatted.partition("  ")
        words = message.split()
        if len(words) >= 3 and words[0] in ("START", "END", "REPORT") and words[1] == "RequestId:":
            self.request_id = words[2]
        self.feed.publish("log", {"time": when, "message": message, "requestId": self.request_id})
        if words[:1] == ["REPORT"]:  # the invocation's last line
            self.request_id = None


class AlarmPoller(_Worker):
    """Publishes the alarms' states whenever one changes."""

    def __init__(self, target: Target, alarm_names: list[str], feed: Feed, stop: threading.Event):
        super().__init__("alarms", stop)
        self.target, self.names, self.feed = target, alarm_names, feed
        self.last: object = None

    def loop(self) -> None:
        cloudwatch = self.target.client("cloudwatch")
        while not self.stop_event.is_set():
            states = []
            for start in range(0, len(self.names), 100):
                page = cloudwatch.describe_alarms(AlarmNames=self.names[start : start + 100])
                states += [
                    {
                        "name": alarm["AlarmName"],
                        "state": alarm["StateValue"],
                        "reason": alarm.get("StateReason", ""),
                    }
                    for alarm in page.get("MetricAlarms", [])
                ]
            states.sort(key=lambda alarm: alarm["name"])
            if states != self.last:
                self.last = states
                self.feed.set_state("alarms", states)
            self.stop_event.wait(ALARM_POLL_SECONDS)


@dataclass
class Live:
    """All readers of one explorer; `start` once, `stop` when the server ends."""

    target: Target
    table_name: str
    function_name: str | None
    alarm_names: list[str]
    feed: Feed = field(default_factory=Feed)
    stop_event: threading.Event = field(default_factory=threading.Event)
    workers: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tracker = ReplicationTracker(self.feed)

    def start(self) -> None:
        tracker = self.tracker

        def on_record(described: dict) -> None:
            self.feed.publish("record", described)
            if len(self.target.all_regions) > 1:
                tracker.observe(described)

        for region in self.target.all_regions:
            self.workers.append(
                StreamReader(
                    self.target, self.table_name, region, self.feed, on_record, self.stop_event
                )
            )
        if self.function_name:
            self.workers.append(
                LogReader(self.target, self.function_name, self.feed, self.stop_event)
            )
        if self.alarm_names:
            self.workers.append(
                AlarmPoller(self.target, self.alarm_names, self.feed, self.stop_event)
            )
        for worker in self.workers:
            worker.start()

    def note_write(self, key: list[str], region: str) -> None:
        """Tell the replica-lag tracker that the page wrote `key` in `region`."""
        self.tracker.note_write(key, region)

    def ready(self, timeout: float = 10.0) -> bool:
        """True once every stream reader holds its iterators (so later writes are seen)."""
        deadline = time.monotonic() + timeout
        readers = [worker for worker in self.workers if isinstance(worker, StreamReader)]
        while time.monotonic() < deadline:
            if all(reader.started for reader in readers):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self.stop_event.set()
        for worker in self.workers:
            worker.join(timeout=5)
