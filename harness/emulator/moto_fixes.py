"""Small moto 5.2.5 defects that block Terraform against the emulator, fixed in place.

Installed only on the moto data plane (EMULATOR_DATA_PLANE=moto); the default DynamoDB
Local data plane answers these calls as AWS does without them.

- DynamoDB TagResource appends a second entry for a key that is already there
  instead of overwriting it (moto/dynamodb/models/__init__.py, tag_resource).
  ListTagsOfResource then returns both values, so a Terraform tag change on a
  table (or on a replica, through propagate_tags) never converges: every plan
  shows the old value again.
- DynamoDB DeleteTable of a table that is not there answers "Requested
  resource not found"; AWS adds ": Table: NAME not found", as moto's own
  DescribeTable does. The Terraform provider treats a DeleteTable
  ResourceNotFoundException as "already deleted" only when that suffix is
  there (resourceTableDelete), so when its SDK retried a DeleteTable whose
  first answer it never read, `terraform destroy` failed against the emulator
  where it succeeds against AWS.
- DynamoDB RestoreTableToPointInTime copies the table's current items whatever
  the time asked for: a restore that looks like it worked and is wrong. On the
  moto data plane it now answers PointInTimeRecoveryUnavailableException with a
  line saying point-in-time restores need the DynamoDB Local data plane (the
  default; EMULATOR_DATA_PLANE=dynamodb-local), where
  harness/emulator/data_plane/pitr.py keeps real item history.

HOOKS names every patched attribute; tests/emulator/test_moto_fixes.py checks
that each still exists with the signature we replace.
"""

from __future__ import annotations

import functools

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend

HOOKS: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (DynamoDBBackend, "tag_resource", ("arn", "tags")),
    (DynamoDBBackend, "delete_table", ("name",)),
    (DynamoDBBackend, "restore_table_to_point_in_time", ("target_table_name", "source_table_name")),
)
NEEDS_DYNAMODB_LOCAL = (
    "point-in-time restore needs the emulator's DynamoDB Local data plane "
    "(EMULATOR_DATA_PLANE=dynamodb-local); the moto data plane keeps no item history"
)


def _restore_table_to_point_in_time(
    self: DynamoDBBackend, target_table_name: str, source_table_name: str
):
    """Refuse, rather than copy today's items as if they were the past's."""
    raise JsonRESTError("PointInTimeRecoveryUnavailableException", NEEDS_DYNAMODB_LOCAL)


def _tag_resource(self: DynamoDBBackend, arn: str, tags: dict[str, str]) -> None:
    """Set each tag, replacing the value of a key the table already has (as AWS does)."""
    for table in list(self.tables.values()):
        if table.table_arn == arn:
            merged = {tag["Key"]: tag["Value"] for tag in table.tags}
            merged.update(tags)
            table.tags = [{"Key": key, "Value": value} for key, value in merged.items()]


def _naming_the_missing_table(delete_table):
    @functools.wraps(delete_table)
    def wrapper(self: DynamoDBBackend, name: str):
        try:
            return delete_table(self, name)
        except ResourceNotFoundException:
            raise ResourceNotFoundException(table_name=name) from None

    wrapper.names_missing_table = True
    return wrapper


def install(emulator) -> None:
    DynamoDBBackend.tag_resource = _tag_resource
    DynamoDBBackend.restore_table_to_point_in_time = _restore_table_to_point_in_time
    if not getattr(DynamoDBBackend.delete_table, "names_missing_table", False):
        DynamoDBBackend.delete_table = _naming_the_missing_table(DynamoDBBackend.delete_table)
