"""UpdateTable ReplicaUpdates: create, update and delete replicas in other regions.

A replica is a real moto table of the same name in the other region's backend,
so ListTables, DescribeTable, PITR, TTL, tags and streams work there natively.
Changes take effect at once and are reported ACTIVE at once: the Terraform
provider's waiters poll slowly (10 to 15 s), so any pending state would turn a
few-second apply into half a minute.

Error texts are AWS's own where Terraform matches on them: destroy ignores
exactly "Replica specified in the Replica Update or Replica Delete action of
the request was not found", and create retries as an Update on "already exist".
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException

from harness.emulator.global_tables.groups import (
    ReplicaSettings,
    ReplicationGroups,
    replica_descriptions,
)
from harness.emulator.global_tables.replication import Replicator

GLOBAL_TABLE_VERSION = "2019.11.21"
STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"

NOT_FOUND = (
    "Replica specified in the Replica Update or Replica Delete action of the request was not found."
)
LOCAL_REGION = "Cannot add or delete the local region through ReplicaUpdates"
ONLY_REPLICA_UPDATES = (
    "One or more parameter values were invalid: ReplicaUpdates cannot be combined with "
    "other table updates in the same UpdateTable request"
)
STREAM_REQUIRED = (
    "One or more parameter values were invalid: the stream of a table with replicas "
    "must stay enabled with StreamViewType NEW_AND_OLD_IMAGES"
)
STRONG_UNSUPPORTED = (
    "MultiRegionConsistency STRONG is not supported by this emulator; use EVENTUAL (the default)"
)
WRITE_CAPACITY = "Table write capacity should either be Pay-Per-Request or AutoScaled."

# UpdateTable parameters that may not travel with ReplicaUpdates.
OTHER_UPDATES = (
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexUpdates",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
)


def already_exists(table: str) -> str:
    return (
        f"Failed to create a the new replica of table with name: '{table}' because one or "
        "more replicas already existed as tables."
    )


def gsi_write_capacity(index: str) -> str:
    return f"GSI {index} write capacity should either be Pay-Per-Request or AutoScaled."


class ReplicaManager:
    """Applies ReplicaUpdates against moto's per-region backends."""

    def __init__(
        self, groups: ReplicationGroups, replicator: Replicator, backends, autoscaling_targets
    ):
        self.groups = groups
        self.replicator = replicator
        self.backends = backends  # (account, region) -> DynamoDBBackend
        self.autoscaling_targets = autoscaling_targets  # (account, region) -> {dimension: ids}

    def check_update(self, account: str, region: str, body: dict[str, Any]) -> None:
        """Reject UpdateTable calls that AWS refuses for global tables."""
        table = self.backends(account, region).get_table(body["TableName"])
        stream = body.get("StreamSpecification")
        if stream is not None and self.groups.is_member(account, table.name, region):
            if (
                not stream.get("StreamEnabled", True)
                or stream.get("StreamViewType", STREAM_VIEW_TYPE) != STREAM_VIEW_TYPE
            ):
                raise MockValidationException(STREAM_REQUIRED)

    def apply(self, account: str, region: str, body: dict[str, Any]) -> Any:
        """Carry out every ReplicaUpdates entry in order; returns the updated table."""
        if any(name in body for name in OTHER_UPDATES):
            raise MockValidationException(ONLY_REPLICA_UPDATES)
        if body.get("MultiRegionConsistency", "EVENTUAL") != "EVENTUAL":
            raise MockValidationException(STRONG_UNSUPPORTED)
        backend = self.backends(account, region)
        table = backend.get_table(body["TableName"])
        with self.replicator.lock:
            for update in body["ReplicaUpdates"]:
                if "Create" in update:
                    self._create(account, region, table, update["Create"])
                elif "Update" in update:
                    self._update(account, region, table, update["Update"])
                elif "Delete" in update:
                    self._delete(account, region, table, update["Delete"]["RegionName"])
        return table

    def _target_region(self, account: str, region: str, target: str) -> str:
        if target == region:
            raise MockValidationException(LOCAL_REGION)
        if target not in self.backends.regions(account):
            raise MockValidationException(
                f"One or more parameter values were invalid: unknown region {target!r}"
            )
        return target

    def _create(self, account: str, region: str, table: Any, request: dict[str, Any]) -> None:
        target = self._target_region(account, region, request["RegionName"])
        target_backend = self.backends(account, target)
        member = self.groups.is_member(account, table.name, target)
        if member or table.name in target_backend.tables:
            raise MockValidationException(already_exists(table.name))
        self._check_write_capacity(account, region, table)
        self._ensure_stream(table)
        replica = target_backend.create_table(
            table.name,
            schema=table.schema,
            throughput=_copy_throughput(table.throughput)
            if table.billing_mode != "PAY_PER_REQUEST"
            else None,
            attr=[dict(a) for a in table.attr],
            global_indexes=[_gsi_request(index) for index in table.global_indexes],
            indexes=[index.describe() for index in table.indexes],
            streams={"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
            billing_mode=table.billing_mode,
            sse_specification=_replica_sse(table, request.get("KMSMasterKeyId")),
            tags=[],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        replica.ttl = dict(table.ttl)
        with self.replicator.applying_replica():
            for item in table.all_items():
                replica.put_item(item.to_json()["Attributes"])
        self.replicator.copy_versions(account, table.name, region, target)
        self.groups.add(account, table.name, region, target, _settings(request))

    def _update(self, account: str, region: str, table: Any, request: dict[str, Any]) -> None:
        target = self._target_region(account, region, request["RegionName"])
        if not self.groups.is_member(account, table.name, target):
            raise MockValidationException(NOT_FOUND)
        previous = self.groups.regions(account, table.name)[target]
        self.groups.update(
            account,
            table.name,
            target,
            ReplicaSettings(
                kms_master_key_id=request.get("KMSMasterKeyId", previous.kms_master_key_id),
                table_class_override=request.get(
                    "TableClassOverride", previous.table_class_override
                ),
            ),
        )

    def _delete(self, account: str, region: str, table: Any, target: str) -> None:
        target = self._target_region(account, region, target)
        if not self.groups.is_member(account, table.name, target):
            raise MockValidationException(NOT_FOUND)
        self.groups.remove(account, table.name, target)
        self.backends(account, target).tables.pop(table.name, None)
        self.replicator.forget_table(account, target, table.name)

    def propagate_table_update(self, account: str, region: str, body: dict[str, Any]) -> None:
        """Carry group-wide settings (indexes, billing, throughput) to the other replicas.

        In AWS these are settings of the global table, not of one replica; tags,
        PITR and deletion protection stay per region.
        """
        table = self.backends(account, region).get_table(body["TableName"])
        for peer in self.groups.peers(account, table.name, region):
            self.backends(account, peer).update_table(
                name=table.name,
                attr_definitions=body.get("AttributeDefinitions"),
                global_index=body.get("GlobalSecondaryIndexUpdates"),
                throughput=body.get("ProvisionedThroughput"),
                billing_mode=body.get("BillingMode"),
                stream_spec=None,
                deletion_protection_enabled=None,
                warm_throughput=None,
            )

    def propagate_ttl(self, account: str, region: str, table_name: str) -> None:
        """TTL is a setting of the whole global table: copy it to every replica."""
        table = self.backends(account, region).get_table(table_name)
        for peer in self.groups.peers(account, table.name, region):
            self.backends(account, peer).get_table(table.name).ttl = dict(table.ttl)

    def table_deleted(self, account: str, region: str, table: str) -> None:
        """DeleteTable in one region removes that region's replica from the group."""
        with self.replicator.lock:
            self.groups.remove(account, table, region)
            self.replicator.forget_table(account, region, table)

    def describe_replicas(self, table: Any) -> dict[str, Any]:
        """The Replicas and GlobalTableVersion fields for `table`'s DescribeTable."""
        members = self.groups.regions(table.account_id, table.name)
        if table.region_name not in members:
            return {}
        replicas = replica_descriptions(members, table.region_name)
        return {"Replicas": replicas, "GlobalTableVersion": GLOBAL_TABLE_VERSION}

    def _ensure_stream(self, table: Any) -> None:
        """Adding a replica turns the stream on (NEW_AND_OLD_IMAGES), as in AWS."""
        spec = table.stream_specification or {}
        if spec.get("StreamEnabled"):
            if spec.get("StreamViewType") != STREAM_VIEW_TYPE:
                raise MockValidationException(STREAM_REQUIRED)
            return
        table.set_stream_specification({"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE})

    def _check_write_capacity(self, account: str, region: str, table: Any) -> None:
        if table.billing_mode == "PAY_PER_REQUEST":
            return
        targets = self.autoscaling_targets(account, region)
        if f"table/{table.name}" not in targets.get("dynamodb:table:WriteCapacityUnits", ()):
            raise MockValidationException(WRITE_CAPACITY)
        for index in table.global_indexes:
            resource = f"table/{table.name}/index/{index.name}"
            if resource not in targets.get("dynamodb:index:WriteCapacityUnits", ()):
                raise MockValidationException(gsi_write_capacity(index.name))


def _settings(request: dict[str, Any]) -> ReplicaSettings:
    return ReplicaSettings(
        kms_master_key_id=request.get("KMSMasterKeyId"),
        table_class_override=request.get("TableClassOverride"),
    )


def _copy_throughput(throughput: dict[str, Any]) -> dict[str, Any]:
    return {
        "ReadCapacityUnits": throughput["ReadCapacityUnits"],
        "WriteCapacityUnits": throughput["WriteCapacityUnits"],
    }


def _gsi_request(index: Any) -> dict[str, Any]:
    request = {"IndexName": index.name, "KeySchema": index.schema, "Projection": index.projection}
    if index.throughput and index.throughput.get("WriteCapacityUnits"):
        request["ProvisionedThroughput"] = _copy_throughput(index.throughput)
    return request


def _replica_sse(table: Any, kms_key: str | None) -> dict[str, Any] | None:
    """SSE for the replica: a given key, else the replica region's own default key."""
    if not (table.sse_specification and table.sse_specification.get("Enabled")):
        return None
    spec = {"Enabled": True, "SSEType": table.sse_specification.get("SSEType", "KMS")}
    if kms_key:
        spec["KMSMasterKeyId"] = kms_key
    return spec
