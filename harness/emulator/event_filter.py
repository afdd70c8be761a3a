"""Lambda event filtering: which stream records an event source mapping's FilterCriteria admits.

Lambda applies EventBridge's pattern language ("Lambda supports the same set of syntax and rules
as Amazon EventBridge", https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html;
operators: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).

A mapping's FilterCriteria holds up to 5 patterns (JSON strings). A record is delivered when it
matches ANY pattern; a pattern matches when ALL its fields match; a field's list of rules matches
when ANY rule matches ANY leaf value found at that path. The type rules follow AWS:

- Only leaves count. A DynamoDB attribute value such as {"S": "v"} is an object, so at the path
  of the attribute itself there is no value: `exists: true` does not match it and `exists: false`
  does; put the type key in the pattern ({"k": {"S": [...]}}) to reach the leaf.
- Strings match strings and numbers match numbers: numeric operators never match a string, so
  never DynamoDB's N values, which the event carries as strings ({"N": "101"}); a number literal
  never equals a string and a string literal never equals a number.
- An array in the event matches when any of its elements does.

Patterns are compiled once, at CreateEventSourceMapping/UpdateEventSourceMapping, so that an
invalid pattern is refused there with AWS's message, "Invalid filter pattern definition.".
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable
from typing import Any

INVALID_PATTERN_MESSAGE = "Invalid filter pattern definition."
MAX_FILTERS = 5  # default quota per event source mapping (AWS raises it to 10 on request)
MAX_PATTERN_LENGTH = 4096  # Filter.Pattern length constraint in Lambda's API model
MAX_OR_COMBINATIONS = 1000  # EventBridge refuses patterns whose $or arrays multiply past this
MAX_WILDCARDS = 5  # EventBridge refuses "*:*:*:*:*:event-bus/*" as too complex

_MISSING = object()
_EMPTY: dict[str, Any] = {}
_NUMBER_TYPES = (int, float)  # exact types: JSON true/false are bool, never numbers

Matcher = Callable[[Any], bool]
Predicate = Callable[[Any], bool]


class FilterPatternError(ValueError):
    """FilterCriteria that AWS refuses.

    str(error) is the message AWS answers with ("Invalid filter pattern definition." for any bad
    pattern); `reason` says what exactly is wrong, for logs; `error_code` is AWS's error code.
    """

    def __init__(
        self,
        reason: str,
        message: str = INVALID_PATTERN_MESSAGE,
        error_code: str = "InvalidParameterValueException",
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.error_code = error_code


# --------------------------------------------------------------------------- criteria and patterns


def compile_criteria(criteria: dict[str, Any] | None) -> Callable[[dict[str, Any]], bool]:
    """A predicate over one event record for a mapping's FilterCriteria.

    criteria: {"Filters": [{"Pattern": "<JSON>"}, ...]}; None, {} or no filters admit every record.
    Raises FilterPatternError for more than MAX_FILTERS filters or any invalid pattern.
    """
    filters = (criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        message = (
            f"FilterCriteria has {len(filters)} filters; the quota is {MAX_FILTERS} "
            "per event source mapping"
        )
        raise FilterPatternError(message, message=message)
    if not filters:
        return lambda record: True
    for position, entry in enumerate(filters, start=1):
        _check_length((entry or {}).get("Pattern"), position)
    patterns = [compile_pattern((entry or {}).get("Pattern")) for entry in filters]
    if len(patterns) == 1:
        return patterns[0]
    return lambda record: any(pattern(record) for pattern in patterns)


def _check_length(text: Any, position: int) -> None:
    if isinstance(text, str) and len(text) > MAX_PATTERN_LENGTH:
        # The wording of AWS's model validation errors (the API model sets max 4096).
        raise FilterPatternError(
            f"pattern {position} is {len(text)} characters long",
            message=(
                f"1 validation error detected: Value at 'filterCriteria.filters.{position}"
                ".member.pattern' failed to satisfy constraint: Member must have length less "
                f"than or equal to {MAX_PATTERN_LENGTH}"
            ),
            error_code="ValidationException",
        )


def compile_pattern(text: str | None) -> Callable[[dict[str, Any]], bool]:
    """Compile one pattern given as a JSON string; raises FilterPatternError if AWS refuses it."""
    if not isinstance(text, str):
        raise FilterPatternError("the filter has no Pattern")
    try:
        pattern = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise FilterPatternError(f"pattern is not valid JSON: {error}") from error
    if not isinstance(pattern, dict):
        raise FilterPatternError("pattern is not a JSON object")
    combinations = _or_combinations(pattern)
    if combinations > MAX_OR_COMBINATIONS:
        raise FilterPatternError(f"$or makes {combinations} rule combinations (max 1000)")
    return _compile_object(pattern, path="")


def _refuse_constant(name: str) -> Any:
    # Python's parser accepts NaN and Infinity; JSON has neither.
    raise ValueError(f"{name} is not JSON")


def _or_combinations(pattern: Any) -> int:
    """EventBridge's count: the product of the lengths of every $or array in the pattern."""
    if not isinstance(pattern, dict):
        return 1
    total = 1
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            total *= max(len(value), 1)
            for alternative in value:
                total *= _or_combinations(alternative)
        else:
            total *= _or_combinations(value)
    return total


