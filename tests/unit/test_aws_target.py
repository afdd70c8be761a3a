"""The sandbox target's safety rails: account guard, remote state, teardown confirmation.

The guard and the S3 backend are exercised against the real emulator (its
account is 123456789012, and it serves S3), so no AWS account is needed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import boto3
import pytest

from harness import HarnessError
from harness.model import key_design
from harness.stack import aws_target, targets
from harness.stack.lifecycle import Settings
from harness.stack.terraform import Stack

EMULATOR_ACCOUNT = "123456789012"


@pytest.fixture
def emulator_target(shared_emulator):
    return targets.local(shared_emulator.endpoint_url)


def test_allowed_account_ids_accept_commas_and_spaces():
    environ = {"ALLOWED_ACCOUNT_IDS": "111111111111, 222222222222 333333333333"}
    assert aws_target.allowed_account_ids(environ) == {
        "111111111111",
        "222222222222",
        "333333333333",
    }
    assert aws_target.allowed_account_ids({}) == frozenset()


def test_guard_refuses_an_account_that_is_not_allowed(emulator_target):
    with pytest.raises(HarnessError) as refused:
        aws_target.check_account(emulator_target, allowed={"111111111111"})
    message = str(refused.value)
    assert "\n" not in message, "the refusal is one line"
    assert f"refusing to touch account {EMULATOR_ACCOUNT}" in message
    assert "ALLOWED_ACCOUNT_IDS (111111111111)" in message


def test_guard_lets_an_allowed_account_through(emulator_target):
    allowed = {"111111111111", EMULATOR_ACCOUNT}
    assert aws_target.check_account(emulator_target, allowed=allowed) == EMULATOR_ACCOUNT


def test_guard_reads_the_allowed_list_from_the_environment(emulator_target, monkeypatch):
    monkeypatch.setenv("ALLOWED_ACCOUNT_IDS", "999999999999")
    with pytest.raises(HarnessError, match=f"refusing to touch account {EMULATOR_ACCOUNT}"):
        aws_target.check_account(emulator_target)


def test_aws_target_refuses_to_start_without_an_allowed_list(monkeypatch):
    monkeypatch.delenv("ALLOWED_ACCOUNT_IDS", raising=False)
    with pytest.raises(HarnessError, match="no allowed accounts; set ALLOWED_ACCOUNT_IDS"):
        aws_target.target(Settings(target="aws"))


def test_aws_target_refuses_a_primary_region_that_is_also_a_replica(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    with pytest.raises(HarnessError, match="us-west-2 is also listed as a replica"):
        aws_target.target(Settings(target="aws", replica_regions=("us-west-2",)), allowed={"1"})


def test_the_example_backend_config_is_valid_and_locks_the_state():
    aws_target.check_backend_config(aws_target.BACKEND_EXAMPLE.read_text())
    assert "use_lockfile = true" in aws_target.BACKEND_EXAMPLE.read_text()


def test_a_backend_config_without_locking_is_refused():
    text = 'bucket = "b"\nkey = "k"\nregion = "us-east-1"\n'
    with pytest.raises(HarnessError, match="use_lockfile = true"):
        aws_target.check_backend_config(text)


def test_a_missing_backend_config_says_to_copy_the_example(tmp_path):
    with pytest.raises(HarnessError, match="copy terraform/backend/s3.example.hcl"):
        aws_target.backend_config_file({"BACKEND_CONFIG_FILE": str(tmp_path / "none.hcl")})


def test_staging_adds_the_s3_override_without_touching_the_source(tmp_path):
    source = tmp_path / "terraform"
    (source / "modules" / "table").mkdir(parents=True)
    (source / "main.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    (source / "modules" / "table" / "main.tf").write_text("# module\n")
    (source / ".terraform").mkdir()
    (source / "terraform.tfstate").write_text("{}")

    staged = aws_target.stage_root_module(source, tmp_path / "staged")

    assert 'backend "s3" {}' in (staged / "backend_override.tf").read_text()
    assert (staged / "modules" / "table" / "main.tf").exists()
    assert not (staged / ".terraform").exists() and not (staged / "terraform.tfstate").exists()
    assert not (source / "backend_override.tf").exists(), "the checkout must stay local-backend"


def test_an_aws_stack_runs_on_a_staged_copy_not_the_checkout(tmp_path):
    stack = Stack(targets.Target("aws", state_dir=tmp_path / "aws"))
    assert stack.tf_dir == tmp_path / "aws" / "root"
    assert (stack.tf_dir / "backend_override.tf").exists()


ROOT_MODULE = """\
terraform {
  backend "local" {}
}

