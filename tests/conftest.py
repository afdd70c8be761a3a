"""Shared fixtures: a real emulator server on a free port, and targets aimed at it."""

from __future__ import annotations

import os
import urllib.request

import pytest

from harness.emulator import process
from harness.stack import targets


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


def pytest_collection_modifyitems(config, items):
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
