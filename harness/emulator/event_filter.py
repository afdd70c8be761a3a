"""Lambda event filtering: the EventBridge pattern subset that event source mappings accept.

A mapping's FilterCriteria holds up to 5 patterns (JSON strings). A record is delivered when
it matches ANY pattern; a pattern matches when ALL its fields match; a field's list of values
matches when ANY of them does. Patterns are compiled once, at CreateEventSourceMapping and
UpdateEventSourceMapping, so that an invalid pattern is rejected there, as AWS does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MAX_FILTERS = 5
_MISSING = object()
_NUMERIC_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

Matcher = Callable[[Any], bool]


class FilterPatternError(ValueError):
    """A pattern AWS would refuse; the message says what is wrong."""


def compile_criteria(criteria: dict[str, Any] | None) -> Callable[[dict[str, Any]], bool]:
    """A predicate over one event record for a mapping's FilterCriteria (None: admit all)."""
    filters = (criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise FilterPatternError(f"at most {MAX_FILTERS} filters are allowed, got {len(filters)}")
    if not filters:
        return lambda record: True
    patterns = [compile_pattern(entry.get("Pattern", "")) for entry in filters]
    return lambda record: any(pattern(record) for pattern in patterns)


def compile_pattern(text: str) -> Callable[[dict[str, Any]], bool]:
    """Compile one pattern given as a JSON string."""
    try:
        pattern = json.loads(text)
    except (TypeError, ValueError) as error:
        raise FilterPatternError(f"pattern is not valid JSON: {text!r}") from error
    if not isinstance(pattern, dict) or not pattern:
        raise FilterPatternError(f"pattern must be a non-empty JSON object: {text!r}")
    return _compile_object(pattern, path="")


def _compile_object(pattern: dict[str, Any], path: str) -> Matcher:
    fields: list[tuple[str, Matcher]] = []
    alternatives: list[Matcher] = []
    for key, value in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise FilterPatternError(f"{where} needs a list of at least two patterns")
            alternatives = [_compile_object(_object_at(v, where), where) for v in value]
        elif isinstance(value, dict):
            fields.append((key, _compile_object(value, where)))
        elif isinstance(value, list):
            fields.append((key, _compile_values(value, where)))
        else:
            raise FilterPatternError(f"{where}: values must be given in a list, got {value!r}")

    def matches(event: Any) -> bool:
        if not isinstance(event, dict):
            event = {}
        if not all(matcher(event.get(key, _MISSING)) for key, matcher in fields):
            return False
        return not alternatives or any(alt(event) for alt in alternatives)

    return matches


def _object_at(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise FilterPatternError(f"{where}: each alternative must be a non-empty object")
    return value


def _compile_values(values: list[Any], where: str) -> Matcher:
    if not values:
        raise FilterPatternError(f"{where}: empty list of values")
    matchers = [_compile_value(value, where) for value in values]

    def matches(actual: Any) -> bool:
        # Like EventBridge: an array in the event matches if any element matches.
        if isinstance(actual, list):
            return any(m(element) for element in actual for m in matchers)
        return any(m(actual) for m in matchers)

    return matches


def _compile_value(value: Any, where: str) -> Matcher:
    if value is None or isinstance(value, (str, bool, int, float)):
        return _equals(value)
    if isinstance(value, dict) and len(value) == 1:
        ((operator, argument),) = value.items()
        compiler = _OPERATORS.get(operator)
        if compiler is not None:
            return compiler(argument, f"{where}.{operator}")
    raise FilterPatternError(f"{where}: unsupported matcher {value!r}")


def _equals(expected: Any) -> Matcher:
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return lambda actual: (
            actual is not _MISSING and type(actual) is type(expected) and (actual == expected)
        )
    # Numbers compare by value (1 and 1.0 are the same number).
    return lambda actual: _is_number(actual) and float(actual) == float(expected)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_number(value: Any) -> float | None:
    """DynamoDB numbers travel as strings ({"N": "42"}); numeric matching accepts both."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _prefix(argument: Any, where: str) -> Matcher:
    if not isinstance(argument, str):
        raise FilterPatternError(f"{where}: prefix must be a string")
    return lambda actual: isinstance(actual, str) and actual.startswith(argument)


def _suffix(argument: Any, where: str) -> Matcher:
    if not isinstance(argument, str):
        raise FilterPatternError(f"{where}: suffix must be a string")
    return lambda actual: isinstance(actual, str) and actual.endswith(argument)


def _equals_ignore_case(argument: Any, where: str) -> Matcher:
    if not isinstance(argument, str):
        raise FilterPatternError(f"{where}: equals-ignore-case must be a string")
    folded = argument.casefold()
    return lambda actual: isinstance(actual, str) and actual.casefold() == folded


def _exists(argument: Any, where: str) -> Matcher:
    if not isinstance(argument, bool):
        raise FilterPatternError(f"{where}: exists takes true or false")
    return lambda actual: (actual is not _MISSING) == argument


def _anything_but(argument: Any, where: str) -> Matcher:
    if isinstance(argument, dict):
        inner = _compile_value(argument, where)
        return lambda actual: actual is not _MISSING and not inner(actual)
    values = argument if isinstance(argument, list) else [argument]
    if not values or any(isinstance(v, (dict, list)) for v in values):
        raise FilterPatternError(f"{where}: anything-but takes a value, a list or a prefix")
    excluded = [_equals(v) for v in values]
    return lambda actual: actual is not _MISSING and not any(m(actual) for m in excluded)


def _numeric(argument: Any, where: str) -> Matcher:
    if not isinstance(argument, list) or not argument or len(argument) % 2:
        raise FilterPatternError(f"{where}: numeric takes [operator, number, ...]")
    checks: list[tuple[Callable[[float, float], bool], float]] = []
    for operator, bound in zip(argument[::2], argument[1::2], strict=True):
        if operator not in _NUMERIC_OPERATORS or not _is_number(bound):
            raise FilterPatternError(f"{where}: bad numeric comparison {operator!r} {bound!r}")
        checks.append((_NUMERIC_OPERATORS[operator], float(bound)))

    def matches(actual: Any) -> bool:
        number = _as_number(actual)
        return number is not None and all(compare(number, bound) for compare, bound in checks)

    return matches


_OPERATORS: dict[str, Callable[[Any, str], Matcher]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "exists": _exists,
    "anything-but": _anything_but,
    "numeric": _numeric,
}
