"""`invoke lint`'s steps: the Terraform checks pass on terraform/, skips need reasons, and
the IAM step fails on a void grant."""

from __future__ import annotations

import shutil

import pytest

from harness import TERRAFORM_DIR
from harness.review import lint


def test_a_checkov_skip_without_a_reason_is_reported(tmp_path):
    module = tmp_path / "terraform"
    module.mkdir()
    (module / "main.tf").write_text(
        'resource "aws_sns_topic" "a" {\n'
        "  #checkov:skip=CKV_AWS_26\n"
        "  #checkov:skip=CKV_AWS_27:short\n"
        "  #checkov:skip=CKV_AWS_28:alarm messages carry no table data, so no key\n"
        "}\n"
    )
    assert lint.unjustified_skips(module) == [
        "terraform/main.tf:2: CKV_AWS_26 has no justification",
        "terraform/main.tf:3: CKV_AWS_27 has no justification",
    ]


def test_every_skip_in_terraform_is_justified():
    assert lint.unjustified_skips() == []


@pytest.mark.parametrize("step", ["terraform-fmt", "terraform-validate"])
def test_the_terraform_steps_pass_on_the_module(step):
    printed = []
    assert lint.run([step], echo=printed.append) == 0, "\n".join(printed)
    assert printed[0] == f"==> {step}" and printed[-2] == "    PASS"


def test_checkov_passes_with_the_justified_skips():
    if lint.checkov_binary() is None:
        pytest.skip("checkov is not installed: run `invoke lint --install-tools`")
    outcome = lint.checkov()
    assert outcome.status == "PASS", outcome.detail


def test_a_failing_step_makes_the_run_fail(monkeypatch):
    monkeypatch.setitem(lint.STEPS, "actionlint", lambda: lint.Outcome("FAIL", "broken.yml:1"))
    printed = []
    assert lint.run(["actionlint"], echo=printed.append) == 1
    assert printed == ["==> actionlint", "broken.yml:1", "    FAIL", "lint: FAILED: actionlint"]


def test_an_unknown_step_is_named():
    with pytest.raises(ValueError, match="unknown lint steps"):
        lint.run(["mypy"])


VOID_LIST_STREAMS = """
data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "ReadTableStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:ListStreams"]
    resources = [var.stream_arn]
  }
}
"""


@pytest.mark.integration
@pytest.mark.slow
def test_the_iam_step_passes_on_the_shipped_modules():
    outcome = lint.iam_policies()
    assert outcome.status == "PASS", outcome.detail


@pytest.mark.integration
@pytest.mark.slow
def test_the_iam_step_fails_on_list_streams_granted_on_the_stream(tmp_path):
    """ListStreams has no resource type in AWS's Service Authorization Reference, so a
    grant on the stream ARN gives nothing on AWS; the step must fail on it.
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html"""
    module = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, module, ignore=shutil.ignore_patterns(".terraform*", "backend"))
    override = module / "modules" / "stream_processor" / "void_grant_override.tf"
    assert override.parent.is_dir(), "the stream_processor module moved; update this test"
    override.write_text(VOID_LIST_STREAMS)
    outcome = lint.iam_policies(module)
    assert outcome.status == "FAIL"
    assert outcome.detail == (
        "module.stream_processor.data.aws_iam_policy_document.permissions: ReadTableStream: "
        "dynamodb:ListStreams supports no resource-level permissions (AWS lists no resource "
        "type for it), so granting it on an ARN Terraform learns at apply grants nothing: "
        'grant it on "*" [resource-type]'
    )
