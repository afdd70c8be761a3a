"""IAM's decision for one request against a principal's identity-based policies.

AWS's evaluation logic within one account, for a principal with identity-based
policies only (no permissions boundary, session policy or SCP here):
an explicit Deny in any statement that applies wins; otherwise an Allow that
applies is needed; otherwise the request is implicitly denied.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

A statement applies when its Action (or NotAction) names the action, its
Resource (or NotResource) names the resource, and every condition holds:
- actions match case-insensitively, with `*` and `?` wildcards
  (reference_policies_elements_action.html);
- resources are ARNs: each of the six colon-separated parts is matched on its
  own, case-sensitively, with `*` and `?`; the resource part may itself hold
  colons (`log-group:NAME:log-stream:S`); a lone `*` matches every resource
  (reference_policies_elements_resource.html);
- conditions: every operator in a block must hold and every key under an
  operator; the values listed for one key are ORed; a negated operator holds
  when no value matches; a key missing from the request fails a positive
  operator, passes a negated one, and passes any `...IfExists` operator;
  `ForAnyValue:`/`ForAllValues:` qualify multivalued keys
  (reference_policies_elements_condition_operators.html,
  reference_policies_condition-single-vs-multi-valued-context-keys.html).

Operators: String*, Arn*, Bool, Null, Numeric*. Policy variables (`${aws:username}`)
are not substituted. Why not moto's evaluator (moto.iam.access_control.IAMPolicy):
it turns a condition that does not hold into an explicit Deny (AWS: the statement
does not apply), ignores NotResource (a statement with it allows any resource),
reads `?` and `.` in patterns as regular expression syntax and matches actions
case-sensitively.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache


class Decision(enum.Enum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit deny"  # no statement allows
    EXPLICIT_DENY = "explicit deny"  # a Deny statement applies


@dataclass(frozen=True)
class Request:
    """What IAM decides on: action (`service:Name`), resource ARN (or "*"), context keys."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


def evaluate(documents: Iterable[Mapping], request: Request) -> Decision:
    """The decision for `request` under the policy `documents` (parsed JSON policies)."""
    context = {key.lower(): value for key, value in request.context.items()}
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _applies(statement, request, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            if statement.get("Effect") == "Allow":
                allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _applies(statement: Mapping, request: Request, context: Mapping) -> bool:
    return (
        _names(statement, "Action", request.action, action_matches, required=True)
        # Trust policies have no Resource: they are about the role they belong to.
        and _names(statement, "Resource", request.resource, arn_matches, required=False)
        and conditions_hold(statement.get("Condition") or {}, context)
    )


def _names(statement: Mapping, element: str, value: str, match, required: bool) -> bool:
    """Whether Action/NotAction (Resource/NotResource) of the statement covers `value`."""
    if element in statement:
        return any(match(pattern, value) for pattern in _as_list(statement[element]))
    if f"Not{element}" in statement:
        return not any(match(pattern, value) for pattern in _as_list(statement[f"Not{element}"]))
    return not required


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` any one character."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """`dynamodb:Get*` names `dynamodb:GetItem`; case does not matter."""
    return glob_matches(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """ArnLike: `*` alone matches all; else the six parts are matched one by one."""
    if pattern == "*":
        return True
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != len(actual):
        return False  # a wildcard never spans the colons between an ARN's parts
    return all(glob_matches(w, a) for w, a in zip(wanted, actual, strict=True))


# --------------------------------------------------------------------------- conditions


def _string_equals(wanted: str, actual: str) -> bool:
    return wanted == actual


def _string_equals_ignore_case(wanted: str, actual: str) -> bool:
    return wanted.lower() == actual.lower()


def _bool(wanted: str, actual: str) -> bool:
    return str(wanted).lower() == str(actual).lower()


def _numeric(compare):
    def match(wanted: str, actual: str) -> bool:
        try:
            return compare(float(actual), float(wanted))
        except ValueError:
            return False

    return match


# operator -> (value matcher, negated)
OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (glob_matches, False),
    "StringNotLike": (glob_matches, True),
    "ArnEquals": (arn_matches, False),
    "ArnLike": (arn_matches, False),
    "ArnNotEquals": (arn_matches, True),
    "ArnNotLike": (arn_matches, True),
    "Bool": (_bool, False),
    "NumericEquals": (_numeric(lambda a, w: a == w), False),
    "NumericNotEquals": (_numeric(lambda a, w: a == w), True),
    "NumericLessThan": (_numeric(lambda a, w: a < w), False),
    "NumericLessThanEquals": (_numeric(lambda a, w: a <= w), False),
    "NumericGreaterThan": (_numeric(lambda a, w: a > w), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, w: a >= w), False),
}


class UnsupportedCondition(ValueError):
    """A condition operator this evaluator does not know; IAM would know it."""


def conditions_hold(block: Mapping, context: Mapping) -> bool:
    """True when every operator and key of a Condition block holds (keys lower-cased)."""
    return all(
        _operator_holds(operator, key.lower(), _as_list(values), context)
        for operator, keys in block.items()
        for key, values in keys.items()
    )


def _operator_holds(operator: str, key: str, wanted: list, context: Mapping) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    present = key in context
    if name == "Null":
        return any(_bool(value, "false" if present else "true") for value in wanted)
    if name not in OPERATORS:
        raise UnsupportedCondition(f"condition operator {operator} is not emulated")
    match, negated = OPERATORS[name]
    if not present:
        return if_exists or negated
    actual = _as_list(context[key])
    wanted = [str(value) for value in wanted]

    def one(value: str) -> bool:
        found = any(match(w, value) for w in wanted)
        return not found if negated else found

    if qualifier == "ForAllValues":
        return all(one(value) for value in actual)
    # Single-valued keys and ForAnyValue: some value of the request satisfies the operator.
    return any(one(value) for value in actual)
