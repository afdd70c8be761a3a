"""Bad input gets one clear line saying what to do, and a non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness import REPO_ROOT

INVOKE = str(Path(sys.executable).parent / "invoke")


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "HARNESS_STATE_DIR": str(tmp_path)}


def run(env, *args):
    return subprocess.run(
        [INVOKE, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def assert_one_clear_line(result, expected):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {result.stderr}"
    assert expected in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_unknown_target(env):
    assert_one_clear_line(
        run(env, "setup", "--target", "prod"), "unknown target 'prod'; use one of: local, aws"
    )


def test_no_terraform_on_path(env):
    env["PATH"] = "/usr/bin:/bin"
    assert_one_clear_line(run(env, "setup"), "terraform is not on PATH")


def test_emulator_port_taken(env):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = str(blocker.getsockname()[1])
        assert_one_clear_line(
            run(env, "emulator.start", "--port", port), f"port {port} on 127.0.0.1 is taken"
        )


def test_env_when_nothing_runs(env):
    assert_one_clear_line(run(env, "env"), "the local emulator is not running")
