"""A shared plan is reused only for the same module, variables and Lambda code."""

from __future__ import annotations

import shutil

import shared_plans
import tftest

from harness import TERRAFORM_DIR

VARIABLES = {"aws_region": "us-east-1", "environment": "local", "replica_regions": ["us-west-2"]}


def test_the_key_follows_variables_and_zip_content_not_the_zip_path(tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    first.write_bytes(b"code")
    second.write_bytes(b"code")
    key = shared_plans.plan_key(TERRAFORM_DIR, {**VARIABLES, "lambda_zip_path": str(first)})
    assert key == shared_plans.plan_key(
        TERRAFORM_DIR, {**VARIABLES, "lambda_zip_path": str(second)}
    ), "the same code at another path plans the same"
    assert key != shared_plans.plan_key(
        TERRAFORM_DIR, {**VARIABLES, "environment": "aws", "lambda_zip_path": str(first)}
    )
    second.write_bytes(b"other code")
    assert key != shared_plans.plan_key(
        TERRAFORM_DIR, {**VARIABLES, "lambda_zip_path": str(second)}
    )


def test_the_key_follows_the_modules_files(tmp_path):
    module = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, module, ignore=shutil.ignore_patterns(".terraform*"))
    before = shared_plans.plan_key(module, VARIABLES)
    (module / "extra.tf").write_text('locals { changed = "yes" }\n')
    assert shared_plans.plan_key(module, VARIABLES) != before


def test_a_plan_is_made_once_and_then_read_back(tmp_path):
    made = []

    def make():
        made.append(True)
        return tftest.TerraformPlanOutput({"format_version": "1.2", "resource_changes": []})

    first = shared_plans.shared_plan(tmp_path, "k", make)
    again = shared_plans.shared_plan(tmp_path, "k", make)
    assert made == [True]
    assert again._raw == first._raw
