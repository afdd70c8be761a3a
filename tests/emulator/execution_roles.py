"""Execution roles for test functions: Lambda may assume them, and they grant what is asked.

IAM is enforced in the emulator (harness.emulator.iam): a function runs as its role, so
a test's role must trust lambda.amazonaws.com and grant what its function does. Tests
that are not about IAM use ALLOW_ALL; IAM tests pass their own statements.
"""

from __future__ import annotations

import json

from harness.emulator.iam.principals import LAMBDA_TRUST_POLICY

LAMBDA_TRUST = LAMBDA_TRUST_POLICY
ALLOW_ALL = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]


def create_execution_role(iam, name: str, statements: list[dict] = ALLOW_ALL) -> str:
    """Create role `name` with Lambda's trust and an inline policy of `statements` (none
    when empty: IAM refuses a policy without statements); returns its ARN."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"][
        "Arn"
    ]
    if not statements:
        return arn
    iam.put_role_policy(
        RoleName=name,
        PolicyName=f"{name}-access",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return arn


def create_function_as(
    aws: dict, name: str, statements: list[dict], code: bytes, handler: str, **settings
) -> str:
    """A python3.12 function `name` running as role `name`, which grants `statements`."""
    aws["lambda"].create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=create_execution_role(aws["iam"], name, statements),
        Handler=handler,
        Code={"ZipFile": code},
        **settings,
    )
    return name
