"""What the emulator keeps about each table that DynamoDB Local does not.

DynamoDB Local (3.3.0) has no tags, no TableId, no TableClassSummary, no
continuous backups, fails UpdateTable with OnDemandThroughput, and expires
TTL items itself without a stream record. So these settings live here, keyed
by namespace and table name, and the proxy answers their APIs and adds them to
table descriptions:

- TableId: a UUID per table, as DescribeTable returns it
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html).
- Tags (TagResource / UntagResource / ListTagsOfResource, CreateTable Tags).
- TimeToLive: the attribute name and status. DynamoDB Local is never told, so
  its own expiry never deletes an item; the emulator's sweeper does.
- RestoreSummary of a restored table (pitr.py, restore.py); CREATING while it fills.
- TableClass and OnDemandThroughput as last set, for the table and for each global
  secondary index (DynamoDB Local refuses an index's OnDemandThroughput in CreateTable:
  "Global Secondary Index's read and write throughput must be at least 1").
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from harness.emulator.data_plane.client import Namespace


@dataclass
class TableExtras:
    table_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tags: dict[str, str] = field(default_factory=dict)
    ttl_attribute: str | None = None
    ttl_enabled: bool = False
    restore_summary: dict[str, Any] | None = None  # a restored table's RestoreSummary
    table_class: str | None = None
    on_demand_throughput: dict[str, Any] | None = None
    # OnDemandThroughput of each global secondary index that has one, by index name.
    index_on_demand_throughput: dict[str, dict[str, Any]] = field(default_factory=dict)
    sse_kms_key_arn: str | None = None  # set when server-side encryption with KMS is on

    def ttl_description(self) -> dict[str, Any]:
        """DescribeTimeToLive's TimeToLiveDescription."""
        if self.ttl_attribute is None:
            return {"TimeToLiveStatus": "DISABLED"}
        status = "ENABLED" if self.ttl_enabled else "DISABLED"
        return {"TimeToLiveStatus": status, "AttributeName": self.ttl_attribute}

    def decorate(self, description: dict[str, Any]) -> None:
        """Add what DynamoDB Local leaves out of a TableDescription."""
        description["TableId"] = self.table_id
        if self.restore_summary is not None:
            description["RestoreSummary"] = dict(self.restore_summary)
            if self.restore_summary["RestoreInProgress"]:
                description["TableStatus"] = "CREATING"
        for index in description.get("GlobalSecondaryIndexes") or []:
            # AWS reports 0/0 for an on-demand table's index (the Terraform provider reads
            # an index's name only when this field is there).
            index.setdefault(
                "ProvisionedThroughput",
                {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
            )
            held = self.index_on_demand_throughput.get(index.get("IndexName"))
            if held is not None:
                index["OnDemandThroughput"] = dict(held)
        if self.sse_kms_key_arn is not None:
            description["SSEDescription"] = {
                "Status": "ENABLED",
                "SSEType": "KMS",
                "KMSMasterKeyArn": self.sse_kms_key_arn,
            }
        if self.table_class is not None:
            description["TableClassSummary"] = {"TableClass": self.table_class}
        if self.on_demand_throughput is not None:
            description["OnDemandThroughput"] = dict(self.on_demand_throughput)


def kms_key_arn(namespace: Namespace, key_id: str | None) -> str:
    """The ARN of `key_id`, or of the region's AWS managed key alias/aws/dynamodb, which
    AWS creates the first time a table is encrypted with it (moto's KMS holds the keys)."""
    from moto.kms import kms_backends

    kms = kms_backends[namespace.account][namespace.region]
    if key_id:
        try:
            return kms.describe_key(key_id).arn
        except Exception:
            return key_id
    alias = "alias/aws/dynamodb"
    if not kms.alias_exists(alias):
        key = kms.create_key(
            policy="",
            key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT",
            description="Default master key that protects my DynamoDB table storage",
            tags=None,
        )
        kms.create_alias(key.id, alias)
    return kms.describe_key(alias).arn


class TableRegistry:
    """TableExtras by (namespace, table name); thread-safe."""

    def __init__(self) -> None:
        self._tables: dict[tuple[Namespace, str], TableExtras] = {}
        self._lock = threading.Lock()

    def get(self, namespace: Namespace, name: str) -> TableExtras:
        """The table's extras, created on first use (a table made before we saw it)."""
        with self._lock:
            return self._tables.setdefault((namespace, name), TableExtras())

    def created(self, namespace: Namespace, name: str) -> TableExtras:
        with self._lock:
            extras = self._tables[(namespace, name)] = TableExtras()
            return extras

    def deleted(self, namespace: Namespace, name: str) -> None:
        with self._lock:
            self._tables.pop((namespace, name), None)

    def items(self) -> list[tuple[Namespace, str, TableExtras]]:
        with self._lock:
            return [(ns, name, extras) for (ns, name), extras in self._tables.items()]

    def namespaces(self) -> set[Namespace]:
        with self._lock:
            return {ns for ns, _ in self._tables}

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()
