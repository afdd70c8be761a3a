"""The merge policies hold on the real plan of terraform/, and each fails on a plan that breaks it.

Plans come from Terraform itself, against a private emulator:
- `real`: terraform/ as it is, for the local target (the session's shared default
  plan); `review` is the same module written through `plan_review.write_review`
  exactly as `invoke plan` does.
- `unsafe_vars`: the same module with the variables a careless sandbox run
  might pass (environment aws, deletion protection off, no replica).
- `sandbox`: the same module with the sandbox account's variables (environment
  aws, deletion protection on): every policy holds, every replica is protected.
- `weakened`: a copy of terraform/ with Terraform override files
  (`*_override.tf`, merged by Terraform over the named resource) that turn
  PITR and SSE off, move TTL to another attribute, drop the throttle alarms'
  actions, grant the Lambda `dynamodb:*` on `*`, and leave the us-west-2 replica
  without deletion protection. It is planned with the sandbox's variables, so
  the table itself is protected. Override files pick the
  resource by address, so they keep working when the module is reformatted.
The few breaks that Terraform's own validation would refuse, or that need a
resource taken out, are made by editing the real plan's JSON, each named in
`edited(...)`: a KEYS_ONLY stream (the replica module's validation ties replicas
to NEW_AND_OLD_IMAGES), a `replica {}` block on a protected table, a GSI without
its write throttle alarm, and role policies that show the log-write exemption
and an ARN wildcard.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess

import pytest

from harness import TERRAFORM_DIR
from harness.emulator import process
from harness.review import plan_review, policies
from harness.stack import targets
from harness.stack.terraform import Stack

pytestmark = pytest.mark.integration

TABLE = "module.table.aws_dynamodb_table.this"
REPLICA = "module.replica_us_west_2[0].aws_dynamodb_table_replica.this"
# What the sandbox account applies: deletion protection on, outside the local environment.
SANDBOX_VARS = {"environment": "aws", "deletion_protection_enabled": True}

OVERRIDES = {
    "modules/table/policy_breaks_override.tf": """
resource "aws_dynamodb_table" "this" {
  point_in_time_recovery {
    enabled = false
  }
  server_side_encryption {
    enabled = false
  }
  ttl {
    attribute_name = "validUntil"
    enabled        = true
  }
}
""",
    "modules/alarms/policy_breaks_override.tf": """
resource "aws_cloudwatch_metric_alarm" "this" {
  alarm_actions = contains(local.throttle_metrics, each.value.metric) ? [] : local.notify
}
""",
    "modules/stream_processor/policy_breaks_override.tf": """
data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "EverythingEverywhere"
    actions   = ["dynamodb:*"]
    resources = ["*"]
  }
}
""",
    "modules/table_replica/policy_breaks_override.tf": """
resource "aws_dynamodb_table_replica" "this" {
  deletion_protection_enabled = false
}
""",
}


@pytest.fixture(scope="module")
def emulator_url(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("policy-emulator")
    running, _ = process.start(state_dir, port=process.free_port())
    yield running.endpoint_url
    process.stop(state_dir)


@pytest.fixture(scope="module")
def real_stack(emulator_url, tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("policy-real")
    return Stack(targets.local(emulator_url, state_dir=state_dir))


@pytest.fixture(scope="module")
def review(real_stack):
    """(plan_file, json_file, md_file) of the real module, as `invoke plan` writes them."""
    return plan_review.write_review(real_stack)


@pytest.fixture(scope="module")
def real(plan_root):
    """The default plan's JSON document, shared with the other plan modules (shared_plans)."""
    return plan_root()._raw


@pytest.fixture(scope="module")
def unsafe_vars(real_stack, review):
    unsafe = {"environment": "aws", "deletion_protection_enabled": False, "replica_regions": []}
    stack = Stack(real_stack.target, extra_vars=unsafe)
    plan_file = real_stack.work_dir / "unsafe.tfplan"
    return stack.plan(out_file=plan_file)._raw


