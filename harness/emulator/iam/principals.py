"""Roles and their sessions, from moto's IAM and STS: who signed, what they may do.

moto keeps the roles, their inline and attached policies (AWS managed ones
too, when MOTO_IAM_LOAD_MANAGED_POLICIES=true, which the emulator sets) and the
sessions its STS hands out. What this module reads of moto, and nothing else:
- `sts_backends[account][partition].assumed_roles`: each session's access key,
  secret, token, role ARN and session name (moto.sts.models.AssumedRole);
- `STSBackend.assume_role(...)`: a new session (the emulator's STS);
- `moto.iam.access_control.AssumedRoleAccessKey`: a session by access key, its
  principal ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`) and
  `collect_policies()` (inline documents and attached managed policies);
- `iam_backends[account][partition].get_role_by_arn(arn).assume_role_policy_document`.
tests/emulator/test_iam_enforcement.py pins each of them, so a moto upgrade that
moves one fails there by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from moto.iam.access_control import AssumedRoleAccessKey, CreateAccessKeyFailure
from moto.iam.models import Policy, iam_backends
from moto.sts.models import sts_backends

from harness.emulator.iam import policy_evaluation
from harness.emulator.iam.policy_evaluation import Decision, Request

PARTITION = "aws"
LAMBDA_SERVICE = "lambda.amazonaws.com"
# Lambda refreshes a function's credentials before they expire; the emulator issues them
# for the longest session STS allows and issues new ones with each new execution environment.
SESSION_SECONDS = 12 * 3600
# The trust policy that lets Lambda assume a role, as AWS's guide writes it
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html).
LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": LAMBDA_SERVICE},
            "Action": "sts:AssumeRole",
        }
    ],
}


class InvalidToken(Exception):
    """The access key is a session's but the session token is not its token."""


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials as Lambda puts them in a function's environment."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    principal_arn: str

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


@dataclass(frozen=True)
class Session:
    """A role session that signed a request: its account, principal ARN and policies."""

    account: str
    arn: str
    role_arn: str
    _key: AssumedRoleAccessKey

    def policies(self) -> list[dict]:
        """The role's identity-based policies as parsed JSON, inline and attached."""
        return [_document(policy) for policy in self._key.collect_policies()]

    def decide(self, request: Request) -> Decision:
        return policy_evaluation.evaluate(self.policies(), request)


def _document(policy) -> dict:
    if isinstance(policy, Policy):
        version = next(v for v in policy.versions if v.is_default)
        policy = version.document
    return json.loads(policy) if isinstance(policy, str) else policy


def session_of(access_key_id: str, session_token: str | None) -> Session | None:
    """The role session an access key belongs to; None for any other key (an admin's).

    Raises InvalidToken when the key is a session's and the token is not its own.
    """
    for account, backends in list(sts_backends.items()):
        backend = backends.get(PARTITION) if hasattr(backends, "get") else None
        if backend is None or not any(
            role.access_key_id == access_key_id for role in list(backend.assumed_roles)
        ):
            continue
        headers = {"X-Amz-Security-Token": session_token or ""}
        try:
            key = AssumedRoleAccessKey(account, PARTITION, access_key_id, headers)
        except CreateAccessKeyFailure as failure:
            raise InvalidToken(failure.reason) from failure
        role = next(r for r in backend.assumed_roles if r.access_key_id == access_key_id)
        return Session(account, key.arn, role.role_arn, key)
    return None


_service_sessions: dict[tuple[str, str], Credentials] = {}
# Access keys of sessions that ended with an emulator reset (see `end_all_sessions`).
_ended: set[str] = set()


def end_all_sessions() -> None:
    """Every role session issued so far stops working (an emulator reset begins).

    moto's reset forgets its STS sessions, after which their keys would pass as an
    administrator's; a function started before the reset would still write with them.
    AWS answers a request signed with credentials it does not know "The security token
    included in the request is invalid." (UnrecognizedClientException), as `is_ended` lets
    the enforcement answer, whether or not enforcement is on.
    """
    for _, backends in list(sts_backends.items()):
        backend = backends.get(PARTITION) if hasattr(backends, "get") else None
        if backend is not None:
            _ended.update(role.access_key_id for role in list(backend.assumed_roles))
    _service_sessions.clear()


def is_ended(access_key_id: str) -> bool:
    """Whether the key belonged to a session an emulator reset ended."""
    return access_key_id in _ended


def service_session(role_arn: str, session_name: str) -> Session:
    """The session Lambda itself uses as the role (the mapping's poller), kept per role.

    Raises RoleCannotBeAssumed as `assume_role_for_lambda` does.
    """
    key = (role_arn, session_name)
    credentials = _service_sessions.get(key)
    session = credentials and session_of(credentials.access_key_id, credentials.session_token)
    if session is None:  # first use, or moto was reset since
        credentials = assume_role_for_lambda(role_arn, session_name)
        _service_sessions[key] = credentials
        session = session_of(credentials.access_key_id, credentials.session_token)
    assert session is not None
    return session


# Lambda's answer (InvalidParameterValueException) for a role it cannot assume; AWS-recorded
# sources in harness.emulator.lambda_runtime.lambda_api.
ROLE_CANNOT_BE_ASSUMED = "The role defined for the function cannot be assumed by Lambda."


class RoleCannotBeAssumed(Exception):
    """The role is missing or its trust policy does not let Lambda assume it."""


def lambda_may_assume(role_arn: str) -> bool:
    """Whether the role exists and its trust policy allows lambda.amazonaws.com sts:AssumeRole."""
    account = role_arn.split(":")[4]
    try:
        role = iam_backends[account][PARTITION].get_role_by_arn(role_arn)
    except Exception:
        return False
    document = role.assume_role_policy_document
    trust = json.loads(document) if isinstance(document, str) else document
    statements = [s for s in _list(trust.get("Statement")) if _names_lambda(s.get("Principal"))]
    request = Request("sts:AssumeRole", role_arn)
    return policy_evaluation.evaluate([{"Statement": statements}], request) is Decision.ALLOWED


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _names_lambda(principal) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return LAMBDA_SERVICE in _list(principal.get("Service")) or "*" in _list(principal.get("AWS"))


def assume_role_for_lambda(role_arn: str, session_name: str) -> Credentials:
    """Temporary credentials for `role_arn`, as Lambda obtains them from STS.

    Raises RoleCannotBeAssumed when the trust policy does not let Lambda assume the role.
    """
    if not lambda_may_assume(role_arn):
        raise RoleCannotBeAssumed(role_arn)
    account, region = role_arn.split(":")[4], "us-east-1"
    session = sts_backends[account][PARTITION].assume_role(
        region_name=region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy="",
        duration=SESSION_SECONDS,
        external_id="",
    )
    return Credentials(
        session.access_key_id, session.secret_access_key, session.session_token, session.arn
    )
