"""Targets turn into the environment Terraform and boto3 need."""

import pytest

from harness import HarnessError
from harness.stack import targets


def test_local_target_points_everything_at_the_emulator():
    target = targets.local("http://127.0.0.1:4577")
    env = target.process_env({"AWS_PROFILE": "prod", "PATH": "/usr/bin"})
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4577"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert "AWS_PROFILE" not in env, "a local run must never pick up a real profile"
    assert env["PATH"] == "/usr/bin"


def test_local_target_turns_deletion_protection_off_and_aws_on():
    assert targets.local("http://x").tf_vars()["deletion_protection_enabled"] is False
    assert targets.Target("aws").tf_vars()["deletion_protection_enabled"] is True


def test_aws_target_keeps_the_callers_credentials():
    env = targets.Target("aws", region="eu-west-1").process_env({"AWS_PROFILE": "sandbox"})
    assert env["AWS_PROFILE"] == "sandbox"
    assert "AWS_ENDPOINT_URL" not in env
    assert env["AWS_REGION"] == "eu-west-1"


def test_unknown_target_is_refused_with_the_valid_names():
    with pytest.raises(HarnessError, match="unknown target 'prod'.*local, aws"):
        targets.check_name("prod")


def test_local_target_without_an_emulator_says_how_to_start_one():
    with pytest.raises(HarnessError, match="invoke emulator.start"):
        targets.Target("local").aws_env()


def test_exports_for_the_local_target_reach_the_emulator_and_drop_a_real_profile():
    lines = targets.environment_exports(targets.local("http://127.0.0.1:4577")).splitlines()
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4577" in lines
    assert "export AWS_REGION=us-east-1" in lines
    assert "unset AWS_PROFILE" in lines