def _compile_object(pattern: dict[str, Any], path: str) -> Matcher:
    """Matcher for a pattern object against the event value found at `path`."""
    if not pattern:
        raise FilterPatternError(f"{path or 'pattern'}: empty object")
    fields: list[tuple[str, Matcher]] = []
    alternatives: list[Matcher] = []
    for key, value in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise FilterPatternError(f"{where}: needs a list of at least two objects")
            for alternative in value:
                if not isinstance(alternative, dict):
                    raise FilterPatternError(f"{where}: each alternative must be an object")
                alternatives.append(_compile_object(alternative, path))
        elif isinstance(value, dict):
            fields.append((key, _compile_object(value, where)))
        elif isinstance(value, list):
            fields.append((key, _compile_rules(value, where)))
        else:
            raise FilterPatternError(f'"{where}" must be an object or an array')

    def matches(event: Any) -> bool:
        kind = type(event)
        if kind is list:
            # Each element is tried whole, so all fields match within one element.
            elements = [element for element in event if type(element) is dict]
            if elements:
                return any(matches(element) for element in elements)
            event = _EMPTY
        elif kind is not dict:
            event = _EMPTY
        for key, matcher in fields:
            if not matcher(event.get(key, _MISSING)):
                return False
        return not alternatives or any(alternative(event) for alternative in alternatives)

    return matches


# --------------------------------------------------------------------------- rules on leaf values


def _compile_rules(rules: list[Any], where: str) -> Matcher:
    """Matcher for a field's list of rules against the event value at that field."""
    if not rules:
        raise FilterPatternError(f"{where}: empty arrays are not allowed")
    literals: set[Any] = set()
    predicates: list[Predicate] = []
    exists_true = exists_false = False
    for rule in rules:
        if isinstance(rule, dict):
            operator, argument = _single_operator(rule, where)
            if operator == "exists":
                if not isinstance(argument, bool):
                    raise FilterPatternError(f"{where}: exists takes true or false")
                exists_true = exists_true or argument
                exists_false = exists_false or not argument
                continue
            compiler = _OPERATORS.get(operator)
            if compiler is None:
                raise FilterPatternError(f"{where}: unrecognized match type {operator}")
            predicates.append(compiler(argument, f"{where}.{operator}"))
        elif rule is None or isinstance(rule, (str, bool, int, float)):
            literals.add(_literal_key(rule))
        else:
            raise FilterPatternError(f"{where}: a rule must be a string, number, bool or null")

    def matches(actual: Any) -> bool:
        values = _leaves(actual)
        if not values:
            return exists_false
        if exists_true:
            return True
        if literals:
            for value in values:
                if (value if type(value) is str else _literal_key(value)) in literals:
                    return True
        for predicate in predicates:
            for value in values:
                if predicate(value):
                    return True
        return False

    return matches


def _single_operator(rule: dict[str, Any], where: str) -> tuple[str, Any]:
    if len(rule) != 1:
        raise FilterPatternError(f"{where}: only one key allowed in a match expression")
    ((operator, argument),) = rule.items()
    return operator, argument


def _leaves(actual: Any) -> tuple[Any, ...] | list[Any]:
    """The leaf values at a path: none for a missing field, an object or an empty array."""
    kind = type(actual)
    if kind is list:
        found: list[Any] = []
        _collect_leaves(actual, found)
        return found
    if actual is _MISSING or kind is dict:
        return ()
    return (actual,)


def _collect_leaves(values: list[Any], found: list[Any]) -> None:
    for value in values:
        kind = type(value)
        if kind is list:
            _collect_leaves(value, found)
        elif kind is not dict:
            found.append(value)


def _literal_key(value: Any) -> Any:
    """A set key under which two JSON leaves are equal exactly when AWS says they are.

    Strings are keys of their own; other types are tagged, so "1" never equals 1 and true never
    equals 1. Lambda compares numbers by their representation (300 and 300.0 differ), so the
    tag keeps int and float apart.
    """
    kind = type(value)
    if kind is str:
        return value
    return (kind.__name__, value)


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBER_TYPES


def _string_argument(argument: Any, where: str, allow_empty: bool = True) -> str:
    if not isinstance(argument, str):
        raise FilterPatternError(f"{where}: match pattern must be a string")
    if not allow_empty and not argument:
        raise FilterPatternError(f"{where}: an empty string is not allowed here")
    return argument


