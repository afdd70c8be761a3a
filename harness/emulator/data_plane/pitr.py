"""Point-in-time recovery on the DynamoDB Local data plane: item history and restores.

DynamoDB Local has no continuous backups (UpdateContinuousBackups and
DescribeContinuousBackups answer UnknownOperationException), so the emulator
keeps them. While PITR is on for a table, every version of every item is kept
with the time it was written, from the moment PITR was enabled; history older
than the recovery period (RecoveryPeriodInDays, 1-35, default 35) is dropped.

Where the versions come from: the proxy, not a stream. A user's table need not
have a stream (and if it has, its view type may be KEYS_ONLY), so the proxy
records each item's new version after every successful write it forwards
(`around_write`): PutItem and BatchWriteItem puts carry the new item, deletes
its absence; UpdateItem and transactional updates are read back with a
consistent GetItem. A PartiQL write names its table but not reliably its keys,
so after one the table is compared with its history (`resync`: a full scan)
and every difference becomes a version. Writes the emulator makes itself
(TTL expiry, global-table replication) reach DynamoDB Local through
`Client.call` and are recorded by `observe_call`. Writes to PITR tables are
serialised under one lock, so versions are recorded in the order they happened.

AWS rules reproduced, each checked by tests/emulator/test_pitr.py:
- UpdateContinuousBackups / DescribeContinuousBackups shapes, RecoveryPeriodInDays
  1-35 (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContinuousBackups.html,
  API_DescribeContinuousBackups.html, API_PointInTimeRecoveryDescription.html).
- Disabling and re-enabling resets the start of the window
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_beforeyoubegin.html).
- RestoreTableToPointInTime: errors, overrides, what is and is not restored
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html).

Deliberate deviation: LatestRestorableDateTime is now (AWS: "typically 5
minutes before the current time"), so a rehearsal can restore what it did a
minute ago; README's deviation table lists it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.emulator.data_plane.client import (
    Client,
    DynamoDBLocalError,
    Namespace,
    namespace_of_arn,
)
from harness.emulator.data_plane.proxy import ApiError
from harness.emulator.data_plane.restore import Restorer
from harness.emulator.data_plane.tables import TableRegistry

DAY_SECONDS = 86400.0
DEFAULT_RECOVERY_DAYS = 35
PRUNE_INTERVAL_SECONDS = 60.0
PARTIQL_TABLE = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?([A-Za-z0-9_.-]+)\"?", re.IGNORECASE
)


def table_name_of(name_or_arn: str) -> str:
    """A table's name from its name or ARN."""
    if name_or_arn.startswith("arn:") and ":table/" in name_or_arn:
        return name_or_arn.split(":table/", 1)[1].split("/", 1)[0]
    return name_or_arn


def key_token(keys: dict[str, Any]) -> str:
    return json.dumps(keys, sort_keys=True)


@dataclass
class TableHistory:
    """Every version of every item of one table since PITR was enabled.

    `versions[token]` is a time-ordered list of (epoch seconds, item or None for absent).
    """

    key_names: list[str]
    enabled_at: float
    recovery_days: int = DEFAULT_RECOVERY_DAYS
    versions: dict[str, list[tuple[float, dict[str, Any] | None]]] = field(default_factory=dict)
    pruned_at: float = 0.0

    def keys_of(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.key_names if name in item}

    def record(self, when: float, keys: dict[str, Any], item: dict[str, Any] | None) -> None:
        """Add a version; a write that changes nothing adds nothing."""
        entries = self.versions.setdefault(key_token(keys), [])
        if entries and entries[-1][1] == item:
            return
        if not entries and item is None:
            return
        entries.append((when, item))

    def current(self) -> dict[str, dict[str, Any]]:
        """The latest version of every item that exists."""
        return {
            token: entries[-1][1]
            for token, entries in self.versions.items()
            if entries and entries[-1][1] is not None
        }

    def state_at(self, when: float) -> list[dict[str, Any]]:
        """The items as they were at `when` (epoch seconds)."""
        items = []
        for entries in self.versions.values():
            found = None
            for written, item in entries:
                if written > when:
                    break
                found = item
            if found is not None:
                items.append(found)
        return items

    def earliest(self, now: float) -> float:
        return max(self.enabled_at, now - self.recovery_days * DAY_SECONDS)

    def prune(self, now: float) -> None:
        """Drop versions no restore can reach: before the window, keep only the last one."""
        cutoff = self.earliest(now)
        for token in list(self.versions):
            entries = self.versions[token]
            last_before = None
            for index, (written, _) in enumerate(entries):
                if written > cutoff:
                    break
                last_before = index
            if last_before:
                del entries[:last_before]
            if len(entries) == 1 and entries[0][1] is None and entries[0][0] <= cutoff:
                del self.versions[token]
        self.pruned_at = now


