"""On-demand backups on the DynamoDB Local data plane, which has none.

CreateBackup keeps the table's items, description and encryption as they are
when it is asked; RestoreTableFromBackup creates a new table from them through
the same Restorer as point-in-time restores (restore.py), so the same things
are restored and left out. Backups outlive their table, as on AWS. AWS pages:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateBackup.html,
API_DescribeBackup.html, API_ListBackups.html, API_RestoreTableFromBackup.html,
API_DeleteBackup.html, API_BackupDetails.html.

A backup is taken at once (AWS: "Backup requests are processed instantaneously
and become available for restore within minutes"): CreateBackup answers
BackupStatus CREATING, as AWS does, and every later call sees AVAILABLE.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.emulator.data_plane.client import (
    Client,
    DynamoDBLocalError,
    Namespace,
    namespace_of_arn,
)
from harness.emulator.data_plane.pitr import table_name_of
from harness.emulator.data_plane.proxy import ApiError
from harness.emulator.data_plane.restore import Restorer
from harness.emulator.data_plane.tables import TableRegistry

BACKUP_TYPES = ("USER", "SYSTEM", "AWS_BACKUP", "ALL")


@dataclass
class Backup:
    arn: str
    name: str
    namespace: Namespace
    created: float
    table: dict[str, Any]  # the TableDescription when the backup was taken
    kms_key_arn: str | None
    ttl: dict[str, Any]
    items: list[dict[str, Any]]
    size: int

    def details(self, status: str = "AVAILABLE") -> dict[str, Any]:
        return {
            "BackupArn": self.arn,
            "BackupName": self.name,
            "BackupSizeBytes": self.size,
            "BackupStatus": status,
            "BackupType": "USER",
            "BackupCreationDateTime": self.created,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "TableName": self.table["TableName"],
            "TableId": self.table.get("TableId"),
            "TableArn": self.table["TableArn"],
            **self.details(),
        }

    def description(self, status: str = "AVAILABLE") -> dict[str, Any]:
        table = self.table
        source = {
            "TableName": table["TableName"],
            "TableId": table.get("TableId"),
            "TableArn": table["TableArn"],
            "TableSizeBytes": self.size,
            "KeySchema": table["KeySchema"],
            "TableCreationDateTime": table.get("CreationDateTime"),
            "ProvisionedThroughput": {
                k: table.get("ProvisionedThroughput", {}).get(k, 0)
                for k in ("ReadCapacityUnits", "WriteCapacityUnits")
            },
            "ItemCount": len(self.items),
            "BillingMode": (table.get("BillingModeSummary") or {}).get(
                "BillingMode", "PROVISIONED"
            ),
        }
        features: dict[str, Any] = {"TimeToLiveDescription": self.ttl}
        for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            if table.get(key):
                features[key] = [
                    {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
                    for index in table[key]
                ]
        if table.get("StreamSpecification"):
            features["StreamDescription"] = table["StreamSpecification"]
        if self.kms_key_arn:
            features["SSEDescription"] = {
                "Status": "ENABLED",
                "SSEType": "KMS",
                "KMSMasterKeyArn": self.kms_key_arn,
            }
        return {
            "BackupDetails": self.details(status),
            "SourceTableDetails": source,
            "SourceTableFeatureDetails": features,
        }


class Backups:
    """CreateBackup, DescribeBackup, ListBackups, RestoreTableFromBackup, DeleteBackup."""

    def __init__(
        self,
        client: Client,
        tables: TableRegistry,
        restorer: Restorer,
        scan: Callable[[Namespace, str], list[dict[str, Any]]],
        clock: Callable[[], float],
    ):
        self.client = client
        self.tables = tables
        self.restorer = restorer
        self.scan = scan
        self.clock = clock
        self._backups: dict[str, Backup] = {}
        self._lock = threading.Lock()
        self.handlers = {
            "CreateBackup": self.create_backup,
            "DescribeBackup": self.describe_backup,
            "ListBackups": self.list_backups,
            "RestoreTableFromBackup": self.restore_table_from_backup,
            "DeleteBackup": self.delete_backup,
        }

    def reset(self) -> None:
        with self._lock:
            self._backups.clear()

    def _get(self, arn: str | None) -> Backup:
        with self._lock:
            backup = self._backups.get(arn or "")
        if backup is None:
            raise ApiError("BackupNotFoundException", f"Backup not found: {arn}")
        return backup

    def create_backup(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        name = table_name_of(request.get("TableName") or "")
        backup_name = request.get("BackupName") or ""
        if not backup_name:
            raise ApiError("ValidationException", "BackupName must be specified")
        try:
            table = self.client.call(namespace, "DescribeTable", {"TableName": name})["Table"]
        except DynamoDBLocalError:
            raise ApiError("TableNotFoundException", f"Table not found: {name}") from None
        extras = self.tables.get(namespace, name)
        extras.decorate(table)
        items = self.scan(namespace, name)
        created = self.clock()
        arn = (
            f"{namespace.table_arn(name)}/backup/{int(created * 1000):013d}-{secrets.token_hex(4)}"
        )
        backup = Backup(
            arn,
            backup_name,
            namespace,
            created,
            table,
            extras.sse_kms_key_arn,
            extras.ttl_description(),
            items,
            sum(len(json.dumps(item)) for item in items),
        )
        with self._lock:
            self._backups[arn] = backup
        return {"BackupDetails": backup.details("CREATING")}

    def describe_backup(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        return {"BackupDescription": self._get(request.get("BackupArn")).description()}

    def list_backups(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        kind = request.get("BackupType", "USER")
        if kind not in BACKUP_TYPES:
            raise ApiError("ValidationException", f"Invalid BackupType: {kind}")
        name = table_name_of(request.get("TableName") or "")
        lower = request.get("TimeRangeLowerBound")
        upper = request.get("TimeRangeUpperBound")
        with self._lock:
            found = sorted(
                (
                    b
                    for b in self._backups.values()
                    if b.namespace == namespace
                    and kind in ("USER", "ALL")
                    and (not name or b.table["TableName"] == name)
                    and (lower is None or b.created >= float(lower))  # start inclusive,
                    and (upper is None or b.created < float(upper))  # end exclusive
                ),
                key=lambda b: (b.created, b.arn),
            )
        start = request.get("ExclusiveStartBackupArn")
        if start:
            arns = [b.arn for b in found]
            found = found[arns.index(start) + 1 :] if start in arns else []
        limit = request.get("Limit")
        answer: dict[str, Any] = {}
        if limit and len(found) > int(limit):
            found = found[: int(limit)]
            answer["LastEvaluatedBackupArn"] = found[-1].arn
        answer["BackupSummaries"] = [b.summary() for b in found]
        return answer

    def restore_table_from_backup(
        self, namespace: Namespace, request: dict[str, Any]
    ) -> dict[str, Any]:
        backup = self._get(request.get("BackupArn"))
        target = request.get("TargetTableName") or ""
        summary = {
            "SourceBackupArn": backup.arn,
            "SourceTableArn": backup.table["TableArn"],
            "RestoreDateTime": backup.created,
        }
        target_ns = namespace_of_arn(backup.arn) or namespace
        description = self.restorer.restore(
            target_ns, target, backup.table, backup.kms_key_arn, backup.items, request, summary
        )
        return {"TableDescription": description}

    def delete_backup(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        backup = self._get(request.get("BackupArn"))
        with self._lock:
            self._backups.pop(backup.arn, None)
        return {"BackupDescription": backup.description("DELETED")}
