"""Global tables (version 2019.11.21) on the DynamoDB Local data plane.

DynamoDB Local answers UpdateTable ReplicaUpdates with "Nothing to update", so
the proxy hands them here. A replica is a real table of the same name in the
other region's namespace, created from the source's description and filled
with its items; DescribeTable in every member region lists the group
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).

Replication reads each member's stream (through the mirror) and, after the
configured delay, writes each item's latest state to the other members: last
writer wins per item, on the time the mirror saw each write. The replicator's
own writes are recorded as expected images; the mirror's record of one of them
is not replicated again, so changes never loop, and a replicated write shows in
the receiving region's stream like any write there. TTL settings, indexes and
billing are group-wide; tags, PITR and deletion protection are per region.

Validation and error texts are those of the moto-based extension
(harness/emulator/global_tables/replicas.py), which the Terraform provider relies on.
"""

from __future__ import annotations

import decimal
import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from harness.emulator import clock
from harness.emulator.data_plane.client import Client, DynamoDBLocalError, Namespace
from harness.emulator.data_plane.mirror import MirroredStream, StreamMirror, key_token
from harness.emulator.data_plane.tables import TableRegistry, kms_key_arn
from harness.emulator.global_tables.groups import (
    ReplicaSettings,
    ReplicationGroups,
    replica_descriptions,
)
from harness.emulator.global_tables.replicas import (
    GLOBAL_TABLE_VERSION,
    LOCAL_REGION,
    NOT_FOUND,
    ONLY_REPLICA_UPDATES,
    OTHER_UPDATES,
    STREAM_REQUIRED,
    STREAM_VIEW_TYPE,
    STRONG_UNSUPPORTED,
    WRITE_CAPACITY,
    already_exists,
    gsi_write_capacity,
)
from harness.emulator.periodic import Worker
from harness.emulator.streams import StreamRecord

log = logging.getLogger(__name__)

EXPECTATION_SECONDS = 30.0  # a replicated write's record normally shows within milliseconds
GROUP_WIDE_UPDATES = (
    "AttributeDefinitions",
    "GlobalSecondaryIndexUpdates",
    "BillingMode",
    "ProvisionedThroughput",
)


class ReplicaError(Exception):
    """A ValidationException with AWS's wording."""

    def __init__(self, message: str, code: str = "ValidationException"):
        self.code = code
        self.message = message
        super().__init__(message)


def _canonical(value: Any) -> str:
    """An image's text for "is this the image the replicator wrote?": equal values give
    equal texts. DynamoDB Local returns a PutItem's 1E+1 as 10 (an UpdateItem's as 1E+1)
    and need not keep a set's order; an unrecognised copy would be replicated back and
    could overwrite a newer write with an older image."""
    return json.dumps(_comparable(value), sort_keys=True)


_NUMBERS = decimal.Context(prec=400, Emax=999, Emin=-999)  # any DynamoDB number, exactly


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(element) for element in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        [(kind, inner)] = value.items()
        if kind == "N":
            return {"N": _number_text(inner)}
        if kind == "NS":
            return {"NS": sorted(_number_text(text) for text in inner)}
        if kind in ("SS", "BS"):
            return {kind: sorted(inner)}
    return {name: _comparable(inner) for name, inner in value.items()}


def _number_text(text: str) -> str:
    number = decimal.Decimal(text)
    return "0" if number.is_zero() else str(number.normalize(_NUMBERS))


