"""The sandbox AWS target: an account guard, remote state, and a careful teardown.

A run against AWS must never touch an account it was not meant for, must keep
its state where a team can share and lock it, and must not destroy a table by
accident. Everything here exists for one of those three reasons:

- `check_account` asks STS who the credentials belong to and refuses unless
  the account is listed in ALLOWED_ACCOUNT_IDS (or passed in explicitly).
- `stage_root_module` runs Terraform on a copy of terraform/ under the aws state
  folder with one extra file, `backend_override.tf`, that swaps the root
  module's `backend "local" {}` for `backend "s3" {}`. The override file never
  lands in the checkout, so a local run beside an aws run (or after a crashed
  one) still sees the local backend. `backend_config_file` names the partial
  backend settings (bucket, key, region, use_lockfile) passed to init.
- `confirm_destroy` makes a person type the table name before a destroy, and
  says how to switch deletion protection off first when it is on.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from harness import REPO_ROOT, STATE_ROOT, TERRAFORM_DIR, HarnessError
from harness.stack.targets import AWS, DEFAULT_REGION, Target

ALLOWED_ACCOUNTS_VAR = "ALLOWED_ACCOUNT_IDS"
BACKEND_CONFIG_VAR = "BACKEND_CONFIG_FILE"
TEST_TARGET_VAR = "TEST_TARGET"
DEFAULT_BACKEND_CONFIG = TERRAFORM_DIR / "backend" / "s3.hcl"
BACKEND_EXAMPLE = TERRAFORM_DIR / "backend" / "s3.example.hcl"
OVERRIDE_FILE_NAME = "backend_override.tf"
OVERRIDE_TEXT = """\
# Written by harness/stack/aws_target.py into a staged copy of terraform/ for the aws
# target only: remote state in S3, configured by -backend-config=<file>.
terraform {
  backend "s3" {}
}
"""
DEFAULT_TABLE_NAME = "university"
# Parts of terraform/ a staged copy does not need: local state, caches, backend files.
_NOT_STAGED = (".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl", "backend")


def allowed_account_ids(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Account ids from ALLOWED_ACCOUNT_IDS (separated by commas or spaces)."""
    environ = os.environ if environ is None else environ
    raw = environ.get(ALLOWED_ACCOUNTS_VAR, "")
    return frozenset(part for part in re.split(r"[\s,]+", raw) if part)


def caller_account(target: Target) -> str:
    """The account id the target's credentials belong to (STS GetCallerIdentity)."""
    try:
        return target.client("sts").get_caller_identity()["Account"]
    except NoCredentialsError:
        raise HarnessError(
            "no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ) from None
    except (ClientError, BotoCoreError) as error:
        raise HarnessError(f"cannot ask STS who you are: {error}") from None


def check_account(target: Target, allowed: Iterable[str] | None = None) -> str:
    """The caller's account id if it is allowed; otherwise one line saying why not."""
    allowed_ids = frozenset(allowed) if allowed is not None else allowed_account_ids()
    if not allowed_ids:
        raise HarnessError(
            f"refusing to touch AWS: no allowed accounts; set {ALLOWED_ACCOUNTS_VAR}=<sandbox "
            "account id> (comma-separated for several)"
        )
    account = caller_account(target)
    if account not in allowed_ids:
        raise HarnessError(
            f"refusing to touch account {account}: it is not in {ALLOWED_ACCOUNTS_VAR} "
            f"({', '.join(sorted(allowed_ids))}); switch credentials or profile"
        )
    return account


def resolve_region(fallback: str = DEFAULT_REGION) -> str:
    """The region from the usual AWS environment or profile, else `fallback`.

    AWS_REGION first, as Terraform and the other SDKs read it; boto3 then adds
    AWS_DEFAULT_REGION and the profile's region.
    """
    return os.environ.get("AWS_REGION") or boto3.Session().region_name or fallback


def target(settings, allowed: Iterable[str] | None = None) -> Target:
    """The aws target for invoke's settings, after the allowed-account guard passed."""
    region = resolve_region(settings.region)
    replicas = tuple(settings.replica_regions)
    if region in replicas:
        raise HarnessError(
            f"the primary region {region} is also listed as a replica region; "
            "choose another primary (AWS_REGION) or change replica_regions"
        )
    chosen = Target(AWS, region=region, replica_regions=replicas, state_dir=STATE_ROOT / AWS)
    check_account(chosen, allowed)
    return chosen


def backend_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The partial S3 backend settings to pass to `terraform init -backend-config`."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(BACKEND_CONFIG_VAR)
    path = Path(explicit).expanduser() if explicit else DEFAULT_BACKEND_CONFIG
    if not path.is_file():
        example = BACKEND_EXAMPLE.relative_to(REPO_ROOT)
        raise HarnessError(
            f"no backend config at {path}; copy {example} to "
            f"{DEFAULT_BACKEND_CONFIG.relative_to(REPO_ROOT)} and fill in your bucket "
            f"(or set {BACKEND_CONFIG_VAR})"
        )
    check_backend_config(path.read_text(), path)
    return path


def check_backend_config(text: str, source: Path | str = "backend config") -> None:
    """Refuse settings that would share state unsafely: missing bucket/key or no locking."""
    settings = dict(re.findall(r"^\s*(\w+)\s*=\s*(.+?)\s*$", text, flags=re.MULTILINE))
    missing = [name for name in ("bucket", "key", "region") if name not in settings]
    if missing:
        raise HarnessError(f"{source} lacks {', '.join(missing)}; see {BACKEND_EXAMPLE.name}")
    if settings.get("use_lockfile", "").strip('"') != "true":
        raise HarnessError(
            f"{source} must set use_lockfile = true so two runs never write the state at once"
        )


def stage_root_module(source: Path = TERRAFORM_DIR, dest: Path | None = None) -> Path:
    """A copy of the root module with the S3 backend override; returns its folder."""
    dest = dest or STATE_ROOT / AWS / "root"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*_NOT_STAGED), symlinks=True)
    (dest / OVERRIDE_FILE_NAME).write_text(OVERRIDE_TEXT)
    return dest


