"""Small moto 5.2.5 defects that block Terraform against the emulator, fixed in place.

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

HOOKS names every patched attribute; tests/emulator/test_moto_fixes.py checks
that each still exists with the signature we replace.
"""

from __future__ import annotations

import functools

from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend

HOOKS: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (DynamoDBBackend, "tag_resource", ("arn", "tags")),
    (DynamoDBBackend, "delete_table", ("name",)),
)


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
    if not getattr(DynamoDBBackend.delete_table, "names_missing_table", False):
        DynamoDBBackend.delete_table = _naming_the_missing_table(DynamoDBBackend.delete_table)
