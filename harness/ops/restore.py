"""The restore drill: `invoke restore --to TIME [--into NAME]`.

Restores the target's table as it was at TIME into a new table with
RestoreTableToPointInTime, waits for it with progress lines (on AWS a restore
takes minutes or more), then compares the restored copy with the live table
and reports, per entity type, the items added, removed and changed in the
live table since TIME. Last it checks the restored copy's aggregates with the
reconciler: a restore copies the `#stats` items as they stood at TIME, and the
stream processor may not yet have applied every record written just before
TIME, so they can lag the copy's own items; a restored table has no stream, so
nothing will ever catch them up. Drift is reported with the command that
repairs the copy. The live table is never written.

Same command on both targets: on the emulator (DynamoDB Local data plane, which
keeps real item history) a rehearsal takes seconds; on AWS the allowed-account
guard has already run, the cost is stated and a person confirms first.

Problems end in one line (HarnessError): a time outside the restore window,
PITR off, a missing table, an existing target name.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from harness import HarnessError
from harness.model import key_design
from harness.ops import reconciler

Echo = Callable[[str], None]
RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PROGRESS_EVERY_SECONDS = 5.0
WAIT_TIMEOUT_SECONDS = 4 * 3600.0  # AWS: "restore times vary" with the table's size
COST_NOTE = (
    "On AWS a point-in-time restore is billed per GB of data restored, and the new table "
    "is billed like any table (storage, and on-demand requests) until you delete it."
)


def parse_time(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """An aware UTC time from ISO-8601 (`2026-11-30T20:15:00Z`, naive means UTC) or a
    relative age (`90s`, `10m`, `2h`, `1d`: that long before `now`)."""
    now = now or dt.datetime.now(dt.UTC)
    match = RELATIVE.match(text)
    if match:
        return now - dt.timedelta(seconds=float(match.group(1)) * UNIT_SECONDS[match.group(2)])
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise HarnessError(
            f"--to {text!r} is neither an ISO-8601 time (2026-11-30T20:15:00Z) "
            "nor an age such as 10m or 2h"
        ) from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def default_target_name(table: str, when: dt.datetime) -> str:
    """`<table>-at-YYYYMMDD-HHMMSS` (UTC): legal as a table name, sorted by time."""
    return f"{table}-at-{when:%Y%m%d-%H%M%S}"


@dataclass
class EntityChanges:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    """What changed in the live table since the restore time, by entityType."""

    by_entity: dict[str, EntityChanges] = field(default_factory=dict)

    def entity(self, name: str) -> EntityChanges:
        return self.by_entity.setdefault(name, EntityChanges())

    @property
    def unchanged(self) -> bool:
        return not any(c.added or c.removed or c.changed for c in self.by_entity.values())

    def lines(self, shown: int = 10) -> list[str]:
        """A per-entity table of counts, then the keys (up to `shown` of each kind)."""
        if self.unchanged:
            return ["no changes: the live table holds the same items as the restored copy"]
        width = max(11, *(len(name) for name in self.by_entity))
        lines = [f"{'entity type':<{width}}  added  removed  changed"]
        for name in sorted(self.by_entity):
            c = self.by_entity[name]
            lines.append(
                f"{name:<{width}}  {len(c.added):>5}  {len(c.removed):>7}  {len(c.changed):>7}"
            )
        for name in sorted(self.by_entity):
            c = self.by_entity[name]
            for kind, keys in (("added", c.added), ("removed", c.removed), ("changed", c.changed)):
                if keys:
                    more = f" (+{len(keys) - shown} more)" if len(keys) > shown else ""
                    lines.append(f"{name} {kind}: {', '.join(sorted(keys)[:shown])}{more}")
        return lines


def _key_text(item: dict[str, Any]) -> str:
    return " / ".join(
        str(next(iter(item[name].values())))
        for name in (key_design.PARTITION_KEY, key_design.SORT_KEY)
        if name in item
    )


def _entity_of(item: dict[str, Any]) -> str:
    value = item.get("entityType")
    return str(next(iter(value.values()))) if value else "(no entityType)"


def scan_all(client, table: str) -> dict[str, dict[str, Any]]:
    """Every item of `table` by its key text ("course#101 / student#201")."""
    items: dict[str, dict[str, Any]] = {}
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        answer = client.scan(**request)
        for item in answer.get("Items", []):
            items[_key_text(item)] = item
        if not answer.get("LastEvaluatedKey"):
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def compare(live: dict[str, dict], restored: dict[str, dict]) -> Comparison:
    """Changes from `restored` (the past) to `live` (now), by entity type."""
    comparison = Comparison()
    for key in live.keys() - restored.keys():
        comparison.entity(_entity_of(live[key])).added.append(key)
    for key in restored.keys() - live.keys():
        comparison.entity(_entity_of(restored[key])).removed.append(key)
    for key in live.keys() & restored.keys():
        if live[key] != restored[key]:
            comparison.entity(_entity_of(live[key])).changed.append(key)
    return comparison


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_restorable(client, table: str, target_name: str, when: dt.datetime) -> None:
    """One clear line (HarnessError) for each reason the restore cannot start."""
    try:
        client.describe_table(TableName=table)
    except ClientError as error:
        if "NotFound" in error.response["Error"]["Code"]:
            raise HarnessError(
                f"table {table!r} does not exist on this target; deploy it with `invoke setup`"
            ) from None
        raise
    try:
        client.describe_table(TableName=target_name)
    except ClientError:
        pass
    else:
        raise HarnessError(
            f"table {target_name!r} already exists; choose another name with --into "
            "or delete that table first"
        )
    recovery = client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"
    ]
    if recovery["PointInTimeRecoveryStatus"] != "ENABLED":
        raise HarnessError(
            f"point-in-time recovery is off for {table!r}, so there is nothing to restore from"
        )
    earliest = recovery["EarliestRestorableDateTime"]
    latest = recovery["LatestRestorableDateTime"]
    if not earliest <= when <= latest:
        raise HarnessError(
            f"{_iso(when)} is outside {table!r}'s restore window {_iso(earliest)} .. {_iso(latest)}"
        )


def wait_until_active(
    client,
    name: str,
    echo: Echo,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    timeout: float = WAIT_TIMEOUT_SECONDS,
    interval: float = 1.0,
) -> dict[str, Any]:
    """Poll DescribeTable until the table is ACTIVE and its restore finished; a progress
    line every PROGRESS_EVERY_SECONDS. Returns the description."""
    started = clock()
    shown = started
    while True:
        table = client.describe_table(TableName=name)["Table"]
        in_progress = (table.get("RestoreSummary") or {}).get("RestoreInProgress", False)
        if table["TableStatus"] == "ACTIVE" and not in_progress:
            return table
        elapsed = clock() - started
        if elapsed > timeout:
            raise HarnessError(
                f"{name} is still {table['TableStatus']} after {elapsed:.0f} s; "
                "check it later with `aws dynamodb describe-table`"
            )
        if clock() - shown >= PROGRESS_EVERY_SECONDS:
            echo(f"    still restoring {name}: {table['TableStatus']}, {elapsed:.0f} s")
            shown = clock()
        sleep(interval)


@dataclass
class RestoreResult:
    table: str
    restored: str
    when: dt.datetime
    comparison: Comparison
    aggregates: reconciler.Report | None = None

    def aggregate_lines(self) -> list[str]:
        """The restored copy's drifting aggregates (stored vs true), the reconciler's
        summary line, and the command that repairs the copy when anything drifts."""
        if self.aggregates is None:
            return []
        lines = [line for a in self.aggregates.drifting for line in a.lines()]
        lines.append(self.aggregates.summary())
        if self.aggregates.drifting:
            lines.append(
                f"the copy's aggregates lag its items (records the stream processor had not "
                f"applied at the restore time); `invoke aggregates.check --table "
                f"{self.restored} --repair` writes the true values into the copy"
            )
        return lines


def restore(
    target,
    when: dt.datetime,
    into: str | None = None,
    table: str = key_design.TABLE_NAME,
    echo: Echo = print,
    confirm: Callable[[str], bool] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RestoreResult:
    """Restore `table` as at `when` into `into` (default <table>-at-<time>), wait, compare.

    `confirm(prompt_text)` is asked on AWS after the cost note; False cancels
    (HarnessError). Raises HarnessError with one line for every refusal.
    """
    client = target.client("dynamodb")
    name = into or default_target_name(table, when)
    check_restorable(client, table, name, when)
    if not target.is_local:
        echo(COST_NOTE)
        if confirm is None or not confirm(
            f"Restore {table} as at {_iso(when)} into new table {name} in {target.region}?"
        ):
            raise HarnessError("restore cancelled; nothing was created")
    echo(f"==> Restoring {table} as at {_iso(when)} into {name}")
    try:
        client.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName=name, RestoreDateTime=when
        )
    except ClientError as error:
        raise HarnessError(
            f"restore refused: {error.response['Error']['Code']}: "
            f"{error.response['Error'].get('Message', '')}"
        ) from None
    wait_until_active(client, name, echo, sleep=sleep)
    echo(f"==> Comparing the live table {table} with {name}")
    comparison = compare(scan_all(client, table), scan_all(client, name))
    echo(f"==> Checking the aggregates of {name} against its own items")
    aggregates = reconciler.reconcile(target, name, echo=lambda line: None)
    return RestoreResult(table, name, when, comparison, aggregates)