class Replicator:
    """Applies each item's latest state to the other regions of its group."""

    def __init__(
        self,
        client: Client,
        mirror: StreamMirror,
        groups: ReplicationGroups,
        delay: Callable[[], float],
    ):
        self.client = client
        self.mirror = mirror
        self.groups = groups
        self.delay = delay
        # Per item, per region: the newest write (version) that region holds.
        self._versions: dict[tuple[str, str, str], dict[str, tuple[float, str]]] = {}
        self._queue: list[tuple[float, int, tuple[str, str, str], tuple, Any, dict]] = []
        self._counter = itertools.count()
        self._expected: dict[tuple[Namespace, str, str], list[tuple[str, float]]] = {}
        self._lock = threading.Lock()
        self.worker = Worker("replicator", self._until_due, self.apply_due)
        # Told of each write applied in a peer region: (account, table, source region,
        # receiving region, seconds since the write reached the source's stream).
        self.on_replicated: Callable[[str, str, str, str, float], None] | None = None

    def reset(self) -> None:
        with self._lock:
            self._versions.clear()
            self._queue.clear()
            self._expected.clear()

    def busy(self, account: str, table: str, region: str) -> bool:
        """True while changes of this group's table from other regions wait to reach `region`.

        A change waits in the queue with its source region (version[1]); it goes to every
        peer but that one, so the source region itself has nothing on the way.
        """
        with self._lock:
            return any(
                change[2][:2] == (account, table) and change[3][1] != region
                for change in self._queue
            )

    # -- reading the streams (the mirror calls this for every new record)

    def on_record(self, mirrored: MirroredStream, record: StreamRecord) -> None:
        namespace, table = mirrored.namespace, mirrored.table_name
        if not self.groups.peers(namespace.account, table, namespace.region):
            return
        dynamodb = record.record["dynamodb"]
        keys = dynamodb["Keys"]
        image = dynamodb.get("NewImage") if record.record["eventName"] != "REMOVE" else None
        token = key_token(table, keys)
        if self._was_expected(namespace, table, token, image):
            return
        address = (namespace.account, table, token)
        version = (record.arrival, namespace.region)
        with self._lock:
            held = self._versions.setdefault(address, {})
            held[namespace.region] = max(held.get(namespace.region, version), version)
            due = time.time() + self.delay()
            heapq.heappush(self._queue, (due, next(self._counter), address, version, image, keys))
        self.worker.wake()

    def _expect(self, namespace: Namespace, table: str, token: str, image: Any) -> None:
        with self._lock:
            self._expected.setdefault((namespace, table, token), []).append(
                (_canonical(image), time.time() + EXPECTATION_SECONDS)
            )

    def _unexpect(self, namespace: Namespace, table: str, token: str, image: Any) -> None:
        self._was_expected(namespace, table, token, image)

    def _was_expected(self, namespace: Namespace, table: str, token: str, image: Any) -> bool:
        wanted = _canonical(image)
        now = time.time()
        with self._lock:
            entries = self._expected.get((namespace, table, token))
            if not entries:
                return False
            entries[:] = [entry for entry in entries if entry[1] > now]
            for index, (expected, _) in enumerate(entries):
                if expected == wanted:
                    del entries[index]
                    return True
            return False

    # -- applying

    def _until_due(self) -> float:
        """Real seconds until the oldest waiting change is due (0.5 s when none waits)."""
        with self._lock:
            due = self._queue[0][0] if self._queue else None
        return 0.5 if due is None else due - time.time()

    def apply_due(self) -> None:
        self.mirror.catch_up_all()  # every write committed so far takes part in the race
        now = time.time()
        while True:
            with self._lock:
                if not self._queue or self._queue[0][0] > now:
                    return
                _, _, address, version, image, keys = heapq.heappop(self._queue)
            account, table, token = address
            for peer in self.groups.peers(account, table, version[1]):
                with self._lock:
                    held = self._versions.setdefault(address, {})
                    if peer in held and held[peer] > version:
                        continue  # the peer holds a later write: last writer wins
                    held[peer] = version
                self._write(Namespace(account, peer), table, token, image, keys)
                if self.on_replicated is not None:
                    latency = max(0.0, clock.now() - version[0])  # the mirror's arrival clock
                    self.on_replicated(account, table, version[1], peer, latency)

    def _write(self, namespace: Namespace, table: str, token: str, image: Any, keys: dict) -> None:
        self._expect(namespace, table, token, image)
        try:
            if image is None:
                answer = self.client.call(
                    namespace,
                    "DeleteItem",
                    {"TableName": table, "Key": keys, "ReturnValues": "ALL_OLD"},
                )
                changed = "Attributes" in answer
            else:
                answer = self.client.call(
                    namespace,
                    "PutItem",
                    {"TableName": table, "Item": image, "ReturnValues": "ALL_OLD"},
                )
                old = answer.get("Attributes")
                changed = old is None or _canonical(old) != _canonical(image)
        except DynamoDBLocalError as error:
            log.debug("replicator: write to %s in %s failed: %s", table, namespace.region, error)
            changed = False
        if not changed:  # no stream record will come for it
            self._unexpect(namespace, table, token, image)
        else:
            self.mirror.wake()

    def copy_items(self, source: Namespace, target: Namespace, table: str) -> None:
        """Fill a new replica with the source's items (each a replicated write)."""
        schema = self.client.call(source, "DescribeTable", {"TableName": table})["Table"]
        names = [element["AttributeName"] for element in schema["KeySchema"]]
        request: dict[str, Any] = {"TableName": table}
        while True:
            answer = self.client.call(source, "Scan", request)
            for item in answer.get("Items", []):
                keys = {name: item[name] for name in names}
                self._write(target, table, key_token(table, keys), item, keys)
            last = answer.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last