variable "aws_region" { type = string }
variable "replica_regions" { type = list(string) }
variable "deletion_protection_enabled" { type = bool }
variable "environment" { type = string }
variable "lambda_zip_path" { type = string }

# Built into Terraform: the test measures the backend, not a provider.
resource "terraform_data" "probe" {
  input = "remote-state-probe"
}
"""


def test_remote_state_lands_in_s3_with_the_backend_config(shared_emulator, tmp_path, monkeypatch):
    """GIVEN a bucket and a partial backend config, WHEN an aws-style stack applies,
    THEN its state is an object in the bucket and no local state file exists."""
    endpoint = shared_emulator.endpoint_url
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    s3.create_bucket(Bucket="state-bucket")
    config = tmp_path / "s3.hcl"
    config.write_text(
        textwrap.dedent("""\
        bucket         = "state-bucket"
        key            = "sandbox/terraform.tfstate"
        region         = "us-east-1"
        use_lockfile   = true
        use_path_style = true
        """)
    )
    monkeypatch.setenv("BACKEND_CONFIG_FILE", str(config))
    source = tmp_path / "module"
    source.mkdir()
    (source / "main.tf").write_text(ROOT_MODULE)
    target = targets.Target("aws", state_dir=tmp_path / "aws")
    staged = aws_target.stage_root_module(source, tmp_path / "aws" / "root")
    stack = Stack(target, tf_dir=staged)

    stack.init()
    stack.apply()
    try:
        state = s3.get_object(Bucket="state-bucket", Key="sandbox/terraform.tfstate")
        assert b"remote-state-probe" in state["Body"].read()
        assert not Path(stack.state_file).exists()
        assert not list(staged.glob("*.tfstate"))
    finally:
        stack.destroy()


@pytest.fixture
def aws_like_target():
    return targets.Target("aws", region="us-east-1", replica_regions=("us-west-2",))


def test_teardown_asks_for_the_table_name_and_explains_deletion_protection(aws_like_target):
    printed, prompts = [], []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "university"

    assert aws_target.confirm_destroy(
        aws_like_target, yes=False, input_fn=answer, echo=printed.append, protection=True
    )
    text = "\n".join(printed)
    assert "ALL its items" in text and "us-east-1, us-west-2" in text
    assert "Deletion protection is ON" in text
    assert "-var deletion_protection_enabled=false" in text
    assert prompts == ["Type the table name (university) to destroy it: "]


def test_teardown_is_cancelled_by_any_other_answer(aws_like_target):
    assert not aws_target.confirm_destroy(
        aws_like_target, input_fn=lambda _: "yes", echo=lambda _: None, protection=False
    )


def test_teardown_is_cancelled_when_there_is_no_one_to_ask(aws_like_target):
    def no_terminal(_prompt: str) -> str:
        raise EOFError

    assert not aws_target.confirm_destroy(
        aws_like_target, input_fn=no_terminal, echo=lambda _: None, protection=False
    )


def test_yes_and_local_targets_skip_the_question(aws_like_target):
    def never(_prompt: str) -> str:
        raise AssertionError("must not ask")

    assert aws_target.confirm_destroy(aws_like_target, yes=True, input_fn=never)
    assert aws_target.confirm_destroy(targets.local("http://x"), input_fn=never)


def test_protection_is_read_from_the_table_when_not_given(emulator, tmp_path):
    target = targets.local(emulator.endpoint_url)
    target.client("dynamodb").create_table(
        **key_design.table_request("university", sort_key=False), DeletionProtectionEnabled=True
    )
    assert aws_target.deletion_protection_on(target) is True
    assert aws_target.deletion_protection_on(target, "missing") is None


def test_without_a_sandbox_the_skip_reason_names_what_to_set():
    assert "ALLOWED_ACCOUNT_IDS" in aws_target.sandbox_skip_reason({})


@pytest.mark.aws
def test_the_sandbox_credentials_belong_to_an_allowed_account():
    """Runs only with --target aws (or TEST_TARGET=aws) and a configured sandbox."""
    import os

    if os.environ.get("TEST_TARGET", "local") != "aws":
        pytest.skip("aws sandbox: needs --target aws (or TEST_TARGET=aws)")
    reason = aws_target.sandbox_skip_reason()
    if reason:
        pytest.skip(f"aws sandbox: {reason}")
    chosen = aws_target.target(Settings(target="aws"))
    assert aws_target.caller_account(chosen) in aws_target.allowed_account_ids()