@pytest.fixture(scope="module")
def sandbox(real_stack, review):
    stack = Stack(real_stack.target, extra_vars=SANDBOX_VARS)
    return stack.plan(out_file=real_stack.work_dir / "sandbox.tfplan")._raw


@pytest.fixture(scope="module")
def weakened(emulator_url, tmp_path_factory):
    module = tmp_path_factory.mktemp("weakened") / "terraform"
    shutil.copytree(TERRAFORM_DIR, module, ignore=shutil.ignore_patterns(".terraform*", "backend"))
    for path, text in OVERRIDES.items():
        assert (module / path).parent.is_dir(), f"{path}: the module moved; update OVERRIDES"
        (module / path).write_text(text)
    target = targets.local(emulator_url, state_dir=module.parent / "state")
    stack = Stack(target, tf_dir=module, extra_vars=SANDBOX_VARS)
    stack.build_lambda()
    stack.init()
    return stack.plan(out_file=target.state_dir / "weakened.tfplan")._raw


# The weakened module's plan is independent of the real one: on its own worker
# (xdist group) the two are planned at the same time.
# Slow, like every test that needs a plan other than the shared default one (about 8 s
# of CPU each): the fast lane plans only the default stack, once per session.
WEAKENED_GROUP = pytest.mark.xdist_group("policies-weakened")


def edited(plan: dict, address: str, edit) -> dict:
    """A deep copy of `plan` whose resource at `address` went through `edit(change)`."""
    changed = copy.deepcopy(plan)
    matches = [r for r in changed["resource_changes"] if r["address"] == address]
    assert matches, f"{address} is not in the plan; the module changed, update this test"
    edit(matches[0]["change"])
    return changed


def messages(violations) -> list[str]:
    return [f"{v.address}: {v.message}" for v in violations]


# --- the real plan -------------------------------------------------------------------


def test_the_real_plan_has_the_resources_the_policies_look_at(real):
    types = [r["type"] for r in real["resource_changes"]]
    assert types.count("aws_dynamodb_table") == 1
    assert types.count("aws_lambda_function") == 1
    assert types.count("aws_cloudwatch_metric_alarm") >= 6


def test_the_real_plan_keeps_every_policy(real):
    violations = policies.check(real)
    assert not violations, "\n".join(str(v) for v in violations)


