"""The DynamoDB data plane served by AWS's DynamoDB Local, with our extensions on top.

The emulator's default data plane (EMULATOR_DATA_PLANE=dynamodb-local, or unset;
EMULATOR_DATA_PLANE=moto selects moto's DynamoDB instead). Installing it
launches DynamoDB Local (dynamodb_local.py), puts the proxy (proxy.py) in front
of moto so DynamoDB and DynamoDB Streams calls reach DynamoDB Local, tails its
streams (mirror.py) for the stream-mapping poller, and runs the TTL sweeper
(ttl_expiry.py). Point-in-time recovery (pitr.py) keeps item history and
answers the continuous-backups and restore APIs; it hooks in through
`DataPlaneProxy.point_in_time`, the proxy's `handlers` and `Client.observers`;
on-demand backups (backups.py) answer through the proxy's `handlers` too.

Three hooks into the stream-mapping extension (checked by
tests/emulator/test_data_plane.py): the poller finds a stream's records through
`stream_mappings._find_shard`, a LATEST mapping's first position comes from
`stream_mappings._latest_position`, and moto's CreateEventSourceMapping, which only
knows moto's own streams, is reached through `stream_mappings._original_create`;
all are pointed at DynamoDB Local's streams here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from harness import STATE_ROOT
from harness.emulator import clock, dynamodb_local
from harness.emulator.data_plane import ttl_expiry
from harness.emulator.data_plane.backups import Backups
from harness.emulator.data_plane.client import Client, DynamoDBLocalError, namespace_of_arn
from harness.emulator.data_plane.global_tables import GlobalTables
from harness.emulator.data_plane.mirror import StreamMirror
from harness.emulator.data_plane.pitr import PointInTimeRecovery
from harness.emulator.data_plane.proxy import DataPlaneProxy
from harness.emulator.data_plane.tables import TableRegistry

chosen = dynamodb_local.chosen_data_plane


class DataPlane:
    """DynamoDB Local, the proxy in front of moto, the stream mirror and the TTL sweeper."""

    def __init__(self, emulator: Any, log_dir: Path):
        from harness.emulator.process import free_port

        self.emulator = emulator
        early = dynamodb_local.take_early()
        self.process = early or dynamodb_local.DynamoDBLocal(
            free_port(),
            log_dir / f"dynamodb-local-{emulator.port}.log",
            heap=os.environ.get("EMULATOR_DYNAMODB_LOCAL_HEAP", dynamodb_local.DEFAULT_HEAP),
        )
        self.process.on_death = emulator.fail
        self.started_early = early is not None
        self.client = Client("127.0.0.1", self.process.port)
        self.tables = TableRegistry()
        self.mirror = StreamMirror(self.client, lambda: self.proxy.namespaces())
        self.proxy: DataPlaneProxy | None = None
        self.point_in_time = PointInTimeRecovery(self.client, self.tables)
        self.client.observers.append(self.point_in_time.observe_call)
        self.backups = Backups(
            self.client,
            self.tables,
            self.point_in_time.restorer,
            self.point_in_time.scan,
            self.point_in_time.clock,
        )
        self.global_tables = GlobalTables(
            self.client,
            self.mirror,
            self.tables,
            lambda: emulator.settings.replication_delay_seconds,
        )

    def middleware(self, app):
        self.proxy = DataPlaneProxy(app, self.client, self.tables, self.mirror, self.process.ready)
        self.proxy.global_tables = self.global_tables
        # The CloudWatch extension's AWS/DynamoDB metrics, when it is installed.
        metrics = self.emulator.shared.get("dynamodb_metrics")
        self.proxy.observer = metrics
        self.global_tables.replicator.on_replicated = getattr(metrics, "replicated", None)
        self.proxy.point_in_time = self.point_in_time
        self.proxy.handlers.update(self.point_in_time.handlers)
        self.proxy.handlers.update(self.backups.handlers)
        return self.proxy

    def sweep_ttl(self) -> int:
        return ttl_expiry.sweep_all(self.client, self.mirror, self.tables, self.global_tables)

    def reset(self) -> None:
        """Forget every table in every namespace (POST /moto-api/reset)."""
        namespaces = (self.proxy.namespaces() if self.proxy else set()) | set(
            self.client.namespaces_used
        )
        for namespace in namespaces:
            for name in self._table_names(namespace):
                try:
                    # A protected table refuses DeleteTable: a reset drops it all the same.
                    self.client.call(
                        namespace,
                        "UpdateTable",
                        {"TableName": name, "DeletionProtectionEnabled": False},
                    )
                except DynamoDBLocalError:
                    pass  # not protected: DynamoDB Local answers "Nothing to update"
                try:
                    self.client.call(namespace, "DeleteTable", {"TableName": name})
                except DynamoDBLocalError:
                    pass
        if self.proxy is not None:
            self.proxy.throttle.reset()
        self.tables.clear()
        self.point_in_time.reset()
        self.backups.reset()
        self.mirror.reset(namespaces)
        self.global_tables.reset()
        if self.proxy is not None:
            self.proxy.throttle.reset()  # the reset clock would otherwise drain old buckets

    def _table_names(self, namespace) -> list[str]:
        """Every table in `namespace`, following ListTables' pages (100 names each)."""
        names: list[str] = []
        request: dict[str, Any] = {}
        while True:
            page = self.client.call(namespace, "ListTables", request)
            names += page.get("TableNames", [])
            if not page.get("LastEvaluatedTableName"):
                return names
            request = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}

    def status(self) -> dict[str, str]:
        return {
            "data_plane": "dynamodb-local",
            **{f"dynamodb_local_{k}": v for k, v in self.process.describe().items()},
        }

    def create_stream_mapping(self, original):
        """moto's CreateEventSourceMapping, also for streams that live in DynamoDB Local."""
        client = self.client

        def create(backend, spec: dict[str, Any]):
            arn = spec.get("EventSourceArn") or ""
            namespace = namespace_of_arn(arn)
            if namespace is None or "/stream/" not in arn:
                return original(backend, spec)
            from moto.awslambda.exceptions import InvalidParameterValueException
            from moto.awslambda.models import EventSourceMapping
            from moto.core.exceptions import JsonRESTError as RESTError

            for param in ("EventSourceArn", "FunctionName"):
                if not spec.get(param):
                    raise InvalidParameterValueException(f"Missing {param}")
            function = backend._lambdas.get_function_by_name_or_arn_with_qualifier(
                spec["FunctionName"]
            )
            try:
                client.call(namespace, "Streams.DescribeStream", {"StreamArn": arn, "Limit": 1})
            except DynamoDBLocalError:
                raise RESTError("ResourceNotFoundException", "Invalid EventSourceArn") from None
            spec = {
                **spec,
                "RegionName": backend.region_name,
                "AccountId": backend.account_id,
                "FunctionArn": function.function_arn,
            }
            esm = EventSourceMapping(spec)
            backend._event_source_mappings[esm.uuid] = esm
            return esm

        return create