class PointInTimeRecovery:
    """Continuous backups for every table of every namespace, and restores from them."""

    def __init__(
        self,
        client: Client,
        tables: TableRegistry,
        clock: Callable[[], float] = time.time,
    ):
        self.client = client
        self.tables = tables
        self.clock = clock
        self.restorer = Restorer(client, tables)
        self._histories: dict[tuple[Namespace, str], TableHistory] = {}
        self._lock = threading.RLock()  # guards _histories and serialises PITR writes
        self.handlers: dict[str, Callable[[Namespace, dict[str, Any]], dict[str, Any]]] = {
            "UpdateContinuousBackups": self.update_continuous_backups,
            "DescribeContinuousBackups": self.describe_continuous_backups,
            "RestoreTableToPointInTime": self.restore_table_to_point_in_time,
        }

    def reset(self) -> None:
        with self._lock:
            self._histories.clear()

    def history(self, namespace: Namespace, table: str) -> TableHistory | None:
        return self._histories.get((namespace, table))

    def table_deleted(self, namespace: Namespace, table: str) -> None:
        """A deleted table's history goes with it (a new table of that name starts afresh)."""
        with self._lock:
            self._histories.pop((namespace, table), None)

    # -- the continuous-backups API

    def _describe(self, namespace: Namespace, name: str) -> dict[str, Any]:
        try:
            return self.client.call(namespace, "DescribeTable", {"TableName": name})["Table"]
        except DynamoDBLocalError:
            raise ApiError("TableNotFoundException", f"Table not found: {name}") from None

    def update_continuous_backups(
        self, namespace: Namespace, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Turn PITR on (history starts now) or off (history dropped); RecoveryPeriodInDays."""
        name = table_name_of(request.get("TableName") or "")
        spec = request.get("PointInTimeRecoverySpecification")
        if not isinstance(spec, dict) or "PointInTimeRecoveryEnabled" not in spec:
            raise ApiError(
                "ValidationException",
                "1 validation error detected: Value null at "
                "'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to "
                "satisfy constraint: Member must not be null",
            )
        days = spec.get("RecoveryPeriodInDays")
        if days is not None and not (isinstance(days, int) and 1 <= days <= 35):
            raise ApiError(
                "ValidationException",
                f"1 validation error detected: Value '{days}' at "
                "'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy "
                "constraint: Member must have value between 1 and 35",
            )
        table = self._describe(namespace, name)
        with self._lock:
            key = (namespace, name)
            if not spec["PointInTimeRecoveryEnabled"]:
                self._histories.pop(key, None)
            elif key in self._histories:
                if days is not None:
                    self._histories[key].recovery_days = days
            else:
                history = TableHistory(
                    [element["AttributeName"] for element in table["KeySchema"]],
                    self.clock(),
                    days or DEFAULT_RECOVERY_DAYS,
                )
                for item in self.scan(namespace, name):
                    history.record(history.enabled_at, history.keys_of(item), item)
                self._histories[key] = history
        return {"ContinuousBackupsDescription": self.description(namespace, name)}

    def describe_continuous_backups(
        self, namespace: Namespace, request: dict[str, Any]
    ) -> dict[str, Any]:
        name = table_name_of(request.get("TableName") or "")
        self._describe(namespace, name)
        return {"ContinuousBackupsDescription": self.description(namespace, name)}

    def description(self, namespace: Namespace, name: str) -> dict[str, Any]:
        """ContinuousBackupsDescription: ENABLED always; the PITR window while it is on."""
        history = self.history(namespace, name)
        recovery: dict[str, Any] = {
            "PointInTimeRecoveryStatus": "DISABLED" if history is None else "ENABLED"
        }
        if history is not None:
            now = self.clock()
            with self._lock:
                history.prune(now)
            recovery["RecoveryPeriodInDays"] = history.recovery_days
            recovery["EarliestRestorableDateTime"] = history.earliest(now)
            recovery["LatestRestorableDateTime"] = now
        return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": recovery}

    # -- restore

    def restore_table_to_point_in_time(
        self, namespace: Namespace, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Create TargetTableName with the source's items as they were at the restore time."""
        arn = request.get("SourceTableArn")
        source_name = request.get("SourceTableName")
        if bool(arn) == bool(source_name):
            raise ApiError(
                "ValidationException",
                "Exactly one of SourceTableName or SourceTableArn must be specified",
            )
        source_ns = namespace
        if arn:
            source_ns = namespace_of_arn(arn) or namespace
            source_name = table_name_of(arn)
        target = request.get("TargetTableName") or ""
        try:
            source = self.client.call(source_ns, "DescribeTable", {"TableName": source_name})
        except DynamoDBLocalError:
            raise ApiError(
                "TableNotFoundException", f"Source table not found: {source_name}"
            ) from None
        self.restorer.check_target_free(namespace, target)
        history = self.history(source_ns, source_name)
        if history is None:
            raise ApiError(
                "PointInTimeRecoveryUnavailableException",
                f"Point in time recovery is not enabled for table '{source_name}'",
            )
        now = self.clock()
        if request.get("UseLatestRestorableTime"):
            if request.get("RestoreDateTime") is not None:
                raise ApiError(
                    "ValidationException",
                    "Only one of RestoreDateTime or UseLatestRestorableTime can be specified",
                )
            when = now
        else:
            when = request.get("RestoreDateTime")
            if when is None:
                raise ApiError(
                    "ValidationException",
                    "Either RestoreDateTime or UseLatestRestorableTime must be specified",
                )
            when = float(when)
            if not history.earliest(now) <= when <= now:
                raise ApiError(
                    "InvalidRestoreTimeException",
                    f"Restore time {_iso(when)} is not within the restorable window: "
                    f"RestoreDateTime must be between EarliestRestorableDateTime "
                    f"({_iso(history.earliest(now))}) and LatestRestorableDateTime ({_iso(now)})",
                )
        with self._lock:
            items = history.state_at(when)
        extras = self.tables.get(source_ns, source_name)
        summary = {"SourceTableArn": source_ns.table_arn(source_name), "RestoreDateTime": when}
        description = self.restorer.restore(
            namespace, target, source["Table"], extras.sse_kms_key_arn, items, request, summary
        )
        return {"TableDescription": description}

    # -- recording writes

    def around_write(
        self,
        namespace: Namespace,
        operation: str,
        request: dict[str, Any],
        send: Callable[[], tuple[int, bytes]],
    ) -> tuple[int, bytes]:
        """Forward a write with `send()`; when it touched a PITR table, record what it did."""
        tables = [t for t in _tables_written(operation, request) if self.history(namespace, t)]
        if not tables:
            return send()
        with self._lock:
            status, answer = send()
            if status < 300:
                try:
                    self._record(namespace, operation, request, json.loads(answer or b"{}"))
                except DynamoDBLocalError:
                    for table in tables:
                        self.resync(namespace, table)
            return status, answer

    def observe_call(
        self, namespace: Namespace, operation: str, request: dict[str, Any], answer: dict
    ) -> None:
        """Client.call's hook: the emulator's own writes (TTL expiry, replication)."""
        if operation not in ("PutItem", "DeleteItem", "UpdateItem", "BatchWriteItem"):
            return
        tables = _tables_written(operation, request)
        if not any(self.history(namespace, t) for t in tables):
            return
        with self._lock:
            self._record(namespace, operation, request, answer)

    def _record(
        self, namespace: Namespace, operation: str, request: dict[str, Any], answer: dict
    ) -> None:
        now = self.clock()
        if operation == "PutItem":
            self._put(namespace, request["TableName"], request["Item"], now)
        elif operation == "DeleteItem":
            self._delete(namespace, request["TableName"], request["Key"], now)
        elif operation == "UpdateItem":
            self._reread(namespace, request["TableName"], request["Key"], now)
        elif operation == "BatchWriteItem":
            unprocessed = answer.get("UnprocessedItems") or {}
            for table, writes in (request.get("RequestItems") or {}).items():
                for write in writes:
                    if "PutRequest" in write:
                        item = write["PutRequest"]["Item"]
                        if table in unprocessed:
                            self._reread(namespace, table, self._keys(namespace, table, item), now)
                        else:
                            self._put(namespace, table, item, now)
                    elif "DeleteRequest" in write:
                        key = write["DeleteRequest"]["Key"]
                        if table in unprocessed:
                            self._reread(namespace, table, key, now)
                        else:
                            self._delete(namespace, table, key, now)
        elif operation == "TransactWriteItems":
            for entry in request.get("TransactItems") or []:
                if "Put" in entry:
                    self._put(namespace, entry["Put"]["TableName"], entry["Put"]["Item"], now)
                elif "Delete" in entry:
                    self._delete(
                        namespace, entry["Delete"]["TableName"], entry["Delete"]["Key"], now
                    )
                elif "Update" in entry:
                    self._reread(
                        namespace, entry["Update"]["TableName"], entry["Update"]["Key"], now
                    )
        else:  # PartiQL
            for table in _tables_written(operation, request):
                self.resync(namespace, table)

    def _keys(self, namespace: Namespace, table: str, item: dict) -> dict:
        history = self.history(namespace, table_name_of(table))
        return history.keys_of(item) if history else {}

    def _put(self, namespace: Namespace, table: str, item: dict, now: float) -> None:
        history = self.history(namespace, table_name_of(table))
        if history is not None:
            history.record(now, history.keys_of(item), item)
            self._maybe_prune(history, now)

    def _delete(self, namespace: Namespace, table: str, key: dict, now: float) -> None:
        history = self.history(namespace, table_name_of(table))
        if history is not None:
            history.record(now, history.keys_of(key), None)

    def _reread(self, namespace: Namespace, table: str, key: dict, now: float) -> None:
        name = table_name_of(table)
        history = self.history(namespace, name)
        if history is None:
            return
        answer = self.client.call(
            namespace, "GetItem", {"TableName": name, "Key": key, "ConsistentRead": True}
        )
        history.record(now, history.keys_of(key), answer.get("Item"))

    def resync(self, namespace: Namespace, table: str) -> None:
        """Compare the whole table with its history and record every difference as of now."""
        history = self.history(namespace, table)
        if history is None:
            return
        now = self.clock()
        with self._lock:
            before = history.current()
            seen = set()
            for item in self.scan(namespace, table):
                keys = history.keys_of(item)
                seen.add(key_token(keys))
                history.record(now, keys, item)
            for token, item in before.items():
                if token not in seen:
                    history.record(now, history.keys_of(item), None)

    def _maybe_prune(self, history: TableHistory, now: float) -> None:
        if now - history.pruned_at > PRUNE_INTERVAL_SECONDS:
            history.prune(now)

    def scan(self, namespace: Namespace, table: str) -> list[dict[str, Any]]:
        """Every item of a table (consistent reads, all pages)."""
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        while True:
            answer = self.client.call(namespace, "Scan", request)
            items += answer.get("Items", [])
            if not answer.get("LastEvaluatedKey"):
                return items
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _tables_written(operation: str, request: dict[str, Any]) -> list[str]:
    """The tables (names) a write request may change."""
    if operation in ("PutItem", "DeleteItem", "UpdateItem"):
        return [table_name_of(request.get("TableName") or "")]
    if operation == "BatchWriteItem":
        return [table_name_of(t) for t in request.get("RequestItems") or {}]
    if operation == "TransactWriteItems":
        names = []
        for entry in request.get("TransactItems") or []:
            for kind in ("Put", "Delete", "Update"):
                if kind in entry:
                    names.append(table_name_of(entry[kind].get("TableName") or ""))
        return names
    statements: list[str] = []
    if operation == "ExecuteStatement":
        statements = [request.get("Statement") or ""]
    elif operation in ("BatchExecuteStatement", "ExecuteTransaction"):
        key = "Statements" if operation == "BatchExecuteStatement" else "TransactStatements"
        statements = [entry.get("Statement") or "" for entry in request.get(key) or []]
    names = []
    for statement in statements:
        match = PARTIQL_TABLE.match(statement)
        if match:
            names.append(match.group(1))
    return names


def _iso(when: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(when, dt.UTC).isoformat(timespec="seconds")
