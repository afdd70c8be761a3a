"""DeleteTable refuses a replica that has deletion protection, in the replica's region.

A replica is a table of its own with its own DeletionProtectionEnabled; DeleteTable
on a protected table fails with ValidationException
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection).
The message is AWS's as its Knowledge Center shows it for DeleteTable
(https://repost.aws/knowledge-center/dynamodb-accidental-delete-protection: "Resource
cannot be deleted as it is currently protected against deletion. Disable deletion
protection first."), which AWS's DynamoDB Local answers word for word. (The moto data
plane answered with moto's own wording, "1 validation error detected: Table 'x' can't be
deleted while DeletionProtectionEnabled is set to True".) A replica is a table of its own
in its region, so DeleteTable there gets the same answer.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from harness.model import key_design

TABLE = "protected"


def test_deleting_a_protected_replica_is_refused(local_target):
    east = local_target.client("dynamodb", region="us-east-1")
    west = local_target.client("dynamodb", region="us-west-2")
    east.create_table(
        **key_design.table_request(TABLE, sort_key=False, stream_view_type="NEW_AND_OLD_IMAGES"),
        DeletionProtectionEnabled=True,
    )
    east.update_table(TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    west.update_table(TableName=TABLE, DeletionProtectionEnabled=True)

    with pytest.raises(ClientError) as refused:
        west.delete_table(TableName=TABLE)

    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first.",
    )
    assert west.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is True


def test_an_unprotected_replica_can_be_deleted_although_the_primary_is_protected(local_target):
    """What provider 5.100's replica block leaves behind: protection is per table."""
    east = local_target.client("dynamodb", region="us-east-1")
    west = local_target.client("dynamodb", region="us-west-2")
    east.create_table(
        **key_design.table_request(TABLE, sort_key=False, stream_view_type="NEW_AND_OLD_IMAGES"),
        DeletionProtectionEnabled=True,
    )
    east.update_table(TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    assert west.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is False
    west.delete_table(TableName=TABLE)
