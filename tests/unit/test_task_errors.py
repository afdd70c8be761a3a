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


@pytest.fixture
def running_but_empty(env, tmp_path):
    """An emulator runs for the local target, but nothing was deployed to it."""
    from harness.emulator import process

    running, _ = process.start(tmp_path / "local", port=process.free_port())
    yield {**env, "INVOKE_EMULATOR_PORT": str(running.port)}
    process.stop(tmp_path / "local")


def test_query_before_setup(running_but_empty):
    assert_one_clear_line(
        run_invoke(running_but_empty, "query", "students-in-course", "--course", "101"),
        "is the stack deployed? run `invoke setup`",
    )


def test_logs_before_setup(running_but_empty):
    assert_one_clear_line(
        run_invoke(running_but_empty, "logs"), "the stack is not deployed; run `invoke setup`"
    )
