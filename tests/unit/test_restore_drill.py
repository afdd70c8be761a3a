"""`invoke restore --to TIME [--into NAME]`: the restore drill (harness/ops/restore.py).

Run as a user runs it, against an emulator on the DynamoDB Local data plane
holding the design's table with the seed items. The restore itself follows
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html;
what the drill adds (progress, the comparison, one-line refusals) is ours.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import urllib.request

import boto3
import pytest
from invoke_cli import assert_one_clear_line, run_invoke

from harness import HarnessError
from harness.emulator import process
from harness.model import key_design
from harness.ops import reconciler
from harness.ops import restore as drill
from harness.stack import seed

NOW = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- no server


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", NOW - dt.timedelta(minutes=10)),
        ("2h", NOW - dt.timedelta(hours=2)),
        ("90s", NOW - dt.timedelta(seconds=90)),
        ("1d", NOW - dt.timedelta(days=1)),
        ("2026-11-30T19:15:00Z", dt.datetime(2026, 11, 30, 19, 15, tzinfo=dt.UTC)),
        ("2026-11-30T19:15:00", dt.datetime(2026, 11, 30, 19, 15, tzinfo=dt.UTC)),
        ("2026-11-30T20:15:00+01:00", dt.datetime(2026, 11, 30, 19, 15, tzinfo=dt.UTC)),
    ],
)
def test_times_are_iso_8601_or_an_age(text, expected):
    assert drill.parse_time(text, now=NOW) == expected


def test_a_time_that_is_neither_is_refused_in_one_line():
    with pytest.raises(HarnessError, match="neither an ISO-8601 time"):
        drill.parse_time("yesterday", now=NOW)


def test_the_comparison_sorts_changes_by_entity_type():
    def item(pk, sk, entity, **more):
        return {"pk": {"S": pk}, "sk": {"S": sk}, "entityType": {"S": entity}, **more}

    past = {
        "course#101 / student#201": item("course#101", "student#201", "student"),
        "course#101 / #details": item("course#101", "#details", "course", n={"N": "3"}),
    }
    live = {
        "course#101 / #details": item("course#101", "#details", "course", n={"N": "2"}),
        "user#1 / #profile": item("user#1", "#profile", "userProfile"),
    }
    comparison = drill.compare(live, past)
    assert comparison.by_entity["student"].removed == ["course#101 / student#201"]
    assert comparison.by_entity["course"].changed == ["course#101 / #details"]
    assert comparison.by_entity["userProfile"].added == ["user#1 / #profile"]
    assert drill.compare(live, live).unchanged


# --------------------------------------------------------------------------- as a user runs it


@pytest.fixture(scope="module")
def drill_emulator(tmp_path_factory):
    """An emulator on the DynamoDB Local data plane, found by invoke through HARNESS_STATE_DIR."""
    root = tmp_path_factory.mktemp("drill")
    running = process.start_private(root / "local", data_plane="dynamodb-local")
    yield root, running
    process.stop(root / "local")


@pytest.fixture
def university(drill_emulator):
    """The design's table with the seed items and PITR on; (env for invoke, boto3 client)."""
    root, running = drill_emulator
    reset = urllib.request.Request(running.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=30).close()
    env = {
        **os.environ,
        "HARNESS_STATE_DIR": str(root),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    session = boto3.Session("testing", "testing", region_name="us-east-1")
    client = session.client("dynamodb", endpoint_url=running.endpoint_url)
    client.create_table(**key_design.table_request(indexes=key_design.INDEXES))
    table = session.resource("dynamodb", endpoint_url=running.endpoint_url).Table(
        key_design.TABLE_NAME
    )
    seed.put_items(table)
    # The #stats items the stream processor would have written (this table has no stream).
    seed.put_items(
        table,
        {
            str(n): item
            for n, item in enumerate(reconciler.aggregate_items(seed.load_items().values()))
        },
    )
    client.update_continuous_backups(
        TableName=key_design.TABLE_NAME,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    return env, client


def _students_of_101(client) -> list[str]:
    items = client.query(
        TableName=key_design.TABLE_NAME,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues={":pk": {"S": "course#101"}, ":s": {"S": "student#"}},
    )["Items"]
    return sorted(item["sk"]["S"] for item in items)


@pytest.mark.slow
def test_restore_a_minute_back_brings_back_deleted_students(university):
    """Must show: `invoke restore --to 1m` after deleting course#101's students: the restored
    table has them and the report lists them as removed from the live table. PITR has to
    have been on for that minute (EarliestRestorableDateTime), so the test waits it out."""
    env, client = university
    students = _students_of_101(client)
    assert students
    time.sleep(61)
    for sk in students:
        client.delete_item(
            TableName=key_design.TABLE_NAME, Key={"pk": {"S": "course#101"}, "sk": {"S": sk}}
        )

    result = run_invoke(env, "restore", "--to", "1m", "--into", "university-drill")

    assert result.returncode == 0, result.stderr
    restored = client.query(
        TableName="university-drill",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues={":pk": {"S": "course#101"}, ":s": {"S": "student#"}},
    )["Items"]
    assert sorted(item["sk"]["S"] for item in restored) == students
    lines = result.stdout.splitlines()
    student_row = next(line for line in lines if line.startswith("student "))
    assert student_row.split()[1:] == ["0", str(len(students)), "0"]
    removed = next(line for line in lines if line.startswith("student removed:"))
    for sk in students:
        assert f"course#101 / {sk}" in removed
    # The copy's aggregates are recomputed from its own items: exact.
    copy = result.stdout.split("Aggregates in the restored copy university-drill", 1)[1]
    assert "0 drifting" in copy and "--repair" not in copy, copy


def test_a_time_outside_the_window_is_one_line(university):
    env, _ = university
    result = run_invoke(env, "restore", "--to", "2000-01-01T00:00:00Z")
    assert_one_clear_line(result, "outside 'university''s restore window")


def test_an_existing_target_is_one_line(university):
    env, client = university
    client.create_table(**key_design.table_request("taken"))
    result = run_invoke(env, "restore", "--to", "1s", "--into", "taken")
    assert_one_clear_line(result, "table 'taken' already exists")


def test_a_missing_table_is_one_line(university):
    env, client = university
    client.delete_table(TableName=key_design.TABLE_NAME)
    result = run_invoke(env, "restore", "--to", "1s")
    assert_one_clear_line(result, "table 'university' does not exist")


def test_a_recent_restore_reports_progress_and_no_changes(university):
    """A restore to a second ago of an unchanged table: it waits for ACTIVE, then says the
    live table holds the same items; the live table is untouched."""
    env, client = university
    time.sleep(1.5)
    result = run_invoke(env, "restore", "--to", "1s")
    assert result.returncode == 0, result.stderr
    assert "==> Restoring university as at" in result.stderr + result.stdout
    assert "no changes" in result.stdout


def test_drift_in_the_restored_copy_is_reported_and_repairs_there(university):
    """Issue 14: the restore runs the reconciler on the restored copy. A copy's #stats items
    are the source's at the restore time (a restore copies items and creates no stream:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html),
    so drift there is reported, and `aggregates.check --table COPY --repair` fixes the copy
    without touching the live table."""
    env, client = university
    wrong = {"pk": {"S": "course#101"}, "sk": {"S": "#stats"}}
    client.update_item(
        TableName=key_design.TABLE_NAME,
        Key=wrong,
        UpdateExpression="SET studentCount = :wrong",
        ExpressionAttributeValues={":wrong": {"N": "7"}},
    )
    time.sleep(1.5)

    result = run_invoke(env, "restore", "--to", "1s", "--into", "university-copy")

    assert result.returncode == 0, result.stderr
    copy = result.stdout.split("Aggregates in the restored copy university-copy", 1)[1]
    [line] = [line for line in copy.splitlines() if "studentCount" in line]
    assert line.split() == [
        "course#101", "#stats", "studentCount", "stored", "7", "true", "3", "drift", "-4"
    ]  # fmt: skip
    assert "1 drifting" in copy
    assert "invoke aggregates.check --table university-copy --repair" in copy
    repaired = run_invoke(env, "aggregates.check", "--table", "university-copy", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired course#101 #stats" in repaired.stdout
    again = run_invoke(env, "aggregates.check", "--table", "university-copy")
    assert again.returncode == 0 and "0 drifting" in again.stdout, again.stdout
    live = client.get_item(TableName=key_design.TABLE_NAME, Key=wrong)["Item"]
    assert live["studentCount"] == {"N": "7"}, "the live table is never written"
