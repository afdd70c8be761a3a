"""Plans of the root module against a private emulator: no cloud, nothing applied.

Terraform needs an AWS API to plan (the provider reads the caller identity and
the region), so the plans run against the session's emulator. One `terraform
init` serves every plan of the session; each test module plans once and shares
the result, because a plan takes seconds (about 8 s of CPU). Modules that plan the
same thing (the defaults, for one) share one plan across modules and xdist workers:
shared_plans keys it by content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import shared_plans
import tftest

from harness import TERRAFORM_DIR
from harness.stack import targets
from harness.stack.terraform import Stack

FIXTURES = Path(__file__).parent / "fixtures"

PlanFactory = Callable[..., tftest.TerraformPlanOutput]


def _planner(tf_dir: Path, workspace: Path, endpoint_url: str, shared: Path) -> PlanFactory:
    target = targets.local(endpoint_url, state_dir=workspace)
    first = Stack(target, tf_dir=tf_dir)
    first.build_lambda()  # the zip's content is part of every plan's key
    initialized = []  # `terraform init` once, at the first plan this worker makes itself
    counter = iter(range(1_000_000))

    def make(stack: Stack) -> tftest.TerraformPlanOutput:
        if not initialized:
            first.init()
            initialized.append(True)
        return stack.plan(out_file=workspace / f"plan-{next(counter)}.tfplan")

    def plan(**tf_vars: object) -> tftest.TerraformPlanOutput:
        stack = Stack(target, tf_dir=tf_dir, extra_vars=tf_vars)
        key = shared_plans.plan_key(tf_dir, stack.tf_vars())
        return shared_plans.shared_plan(shared, key, lambda: make(stack))

    return plan


@pytest.fixture(scope="session")
def plan_root(shared_emulator, tmp_path_factory) -> PlanFactory:
    """Plans the repository's root module with the local target's variables plus overrides."""
    workspace = tmp_path_factory.mktemp("plan-root")
    shared = shared_plans.cache_dir(tmp_path_factory.getbasetemp())
    return _planner(TERRAFORM_DIR, workspace, shared_emulator.endpoint_url, shared)


@pytest.fixture(scope="session")
def plan_fixture(shared_emulator, tmp_path_factory) -> Callable[[str], PlanFactory]:
    """Plans a small root module under fixtures/ that calls one of our modules."""
    shared = shared_plans.cache_dir(tmp_path_factory.getbasetemp())

    def planner(name: str) -> PlanFactory:
        workspace = tmp_path_factory.mktemp(f"plan-{name}")
        return _planner(FIXTURES / name, workspace, shared_emulator.endpoint_url, shared)

    return planner
