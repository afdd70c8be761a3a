"""TTL expiry on the DynamoDB Local data plane, owned by the emulator.

DynamoDB Local is never told a table's TTL attribute (its own expiry looks at
only part of a table and writes no stream record), so nothing expires unless
this sweeper deletes it. Each sweep scans every table whose TTL is enabled for
items whose TTL attribute is a number in the past, but not more than five years
in the past (AWS ignores those:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html),
and deletes each with a condition that it is still expired, so a concurrent
rewrite with a later TTL survives. The mirror is told first, so the REMOVE
record carries the TTL service's userIdentity
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html).
"""

from __future__ import annotations

import logging
from typing import Any

from harness.emulator import clock
from harness.emulator.data_plane.client import Client, DynamoDBLocalError, Namespace
from harness.emulator.data_plane.global_tables import GlobalTables
from harness.emulator.data_plane.mirror import StreamMirror
from harness.emulator.data_plane.tables import TableRegistry
from harness.emulator.ttl_sweeper import MAX_PAST_SECONDS

log = logging.getLogger(__name__)


def _key_names(client: Client, namespace: Namespace, table: str) -> list[str]:
    description = client.call(namespace, "DescribeTable", {"TableName": table})["Table"]
    return [element["AttributeName"] for element in description["KeySchema"]]


def expired_keys(
    client: Client, namespace: Namespace, table: str, attribute: str, now: float
) -> list[dict[str, Any]]:
    """The keys of the items whose `attribute` is a number in [now - 5 years, now)."""
    names = _key_names(client, namespace, table)
    placeholders = {f"#k{i}": name for i, name in enumerate(names)}
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "#ttl < :now AND #ttl >= :oldest",
        "ProjectionExpression": ", ".join(placeholders),
        "ExpressionAttributeNames": {"#ttl": attribute, **placeholders},
        "ExpressionAttributeValues": {
            ":now": {"N": str(int(now))},
            ":oldest": {"N": str(int(now - MAX_PAST_SECONDS))},
        },
    }
    keys: list[dict[str, Any]] = []
    while True:
        answer = client.call(namespace, "Scan", request)
        keys += answer.get("Items", [])
        last = answer.get("LastEvaluatedKey")
        if not last:
            return keys
        request["ExclusiveStartKey"] = last


def sweep_table(
    client: Client,
    mirror: StreamMirror,
    namespace: Namespace,
    table: str,
    attribute: str,
    now: float,
) -> int:
    """Delete one table's expired items as the TTL service; returns how many."""
    deleted = 0
    for key in expired_keys(client, namespace, table, attribute, now):
        mirror.expect_service_delete(namespace, table, key)
        try:
            client.call(
                namespace,
                "DeleteItem",
                {
                    "TableName": table,
                    "Key": key,
                    "ConditionExpression": "#ttl < :now",
                    "ExpressionAttributeNames": {"#ttl": attribute},
                    "ExpressionAttributeValues": {":now": {"N": str(int(now))}},
                },
            )
        except DynamoDBLocalError as error:  # rewritten meanwhile, or the table went away
            mirror.forget_service_delete(namespace, table, key)
            log.debug("TTL delete skipped in %s: %s", table, error)
            continue
        deleted += 1
    if deleted:
        mirror.wake()
    return deleted


def sweep_all(
    client: Client,
    mirror: StreamMirror,
    tables: TableRegistry,
    global_tables: GlobalTables | None = None,
    now: float | None = None,
) -> int:
    """One pass over every table with TTL enabled, in every namespace.

    A global table's items expire in one region, and the deletes replicate as plain
    deletes (ttl-expired-items.html): once one member deleted items in a pass, the other
    members are not swept, nor is a member while writes from another region are on their
    way to it (so the region that wrote an expired item is the one that expires it).
    """
    now = clock.now() if now is None else now
    deleted = 0
    swept_groups: set[tuple[str, str]] = set()
    for namespace, table, extras in tables.items():
        if not extras.ttl_enabled or not extras.ttl_attribute:
            continue
        group = (namespace.account, table)
        in_group = global_tables is not None and global_tables.groups.is_member(
            namespace.account, table, namespace.region
        )
        incoming = in_group and global_tables.replicator.busy(*group, namespace.region)
        if in_group and (group in swept_groups or incoming):
            continue
        try:
            count = sweep_table(client, mirror, namespace, table, extras.ttl_attribute, now)
        except DynamoDBLocalError as error:
            log.debug("TTL sweep of %s skipped: %s", table, error)
            continue
        if count and in_group:
            swept_groups.add(group)
        deleted += count
    return deleted