def install(emulator: Any) -> None:
    """Start DynamoDB Local and route DynamoDB and Streams to it (see the module docstring)."""
    from harness.emulator import stream_mappings, ttl_sweeper

    log_dir = Path(os.environ.get("EMULATOR_LOG_DIR", STATE_ROOT / "emulator"))
    plane = DataPlane(emulator, log_dir)
    if not plane.started_early:
        plane.process.start(progress=lambda line: print(line, flush=True))
    emulator.add_middleware(plane.middleware)
    emulator.before_serving(plane.process.wait_ready)
    emulator.add_status(plane.status)
    emulator.add_worker(plane.mirror.worker.start, plane.mirror.worker.stop)
    # Records written before the clock jumps carry the time before it (AWS: the write's time).
    clock.emulator_clock.before_change.append(plane.mirror.catch_up_all)
    replicator = plane.global_tables.replicator
    emulator.add_worker(replicator.worker.start, replicator.worker.stop)
    sweeper = ttl_sweeper.TtlSweeper(
        lambda: emulator.settings.ttl_sweep_interval_seconds, plane.sweep_ttl
    )
    emulator.add_worker(sweeper.start, sweeper.stop)
    emulator.add_worker(lambda: None, plane.process.stop, drained_by_reset=False)
    emulator.on_reset(plane.reset)
    # What the moto data plane installs as separate extensions, this one provides itself.
    emulator.installed.extend(["global_tables", "ttl_sweeper"])
    stream_mappings._find_shard = plane.mirror.find_shard
    stream_mappings._latest_position = plane.mirror.latest_position
    stream_mappings._original_create = plane.create_stream_mapping(stream_mappings._original_create)
