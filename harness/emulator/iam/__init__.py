"""IAM enforced for what a role does: Lambda functions and the mapping poller.

A function runs with temporary credentials for its execution role, issued by the
emulator's STS when the role's trust policy lets lambda.amazonaws.com assume it
(`principals`). Every request signed with a role session's credentials is
authorised against the role's identity-based policies (`enforcement`,
`request_context`, `policy_evaluation`); the learner's and Terraform's default
credentials are an administrator's. The event source mapping checks at creation
what AWS checks then and reads the stream and sends failure records as the role
(harness.emulator.stream_mappings).

On by default; EMULATOR_IAM_ENFORCEMENT=0 turns it off (the emulator's status says which).
"""

from __future__ import annotations

import os

from harness.emulator.iam.enforcement import IamEnforcement, authorize
from harness.emulator.iam.principals import (
    ROLE_CANNOT_BE_ASSUMED,
    Credentials,
    RoleCannotBeAssumed,
    assume_role_for_lambda,
    end_all_sessions,
    service_session,
)

__all__ = [
    "ROLE_CANNOT_BE_ASSUMED",
    "Credentials",
    "IamEnforcement",
    "RoleCannotBeAssumed",
    "assume_role_for_lambda",
    "authorize",
    "enabled",
    "end_all_sessions",
    "prepare",
    "service_session",
]

_enabled = True


def enabled() -> bool:
    """Whether role sessions are authorised (EMULATOR_IAM_ENFORCEMENT, default on)."""
    return _enabled


def prepare(on: bool) -> None:
    """Before moto's backends exist: turn enforcement on or off, load AWS managed policies.

    moto loads AWS's managed policies (AWSLambdaBasicExecutionRole, ...) into each
    account's IAM only when MOTO_IAM_LOAD_MANAGED_POLICIES=true; without them a role
    could not attach one, and its permissions could not be checked.
    """
    global _enabled
    _enabled = on
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
