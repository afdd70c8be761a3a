"""`invoke lint`'s steps: the Terraform checks pass on terraform/, and skips need reasons."""

from __future__ import annotations

import pytest

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
