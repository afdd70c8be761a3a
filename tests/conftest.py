"""Shared fixtures: a real emulator server on a free port, and targets aimed at it."""

from __future__ import annotations

import urllib.request

import pytest

from harness import targets
from harness.emulator import process


def start_emulator(state_dir, **env):
    """Start an emulator process of its own on a free port; the caller stops it."""
    env = {f"EMULATOR_{name.upper()}": str(value) for name, value in env.items()}
    running, _ = process.start(state_dir, port=process.free_port(), env=env)
    return running


@pytest.fixture(scope="session")
def shared_emulator(tmp_path_factory):
    """One emulator for the whole session; tests that need a clean one use `emulator`."""
    state_dir = tmp_path_factory.mktemp("emulator")
    running = start_emulator(state_dir)
    yield running
    process.stop(state_dir)


@pytest.fixture
def emulator(shared_emulator):
    """The session's emulator with moto's state reset before the test."""
    request = urllib.request.Request(shared_emulator.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    return shared_emulator


@pytest.fixture
def local_target(emulator, tmp_path):
    """A local target pointing at a freshly reset emulator."""
    return targets.local(emulator.endpoint_url, state_dir=tmp_path / "state")
