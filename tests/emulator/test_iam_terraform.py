"""Must show: a role that cannot read the stream fails `terraform apply` at the mapping.

The variant is the project's own root module with one change: the stream_processor
module's role policy loses its ReadTableStream statement (dynamodb:DescribeStream,
GetRecords, GetShardIterator on the stream). Lambda's CreateEventSourceMapping refuses
that role with InvalidParameterValueException "Cannot access stream STREAM_ARN. Please
ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and
ListStreams Actions on your stream in IAM." (AWS-recorded: awslabs/dynamodb-continuous-backup#39;
harness.emulator.esm_permissions). Provider 5.100 retries that error while IAM
propagates (retryEventSourceMapping in internal/service/lambda/event_source_mapping.go,
for lambdaPropagationTimeout), so the apply fails after those minutes, here as on AWS.
"""

from __future__ import annotations

import re
import shutil

import pytest

from harness import TERRAFORM_DIR, HarnessError
from harness.emulator import process
from harness.stack import targets
from harness.stack.terraform import Stack

READ_STATEMENT = re.compile(
    r'\n  statement \{\n    sid\s+= "ReadTableStream".*?\n  \}\n', re.DOTALL
)


def without_stream_read(destination) -> None:
    """Copy the root module to `destination` with the role's stream read removed."""
    shutil.copytree(TERRAFORM_DIR, destination, ignore=shutil.ignore_patterns(".terraform*"))
    policy = destination / "modules" / "stream_processor" / "iam.tf"
    text, removed = READ_STATEMENT.subn("\n", policy.read_text())
    assert removed == 1, "the ReadTableStream statement moved: update this test's variant"
    policy.write_text(text)


@pytest.mark.slow
def test_apply_fails_at_the_mapping_with_aws_message_when_the_role_cannot_read_the_stream(
    tmp_path,
):
    running = process.start_private(tmp_path / "emulator")
    target = targets.local(running.endpoint_url, state_dir=tmp_path / "state")
    without_stream_read(tmp_path / "variant")
    stack = Stack(target, tf_dir=tmp_path / "variant")
    try:
        stack.build_lambda()
        stack.init()
        with pytest.raises(HarnessError) as failed:
            stack.apply()
        text = " ".join(str(failed.value).split())
        stream_arn = target.client("dynamodb").describe_table(TableName="university")["Table"][
            "LatestStreamArn"
        ]
        assert "creating Lambda Event Source Mapping" in text, text
        assert "InvalidParameterValueException" in text, text
        assert (
            f"Cannot access stream {stream_arn}. Please ensure the role can perform the "
            "GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your "
            "stream in IAM."
        ) in text, text
        assert target.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    finally:
        stack.destroy()
        process.stop(tmp_path / "emulator")
