"""Global tables (version 2019.11.21) for moto: replicas and item replication.

moto 5.2.5 ignores UpdateTable's ReplicaUpdates and never lists Replicas, so a
Terraform `replica {}` block waits forever. This extension patches moto in
process: ReplicaUpdates create, update and delete real tables in other regions
(replicas.py), DescribeTable lists the group in every region, and committed
item writes replicate both ways, asynchronously, last writer wins
(replication.py). The registry of groups lives in groups.py.

HOOKS names every moto attribute patched here; tests/emulator/test_global_tables.py
checks each still exists with the signature we wrap, so a moto upgrade that
moves one fails loudly instead of silently disabling replication.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from harness.emulator.global_tables.groups import ReplicationGroups
from harness.emulator.global_tables.replicas import ReplicaManager
from harness.emulator.global_tables.replication import Replicator, key_of

# (owner, attribute, parameter names after self) for every patched moto attribute.
HOOKS: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (DynamoHandler, "update_table", ()),
    (Table, "describe", ("base_key",)),
    (
        Table,
        "put_item",
        (
            "item_attrs",
            "expected",
            "condition_expression",
            "expression_attribute_names",
            "expression_attribute_values",
            "overwrite",
            "return_values_on_condition_check_failure",
        ),
    ),
    (Table, "delete_item", ("hash_key", "range_key")),
    (DynamoDBBackend, "delete_table", ("name",)),
    (DynamoDBBackend, "update_time_to_live", ("table_name", "ttl_spec")),
    (
        DynamoDBBackend,
        "update_table",
        (
            "name",
            "attr_definitions",
            "global_index",
            "throughput",
            "billing_mode",
            "stream_spec",
            "deletion_protection_enabled",
            "warm_throughput",
        ),
    ),
    (
        DynamoDBBackend,
        "put_item",
        (
            "table_name",
            "item_attrs",
            "expected",
            "condition_expression",
            "expression_attribute_names",
            "expression_attribute_values",
            "overwrite",
            "return_values_on_condition_check_failure",
        ),
    ),
    (
        DynamoDBBackend,
        "update_item",
        (
            "table_name",
            "key",
            "update_expression",
            "expression_attribute_names",
            "expression_attribute_values",
            "attribute_updates",
            "expected",
            "condition_expression",
            "return_values_on_condition_check_failure",
        ),
    ),
    (
        DynamoDBBackend,
        "delete_item",
        (
            "table_name",
            "key",
            "expression_attribute_names",
            "expression_attribute_values",
            "condition_expression",
            "return_values_on_condition_check_failure",
        ),
    ),
    (DynamoDBBackend, "transact_write_items", ("transact_items",)),
    (DynamoDBBackend, "execute_statement", ("statement", "parameters")),
)

_PATCHED_FLAG = "_global_tables_patched"


class _Backends:
    """moto's DynamoDB backends by (account, region), looked up on every use.

    Never keep a Table: a failed transaction and a reset both replace them.
    """

    def __call__(self, account: str, region: str) -> DynamoDBBackend:
        return dynamodb_backends[account][region]

    def regions(self, account: str) -> list[str]:
        return dynamodb_backends[account].regions


def _autoscaling_targets(account: str, region: str) -> dict[str, Any]:
    # Imported here: moto's Application Auto Scaling pulls in ECS and EC2 (~1 s of CPU at
    # every emulator start), and only a provisioned table's replica asks for it.
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    return applicationautoscaling_backends[account][region].targets


class GlobalTables:
    """The extension's state: groups, the replicator and the replica manager."""

    def __init__(self, delay_seconds) -> None:
        self.groups = ReplicationGroups()
        backends = _Backends()
        self.replicator = Replicator(self.groups, delay_seconds, backends)
        self.replicas = ReplicaManager(self.groups, self.replicator, backends, _autoscaling_targets)

    def reset(self) -> None:
        with self.replicator.lock:
            self.groups.clear()
            self.replicator.reset()


