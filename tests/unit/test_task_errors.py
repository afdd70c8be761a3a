"""Bad input gets one clear line saying what to do, and a non-zero exit."""

from __future__ import annotations

import os
import socket

import pytest
from invoke_cli import assert_one_clear_line, run_invoke


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "HARNESS_STATE_DIR": str(tmp_path)}


def test_unknown_target(env):
    assert_one_clear_line(
        run_invoke(env, "setup", "--target", "prod"),
        "unknown target 'prod'; use one of: local, aws",
    )


def test_no_terraform_on_path(env):
    env["PATH"] = "/usr/bin:/bin"
    assert_one_clear_line(run_invoke(env, "setup"), "terraform is not on PATH")


def test_emulator_port_taken(env):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = str(blocker.getsockname()[1])
        assert_one_clear_line(
            run_invoke(env, "emulator.start", "--port", port), f"port {port} on 127.0.0.1 is taken"
        )


def test_env_when_nothing_runs(env):
    assert_one_clear_line(run_invoke(env, "env"), "the local emulator is not running")
