"""Shared fixtures: a real emulator server on a free port, and targets aimed at it.

Also how the suite runs in parallel (pytest-xdist, see pyproject's addopts): every
worker starts its own emulator on a free port and keeps its state under its own
tmp_path, so no test depends on another's order or leftovers. Tests that share
an expensive fixture (an applied stack, one module's plan) are kept on one
worker with an xdist group, so that fixture is built once.
"""

from __future__ import annotations

import os
import urllib.request

import pytest
from hypothesis import settings

from harness.emulator import process
from harness.stack import targets

# Hypothesis example counts: the fast lane (`pytest -m "not slow"`) runs few
# examples, a plain `pytest` the usual number, CI more. HYPOTHESIS_PROFILE picks
# one by name.
settings.register_profile("fast", max_examples=8)
settings.register_profile("default", max_examples=40)
settings.register_profile("ci", max_examples=60)

# Fixtures that are expensive to build and shared by many tests: every test
# using one runs on the same worker (xdist group), so it is built once.
SHARED_FIXTURE_GROUPS = {"stack": "applied-stack"}
# Fixtures that apply a stack or run Terraform end to end: such tests are slow.
SLOW_FIXTURES = {"stack", "user_env"}
# Fixtures built afresh for each test (`user_env`: a user's own state folder and port,
# `invoke setup` to `invoke teardown`): each such test is a group of its own, so two
# of them run side by side instead of one after the other on one worker.
PER_TEST_FIXTURES = {"user_env"}
# The longest groups, longest first (seconds measured on these 2-core machines, loaded):
# they start first so their waiting overlaps everything else. test_iam_terraform waits
# out the AWS provider's 5-minute IAM propagation retry (~358 s); the README scenario
# ~180 s; the load walkthrough ~124 s.
LONGEST_FIRST = (
    "test_iam_terraform",
    "tests/integration/test_tasks.py::test_the_readme_workflow_as_one_scenario",
    "tests/integration/test_load_walkthrough.py::test_the_readme_throttling_walkthrough_runs_as_written",
)


@pytest.fixture(scope="session")
def shared_emulator(tmp_path_factory):
    """One emulator for the whole session; tests that need a clean one use `emulator`."""
    state_dir = tmp_path_factory.mktemp("emulator")
    running = process.start_private(state_dir)
    yield running
    process.stop(state_dir)


@pytest.fixture
def emulator(shared_emulator):
    """The session's emulator with moto's state reset before the test."""
    request = urllib.request.Request(
        shared_emulator.endpoint_url + "/moto-api/reset", method="POST"
    )
    urllib.request.urlopen(request, timeout=10).close()
    return shared_emulator


@pytest.fixture
def local_target(emulator, tmp_path):
    """A local target pointing at a freshly reset emulator."""
    return targets.local(emulator.endpoint_url, state_dir=tmp_path / "state")


def pytest_addoption(parser):
    parser.addoption(
        "--target",
        choices=("local", "aws"),
        default=os.environ.get("TEST_TARGET", "local"),
        help="where integration tests run: local (emulator, default) or aws (sandbox); "
        "or set TEST_TARGET",
    )


def pytest_configure(config):
    os.environ["TEST_TARGET"] = config.getoption("--target")
    settings.load_profile(_hypothesis_profile(config))


def _hypothesis_profile(config) -> str:
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return os.environ["HYPOTHESIS_PROFILE"]
    if os.environ.get("CI"):
        return "ci"
    if "not slow" in (config.getoption("markexpr") or ""):
        return "fast"
    return "default"


def pytest_collection_modifyitems(config, items):
    """Mark slow tests, group tests that share a fixture, skip aws tests without a sandbox."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        if not any(mark.name == "xdist_group" for mark in item.iter_markers()):
            shared = [
                SHARED_FIXTURE_GROUPS[name] for name in fixtures if name in SHARED_FIXTURE_GROUPS
            ]
            if not shared and fixtures & PER_TEST_FIXTURES:
                shared = [item.nodeid]
            # Otherwise one group per module: module-scoped fixtures (a plan,
            # a deployed function) are built once, on one worker.
            item.add_marker(pytest.mark.xdist_group(shared[0] if shared else item.module.__name__))
    _slow_groups_first(items)
    _skip_aws_tests(config, items)


def _slow_groups_first(items):
    """Put the longest groups first, then every group that holds a slow test, keeping the
    order within groups.

    xdist hands groups to workers in collection order (pyproject's addopts turn off
    xdist's own reordering by group size, which would hand out one-test groups last);
    a long group handed out last would finish alone while the other workers idle.
    """

    def group(item):
        return item.get_closest_marker("xdist_group").args[0]

    slow = {group(item) for item in items if item.get_closest_marker("slow")}
    order = {name: index for index, name in enumerate(dict.fromkeys(map(group, items)))}
    longest = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(
        key=lambda item: (
            longest.get(group(item), len(longest)),
            group(item) not in slow,
            order[group(item)],
        )
    )


def _skip_aws_tests(config, items):
    """Skip aws-marked tests, with the reason, unless a sandbox is configured and chosen."""
    from harness.stack import aws_target

    if config.getoption("--target") == "aws":
        reason = aws_target.sandbox_skip_reason()
    else:
        reason = "needs --target aws (or TEST_TARGET=aws) and a sandbox account"
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"aws sandbox: {reason}")
    for item in items:
        if "aws" in item.keywords:
            item.add_marker(skip)
