"""IAM policy documents checked against AWS's catalogue of actions and resource types.

AWS accepts a policy that grants an action on a resource the action never
applies to, or an action that does not exist: it grants nothing, and the
function fails only when it runs in a real account. These rules find that
offline, from the Service Authorization Reference (`iam_catalogue`):

- unknown-action: an Action or NotAction names no action AWS has.
- resource-type: an Allow grants an action on a resource of a type the action
  does not support, so the grant is void. An action with no resource types
  (dynamodb:ListStreams) applies only to Resource "*".
- needless-wildcard: an Allow grants on Resource "*" an action that supports
  resource-level permissions; name the resources instead.
- unknown-condition-key: a service condition key the service does not define
  (global `aws:` keys are accepted as they are).

IAM's evaluation: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
("If the action does not support resource-level permissions, ... you must use
the * wildcard in the Resource element.")

A document is the JSON form (`{"Statement": [...]}`). Resources Terraform
learns only at apply are `None`: an ARN of something the plan creates, never "*".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from harness.review import iam_catalogue
from harness.review.iam_catalogue import Action

UNKNOWN_ACTION = "unknown-action"
RESOURCE_TYPE = "resource-type"
NEEDLESS_WILDCARD = "needless-wildcard"
UNKNOWN_CONDITION_KEY = "unknown-condition-key"
RULES = (UNKNOWN_ACTION, RESOURCE_TYPE, NEEDLESS_WILDCARD, UNKNOWN_CONDITION_KEY)

# Attributes of managed resources that hold a policy document as JSON.
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")
POLICY_DOCUMENT_DATA = "aws_iam_policy_document"


@dataclass(frozen=True)
class Finding:
    rule: str
    statement: str  # the statement's Sid, or "statement N" (1-based)
    message: str

    def __str__(self) -> str:
        return f"{self.statement}: {self.message} [{self.rule}]"


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: dict) -> list[dict]:
    return as_list(document.get("Statement"))


def validate(document: dict) -> list[Finding]:
    """Every finding of every rule in a policy document, statement by statement."""
    found = []
    for number, statement in enumerate(statements(document), start=1):
        label = statement.get("Sid") or f"statement {number}"
        found += _statement_findings(statement, label)
    return found


def _statement_findings(statement: dict, label: str) -> list[Finding]:
    found = []
    granted: list[tuple[str, list[Action]]] = []
    for element in ("Action", "NotAction"):
        for pattern in as_list(statement.get(element)):
            actions = iam_catalogue.actions_matching(pattern)
            if not actions:
                message = f"{pattern} is not an action in AWS's Service Authorization Reference"
                found.append(Finding(UNKNOWN_ACTION, label, message))
            elif element == "Action":
                granted.append((pattern, actions))
    found += [Finding(UNKNOWN_CONDITION_KEY, label, m) for m in _unknown_keys(statement)]
    if statement.get("Effect", "Allow") != "Allow":
        return found  # a Deny on more than it needs to is harmless
    for pattern, actions in granted:
        for resource in as_list(statement.get("Resource")):
            problem = _resource_problem(pattern, actions, resource)
            if problem:
                rule, message = problem
                found.append(Finding(rule, label, message))
    return found


def _resource_problem(pattern: str, actions: list[Action], resource) -> tuple[str, str] | None:
    """(rule, message) when granting `pattern` on `resource` is void or too wide."""
    if resource == "*":
        specific = [a.qualified for a in actions if a.resource_level]
        if not specific:
            return None
        example = f" (e.g. {specific[0]})" if len(actions) > 1 else ""
        message = (
            f'{pattern} is granted on "*", but it{example} supports resource-level '
            "permissions: name the resources"
        )
        return NEEDLESS_WILDCARD, message
    if not any(a.resource_level for a in actions):
        shown = "an ARN Terraform learns at apply" if resource is None else resource
        message = (
            f"{pattern} supports no resource-level permissions (AWS lists no resource type "
            f'for it), so granting it on {shown} grants nothing: grant it on "*"'
        )
        return RESOURCE_TYPE, message
    if resource is None or any(_applies_to(a, resource) for a in actions):
        return None
    types = sorted({t for a in actions for t in a.resource_types})
    named = sorted(
        {t for a in actions for t in iam_catalogue.resource_types_of(resource, a.service)}
    )
    services = " or ".join(sorted({a.service for a in actions}))
    what = f"of type {' or '.join(named)}" if named else f"not a {services} resource"
    message = (
        f"{pattern} applies to {', '.join(types)} resources, but {resource} is {what}, "
        "so the grant is void"
    )
    return RESOURCE_TYPE, message


def _applies_to(action: Action, resource: str) -> bool:
    """Whether the action supports a resource type that `resource` names."""
    own_types = iam_catalogue.resource_arn_formats(action.service)
    if any(t not in own_types for t in action.resource_types):
        return True  # a type of another service (e.g. iam:role for a PassRole): not judged
    named = iam_catalogue.resource_types_of(resource, action.service)
    return bool(set(action.resource_types) & named)


def _unknown_keys(statement: dict) -> Iterator[str]:
    for operator, keys in (statement.get("Condition") or {}).items():
        for key in keys:
            prefix = key.split(":", 1)[0].lower()
            if prefix == "aws":
                continue
            known = iam_catalogue.condition_keys(prefix)
            if not any(iam_catalogue.globs_overlap(k.lower(), key.lower()) for k in known):
                yield f"{operator} uses condition key {key}, which {prefix} does not define"


# --- policy documents in a Terraform plan ---------------------------------------------


def document_from_data_source(values: dict) -> dict:
    """The JSON form of an `aws_iam_policy_document` data source's planned statements.

    Used when the document waits for values known only at apply, so the plan
    holds its statement blocks but not its `json`; unknown resources stay None.
    """
    converted = []
    for block in values.get("statement") or []:
        statement = {"Effect": block.get("effect") or "Allow"}
        for element, attribute in (
            ("Sid", "sid"),
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ):
            if block.get(attribute):
                statement[element] = block[attribute]
        conditions: dict[str, dict] = {}
        for condition in block.get("condition") or []:
            tests = conditions.setdefault(condition["test"], {})
            tests[condition["variable"]] = condition.get("values")
        if conditions:
            statement["Condition"] = conditions
        converted.append(statement)
    return {"Statement": converted}


def _json_document(value) -> dict | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return document if isinstance(document, dict) and "Statement" in document else None


def documents_in_plan(plan: dict) -> Iterator[tuple[str, dict]]:
    """(where, document) for every IAM policy document the plan creates or keeps.

    `where` is the resource address, with the attribute for managed resources.
    A document known at plan time is read from its resource's JSON attribute
    (the data source that built it was read while planning and is not a change);
    one that waits for apply-time values is read from its data source's blocks.
    """
    for resource in plan.get("resource_changes", []):
        after = resource["change"].get("after")
        if after is None:
            continue
        address = resource["address"]
        if resource["type"] == POLICY_DOCUMENT_DATA and resource.get("mode") == "data":
            if not _json_document(after.get("json")):
                yield address, document_from_data_source(after)
            continue
        for attribute in POLICY_ATTRIBUTES:
            document = _json_document(after.get(attribute))
            if document:
                yield f"{address}.{attribute}", document
        for inline in after.get("inline_policy") or []:
            document = _json_document(inline.get("policy"))
            if document:
                yield f"{address}.inline_policy[{inline.get('name')}]", document


def validate_plan(plan: dict) -> list[tuple[str, Finding]]:
    """(where, finding) for every document in the plan."""
    return [
        (where, finding)
        for where, document in documents_in_plan(plan)
        for finding in validate(document)
    ]
