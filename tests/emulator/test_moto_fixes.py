"""moto defects fixed by harness/emulator/moto_fixes.py, checked over HTTP."""

from __future__ import annotations

import inspect

import pytest
from botocore.exceptions import ClientError
from moto_hook_pins import assert_hook_in_place, each_hook

from harness.emulator.moto_fixes import HOOKS
from harness.model import key_design


def test_tag_resource_overwrites_an_existing_key(local_target):
    dynamodb = local_target.client("dynamodb")
    arn = dynamodb.create_table(
        **key_design.table_request("tagged", sort_key=False),
        Tags=[{"Key": "owner", "Value": "first"}, {"Key": "team", "Value": "data"}],
    )["TableDescription"]["TableArn"]

    dynamodb.tag_resource(
        ResourceArn=arn,
        Tags=[{"Key": "owner", "Value": "second"}, {"Key": "cost", "Value": "low"}],
    )

    tags = dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted((tag["Key"], tag["Value"]) for tag in tags) == [
        ("cost", "low"),
        ("owner", "second"),
        ("team", "data"),
    ], "one entry per key, holding the newest value"


def test_delete_table_of_a_missing_table_names_it_as_aws_does(local_target):
    """The provider's destroy counts this exact message as "already deleted"."""
    dynamodb = local_target.client("dynamodb")

    with pytest.raises(ClientError) as raised:
        dynamodb.delete_table(TableName="never-created")

    error = raised.value.response["Error"]
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "Requested resource not found: Table: never-created not found"


def test_deleting_a_table_twice_is_reported_as_already_gone(local_target):
    dynamodb = local_target.client("dynamodb")
    dynamodb.create_table(**key_design.table_request("twice", sort_key=False))
    dynamodb.delete_table(TableName="twice")

    with pytest.raises(ClientError, match="Requested resource not found: Table: twice not found"):
        dynamodb.delete_table(TableName="twice")


@each_hook(HOOKS)
def test_fixed_moto_attribute_is_where_we_expect(owner, name, parameters):
    assert_hook_in_place(
        owner,
        name,
        parameters,
        moved=", which moto_fixes replaces; check whether the defect is gone "
        "in the new moto and update harness/emulator/moto_fixes.py",
        changed="update harness/emulator/moto_fixes.py",
    )


def test_moto_tags_are_still_a_list_of_key_value_pairs():
    from moto.dynamodb.models.table import Table

    assert "self.tags = tags or []" in inspect.getsource(Table.__init__), (
        "moto's Table no longer stores tags as a list of {Key, Value}; "
        "moto_fixes._tag_resource writes that shape"
    )


def test_point_in_time_restore_on_moto_says_it_needs_dynamodb_local(local_target):
    """moto's RestoreTableToPointInTime copied today's items whatever the time; the emulator
    refuses instead, naming the data plane that restores to a point in time
    (API_RestoreTableToPointInTime: the table "as of" the RestoreDateTime)."""
    dynamodb = local_target.client("dynamodb")
    dynamodb.create_table(**key_design.table_request("source", sort_key=False))
    dynamodb.update_continuous_backups(
        TableName="source", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    with pytest.raises(ClientError) as raised:
        dynamodb.restore_table_to_point_in_time(
            SourceTableName="source", TargetTableName="copy", UseLatestRestorableTime=True
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "PointInTimeRecoveryUnavailableException"
    assert "EMULATOR_DATA_PLANE=dynamodb-local" in error["Message"]