def _affix(test: Callable[[str, str], bool]) -> Callable[[Any, str], Predicate]:
    """prefix (str.startswith) or suffix (str.endswith), optionally {"equals-ignore-case": s}."""

    def compile_(argument: Any, where: str) -> Predicate:
        if isinstance(argument, dict):
            folded = _ignore_case_argument(argument, where).lower()
            return lambda value: type(value) is str and test(value.lower(), folded)
        text = _string_argument(argument, where)
        return lambda value: type(value) is str and test(value, text)

    return compile_


_prefix = _affix(str.startswith)
_suffix = _affix(str.endswith)


def _ignore_case_argument(argument: dict[str, Any], where: str) -> str:
    operator, inner = _single_operator(argument, where)
    if operator != "equals-ignore-case":
        raise FilterPatternError(f"{where}: unsupported {operator} inside")
    return _string_argument(inner, f"{where}.{operator}")


def _equals_ignore_case(argument: Any, where: str) -> Predicate:
    folded = _string_argument(argument, where).lower()
    return lambda value: type(value) is str and value.lower() == folded


def _wildcard(argument: Any, where: str) -> Predicate:
    pattern = _string_argument(argument, where)
    if "**" in pattern:
        raise FilterPatternError(f"{where}: consecutive wildcard characters")
    if pattern.count("*") > MAX_WILDCARDS:
        raise FilterPatternError(f"{where}: rule is too complex")
    # '*' matches zero or more characters; everything else matches itself.
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
    return lambda value: type(value) is str and regex.fullmatch(value) is not None


def _cidr(argument: Any, where: str) -> Predicate:
    text = _string_argument(argument, where)
    if text.count("/") != 1 or not text.split("/")[1].isdigit():
        raise FilterPatternError(f"{where}: malformed CIDR")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as error:
        raise FilterPatternError(f"{where}: nonstandard IP address") from error

    def matches(value: Any) -> bool:
        if type(value) is not str:
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return matches


_NUMERIC_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _numeric(argument: Any, where: str) -> Predicate:
    """[op, n] or a range [">"/">=", low, "<"/"<=", high] with low < high, as EventBridge takes."""
    if not isinstance(argument, list) or not argument:
        raise FilterPatternError(f"{where}: numeric takes a non-empty array")
    terms = list(argument)
    checks: list[tuple[Callable[[float, float], bool], float]] = []
    allowed = set(_NUMERIC_COMPARISONS)
    while terms:
        operator = terms.pop(0)
        if operator not in allowed:
            raise FilterPatternError(f"{where}: bad numeric operator {operator!r}")
        if not terms or not _is_number(terms[0]) or not math.isfinite(terms[0]):
            raise FilterPatternError(f"{where}: value of {operator} must be numeric")
        checks.append((_NUMERIC_COMPARISONS[operator], float(terms.pop(0))))
        if operator in (">", ">="):
            allowed = {"<", "<="}
        else:
            allowed = set()  # only a lower bound may be followed by an upper bound

    def matches(value: Any) -> bool:
        if type(value) not in _NUMBER_TYPES:
            return False
        number = float(value)
        return all(compare(number, bound) for compare, bound in checks)

    return matches


def _anything_but(argument: Any, where: str) -> Predicate:
    """Matches a present leaf that is not excluded; a leaf of another type is never excluded."""
    if isinstance(argument, dict):
        operator, inner = _single_operator(argument, where)
        compiler = _ANYTHING_BUT_OPERATORS.get(operator)
        if compiler is None:
            raise FilterPatternError(f"{where}: unsupported anything-but pattern {operator}")
        arguments = inner if isinstance(inner, list) else [inner]
        if not arguments:
            raise FilterPatternError(f"{where}.{operator}: empty list")
        excluded = [compiler(each, f"{where}.{operator}") for each in arguments]
        return lambda value: not any(predicate(value) for predicate in excluded)
    values = argument if isinstance(argument, list) else [argument]
    if not values or not all(isinstance(v, str) or _is_number(v) for v in values):
        raise FilterPatternError(f"{where}: takes a string, a number, or a list of them")
    keys = frozenset(_literal_key(v) for v in values)
    return lambda value: (value if type(value) is str else _literal_key(value)) not in keys


def _anything_but_affix(
    compiler: Callable[[Any, str], Predicate],
) -> Callable[[Any, str], Predicate]:
    def compile_(argument: Any, where: str) -> Predicate:
        # Inside anything-but, prefix and suffix take only a plain, non-empty string.
        return compiler(_string_argument(argument, where, allow_empty=False), where)

    return compile_


_OPERATORS: dict[str, Callable[[Any, str], Predicate]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
    "anything-but": _anything_but,
    "numeric": _numeric,
    "cidr": _cidr,
}

_ANYTHING_BUT_OPERATORS: dict[str, Callable[[Any, str], Predicate]] = {
    "prefix": _anything_but_affix(_prefix),
    "suffix": _anything_but_affix(_suffix),
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
}