def deletion_protection_on(target: Target, table_name: str = DEFAULT_TABLE_NAME) -> bool | None:
    """Whether the table has deletion protection on; None when it cannot be told."""
    try:
        table = target.client("dynamodb").describe_table(TableName=table_name)["Table"]
    except (ClientError, BotoCoreError):
        return None
    return bool(table.get("DeletionProtectionEnabled"))


def destroy_warning(
    target: Target, protection: bool | None, table_name: str = DEFAULT_TABLE_NAME
) -> str:
    """What a destroy will do, and how to clear deletion protection first."""
    regions = ", ".join(target.all_regions)
    lines = [
        f"This destroys every resource of the stack on target {target.name!r}: table "
        f"{table_name!r} in {regions} with ALL its items, the Lambda, queues and alarms.",
    ]
    if protection is not False:
        state = "is ON" if protection else "may be on"
        lines += [
            f"Deletion protection {state} for {table_name!r}, so the destroy would fail.",
            "Turn it off first with an apply that sets the variable to false:",
            "    invoke teardown --target aws --disable-deletion-protection",
            "  or, with Terraform directly:",
            "    terraform apply -var deletion_protection_enabled=false",
        ]
    return "\n".join(lines)


def confirm_destroy(
    target: Target,
    yes: bool = False,
    input_fn: Callable[[str], str] = input,
    echo: Callable[[str], None] = print,
    protection: bool | None = None,
    table_name: str = DEFAULT_TABLE_NAME,
) -> bool:
    """True when the destroy may go ahead: local targets, `--yes`, or the typed table name.

    `protection` is looked up on the table when not given.
    """
    if target.is_local or yes:
        return True
    if protection is None:
        protection = deletion_protection_on(target, table_name)
    echo(destroy_warning(target, protection, table_name))
    try:
        answer = input_fn(f"Type the table name ({table_name}) to destroy it: ")
    except EOFError:
        answer = ""
    return answer.strip() == table_name


def sandbox_skip_reason(environ: Mapping[str, str] | None = None) -> str | None:
    """Why aws-marked tests cannot run here, or None when a sandbox is configured."""
    environ = os.environ if environ is None else environ
    if not allowed_account_ids(environ):
        return f"no sandbox configured: set {ALLOWED_ACCOUNTS_VAR} (and AWS credentials)"
    try:
        session = boto3.Session(profile_name=environ.get("AWS_PROFILE") or None)
        credentials = session.get_credentials()
    except BotoCoreError as error:
        return f"AWS credentials unusable: {error}"
    if credentials is None:
        return "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    return None
