"""Fixtures shared by the emulator tests that apply a small Terraform root module."""

from __future__ import annotations

import pytest

from harness.emulator import process
from harness.stack import targets


@pytest.fixture
def ddblocal_target(tmp_path):
    """A local target on a private emulator whose data plane is DynamoDB Local.

    Private, not the session's emulator: the test applies and destroys a root module of
    its own, and the DynamoDB Local plane is the one that restores and caps for real.
    """
    running = process.start_private(tmp_path / "emulator", data_plane="dynamodb-local")
    yield targets.local(running.endpoint_url, state_dir=tmp_path / "state")
    process.stop(tmp_path / "emulator")
