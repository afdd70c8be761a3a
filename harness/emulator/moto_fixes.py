"""Small moto 5.2.5 defects that block Terraform against the emulator, fixed in place.

- DynamoDB TagResource appends a second entry for a key that is already there
  instead of overwriting it (moto/dynamodb/models/__init__.py, tag_resource).
  ListTagsOfResource then returns both values, so a Terraform tag change on a
  table (or on a replica, through propagate_tags) never converges: every plan
  shows the old value again.

HOOKS names every patched attribute; tests/emulator/test_moto_fixes.py checks
that each still exists with the signature we replace.
"""

from __future__ import annotations

from moto.dynamodb.models import DynamoDBBackend

HOOKS: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (DynamoDBBackend, "tag_resource", ("arn", "tags")),
)


def _tag_resource(self: DynamoDBBackend, arn: str, tags: dict[str, str]) -> None:
    """Set each tag, replacing the value of a key the table already has (as AWS does)."""
    for table in list(self.tables.values()):
        if table.table_arn == arn:
            merged = {tag["Key"]: tag["Value"] for tag in table.tags}
            merged.update(tags)
            table.tags = [{"Key": key, "Value": value} for key, value in merged.items()]


def install(emulator) -> None:
    DynamoDBBackend.tag_resource = _tag_resource
