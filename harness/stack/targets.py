"""Targets: where the stack runs, turned into environment for Terraform and boto3.

`local` is the emulator on 127.0.0.1; `aws` is a sandbox account reached
with the caller's usual credentials. Terraform's HCL knows nothing of either:
the difference lives only in the environment built here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from harness import STATE_ROOT, HarnessError

LOCAL = "local"
AWS = "aws"
TARGET_NAMES = (LOCAL, AWS)

DEFAULT_REGION = "us-east-1"
DEFAULT_REPLICA_REGIONS = ("us-west-2",)

# Credentials the emulator accepts; any non-empty value works.
EMULATOR_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
# Variables that would send a local run to a real account or profile.
CLOUD_ONLY_VARIABLES = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_DEFAULT_PROFILE",
)


@dataclass(frozen=True)
class Target:
    """A place to deploy to, with everything needed to reach it."""

    name: str
    region: str = DEFAULT_REGION
    replica_regions: tuple[str, ...] = DEFAULT_REPLICA_REGIONS
    endpoint_url: str | None = None
    state_dir: Path = field(default=STATE_ROOT)

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL

    @property
    def all_regions(self) -> tuple[str, ...]:
        return (self.region, *self.replica_regions)

    def aws_env(self) -> dict[str, str]:
        """Variables that point the AWS CLI, boto3 and Terraform at this target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.is_local:
            if not self.endpoint_url:
                raise HarnessError(
                    "the local target needs a running emulator; run `invoke emulator.start`"
                )
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
            env.update(EMULATOR_CREDENTIALS)
        return env

    def process_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """A full environment for a child process (Terraform) aimed at this target."""
        env = dict(os.environ if base is None else base)
        if self.is_local:
            for name in CLOUD_ONLY_VARIABLES:
                env.pop(name, None)
        env.update(self.aws_env())
        return env

    def tf_vars(self) -> dict[str, object]:
        """Terraform variables that differ by target."""
        return {
            "aws_region": self.region,
            "replica_regions": list(self.replica_regions),
            "deletion_protection_enabled": not self.is_local,
            "environment": self.name,
        }

    def session(self, region: str | None = None) -> boto3.Session:
        """A boto3 session for this target; clients still need `endpoint_url=`."""
        region = region or self.region
        if self.is_local:
            return boto3.Session(region_name=region, **_credential_kwargs())
        return boto3.Session(region_name=region)

    def client(self, service: str, region: str | None = None):
        """A boto3 client for `service` on this target."""
        return self.session(region).client(service, endpoint_url=self.endpoint_url)

    def resource(self, service: str, region: str | None = None):
        """A boto3 resource for `service` on this target."""
        return self.session(region).resource(service, endpoint_url=self.endpoint_url)


def _credential_kwargs() -> dict[str, str]:
    return {
        "aws_access_key_id": EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


def check_name(name: str) -> str:
    """Validate a target name given on the command line."""
    if name not in TARGET_NAMES:
        raise HarnessError(
            f"unknown target {name!r}; use one of: {', '.join(TARGET_NAMES)} "
            "(for example --target local)"
        )
    return name


def local(endpoint_url: str, state_dir: Path | None = None, **kwargs) -> Target:
    """The local emulator target at `endpoint_url`."""
    return Target(
        LOCAL, endpoint_url=endpoint_url, state_dir=state_dir or STATE_ROOT / LOCAL, **kwargs
    )


def environment_exports(target: Target) -> str:
    """`export` lines that let the AWS CLI or boto3 reach `target`."""
    lines = [f"export {name}={value}" for name, value in sorted(target.aws_env().items())]
    if target.is_local:
        lines += [f"unset {name}" for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN")]
    return "\n".join(lines)
