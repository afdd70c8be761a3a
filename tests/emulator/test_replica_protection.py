"""DeleteTable refuses a replica that has deletion protection, in the replica's region.

A replica is a table of its own with its own DeletionProtectionEnabled; DeleteTable
on a protected table fails with ValidationException
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection),
and AWS asks for protection "on each replica"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-bestpractices.html).
The message is AWS's as its Knowledge Center shows it for DeleteTable
(https://repost.aws/knowledge-center/dynamodb-accidental-delete-protection: "Resource
cannot be deleted as it is currently protected against deletion. Disable deletion
protection first."), which AWS's DynamoDB Local answers word for word. (The moto data
plane answered with moto's own wording, "1 validation error detected: Table 'x' can't be
deleted while DeletionProtectionEnabled is set to True".) A replica is a table of its own
in its region, so DeleteTable there gets the same answer.

The last test applies the shipped stack (terraform/) with deletion protection on, as the
sandbox account does: its replica is an aws_dynamodb_table_replica with
deletion_protection_enabled, and DeleteTable in us-west-2 is refused.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from harness.emulator import process
from harness.model import key_design
from harness.stack import targets
from harness.stack.terraform import Stack

TABLE = "protected"
PROTECTED = (
    "ValidationException",
    "Resource cannot be deleted as it is currently protected against deletion. "
    "Disable deletion protection first.",
)


@pytest.fixture
def replicated(local_target):
    """A protected table in us-east-1 with a replica in us-west-2: (east, west) clients."""
    east = local_target.client("dynamodb", region="us-east-1")
    west = local_target.client("dynamodb", region="us-west-2")
    east.create_table(
        **key_design.table_request(TABLE, sort_key=False, stream_view_type="NEW_AND_OLD_IMAGES"),
        DeletionProtectionEnabled=True,
    )
    east.update_table(TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    return east, west


def refusal(client, table: str) -> tuple[str, str]:
    """(code, message) of DeleteTable's refusal; fails the test if the table was deleted."""
    with pytest.raises(ClientError) as refused:
        client.delete_table(TableName=table)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_deleting_a_protected_replica_is_refused(replicated):
    _, west = replicated
    west.update_table(TableName=TABLE, DeletionProtectionEnabled=True)

    assert refusal(west, TABLE) == PROTECTED
    assert west.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is True


def test_an_unprotected_replica_can_be_deleted_although_the_primary_is_protected(replicated):
    """What provider 5.100's replica block leaves behind: protection is per table."""
    _, west = replicated
    assert west.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is False
    west.delete_table(TableName=TABLE)


@pytest.fixture
def ddblocal_target(tmp_path):
    """A local target on an emulator of its own, on the DynamoDB Local data plane."""
    running = process.start_private(tmp_path / "emulator", data_plane="dynamodb-local")
    yield targets.local(running.endpoint_url, state_dir=tmp_path / "state")
    process.stop(tmp_path / "emulator")


@pytest.mark.slow
def test_the_shipped_stack_with_protection_on_refuses_deletetable_in_every_region(
    ddblocal_target,
):
    """Apply terraform/ as the sandbox does (deletion_protection_enabled = true): the
    provider creates the replica (UpdateTable ReplicaUpdates Create in us-east-1), then
    turns its protection on in us-west-2; the plan after apply is empty, DeleteTable is
    refused in both regions, and `invoke teardown --disable-deletion-protection`'s two
    steps (apply with protection off, then destroy) remove everything."""
    stack = Stack(ddblocal_target, extra_vars={"deletion_protection_enabled": True})
    stack.build_lambda()
    stack.init()
    name = key_design.TABLE_NAME
    try:
        stack.apply()
        assert stack.outputs()["replicas_deletion_protected"] == {"us-west-2": True}
        changes = [
            address
            for address, change in stack.plan().resource_changes.items()
            if change["change"]["actions"] != ["no-op"]
        ]
        assert changes == [], "the plan after apply must be empty"
        for region in ("us-west-2", "us-east-1"):
            client = ddblocal_target.client("dynamodb", region=region)
            assert refusal(client, name) == PROTECTED, region
            assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    finally:
        stack.extra_vars = {"deletion_protection_enabled": False}
        stack.apply()
        stack.destroy()
    for region in ("us-east-1", "us-west-2"):
        tables = ddblocal_target.client("dynamodb", region=region).list_tables()["TableNames"]
        assert tables == [], region