@pytest.mark.slow
def test_the_review_counts_match_terraforms_own_summary(review, real_stack):
    plan_file, json_file, md_file = review
    shown = subprocess.run(
        ["terraform", "show", "-no-color", str(plan_file)],
        cwd=real_stack.tf_dir,
        env=real_stack.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    terraform_line = re.search(r"^Plan: .*$", shown, re.MULTILINE).group(0)
    assert str(plan_review.counts_of(json_file)) == terraform_line
    assert f"**{terraform_line}**" in md_file.read_text()
    assert "<b>module.table</b>: 1 create" in md_file.read_text()


# --- real Terraform variants ---------------------------------------------------------


@pytest.mark.slow
def test_deletion_protection_off_fails_outside_local(unsafe_vars, real):
    assert policies.deletion_protection_outside_local(real) == [], "local may go unprotected"
    assert messages(policies.deletion_protection_outside_local(unsafe_vars)) == [
        f"{TABLE}: deletion protection is off in environment 'aws'"
    ]


def test_with_protection_on_every_replica_is_protected_and_every_policy_holds(sandbox):
    """AWS: "You must enable deletion protection on each replica"
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-bestpractices.html);
    the replica module passes the table's setting to aws_dynamodb_table_replica."""
    (replica,) = [r for r in sandbox["resource_changes"] if r["address"] == REPLICA]
    assert replica["change"]["after"]["deletion_protection_enabled"] is True
    assert replica["change"]["after"]["point_in_time_recovery"] is True
    violations = policies.check(sandbox)
    assert not violations, "\n".join(str(v) for v in violations)
    assert "Replicas without deletion protection" not in plan_review.render_markdown(sandbox)


@WEAKENED_GROUP
def test_an_unprotected_replica_fails_outside_local_and_the_review_warns(weakened):
    """The table protected, its us-west-2 replica not: DeleteTable there would succeed
    (protection is per table,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection)."""
    assert messages(policies.deletion_protection_outside_local(weakened)) == [
        f"{REPLICA}: the replica in us-west-2 is not deletion-protected"
    ]
    assert policies.unprotected_replicas(weakened) == [(REPLICA, "us-west-2")]
    warning = plan_review.render_markdown(weakened).split("**Plan:")[0]
    assert "Replicas without deletion protection" in warning
    assert f"`{REPLICA}`: the replica in us-west-2 can be deleted" in warning


def test_a_replica_block_on_a_protected_table_fails(sandbox):
    """Provider 5.100's `replica {}` block has no deletion_protection_enabled: every replica
    it makes is unprotected, whatever the table says."""

    def with_block(change):
        change["after"]["replica"] = [
            {"region_name": "eu-central-1", "point_in_time_recovery": True}
        ]

    broken = edited(sandbox, TABLE, with_block)
    assert messages(policies.deletion_protection_outside_local(broken)) == [
        f"{TABLE}: the replica in eu-central-1 is not deletion-protected (a replica {{}} "
        "block cannot set it with provider 5.100; use aws_dynamodb_table_replica)"
    ]
    assert "block cannot protect it" in plan_review.render_markdown(broken)


@pytest.mark.slow
def test_a_table_without_replica_fails(unsafe_vars):
    assert messages(policies.replica_present(unsafe_vars)) == [f"{TABLE}: the table has no replica"]


@pytest.mark.slow
def test_the_unsafe_variables_break_only_those_two_policies(unsafe_vars):
    assert policies.failing(unsafe_vars) == {"deletion_protection", "replica"}


@WEAKENED_GROUP
@pytest.mark.slow
def test_pitr_off_fails(weakened):
    assert messages(policies.pitr_enabled(weakened)) == [f"{TABLE}: point-in-time recovery is off"]


@WEAKENED_GROUP
@pytest.mark.slow
def test_sse_off_fails(weakened):
    assert messages(policies.sse_enabled(weakened)) == [
        f"{TABLE}: server_side_encryption is not enabled"
    ]


@WEAKENED_GROUP
@pytest.mark.slow
def test_ttl_on_another_attribute_fails(weakened):
    assert messages(policies.ttl_attribute(weakened)) == [
        f"{TABLE}: TTL attribute is 'validUntil' (enabled=True), expected 'expiresAt' enabled"
    ]


@WEAKENED_GROUP
@pytest.mark.slow
def test_alarms_without_actions_fail(weakened):
    silent = {v.address for v in policies.alarms_have_actions(weakened)}
    throttle = {
        r["address"]
        for r in weakened["resource_changes"]
        if r["type"] == "aws_cloudwatch_metric_alarm"
        and r["change"]["after"]["metric_name"] in policies.THROTTLE_METRICS
    }
    assert silent == throttle and len(throttle) >= 6


@WEAKENED_GROUP
@pytest.mark.slow
def test_a_wildcard_in_the_lambda_policy_fails(weakened):
    # The override leaves only known values, so Terraform reads the document while
    # planning and the role policy's JSON is in the plan: the JSON path is checked.
    assert messages(policies.lambda_policy_without_wildcards(weakened)) == [
        "module.stream_processor.aws_iam_role_policy.this: "
        "EverythingEverywhere grants dynamodb:* on wildcard resource *"
    ]


def test_the_real_lambda_policy_is_checked_through_its_policy_document(real):
    # In the real plan the document waits for the table's ARNs: its statements are
    # checked one by one from the data source's planned values.
    sources = {source.address for source in policies.lambda_policy_sources(real)}
    assert "module.stream_processor.data.aws_iam_policy_document.permissions" in sources


@WEAKENED_GROUP
@pytest.mark.slow
def test_the_weakened_module_breaks_exactly_what_it_overrides(weakened):
    assert policies.failing(weakened) == {
        "deletion_protection",
        "pitr",
        "sse",
        "ttl",
        "alarm_actions",
        "lambda_policy",
        "iam_catalogue",
    }


@pytest.mark.slow
def test_dynamodb_star_on_star_is_a_needless_wildcard_in_awss_catalogue(weakened):
    (message,) = messages(policies.iam_documents_valid(weakened))
    assert re.fullmatch(
        r"module\.stream_processor\.aws_iam_role_policy\.this\.policy: EverythingEverywhere: "
        r'dynamodb:\* is granted on "\*", but it \(e\.g\. dynamodb:\w+\) supports '
        r"resource-level permissions: name the resources \[needless-wildcard\]",
        message,
    ), message


# --- edits of the real plan's JSON ---------------------------------------------------


def test_list_streams_granted_on_the_stream_arn_fails(real):
    """The grant the module shipped before: ListStreams next to the stream reads, on the
    stream's ARN. AWS's Service Authorization Reference lists no resource type for
    ListStreams, so that grant gives nothing on AWS
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html)."""
    address = "module.stream_processor.data.aws_iam_policy_document.permissions"

    def on_the_stream(change):
        (statement,) = [s for s in change["after"]["statement"] if s["sid"] == "ReadTableStream"]
        statement["actions"].append("dynamodb:ListStreams")

    broken = edited(real, address, on_the_stream)
    assert messages(policies.iam_documents_valid(broken)) == [
        f"{address}: ReadTableStream: dynamodb:ListStreams supports no resource-level "
        "permissions (AWS lists no resource type for it), so granting it on an ARN Terraform "
        'learns at apply grants nothing: grant it on "*" [resource-type]'
    ]
    assert policies.failing(broken) == {"iam_catalogue"}


def test_a_keys_only_stream_fails(real):
    def keys_only(change):
        change["after"]["stream_view_type"] = "KEYS_ONLY"

    broken = edited(real, TABLE, keys_only)
    assert messages(policies.stream_new_and_old_images(broken)) == [
        f"{TABLE}: stream view type is KEYS_ONLY, expected NEW_AND_OLD_IMAGES"
    ]


def test_a_gsi_without_its_write_throttle_alarm_fails(real):
    broken = copy.deepcopy(real)
    address = (
        'module.alarms.aws_cloudwatch_metric_alarm.this["index/studentID-index/'
        'WriteThrottleEvents"]'
    )
    before = len(broken["resource_changes"])
    broken["resource_changes"] = [r for r in broken["resource_changes"] if r["address"] != address]
    assert len(broken["resource_changes"]) == before - 1, f"{address} is not in the plan"
    assert messages(policies.throttle_alarms(broken)) == [
        f"{TABLE}: no WriteThrottleEvents alarm for GSI studentID-index of university"
    ]


def test_log_writes_may_use_a_wildcard_but_nothing_else_may(real):
    address = "module.stream_processor.aws_iam_role_policy.this"

    def known_policy(*statements):
        def edit(change):
            change["after"]["policy"] = json.dumps(
                {"Version": "2012-10-17", "Statement": statements}
            )
            change["after_unknown"].pop("policy", None)

        return edit

    logs_only = {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}
    scan_all = {"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "arn:aws:dynamodb:*:*:*"}
    logs_plan = edited(real, address, known_policy(logs_only))
    assert policies.lambda_policy_without_wildcards(logs_plan) == []
    assert messages(
        policies.lambda_policy_without_wildcards(edited(real, address, known_policy(scan_all)))
    ) == [f"{address}: statement grants dynamodb:Scan on wildcard resource arn:aws:dynamodb:*:*:*"]