class GlobalTables:
    """ReplicaUpdates, the group in DescribeTable, group-wide settings, replication."""

    def __init__(
        self,
        client: Client,
        mirror: StreamMirror,
        tables: TableRegistry,
        delay: Callable[[], float],
        autoscaling_targets: Callable[[str, str], dict[str, Any]] | None = None,
    ):
        self.client = client
        self.tables = tables
        self.groups = ReplicationGroups()
        self.replicator = Replicator(client, mirror, self.groups, delay)
        self.autoscaling_targets = autoscaling_targets or _autoscaling_targets
        mirror.listeners.append(self.replicator.on_record)
        self.lock = threading.RLock()

    def reset(self) -> None:
        with self.lock:
            self.groups.clear()
            self.replicator.reset()

    # -- DescribeTable

    def describe(self, namespace: Namespace, description: dict[str, Any]) -> None:
        """Add Replicas and GlobalTableVersion to a member's TableDescription."""
        members = self.groups.regions(namespace.account, description["TableName"])
        if namespace.region not in members:
            return
        description["Replicas"] = replica_descriptions(members, namespace.region)
        description["GlobalTableVersion"] = GLOBAL_TABLE_VERSION

    # -- UpdateTable

    def check_update(self, namespace: Namespace, request: dict[str, Any]) -> None:
        """Refuse a stream change that would break replication, as AWS does."""
        stream = request.get("StreamSpecification")
        name = request.get("TableName", "")
        if stream is not None and self.groups.is_member(namespace.account, name, namespace.region):
            if (
                not stream.get("StreamEnabled", True)
                or stream.get("StreamViewType", STREAM_VIEW_TYPE) != STREAM_VIEW_TYPE
            ):
                raise ReplicaError(STREAM_REQUIRED)

    def propagate_update(self, namespace: Namespace, request: dict[str, Any]) -> None:
        """Carry group-wide settings (indexes, billing, throughput) to the other members."""
        update = {k: request[k] for k in GROUP_WIDE_UPDATES if k in request}
        if not update:
            return
        name = request["TableName"]
        for peer in self.groups.peers(namespace.account, name, namespace.region):
            try:
                self.client.call(
                    Namespace(namespace.account, peer), "UpdateTable", {"TableName": name, **update}
                )
            except DynamoDBLocalError as error:
                log.warning("global tables: update of %s in %s failed: %s", name, peer, error)

    def propagate_ttl(self, namespace: Namespace, name: str) -> None:
        """TTL is a setting of the whole global table: copy it to every member."""
        source = self.tables.get(namespace, name)
        for peer in self.groups.peers(namespace.account, name, namespace.region):
            extras = self.tables.get(Namespace(namespace.account, peer), name)
            extras.ttl_attribute = source.ttl_attribute
            extras.ttl_enabled = source.ttl_enabled

    def table_deleted(self, namespace: Namespace, name: str) -> None:
        with self.lock:
            self.groups.remove(namespace.account, name, namespace.region)

    def apply(self, namespace: Namespace, request: dict[str, Any]) -> None:
        """Carry out every ReplicaUpdates entry in order (raises ReplicaError)."""
        if any(name in request for name in OTHER_UPDATES):
            raise ReplicaError(ONLY_REPLICA_UPDATES)
        if request.get("MultiRegionConsistency", "EVENTUAL") != "EVENTUAL":
            raise ReplicaError(STRONG_UNSUPPORTED)
        name = request["TableName"]
        source = self._table(namespace, name)
        with self.lock:
            for update in request["ReplicaUpdates"]:
                if "Create" in update:
                    self._create(namespace, source, update["Create"])
                elif "Update" in update:
                    self._update(namespace, name, update["Update"])
                elif "Delete" in update:
                    self._delete(namespace, name, update["Delete"]["RegionName"])

    def _table(self, namespace: Namespace, name: str) -> dict[str, Any]:
        try:
            return self.client.call(namespace, "DescribeTable", {"TableName": name})["Table"]
        except DynamoDBLocalError as error:
            raise ReplicaError(
                f"Requested resource not found: Table: {name} not found", error.code
            ) from None

    def _exists(self, namespace: Namespace, name: str) -> bool:
        try:
            self.client.call(namespace, "DescribeTable", {"TableName": name})
        except DynamoDBLocalError:
            return False
        return True

    def _target(self, namespace: Namespace, region: str) -> Namespace:
        if region == namespace.region:
            raise ReplicaError(LOCAL_REGION)
        return Namespace(namespace.account, region)

    def _create(self, namespace: Namespace, source: dict[str, Any], request: dict) -> None:
        name = source["TableName"]
        target = self._target(namespace, request["RegionName"])
        if self.groups.is_member(namespace.account, name, target.region) or self._exists(
            target, name
        ):
            raise ReplicaError(already_exists(name))
        self._check_write_capacity(namespace, source)
        self._ensure_stream(namespace, source)
        self.client.call(target, "CreateTable", _replica_request(source))
        source_extras = self.tables.get(namespace, name)
        extras = self.tables.created(target, name)
        extras.ttl_attribute = source_extras.ttl_attribute
        extras.ttl_enabled = source_extras.ttl_enabled
        extras.table_class = request.get("TableClassOverride") or source_extras.table_class
        if source_extras.sse_kms_key_arn is not None:
            extras.sse_kms_key_arn = kms_key_arn(target, request.get("KMSMasterKeyId"))
        self.groups.add(
            namespace.account, name, namespace.region, target.region, _settings(request)
        )
        self.replicator.copy_items(namespace, target, name)

    def _update(self, namespace: Namespace, name: str, request: dict) -> None:
        target = self._target(namespace, request["RegionName"])
        if not self.groups.is_member(namespace.account, name, target.region):
            raise ReplicaError(NOT_FOUND)
        previous = self.groups.regions(namespace.account, name)[target.region]
        self.groups.update(
            namespace.account,
            name,
            target.region,
            ReplicaSettings(
                kms_master_key_id=request.get("KMSMasterKeyId", previous.kms_master_key_id),
                table_class_override=request.get(
                    "TableClassOverride", previous.table_class_override
                ),
            ),
        )

    def _delete(self, namespace: Namespace, name: str, region: str) -> None:
        target = self._target(namespace, region)
        if not self.groups.is_member(namespace.account, name, target.region):
            raise ReplicaError(NOT_FOUND)
        self.groups.remove(namespace.account, name, target.region)
        try:
            self.client.call(target, "DeleteTable", {"TableName": name})
        except DynamoDBLocalError:
            pass
        self.tables.deleted(target, name)

    def _ensure_stream(self, namespace: Namespace, source: dict[str, Any]) -> None:
        """Adding a replica turns the stream on (NEW_AND_OLD_IMAGES), as in AWS."""
        spec = source.get("StreamSpecification") or {}
        if spec.get("StreamEnabled"):
            if spec.get("StreamViewType") != STREAM_VIEW_TYPE:
                raise ReplicaError(STREAM_REQUIRED)
            return
        self.client.call(
            namespace,
            "UpdateTable",
            {
                "TableName": source["TableName"],
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
            },
        )

    def _check_write_capacity(self, namespace: Namespace, source: dict[str, Any]) -> None:
        mode = (source.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        if mode == "PAY_PER_REQUEST":
            return
        name = source["TableName"]
        targets = self.autoscaling_targets(namespace.account, namespace.region)
        if f"table/{name}" not in targets.get("dynamodb:table:WriteCapacityUnits", ()):
            raise ReplicaError(WRITE_CAPACITY)
        for index in source.get("GlobalSecondaryIndexes") or []:
            resource = f"table/{name}/index/{index['IndexName']}"
            if resource not in targets.get("dynamodb:index:WriteCapacityUnits", ()):
                raise ReplicaError(gsi_write_capacity(index["IndexName"]))


def _autoscaling_targets(account: str, region: str) -> dict[str, Any]:
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    return applicationautoscaling_backends[account][region].targets


def _settings(request: dict[str, Any]) -> ReplicaSettings:
    return ReplicaSettings(
        kms_master_key_id=request.get("KMSMasterKeyId"),
        table_class_override=request.get("TableClassOverride"),
    )


def _throughput(description: dict[str, Any] | None) -> dict[str, int]:
    description = description or {}
    return {
        "ReadCapacityUnits": max(1, int(description.get("ReadCapacityUnits") or 1)),
        "WriteCapacityUnits": max(1, int(description.get("WriteCapacityUnits") or 1)),
    }


def _replica_request(source: dict[str, Any]) -> dict[str, Any]:
    """A CreateTable request for a replica: same keys, indexes and billing; stream on."""
    provisioned = (source.get("BillingModeSummary") or {}).get(
        "BillingMode", "PROVISIONED"
    ) != "PAY_PER_REQUEST"
    request: dict[str, Any] = {
        "TableName": source["TableName"],
        "AttributeDefinitions": source["AttributeDefinitions"],
        "KeySchema": source["KeySchema"],
        "BillingMode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(source.get("ProvisionedThroughput"))
    gsis = []
    for index in source.get("GlobalSecondaryIndexes") or []:
        entry = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
        if provisioned:
            entry["ProvisionedThroughput"] = _throughput(index.get("ProvisionedThroughput"))
        gsis.append(entry)
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    lsis = [
        {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
        for index in source.get("LocalSecondaryIndexes") or []
    ]
    if lsis:
        request["LocalSecondaryIndexes"] = lsis
    return request
