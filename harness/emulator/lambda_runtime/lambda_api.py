"""Where moto 5.2.5's Lambda API accepts less than AWS's, or answers differently: fixed here.

Function identifiers. Every Lambda API that takes a FunctionName accepts, on AWS
(API_CreateEventSourceMapping.html, API_Invoke.html, API_GetFunction.html: "Name formats"):
  name                  my-function            my-function:v1 (alias or version)
  function ARN          arn:aws:lambda:us-west-2:123456789012:function:my-function[:v1]
  partial ARN           123456789012:function:my-function[:v1]
and the qualifier may be a version number, an alias or $LATEST. moto splits names on ":"
and fails with HTTP 500 on a partial ARN, and its URL patterns leave "$" out, so
`my-function:$LATEST` in a path was a 404 page. `parse_function_id` reads every form, and
moto's two name lookups (all others go through them) are wrapped to use it.

Error bodies. AWS's Lambda errors carry "Type": "User" beside the message (every
AWS-recorded Lambda error in LocalStack's snapshots, e.g. test_lambda_api.snapshot.json);
moto's carry only __type and message.

The execution role. CreateFunction refuses a role that Lambda cannot assume (its trust
policy does not let lambda.amazonaws.com call sts:AssumeRole, or it does not exist) with
InvalidParameterValueException "The role defined for the function cannot be assumed by
Lambda." (AWS-recorded: tksugimoto/aws-lambda_aws-billing-notification-to-slack,
03_create-lambda-function/30_lambda-function.tf; the Terraform provider retries that very
text while IAM propagates, internal/service/lambda/function.go). Only with IAM enforcement
on (harness.emulator.iam); moto only checked that the role exists.

HOOKS names every patched attribute (owner, name, parameters after self);
tests/emulator/test_lambda_api.py checks each still exists with that signature, and that
moto's URL patterns still spell function names the way `_allow_dollar_in_function_names`
widens, so a moto upgrade fails loudly.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from moto.awslambda import urls as lambda_urls
from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction, LambdaStorage

from harness.emulator import iam
from harness.emulator.iam.principals import lambda_may_assume

# AWS's pattern for FunctionName, read apart (API_Invoke.html, FunctionName "Pattern").
_FUNCTION_ID = re.compile(
    r"^(?:arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):function:)?"
    r"(?P<name>[a-zA-Z0-9_-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)

HOOKS: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (LambdaStorage, "get_function_by_name_with_qualifier", ("name", "qualifier")),
    (LambdaStorage, "get_function_by_name_forbid_qualifier", ("name",)),
    (LambdaClientError, "__init__", ("error", "message")),
    (LambdaBackend, "create_function", ("spec",)),
)


@dataclass(frozen=True)
class FunctionId:
    """A function identifier read apart; account and region only when the caller gave them."""

    name: str
    qualifier: str | None = None
    account: str | None = None
    region: str | None = None

    def arn(self, region: str, account: str, partition: str = "aws") -> str:
        """The function's ARN, qualified when the identifier had a qualifier."""
        arn = f"arn:{partition}:lambda:{self.region or region}:{self.account or account}"
        arn += f":function:{self.name}"
        return f"{arn}:{self.qualifier}" if self.qualifier else arn


def parse_function_id(identifier: str) -> FunctionId | None:
    """Read any FunctionName form AWS accepts; None when it is none of them."""
    match = _FUNCTION_ID.match(identifier or "")
    if match is None or (match["region"] and not match["account"]):
        return None
    return FunctionId(match["name"], match["qualifier"], match["account"], match["region"])


def function_arn(identifier: str, region: str, account: str) -> str:
    """The ARN of the function an identifier names in (region, account).

    Qualified by a version or alias when the identifier has one. $LATEST is the unqualified
    function: both invoke the same code, and the emulator keys event source mappings by
    this ARN, so "f" and "f:$LATEST" are one target (how AWS spells FunctionArn for a
    $LATEST mapping is not documented). Raises InvalidParameterValueException for something
    that is no function identifier.
    """
    parsed = parse_function_id(identifier)
    if parsed is None:
        raise InvalidParameterValueException(f"Invalid function name: {identifier}")
    if parsed.qualifier == "$LATEST":
        parsed = FunctionId(parsed.name, None, parsed.account, parsed.region)
    return parsed.arn(region, account)


def _resolving_with_qualifier(original):
    @functools.wraps(original)
    def get_function_by_name_with_qualifier(
        self: LambdaStorage, name: str, qualifier: str | None = None
    ) -> LambdaFunction:
        parsed = parse_function_id(name)
        if parsed is None or ":" not in name:
            return original(self, name, qualifier)
        return original(self, parsed.name, parsed.qualifier or qualifier)

    get_function_by_name_with_qualifier.reads_every_function_id = True
    return get_function_by_name_with_qualifier


def _resolving_forbid_qualifier(original):
    @functools.wraps(original)
    def get_function_by_name_forbid_qualifier(self: LambdaStorage, name: str) -> LambdaFunction:
        parsed = parse_function_id(name)
        if parsed is None or ":" not in name or parsed.qualifier:
            return original(self, name)  # moto's own answer, including "Cannot provide qualifier"
        return original(self, parsed.name)

    get_function_by_name_forbid_qualifier.reads_every_function_id = True
    return get_function_by_name_forbid_qualifier


def _typed_user_error(original):
    @functools.wraps(original)
    def __init__(self: LambdaClientError, error: str, message: str) -> None:
        original(self, error, message)
        if getattr(self, "code", 400) < 500:
            self.description = json.dumps(
                {"Type": "User", "message": self.message, "__type": self.error_type}
            )

    __init__.types_user_errors = True
    return __init__


NARROW_NAME = r"(?P<function_name>[\w_:%-]+)"
# "\x24" is "$": moto's conversion to a Flask route deletes every literal "$".
WIDE_NAME = r"(?P<function_name>[\w_:%\x24-]+)"


def _checking_the_role(original):
    @functools.wraps(original)
    def create_function(self: LambdaBackend, spec: dict) -> LambdaFunction:
        if iam.enabled() and not lambda_may_assume(str(spec.get("Role") or "")):
            raise InvalidParameterValueException(iam.ROLE_CANNOT_BE_ASSUMED)
        return original(self, spec)

    create_function.checks_the_role = True
    return create_function


def _allow_dollar_in_function_names() -> None:
    """moto's URL patterns spell a function name [\\w_:%-]+: add "$" for ":$LATEST"."""
    lambda_urls.url_paths = {
        pattern.replace(NARROW_NAME, WIDE_NAME): handler
        for pattern, handler in lambda_urls.url_paths.items()
    }


def install() -> None:
    """Apply the fixes (idempotent)."""
    storage = LambdaStorage
    if not getattr(storage.get_function_by_name_with_qualifier, "reads_every_function_id", False):
        storage.get_function_by_name_with_qualifier = _resolving_with_qualifier(
            storage.get_function_by_name_with_qualifier
        )
    if not getattr(storage.get_function_by_name_forbid_qualifier, "reads_every_function_id", 0):
        storage.get_function_by_name_forbid_qualifier = _resolving_forbid_qualifier(
            storage.get_function_by_name_forbid_qualifier
        )
    if not getattr(LambdaClientError.__init__, "types_user_errors", False):
        LambdaClientError.__init__ = _typed_user_error(LambdaClientError.__init__)
    if not getattr(LambdaBackend.create_function, "checks_the_role", False):
        LambdaBackend.create_function = _checking_the_role(LambdaBackend.create_function)
    _allow_dollar_in_function_names()
