"""Which regions hold a replica of which table: the replication-group registry.

A global table (version 2019.11.21) is a set of same-named tables, one per
region, in one account. moto knows only the single-region tables; this registry
is what makes them one group. It is keyed by (account, table name) and keeps,
per region, the few settings a replica was created with that DescribeTable
reports back (a KMS key, a table-class override).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class ReplicaSettings:
    """What a ReplicaUpdates Create asked for in one region, echoed by DescribeTable."""

    kms_master_key_id: str | None = None
    table_class_override: str | None = None


class ReplicationGroups:
    """Thread-safe map of (account, table) -> {region: ReplicaSettings}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[tuple[str, str], dict[str, ReplicaSettings]] = {}

    def regions(self, account: str, table: str) -> dict[str, ReplicaSettings]:
        """A copy of the group's members; empty when the table is not global."""
        with self._lock:
            return dict(self._groups.get((account, table), {}))

    def is_member(self, account: str, table: str, region: str) -> bool:
        with self._lock:
            return region in self._groups.get((account, table), {})

    def peers(self, account: str, table: str, region: str) -> list[str]:
        """The other regions of `region`'s group, or [] if `region` is not in one."""
        with self._lock:
            members = self._groups.get((account, table), {})
            if region not in members:
                return []
            return sorted(other for other in members if other != region)

    def add(
        self, account: str, table: str, source_region: str, region: str, settings: ReplicaSettings
    ) -> None:
        """Join `region` to the group of `source_region`, founding it if needed."""
        with self._lock:
            members = self._groups.setdefault((account, table), {})
            members.setdefault(source_region, ReplicaSettings())
            members[region] = settings

    def update(self, account: str, table: str, region: str, settings: ReplicaSettings) -> None:
        with self._lock:
            self._groups[(account, table)][region] = settings

    def remove(self, account: str, table: str, region: str) -> None:
        """Drop `region`; a group left with one region is an ordinary table again."""
        with self._lock:
            members = self._groups.get((account, table))
            if members is None:
                return
            members.pop(region, None)
            if len(members) <= 1:
                del self._groups[(account, table)]

    def any(self) -> bool:
        """True when at least one global table exists (a fast path for every write)."""
        return bool(self._groups)

    def clear(self) -> None:
        with self._lock:
            self._groups.clear()


def replica_descriptions(members: dict[str, ReplicaSettings], own_region: str) -> list[dict]:
    """DescribeTable's `Replicas` as one member in `own_region` lists the others (sorted).

    Each entry: RegionName, ReplicaStatus ACTIVE, and KMSMasterKeyId /
    ReplicaTableClassSummary where the replica overrides them (API_ReplicaDescription).
    Shared by the moto and DynamoDB Local data planes.
    """
    replicas = []
    for region in sorted(members):
        if region == own_region:
            continue
        entry: dict = {"RegionName": region, "ReplicaStatus": "ACTIVE"}
        settings = members[region]
        if settings.kms_master_key_id:
            entry["KMSMasterKeyId"] = settings.kms_master_key_id
        if settings.table_class_override:
            entry["ReplicaTableClassSummary"] = {"TableClass": settings.table_class_override}
        replicas.append(entry)
    return replicas
