"""The pull-request summary of a plan: Terraform's counts, data loss first and loud.

Small hand-written plan documents pin the rules; one real Terraform run on the
emulator checks that the counts match Terraform's own "Plan:" line and that a
replaced table is flagged at the top.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from harness.review import plan_review
from harness.stack.terraform import Stack


def resource(address, actions, type_="aws_sqs_queue", module=None, **extra):
    change = {"actions": actions, "before": extra.pop("before", None)}
    change["importing"] = extra.pop("importing", None)
    change["after"] = extra.pop("after", None)
    change["replace_paths"] = extra.pop("replace_paths", None)
    return {
        "address": address,
        "module_address": module,
        "mode": extra.pop("mode", "managed"),
        "type": type_,
        "change": change,
        **extra,
    }


TABLE = "module.table.aws_dynamodb_table.this"


def plan_of(*resources, outputs=None):
    return {"resource_changes": list(resources), "output_changes": outputs or {}}


def test_a_replace_counts_once_to_add_and_once_to_destroy():
    plan = plan_of(
        resource("aws_sqs_queue.a", ["create"]),
        resource("aws_sqs_queue.b", ["update"]),
        resource("aws_sqs_queue.c", ["delete"]),
        resource("aws_sqs_queue.d", ["delete", "create"]),
        resource("aws_sqs_queue.e", ["create", "delete"]),
        resource("aws_sqs_queue.f", ["no-op"]),
        resource("data.aws_region.here", ["read"], mode="data", type_="aws_region"),
    )
    counts = plan_review.summarize(plan).counts
    assert (counts.add, counts.change, counts.destroy) == (3, 1, 3)
    assert str(counts) == "Plan: 3 to add, 1 to change, 3 to destroy."


def test_imports_and_forgets_are_counted_like_terraform_does():
    plan = plan_of(
        resource("aws_sqs_queue.a", ["no-op"], importing={"id": "q"}),
        resource("aws_sqs_queue.b", ["forget"]),
    )
    assert str(plan_review.summarize(plan).counts) == (
        "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy, 1 to forget."
    )


def test_a_replaced_table_is_flagged_above_everything_else():
    plan = plan_of(
        resource("aws_sqs_queue.a", ["create"]),
        resource(
            TABLE,
            ["delete", "create"],
            type_="aws_dynamodb_table",
            module="module.table",
            replace_paths=[["range_key"]],
            action_reason="replace_because_cannot_update",
        ),
    )
    markdown = plan_review.render_markdown(plan)
    head = markdown.split("**Plan:")[0]
    assert "[!CAUTION]" in head and "This plan destroys data" in head
    assert f"`{TABLE}` is **REPLACED**" in head
    assert "all its items are lost" in head
    assert "forced by `range_key`" in head


def test_a_destroyed_table_is_called_data_loss_but_a_queue_only_a_destroy():
    plan = plan_of(
        resource("aws_sqs_queue.old", ["delete"]),
        resource(TABLE, ["delete"], type_="aws_dynamodb_table", module="module.table"),
    )
    head = plan_review.render_markdown(plan).split("**Plan:")[0]
    assert f"`{TABLE}` is **DESTROYED**" in head
    assert "`aws_sqs_queue.old` is destroyed." in head


def test_a_table_update_that_drops_a_replica_region_is_loud():
    before = {"replica": [{"region_name": "us-west-2"}, {"region_name": "eu-west-1"}]}
    after = {"replica": [{"region_name": "eu-west-1"}]}
    plan = plan_of(
        resource(TABLE, ["update"], type_="aws_dynamodb_table", before=before, after=after)
    )
    markdown = plan_review.render_markdown(plan)
    assert "**loses its replica in us-west-2**" in markdown.split("**Plan:")[0]
    assert plan_review.summarize(plan).counts.change == 1


def test_destroying_a_replica_resource_is_loud_and_names_its_region():
    """Destroying an aws_dynamodb_table_replica is UpdateTable ReplicaUpdates Delete, which
    deletes the replica "and all of its items in the destination Region"
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicationGroupUpdate.html)."""
    address = "module.replica_us_west_2[0].aws_dynamodb_table_replica.this"
    before = {"arn": "arn:aws:dynamodb:us-west-2:123456789012:table/university"}
    plan = plan_of(resource(address, ["delete"], type_="aws_dynamodb_table_replica", before=before))
    head = plan_review.render_markdown(plan).split("**Plan:")[0]
    assert "**This plan destroys data.**" in head
    assert f"`{address}` **loses its replica in us-west-2**" in head


def test_changes_are_grouped_by_module_root_first():
    plan = plan_of(
        resource("module.alarms.aws_sns_topic.t", ["create"], module="module.alarms"),
        resource("aws_sqs_queue.a", ["update"]),
        resource("module.table.aws_dynamodb_table.this", ["update"], module="module.table"),
    )
    markdown = plan_review.render_markdown(plan)
    order = [markdown.index(name) for name in ("(root module)", "module.alarms", "module.table")]
    assert order == sorted(order)
    assert "<b>module.alarms</b>: 1 create" in markdown
    assert "[!CAUTION]" not in markdown, "nothing is destroyed"


def test_an_empty_plan_says_so():
    markdown = plan_review.render_markdown(plan_of(resource("aws_sqs_queue.a", ["no-op"])))
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in markdown
    assert "No changes." in markdown


CONFIG = """\
variable "aws_region" { type = string }
variable "replica_regions" { type = list(string) }
variable "deletion_protection_enabled" { type = bool }
variable "environment" { type = string }
variable "lambda_zip_path" { type = string }

provider "aws" {
  region = var.aws_region
}

resource "aws_dynamodb_table" "this" {
  name         = "review-probe"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "RANGE_KEY"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "RANGE_KEY"
    type = "S"
  }
}
"""

QUEUE = """
resource "terraform_data" "extra" {
  input = "review-probe-extra"
}
"""


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.xdist_group("real-plan-review")
def test_a_real_plan_that_replaces_the_table(local_target, tmp_path):
    """GIVEN an applied table, WHEN its range key changes and a resource is added,
    THEN the review flags the replacement first and matches Terraform's counts."""
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text(CONFIG.replace("RANGE_KEY", "sk"))
    stack = Stack(local_target, tf_dir=module)
    stack.build_lambda()
    stack.init()
    stack.apply()
    try:
        (module / "main.tf").write_text(CONFIG.replace("RANGE_KEY", "sortKey") + QUEUE)

        plan_file, json_file, md_file = plan_review.write_review(stack, tmp_path / "review")

        shown = subprocess.run(
            ["terraform", "show", "-no-color", str(plan_file)],
            cwd=module,
            env=stack.env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        terraform_line = re.search(r"^Plan: .*$", shown, re.MULTILINE).group(0)
        assert str(plan_review.counts_of(json_file)) == terraform_line
        assert terraform_line == "Plan: 2 to add, 0 to change, 1 to destroy."
        markdown = md_file.read_text()
        head = markdown.split("**Plan:")[0]
        assert "`aws_dynamodb_table.this` is **REPLACED**" in head
        assert "forced by `range_key`" in head
    finally:
        (module / "main.tf").write_text(CONFIG.replace("RANGE_KEY", "sk"))
        stack.destroy()
