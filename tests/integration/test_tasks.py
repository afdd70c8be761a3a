"""The README's workflow, run as a user runs it: `invoke setup`, again, after a crash, teardown.

Each command runs as a subprocess with its own state folder and emulator
port, so the test never touches a developer's running stack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from harness import REPO_ROOT
from harness.emulator import process

pytestmark = pytest.mark.integration

INVOKE = str(Path(sys.executable).parent / "invoke")


@pytest.fixture
def user_env(tmp_path_factory):
    state = tmp_path_factory.mktemp("user-state")
    env = {
        **os.environ,
        "HARNESS_STATE_DIR": str(state),
        "INVOKE_EMULATOR_PORT": str(process.free_port()),
    }
    yield env, state
    subprocess.run(
        [INVOKE, "teardown", "--yes"], cwd=REPO_ROOT, env=env, capture_output=True, timeout=300
    )


def invoke(env, *args, timeout=600):
    result = subprocess.run(
        [INVOKE, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return result


def test_the_readme_workflow_as_one_scenario(user_env):
    """README's quick start, in order: setup, setup again, kill the emulator, converge, teardown.

    One scenario, not one test per step: each step needs the state the step before
    left, and a fresh apply costs ~30 s (the AWS provider's SQS waiter).
    """
    env, state = user_env
    setup_prints_the_four_example_queries(env)
    aggregates_check_finds_no_drift_then_injected_drift(env)
    env_lets_plain_boto3_reach_the_stack(env)
    second_setup_changes_nothing_and_says_so(env)
    setup_converges_after_the_emulator_is_killed(env, state)
    teardown_leaves_no_state_and_no_emulator(env, state)


def setup_prints_the_four_example_queries(env):
    result = invoke(env, "setup")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for name in ("students-in-course", "user-orders", "student-by-id", "courses-in-range"):
        assert name in out, f"setup did not print the {name} example"
    assert "course#101" in out and "student#201" in out
    assert "Next steps" in out


@pytest.mark.xdist_group("readme-repair")
def test_repair_fixes_drift_injected_after_setup(user_env):
    """Must show 3 (repair half): `--repair` fixes a direct write to an aggregate item,
    and the next check is clean again."""
    env, _ = user_env
    setup_prints_the_four_example_queries(env)
    aggregates_check_finds_no_drift_then_injected_drift(env)
    repaired = invoke(env, "aggregates.check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired course#101 #stats" in repaired.stdout
    again = invoke(env, "aggregates.check")
    assert again.returncode == 0 and "0 drifting" in again.stdout, again.stdout


def aggregates_check_finds_no_drift_then_injected_drift(env):
    """Must show 3 (CLI half): zero drift after setup; a direct write to an aggregate item
    is found."""
    clean = invoke(env, "aggregates.check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "course#101 #stats" in clean.stdout and "0 drifting" in clean.stdout, clean.stdout
    assert "drift none" in clean.stdout and "stored 3" in clean.stdout
    endpoint = f"http://127.0.0.1:{env['INVOKE_EMULATOR_PORT']}"
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.update_item(
        TableName="university",
        Key={"pk": {"S": "course#101"}, "sk": {"S": "#stats"}},
        UpdateExpression="SET studentCount = :wrong",
        ExpressionAttributeValues={":wrong": {"N": "7"}},
    )
    drifting = invoke(env, "aggregates.check", "--drift-only")
    assert drifting.returncode == 1, drifting.stdout + drifting.stderr
    [line] = [line for line in drifting.stdout.splitlines() if "studentCount" in line]
    assert line.split() == [
        "course#101", "#stats", "studentCount", "stored", "7", "true", "3", "drift", "-4"
    ]  # fmt: skip
    assert "1 drifting" in drifting.stdout and "--repair" in drifting.stderr


def env_lets_plain_boto3_reach_the_stack(env):
    script = (
        'eval "$(invoke env)" && python -c "import boto3; '
        "t = boto3.client('dynamodb').describe_table(TableName='university')['Table']; "
        "print(t['TableStatus'], t['StreamSpecification']['StreamViewType'])\""
    )
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO_ROOT,
        env={**env, "PATH": f"{Path(INVOKE).parent}:{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["ACTIVE", "NEW_AND_OLD_IMAGES"], result.stderr


def second_setup_changes_nothing_and_says_so(env):
    result = invoke(env, "setup")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes" in result.stdout
    assert "Applied in" not in result.stdout


def setup_converges_after_the_emulator_is_killed(env, state):
    info = json.loads((state / "local" / "emulator.json").read_text())
    os.killpg(info["pid"], signal.SIGKILL)
    time.sleep(0.5)
    result = invoke(env, "setup")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Starting the local AWS emulator" in result.stdout
    assert "student#201" in result.stdout, "the recreated stack must be seeded again"
    again = invoke(env, "setup")
    assert "No changes" in again.stdout


def teardown_leaves_no_state_and_no_emulator(env, state):
    info = json.loads((state / "local" / "emulator.json").read_text())
    result = invoke(env, "teardown", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    tfstate = json.loads((state / "local" / "terraform.tfstate").read_text())
    assert tfstate["resources"] == []
    assert process.status_of(f"http://127.0.0.1:{info['port']}") is None
    with pytest.raises(ProcessLookupError):
        os.kill(info["pid"], 0)