_current: GlobalTables | None = None


def install(emulator) -> None:
    """Patch moto and register the replication worker and the reset hook."""
    global _current
    state = GlobalTables(lambda: emulator.settings.replication_delay_seconds)
    _current = state
    _patch(lambda: _current)
    emulator.add_worker(state.replicator.start, state.replicator.stop)
    emulator.on_reset(state.reset)


def _patch(current) -> None:
    """Wrap moto's methods once per process; wrappers use the current GlobalTables."""
    if getattr(DynamoHandler, _PATCHED_FLAG, False):
        return
    setattr(DynamoHandler, _PATCHED_FLAG, True)

    original_update_table = DynamoHandler.update_table

    @functools.wraps(original_update_table)
    def update_table(self):
        state = current()
        body = self.body
        if not body.get("ReplicaUpdates"):
            state.replicas.check_update(self.current_account, self.region, body)
            with state.replicator.lock:
                result = original_update_table(self)
                state.replicas.propagate_table_update(self.current_account, self.region, body)
            return result
        table = state.replicas.apply(self.current_account, self.region, body)
        return DynamoResult(table.describe())

    DynamoHandler.update_table = update_table

    original_describe = Table.describe

    @functools.wraps(original_describe)
    def describe(self, base_key: str = "TableDescription"):
        result = original_describe(self, base_key=base_key)
        result[base_key].update(current().replicas.describe_replicas(self))
        return result

    Table.describe = describe

    original_delete_table = DynamoDBBackend.delete_table

    @functools.wraps(original_delete_table)
    def delete_table(self, name: str):
        table = original_delete_table(self, name)
        current().replicas.table_deleted(self.account_id, self.region_name, table.name)
        return table

    DynamoDBBackend.delete_table = delete_table

    original_update_ttl = DynamoDBBackend.update_time_to_live

    @functools.wraps(original_update_ttl)
    def update_time_to_live(self, table_name: str, ttl_spec):
        result = original_update_ttl(self, table_name, ttl_spec)
        current().replicas.propagate_ttl(self.account_id, self.region_name, table_name)
        return result

    DynamoDBBackend.update_time_to_live = update_time_to_live

    def user_write(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            with current().replicator.user_write():
                return method(*args, **kwargs)

        return wrapper

    for name in ("put_item", "delete_item", "transact_write_items", "execute_statement"):
        setattr(DynamoDBBackend, name, user_write(getattr(DynamoDBBackend, name)))

    original_update_item = DynamoDBBackend.update_item

    @functools.wraps(original_update_item)
    def update_item(self, table_name, key, *args, **kwargs):
        replicator = current().replicator
        with replicator.user_write():
            item = original_update_item(self, table_name, key, *args, **kwargs)
            # An update of an existing item changes it in place, without Table.put_item.
            table = self.get_table(table_name)
            if isinstance(key, dict) and table.hash_key_attr in key:
                replicator.touched(table, key_of(table, key))
        return item

    DynamoDBBackend.update_item = update_item

    original_table_put = Table.put_item

    @functools.wraps(original_table_put)
    def table_put_item(self, item_attrs, *args, **kwargs):
        replicator = current().replicator
        with replicator.user_write():
            item = original_table_put(self, item_attrs, *args, **kwargs)
            replicator.touched(self, key_of(self, item_attrs))
        return item

    Table.put_item = table_put_item

    original_table_delete = Table.delete_item

    @functools.wraps(original_table_delete)
    def table_delete_item(self, hash_key: DynamoType, range_key: DynamoType | None):
        replicator = current().replicator
        with replicator.user_write():
            item = original_table_delete(self, hash_key, range_key)
            if item is not None:
                key = {self.hash_key_attr: hash_key.to_json()}
                if self.range_key_attr is not None and range_key is not None:
                    key[self.range_key_attr] = range_key.to_json()
                replicator.touched(self, key)
        return item

    Table.delete_item = table_delete_item
