"""Creating a restored table on DynamoDB Local: from a source description, items and overrides.

Shared by point-in-time restores (pitr.py) and restores from on-demand backups.
What a restore carries over and what it leaves out is AWS's:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html
("Along with data, the following are also included on the new restored table:
GSIs, LSIs, provisioned read and write capacity, encryption settings ... You
must manually set up ... auto scaling policies, IAM policies, CloudWatch metrics
and alarms, tags, stream settings, Time to Live settings, point in time recovery
settings") and
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CreateBackup.html.
Deletion protection and global-table replicas are not restored either (a restore
"restores to an independent table that is not part of the global table",
pointintimerecovery_beforeyoubegin.html).

The restored table is created at once and answers CREATING with RestoreSummary
RestoreInProgress true; its items are written by a background thread, after
which it is ACTIVE and RestoreInProgress false (the Terraform provider and
`invoke restore` wait for that).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from harness.emulator.data_plane.client import Client, DynamoDBLocalError, Namespace
from harness.emulator.data_plane.proxy import ApiError
from harness.emulator.data_plane.tables import TableRegistry, kms_key_arn

log = logging.getLogger(__name__)

BATCH_SIZE = 25  # BatchWriteItem's limit


def _capacity(throughput: dict[str, Any] | None) -> dict[str, int]:
    throughput = throughput or {}
    return {
        unit: max(1, int(throughput.get(unit) or 1))
        for unit in ("ReadCapacityUnits", "WriteCapacityUnits")
    }


def _index_entry(index: dict[str, Any], provisioned: bool) -> dict[str, Any]:
    entry = {name: index[name] for name in ("IndexName", "KeySchema", "Projection")}
    if provisioned:
        entry["ProvisionedThroughput"] = _capacity(index.get("ProvisionedThroughput"))
    return entry


def create_table_request(
    source: dict[str, Any], target: str, request: dict[str, Any]
) -> dict[str, Any]:
    """The CreateTable request for `target`: the source's keys, indexes and billing with the
    restore request's BillingModeOverride, ProvisionedThroughputOverride,
    GlobalSecondaryIndexOverride and LocalSecondaryIndexOverride applied; no stream."""
    mode = request.get("BillingModeOverride") or (source.get("BillingModeSummary") or {}).get(
        "BillingMode", "PROVISIONED"
    )
    provisioned = mode == "PROVISIONED"
    created: dict[str, Any] = {
        "TableName": target,
        "KeySchema": source["KeySchema"],
        "BillingMode": mode,
    }
    if provisioned:
        created["ProvisionedThroughput"] = _capacity(
            request.get("ProvisionedThroughputOverride") or source.get("ProvisionedThroughput")
        )
    gsis = request.get("GlobalSecondaryIndexOverride")
    if gsis is None:
        gsis = source.get("GlobalSecondaryIndexes") or []
    lsis = request.get("LocalSecondaryIndexOverride")
    if lsis is None:
        lsis = source.get("LocalSecondaryIndexes") or []
    if gsis:
        created["GlobalSecondaryIndexes"] = [_index_entry(i, provisioned) for i in gsis]
    if lsis:
        created["LocalSecondaryIndexes"] = [_index_entry(i, False) for i in lsis]
    used = {element["AttributeName"] for element in source["KeySchema"]}
    for index in [*gsis, *lsis]:
        used |= {element["AttributeName"] for element in index["KeySchema"]}
    created["AttributeDefinitions"] = [
        definition
        for definition in source["AttributeDefinitions"]
        if definition["AttributeName"] in used
    ]
    return created


class Restorer:
    """Creates restored tables in DynamoDB Local and fills them in the background."""

    def __init__(self, client: Client, tables: TableRegistry):
        self.client = client
        self.tables = tables
        self.threads: list[threading.Thread] = []

    def check_target_free(self, namespace: Namespace, target: str) -> None:
        """TableAlreadyExistsException when `target` exists in the caller's region."""
        try:
            self.client.call(namespace, "DescribeTable", {"TableName": target})
        except DynamoDBLocalError:
            return
        raise ApiError("TableAlreadyExistsException", f"Table already exists: {target}")

    def restore(
        self,
        namespace: Namespace,
        target: str,
        source: dict[str, Any],
        source_kms_key_arn: str | None,
        items: list[dict[str, Any]],
        request: dict[str, Any],
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        """Create `target` from `source` (a TableDescription) and start writing `items`.

        `summary` is RestoreSummary without RestoreInProgress. Returns the new table's
        description (TableStatus CREATING). Raises ApiError as AWS would.
        """
        self.check_target_free(namespace, target)
        created = create_table_request(source, target, request)
        try:
            self.client.call(namespace, "CreateTable", created)
        except DynamoDBLocalError as error:
            raise ApiError(error.code, error.message, error.status) from None
        extras = self.tables.created(namespace, target)
        sse = request.get("SSESpecificationOverride")
        if sse is None:
            extras.sse_kms_key_arn = source_kms_key_arn
        elif sse.get("Enabled"):
            extras.sse_kms_key_arn = kms_key_arn(namespace, sse.get("KMSMasterKeyId"))
        extras.restore_summary = {**summary, "RestoreInProgress": True}
        thread = threading.Thread(
            target=self._fill,
            args=(namespace, target, items, extras),
            name=f"restore-{target}",
            daemon=True,
        )
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        description = self.client.call(namespace, "DescribeTable", {"TableName": target})["Table"]
        extras.decorate(description)
        thread.start()
        return description

    def _fill(self, namespace: Namespace, target: str, items: list[dict], extras) -> None:
        try:
            for start in range(0, len(items), BATCH_SIZE):
                writes = [
                    {"PutRequest": {"Item": item}} for item in items[start : start + BATCH_SIZE]
                ]
                pending = {target: writes}
                while pending:
                    answer = self.client.call(
                        namespace, "BatchWriteItem", {"RequestItems": pending}
                    )
                    pending = answer.get("UnprocessedItems") or {}
        except DynamoDBLocalError as error:  # the target was deleted meanwhile
            log.warning("restore into %s stopped: %s", target, error)
        finally:
            extras.restore_summary = {**extras.restore_summary, "RestoreInProgress": False}
