"""Plans of the root module against a private emulator: no cloud, nothing applied.

Terraform needs an AWS API to plan (the provider reads the caller identity and
the region), so the plans run against the session's emulator. One `terraform
init` serves every plan of the session; each test module plans once and shares
the result, because a plan takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import tftest

from harness import TERRAFORM_DIR
from harness.stack import targets
from harness.stack.terraform import Stack

FIXTURES = Path(__file__).parent / "fixtures"

PlanFactory = Callable[..., tftest.TerraformPlanOutput]


def _planner(tf_dir: Path, workspace: Path, endpoint_url: str) -> PlanFactory:
    target = targets.local(endpoint_url, state_dir=workspace)
    initialized = Stack(target, tf_dir=tf_dir)
    initialized.build_lambda()
    initialized.init()
    counter = iter(range(1_000_000))

    def plan(**tf_vars: object) -> tftest.TerraformPlanOutput:
        stack = Stack(target, tf_dir=tf_dir, extra_vars=tf_vars)
        return stack.plan(out_file=workspace / f"plan-{next(counter)}.tfplan")

    return plan


@pytest.fixture(scope="session")
def plan_root(shared_emulator, tmp_path_factory) -> PlanFactory:
    """Plans the repository's root module with the local target's variables plus overrides."""
    workspace = tmp_path_factory.mktemp("plan-root")
    return _planner(TERRAFORM_DIR, workspace, shared_emulator.endpoint_url)


@pytest.fixture(scope="session")
def plan_fixture(shared_emulator, tmp_path_factory) -> Callable[[str], PlanFactory]:
    """Plans a small root module under fixtures/ that calls one of our modules."""

    def planner(name: str) -> PlanFactory:
        workspace = tmp_path_factory.mktemp(f"plan-{name}")
        return _planner(FIXTURES / name, workspace, shared_emulator.endpoint_url)

    return planner
