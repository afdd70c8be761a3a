"""Point-in-time recovery on the DynamoDB Local data plane (harness/emulator/data_plane/pitr.py).

Each expected value is AWS's, from the page its test cites:
- API_RestoreTableToPointInTime: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html
- API_UpdateContinuousBackups / API_DescribeContinuousBackups /
  API_PointInTimeRecoveryDescription (same folder);
- the PITR developer guide: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Point-in-time-recovery.html
  and pointintimerecovery_beforeyoubegin.html.
Error messages are the emulator's: AWS documents the codes, not their wording.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import test_data_plane
from botocore.exceptions import ClientError
from test_data_plane import client

from harness.emulator.data_plane.pitr import DAY_SECONDS, TableHistory
from harness.model import key_design

GSI = key_design.index("studentID-index")
# The DynamoDB Local emulator of test_data_plane (a module-scoped fixture) and its reset.
local_plane = test_data_plane.local_plane
plane = test_data_plane.plane


def make_table(ddb, name: str, pitr: bool = True, **extra) -> None:
    ddb.create_table(**key_design.table_request(name, indexes=(GSI,)), **extra)
    if pitr:
        ddb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


def item(pk: str, sk: str = "#", **attributes: str) -> dict:
    return {
        "pk": {"S": pk},
        "sk": {"S": sk},
        **{name: {"S": value} for name, value in attributes.items()},
    }


def pks(ddb, table: str) -> list[str]:
    return sorted(i["pk"]["S"] for i in ddb.scan(TableName=table, ConsistentRead=True)["Items"])


def wait_active(ddb, table: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        description = ddb.describe_table(TableName=table)["Table"]
        if description["TableStatus"] == "ACTIVE":
            return description
        assert time.monotonic() < deadline, f"{table} still {description['TableStatus']}"
        time.sleep(0.05)


def error_code(raised) -> str:
    return raised.value.response["Error"]["Code"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- must show 1


def test_restore_to_t_gives_the_items_as_they_were_at_t(plane):
    """PITR on; k0, k1, k2 written; time T; k0 deleted, k9 added: restoring to T gives
    exactly k0, k1, k2. "DynamoDB restores your table data to the state based on the
    selected date and time" (API_RestoreTableToPointInTime). The table has no stream:
    the history does not need one."""
    ddb = client(plane)
    make_table(ddb, "books")
    for key in ("k0", "k1", "k2"):
        ddb.put_item(TableName="books", Item=item(key))
    moment = now()
    time.sleep(0.01)
    ddb.delete_item(TableName="books", Key=item("k0"))
    ddb.put_item(TableName="books", Item=item("k9"))

    answer = ddb.restore_table_to_point_in_time(
        SourceTableName="books", TargetTableName="books-at-t", RestoreDateTime=moment
    )
    wait_active(ddb, "books-at-t")
    assert answer["TableDescription"]["TableStatus"] == "CREATING"
    assert pks(ddb, "books-at-t") == ["k0", "k1", "k2"]
    assert pks(ddb, "books") == ["k1", "k2", "k9"]


def test_a_restore_to_the_year_2000_is_refused(plane):
    """A time outside [EarliestRestorableDateTime, LatestRestorableDateTime]:
    InvalidRestoreTimeException ("RestoreDateTime must be between
    EarliestRestorableDateTime and LatestRestorableDateTime", API_RestoreTableToPointInTime)."""
    ddb = client(plane)
    make_table(ddb, "books")
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_to_point_in_time(
            SourceTableName="books",
            TargetTableName="books-2000",
            RestoreDateTime=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        )
    assert error_code(raised) == "InvalidRestoreTimeException"
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_to_point_in_time(
            SourceTableName="books",
            TargetTableName="books-future",
            RestoreDateTime=now() + dt.timedelta(hours=1),
        )
    assert error_code(raised) == "InvalidRestoreTimeException"
    assert "books-2000" not in ddb.list_tables()["TableNames"]


def test_a_restore_from_a_table_without_pitr_is_refused(plane):
    """PointInTimeRecoveryUnavailableException: "Point in time recovery has not yet been
    enabled for this source table" (API_RestoreTableToPointInTime)."""
    ddb = client(plane)
    make_table(ddb, "books", pitr=False)
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_to_point_in_time(
            SourceTableName="books", TargetTableName="copy", UseLatestRestorableTime=True
        )
    assert error_code(raised) == "PointInTimeRecoveryUnavailableException"


def test_the_window_starts_when_pitr_is_enabled_and_its_end_moves_with_time(plane):
    """DescribeContinuousBackups: DISABLED without the times; once enabled,
    EarliestRestorableDateTime is the enabling time, LatestRestorableDateTime moves with
    the clock, RecoveryPeriodInDays defaults to 35 (API_PointInTimeRecoveryDescription,
    API_PointInTimeRecoverySpecification)."""
    ddb = client(plane)
    make_table(ddb, "books", pitr=False)
    off = ddb.describe_continuous_backups(TableName="books")["ContinuousBackupsDescription"]
    assert off == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    before = now()
    ddb.update_continuous_backups(
        TableName="books", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    first = ddb.describe_continuous_backups(TableName="books")["ContinuousBackupsDescription"]
    time.sleep(1.1)
    second = ddb.describe_continuous_backups(TableName="books")["ContinuousBackupsDescription"]
    one, two = (d["PointInTimeRecoveryDescription"] for d in (first, second))
    assert one["PointInTimeRecoveryStatus"] == "ENABLED"
    assert one["RecoveryPeriodInDays"] == 35
    assert (
        before - dt.timedelta(seconds=1)
        <= one["EarliestRestorableDateTime"]
        <= before + (dt.timedelta(seconds=2))
    )
    assert two["EarliestRestorableDateTime"] == one["EarliestRestorableDateTime"]
    assert two["LatestRestorableDateTime"] - one["LatestRestorableDateTime"] >= dt.timedelta(
        seconds=1
    )


def test_the_recovery_period_is_one_to_35_days(plane):
    """RecoveryPeriodInDays: "any value between 1 and 35 days" (API_UpdateContinuousBackups);
    0 is a ValidationException; a valid value is reported back."""
    ddb = client(plane)
    make_table(ddb, "books", pitr=False)
    with pytest.raises(ClientError) as raised:
        ddb.update_continuous_backups(
            TableName="books",
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True,
                "RecoveryPeriodInDays": 36,
            },
        )
    assert error_code(raised) == "ValidationException"
    answer = ddb.update_continuous_backups(
        TableName="books",
        PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": 7,
        },
    )["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert answer["RecoveryPeriodInDays"] == 7


def test_the_window_drops_history_older_than_the_recovery_period():
    """ "Your table data is only recoverable to any point-in-time from within the configured
    recovery period" (API_PointInTimeRecoveryDescription): EarliestRestorableDateTime moves
    forward as time passes, and versions no restore can reach are dropped."""
    enabled = 1_000_000.0
    history = TableHistory(["pk"], enabled, recovery_days=1)
    history.record(enabled + 10, {"pk": {"S": "a"}}, {"pk": {"S": "a"}, "v": {"N": "1"}})
    history.record(enabled + 20, {"pk": {"S": "a"}}, {"pk": {"S": "a"}, "v": {"N": "2"}})
    history.record(enabled + 30, {"pk": {"S": "b"}}, {"pk": {"S": "b"}})
    history.record(enabled + 40, {"pk": {"S": "b"}}, None)
    assert history.earliest(enabled + 100) == enabled
    later = enabled + DAY_SECONDS + 50
    assert history.earliest(later) == enabled + 50
    history.prune(later)
    assert list(history.versions) == [history.versions and '{"pk": {"S": "a"}}']
    assert len(history.versions['{"pk": {"S": "a"}}']) == 1
    assert history.state_at(enabled + 50) == [{"pk": {"S": "a"}, "v": {"N": "2"}}]


def test_disabling_and_enabling_again_resets_the_window(plane):
    """Disabling and enabling again: "If you disable point-in-time recovery and later
    re-enable it on a table, you reset the start time for which you can recover that
    table" (pointintimerecovery_beforeyoubegin)."""
    ddb = client(plane)
    make_table(ddb, "books")
    ddb.put_item(TableName="books", Item=item("old"))
    moment = now()
    spec = {"PointInTimeRecoveryEnabled": False}
    ddb.update_continuous_backups(TableName="books", PointInTimeRecoverySpecification=spec)
    time.sleep(0.05)
    spec = {"PointInTimeRecoveryEnabled": True}
    ddb.update_continuous_backups(TableName="books", PointInTimeRecoverySpecification=spec)
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_to_point_in_time(
            SourceTableName="books", TargetTableName="copy", RestoreDateTime=moment
        )
    assert error_code(raised) == "InvalidRestoreTimeException"


# --------------------------------------------------------------------------- the other rules


def test_an_existing_target_and_a_missing_source_are_refused(plane):
    """TableAlreadyExistsException: "A target table with the specified name already exists";
    TableNotFoundException: "A source table with the name TableName does not currently
    exist" (API_RestoreTableToPointInTime)."""
    ddb = client(plane)
    make_table(ddb, "books")
    make_table(ddb, "taken", pitr=False)
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_to_point_in_time(
            SourceTableName="books", TargetTableName="taken", UseLatestRestorableTime=True
        )
    assert error_code(raised) == "TableAlreadyExistsException"
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_to_point_in_time(
            SourceTableName="nowhere", TargetTableName="copy", UseLatestRestorableTime=True
        )
    assert error_code(raised) == "TableNotFoundException"


def test_a_restored_table_leaves_out_stream_ttl_pitr_tags_and_deletion_protection(plane):
    """Restored: GSIs, LSIs, capacity, encryption. Not restored: "Tags, Stream settings, Time
    to Live (TTL) settings, Point in time recovery settings" (API_RestoreTableToPointInTime);
    RestoreSummary names the source and the time (API_RestoreSummary)."""
    ddb = client(plane)
    ddb.create_table(
        **key_design.table_request("books", indexes=(GSI,), stream_view_type="NEW_IMAGE"),
        Tags=[{"Key": "team", "Value": "x"}],
        DeletionProtectionEnabled=True,
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )
    ddb.update_continuous_backups(
        TableName="books", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.update_time_to_live(
        TableName="books", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    ddb.put_item(TableName="books", Item=item("k1", studentID="s1"))
    source = ddb.describe_table(TableName="books")["Table"]
    ddb.restore_table_to_point_in_time(
        SourceTableArn=source["TableArn"], TargetTableName="copy", UseLatestRestorableTime=True
    )
    restored = wait_active(ddb, "copy")
    ddb.update_table(TableName="books", DeletionProtectionEnabled=False)  # lets reset drop it
    assert "StreamSpecification" not in restored
    assert not restored.get("DeletionProtectionEnabled")
    assert [i["IndexName"] for i in restored["GlobalSecondaryIndexes"]] == [GSI.name]
    assert restored["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert restored["SSEDescription"] == source["SSEDescription"]
    summary = restored["RestoreSummary"]
    assert summary["SourceTableArn"] == source["TableArn"]
    assert summary["RestoreInProgress"] is False
    assert ddb.list_tags_of_resource(ResourceArn=restored["TableArn"])["Tags"] == []
    ttl = ddb.describe_time_to_live(TableName="copy")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"
    backups = ddb.describe_continuous_backups(TableName="copy")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    found = ddb.query(
        TableName="copy",
        IndexName=GSI.name,
        KeyConditionExpression="studentID = :s",
        ExpressionAttributeValues={":s": {"S": "s1"}},
    )["Items"]
    assert [i["pk"]["S"] for i in found] == ["k1"]


def test_overrides_replace_indexes_billing_and_encryption(plane):
    """GlobalSecondaryIndexOverride ("You can choose to exclude some or all of the indexes"),
    BillingModeOverride, ProvisionedThroughputOverride and SSESpecificationOverride
    (API_RestoreTableToPointInTime)."""
    ddb = client(plane)
    make_table(ddb, "books")
    ddb.put_item(TableName="books", Item=item("k1"))
    ddb.restore_table_to_point_in_time(
        SourceTableName="books",
        TargetTableName="copy",
        UseLatestRestorableTime=True,
        GlobalSecondaryIndexOverride=[],
        BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
        SSESpecificationOverride={"Enabled": True, "SSEType": "KMS"},
    )
    restored = wait_active(ddb, "copy")
    assert "GlobalSecondaryIndexes" not in restored
    # DescribeTable may leave BillingModeSummary out for a provisioned table (the default).
    assert restored.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == (
        "PROVISIONED"
    )
    assert restored["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert restored["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    assert restored["SSEDescription"]["SSEType"] == "KMS"
    assert pks(ddb, "copy") == ["k1"]


def test_every_kind_of_write_is_in_the_history(plane):
    """A restore reflects UpdateItem, BatchWriteItem, TransactWriteItems, PartiQL writes and
    TTL deletions alike: DynamoDB restores "your table data" as it was
    (API_RestoreTableToPointInTime), whatever wrote it."""
    ddb = client(plane)
    make_table(ddb, "books")
    ddb.update_time_to_live(
        TableName="books", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    ddb.put_item(TableName="books", Item=item("upd", v="1"))
    ddb.update_item(
        TableName="books",
        Key=item("upd"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "2"}},
    )
    ddb.batch_write_item(RequestItems={"books": [{"PutRequest": {"Item": item("batch")}}]})
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "books", "Item": item("txn")}},
            {
                "Update": {
                    "TableName": "books",
                    "Key": item("upd"),
                    "UpdateExpression": "SET w = :w",
                    "ExpressionAttributeValues": {":w": {"S": "t"}},
                }
            },
        ]
    )
    ddb.execute_statement(Statement="INSERT INTO \"books\" VALUE {'pk': 'sql', 'sk': '#'}")
    expired = {**item("ttl"), "ttl": {"N": str(int(time.time()) - 60)}}
    ddb.put_item(TableName="books", Item=expired)
    moment = now()
    time.sleep(0.01)
    deadline = time.monotonic() + 15
    while "ttl" in pks(ddb, "books"):  # the sweeper deletes it
        assert time.monotonic() < deadline
        time.sleep(0.2)
    after_ttl = now()
    ddb.restore_table_to_point_in_time(
        SourceTableName="books", TargetTableName="at-t", RestoreDateTime=moment
    )
    ddb.restore_table_to_point_in_time(
        SourceTableName="books", TargetTableName="after", RestoreDateTime=after_ttl
    )
    wait_active(ddb, "at-t")
    wait_active(ddb, "after")
    assert pks(ddb, "at-t") == ["batch", "sql", "ttl", "txn", "upd"]
    assert pks(ddb, "after") == ["batch", "sql", "txn", "upd"]
    updated = ddb.get_item(TableName="at-t", Key=item("upd"))["Item"]
    assert updated == item("upd", v="2", w="t")


# --------------------------------------------------------------------------- on-demand backups


def test_a_backup_restores_the_table_as_it_was_when_taken(plane):
    """CreateBackup keeps the table as at the request; RestoreTableFromBackup creates a new
    table with those items and RestoreSummary.SourceBackupArn (API_CreateBackup,
    API_RestoreTableFromBackup, API_RestoreSummary). CreateBackup answers CREATING, then the
    backup is AVAILABLE (API_BackupDetails). A backup does not need PITR."""
    ddb = client(plane)
    make_table(ddb, "books", pitr=False)
    ddb.put_item(TableName="books", Item=item("k1", studentID="s1"))
    details = ddb.create_backup(TableName="books", BackupName="before")["BackupDetails"]
    assert details["BackupStatus"] == "CREATING"
    assert details["BackupType"] == "USER"
    ddb.delete_item(TableName="books", Key=item("k1"))
    ddb.put_item(TableName="books", Item=item("k2"))

    described = ddb.describe_backup(BackupArn=details["BackupArn"])["BackupDescription"]
    assert described["BackupDetails"]["BackupStatus"] == "AVAILABLE"
    assert described["SourceTableDetails"]["TableName"] == "books"
    assert described["SourceTableDetails"]["ItemCount"] == 1
    assert [
        i["IndexName"] for i in described["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"]
    ] == [GSI.name]
    ddb.restore_table_from_backup(TargetTableName="copy", BackupArn=details["BackupArn"])
    restored = wait_active(ddb, "copy")
    assert pks(ddb, "copy") == ["k1"]
    assert restored["RestoreSummary"]["SourceBackupArn"] == details["BackupArn"]
    assert [i["IndexName"] for i in restored["GlobalSecondaryIndexes"]] == [GSI.name]


def test_backups_are_listed_deleted_and_refused_when_missing(plane):
    """ListBackups by table (start inclusive, end exclusive, Limit with
    LastEvaluatedBackupArn); DeleteBackup answers DELETED; a missing backup is
    BackupNotFoundException; a backup outlives its table (API_ListBackups, API_DeleteBackup,
    API_DescribeBackup)."""
    ddb = client(plane)
    make_table(ddb, "books", pitr=False)
    make_table(ddb, "other", pitr=False)
    first = ddb.create_backup(TableName="books", BackupName="one")["BackupDetails"]["BackupArn"]
    second = ddb.create_backup(TableName="books", BackupName="two")["BackupDetails"]["BackupArn"]
    ddb.create_backup(TableName="other", BackupName="three")
    listed = ddb.list_backups(TableName="books")["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [first, second]
    page = ddb.list_backups(TableName="books", Limit=1)
    assert page["LastEvaluatedBackupArn"] == first
    rest = ddb.list_backups(TableName="books", ExclusiveStartBackupArn=first)
    assert [b["BackupArn"] for b in rest["BackupSummaries"]] == [second]
    assert len(ddb.list_backups()["BackupSummaries"]) == 3

    ddb.delete_table(TableName="books")
    assert ddb.describe_backup(BackupArn=first)["BackupDescription"]["BackupDetails"]
    deleted = ddb.delete_backup(BackupArn=first)["BackupDescription"]["BackupDetails"]
    assert deleted["BackupStatus"] == "DELETED"
    with pytest.raises(ClientError) as raised:
        ddb.describe_backup(BackupArn=first)
    assert error_code(raised) == "BackupNotFoundException"
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_from_backup(TargetTableName="copy", BackupArn=first)
    assert error_code(raised) == "BackupNotFoundException"
    with pytest.raises(ClientError) as raised:
        ddb.restore_table_from_backup(TargetTableName="other", BackupArn=second)
    assert error_code(raised) == "TableAlreadyExistsException"
