"""moto defects fixed by harness/emulator/moto_fixes.py, checked over HTTP.

moto_fixes is installed on the moto data plane (EMULATOR_DATA_PLANE=moto), no longer the
default, so these tests run on an emulator of that plane; the behaviours a user sees on
both planes (tags, a missing table's message) run on the default plane too.
"""

from __future__ import annotations

import inspect

import pytest
from botocore.exceptions import ClientError
from moto_hook_pins import assert_hook_in_place, each_hook

from harness.emulator import process
from harness.emulator.moto_fixes import HOOKS
from harness.model import key_design
from harness.stack import targets


@pytest.fixture(scope="module")
def moto_plane(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("moto-plane")
    running = process.start_private(state_dir, data_plane="moto")
    yield running
    process.stop(state_dir)


@pytest.fixture
def moto_target(moto_plane, tmp_path):
    """A local target on the moto data plane, reset before the test."""
    import urllib.request

    reset = urllib.request.Request(moto_plane.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    return targets.local(moto_plane.endpoint_url, state_dir=tmp_path / "state")


@pytest.fixture(params=["default", "moto"])
def either_plane(request):
    """The default data plane's target, then the moto data plane's."""
    return request.getfixturevalue("local_target" if request.param == "default" else "moto_target")


def test_tag_resource_overwrites_an_existing_key(either_plane):
    dynamodb = either_plane.client("dynamodb")
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


def test_delete_table_of_a_missing_table_names_it_as_aws_does(either_plane):
    """The provider's destroy counts this exact message as "already deleted"."""
    dynamodb = either_plane.client("dynamodb")

    with pytest.raises(ClientError) as raised:
        dynamodb.delete_table(TableName="never-created")

    error = raised.value.response["Error"]
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "Requested resource not found: Table: never-created not found"


def test_deleting_a_table_twice_is_reported_as_already_gone(either_plane):
    dynamodb = either_plane.client("dynamodb")
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


def test_point_in_time_restore_on_moto_says_it_needs_dynamodb_local(moto_target):
    """moto's RestoreTableToPointInTime copied today's items whatever the time; the emulator
    refuses instead, naming the data plane that restores to a point in time
    (API_RestoreTableToPointInTime: the table "as of" the RestoreDateTime)."""
    dynamodb = moto_target.client("dynamodb")
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
