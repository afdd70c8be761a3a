"""The access-pattern catalog: every query the key design serves, declared once.

Each pattern names its index, its key condition and optional filter as
DynamoDB expressions whose values are templates over typed parameters. The
same declaration runs the query (boto3 Query, never Scan, through every page),
parses `invoke query NAME --param value`, and generates the README table.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from harness import HarnessError
from harness.model.key_design import PARTITION_KEY, SORT_KEY, STATS_SK, TABLE_NAME, index

PARAM_KINDS = ("str", "int", "date")
# Sorts after every character used in sort keys: "2025-12-31~" bounds all keys that
# start with 2025-12-31, so a BETWEEN on date-prefixed keys includes its end date.
SORT_KEY_CEILING = "~"
EARLIEST_DATE = "0001-01-01"
LATEST_DATE = "9999-12-31"

_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_EXPRESSION_VALUE = re.compile(r":\w+")


@dataclass(frozen=True)
class Param:
    """A typed parameter, given on the command line as `--name value`.

    `default` makes it optional: a string is parsed like user input, a callable is
    evaluated when the query runs (for "now").
    """

    name: str
    kind: str
    help: str
    default: str | Callable[[], object] | None = None

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"parameter {self.name}: kind must be one of {PARAM_KINDS}")

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def required(self) -> bool:
        return self.default is None

    def parse(self, raw: object) -> object:
        """The typed value of `raw` (a string or an already typed value)."""
        if self.kind == "int":
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            text = str(raw).strip()
            if not re.fullmatch(r"-?\d+", text):
                raise HarnessError(f"{self.flag} must be a whole number, got {raw!r}")
            return int(text)
        if self.kind == "date":
            text = raw.isoformat() if isinstance(raw, date) else str(raw).strip()
            try:
                if not _DATE_SHAPE.fullmatch(text):
                    raise ValueError
                date.fromisoformat(text)
            except ValueError:
                raise HarnessError(f"{self.flag} must be a date YYYY-MM-DD, got {raw!r}") from None
            return text
        text = str(raw).strip()
        if not text:
            raise HarnessError(f"{self.flag} must not be empty")
        return text

    def default_value(self) -> object:
        return self.default() if callable(self.default) else self.parse(self.default)


@dataclass(frozen=True)
class AccessPattern:
    """One query of the design.

    `key_condition` and `filter` are DynamoDB expressions; `values` maps each
    `:placeholder` in them to a template over the parameters ("course#{course}").
    A template that is exactly one parameter ("{now}") keeps that parameter's type.
    """

    name: str
    purpose: str
    index: str | None
    key_condition: str
    values: Mapping[str, str]
    params: tuple[Param, ...]
    example: Mapping[str, str]
    filter: str | None = None
    notes: str = ""

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise HarnessError(f"{self.name} has no parameter --{name}; {self.usage_hint()}")

    def usage_hint(self) -> str:
        if not self.params:
            return "it takes no parameters"
        return "its parameters: " + " ".join(
            param.flag if param.required else f"[{param.flag}]" for param in self.params
        )

    def bind(self, params: Mapping[str, object] | None = None) -> dict[str, object]:
        """Typed values for every parameter: checked, with defaults filled in."""
        given = {name: value for name, value in (params or {}).items() if value is not None}
        for name in given:
            self.param(name)
        bound: dict[str, object] = {}
        for param in self.params:
            if param.name in given:
                bound[param.name] = param.parse(given[param.name])
            elif param.required:
                raise HarnessError(
                    f"{self.name} needs {param.flag} ({param.help}); "
                    f"for example: {example_command(self)}"
                )
            else:
                bound[param.name] = param.default_value()
        if "start" in bound and "end" in bound and str(bound["start"]) > str(bound["end"]):
            raise HarnessError(f"--start {bound['start']} is after --end {bound['end']}")
        return bound

    def query_request(
        self, table_name: str, bound: Mapping[str, object], *, low_level: bool = True
    ) -> dict[str, object]:
        """The Query parameters for already bound values: in DynamoDB JSON for a
        low-level client, as Python values for a resource's client (which converts)."""
        used = set(_EXPRESSION_VALUE.findall(self.key_condition))
        if self.filter:
            used |= set(_EXPRESSION_VALUE.findall(self.filter))
        convert = TypeSerializer().serialize if low_level else _as_is
        request: dict[str, object] = {
            "TableName": table_name,
            "KeyConditionExpression": self.key_condition,
            "ExpressionAttributeValues": {
                placeholder: convert(_fill(self.values[placeholder], bound))
                for placeholder in sorted(used)
            },
        }
        if self.index:
            request["IndexName"] = self.index
        if self.filter:
            request["FilterExpression"] = self.filter
        return request

    @property
    def sorted_by_table_key(self) -> bool:
        """True when the index has no sort key: DynamoDB then promises no order, so
        `run` orders the items by (pk, sk) to keep answers stable."""
        return self.index is not None and index(self.index).range_key is None

    def describe_key_condition(self) -> str:
        return _describe(self.key_condition, self.values)

    def describe_filter(self) -> str:
        return _describe(self.filter, self.values) if self.filter else ""


def _as_is(value: object) -> object:
    return value


def _fill(template: str, bound: Mapping[str, object]) -> object:
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return bound[whole.group(1)]
    return _PLACEHOLDER.sub(lambda match: str(bound[match.group(1)]), template)


def _describe(expression: str, values: Mapping[str, str]) -> str:
    def shown(match: re.Match[str]) -> str:
        template = values[match.group(0)]
        readable = _PLACEHOLDER.sub(r"<\1>", template)
        return readable if _PLACEHOLDER.fullmatch(template) else f'"{readable}"'

    return _EXPRESSION_VALUE.sub(shown, expression)


def _id(name: str, what: str, example: str) -> Param:
    return Param(name, "str", f"{what}, e.g. {example}")


def _date(name: str, what: str, default: str | None = None) -> Param:
    return Param(name, "date", f"{what}, YYYY-MM-DD", default)


def _now() -> int:
    return int(time.time())


def _by_date(pk: str, owner: Param, what: str) -> dict[str, object]:
    """Query fields for a collection whose sort keys begin with a date, in an optional range.

    Both ends are optional and inclusive: the end gets SORT_KEY_CEILING so that keys
    starting with the end date still fall inside the BETWEEN.
    """
    return {
        "index": None,
        "key_condition": "pk = :pk AND sk BETWEEN :start AND :end",
        "values": {":pk": pk, ":start": "{start}", ":end": "{end}" + SORT_KEY_CEILING},
        "params": (
            owner,
            _date("start", f"first {what} date (default: the earliest)", EARLIEST_DATE),
            _date("end", f"last {what} date, inclusive (default: the latest)", LATEST_DATE),
        ),
    }


PATTERNS: tuple[AccessPattern, ...] = (
    # The seed's four examples first: `invoke setup` runs them.
    AccessPattern(
        name="students-in-course",
        purpose="Students enrolled in a course, by student ID",
        index=None,
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": "course#{course}", ":prefix": "student#"},
        params=(_id("course", "course ID", "101"),),
        example={"course": "101"},
    ),
    AccessPattern(
        name="user-orders",
        purpose="A user's orders in date order, optionally within a date range",
        **_by_date("user#{user}", _id("user", "user ID", "201"), "order"),
        example={"user": "201", "start": "2025-01-01", "end": "2025-12-31"},
        notes="order sort keys begin with the order date; '~' sorts after the rest of the key",
    ),
    AccessPattern(
        name="student-by-id",
        purpose="A student's enrollments in every course, by student ID",
        index="studentID-index",
        key_condition="studentID = :student",
        values={":student": "{student}", ":entity": "student"},
        params=(_id("student", "student ID", "201"),),
        example={"student": "201"},
        filter="entityType = :entity",
    ),
    AccessPattern(
        name="courses-in-range",
        purpose="Courses starting within a date range, by start date",
        index="entityType-courseDate-index",
        key_condition="entityType = :entity AND courseDate BETWEEN :start AND :end",
        values={":entity": "course", ":start": "{start}", ":end": "{end}"},
        params=(
            _date("start", "first course start date"),
            _date("end", "last course start date, inclusive"),
        ),
        example={"start": "2025-09-01", "end": "2025-12-31"},
    ),
    AccessPattern(
        name="course-with-roster",
        purpose="A course's details, its student count and its students in one query",
        index=None,
        key_condition="pk = :pk",
        values={
            ":pk": "course#{course}",
            ":course": "course",
            ":stats": "courseStats",
            ":student": "student",
        },
        params=(_id("course", "course ID", "101"),),
        example={"course": "101"},
        filter="entityType IN (:course, :stats, :student)",
        notes="the filter drops the course's assignments, which share the collection",
    ),
    AccessPattern(
        name="instructor-courses",
        purpose="The courses an instructor teaches, by course ID, after their count",
        index=None,
        key_condition="pk = :pk AND sk BETWEEN :stats AND :last",
        values={
            ":pk": "instructor#{instructor}",
            ":stats": STATS_SK,
            ":last": "course#" + SORT_KEY_CEILING,
        },
        params=(_id("instructor", "instructor ID", "301"),),
        example={"instructor": "301"},
        notes="'#stats' sorts before 'course#', so one range holds the count and the courses",
    ),
    AccessPattern(
        name="course-assignments",
        purpose="A course's assignments by due date, optionally within a date range",
        **_by_date("course#{course}", _id("course", "course ID", "101"), "due"),
        example={"course": "101"},
    ),
    AccessPattern(
        name="assignment-submissions",
        purpose="An assignment's results: its counts and average, then its submissions",
        index=None,
        key_condition="pk = :pk",
        values={":pk": "assignment#{assignment}"},
        params=(_id("assignment", "assignment ID", "a1"),),
        example={"assignment": "a1"},
    ),
    AccessPattern(
        name="student-submissions",
        purpose="A student's submissions across assignments and courses",
        index="studentID-index",
        key_condition="studentID = :student",
        values={":student": "{student}", ":entity": "submission"},
        params=(_id("student", "student ID", "201"),),
        example={"student": "201"},
        filter="entityType = :entity",
    ),
    AccessPattern(
        name="user-profile",
        purpose="A user's profile, with order count and total spent",
        index=None,
        key_condition="pk = :pk AND begins_with(sk, :header)",
        values={":pk": "user#{user}", ":header": "#"},
        params=(_id("user", "user ID", "201"),),
        example={"user": "201"},
        notes="#profile and #stats are the only sort keys in a user's partition that start with #",
    ),
    AccessPattern(
        name="order-transactions",
        purpose="An order's payment transactions in time order",
        index=None,
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": "order#{order}", ":prefix": "txn#"},
        params=(_id("order", "order ID", "o1001"),),
        example={"order": "o1001"},
    ),
    AccessPattern(
        name="user-active-sessions",
        purpose="A user's sessions that have not expired",
        index=None,
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": "user#{user}", ":prefix": "session#", ":now": "{now}"},
        params=(
            _id("user", "user ID", "201"),
            Param("now", "int", "epoch seconds to compare expiresAt with (default: now)", _now),
        ),
        example={"user": "201"},
        filter="expiresAt > :now",
        notes="TTL deletes expired items lazily (within days), so reads must check expiresAt",
    ),
)

# The four queries `invoke setup` runs to show the seeded table answering.
SETUP_EXAMPLES: tuple[tuple[str, dict[str, str]], ...] = tuple(
    (pattern.name, dict(pattern.example)) for pattern in PATTERNS[:4]
)


def names() -> list[str]:
    return [pattern.name for pattern in PATTERNS]


def get(name: str) -> AccessPattern:
    """The pattern called `name`, or a one-line error listing the known names."""
    for pattern in PATTERNS:
        if pattern.name == name:
            return pattern
    raise HarnessError(f"unknown access pattern {name!r}; choose one of: {', '.join(names())}")


def cli_param_names() -> list[str]:
    """Every parameter name in the catalog, for a CLI that must declare its flags."""
    seen: dict[str, None] = {}
    for pattern in PATTERNS:
        for param in pattern.params:
            seen.setdefault(param.name)
    return list(seen)


def cli_param_help() -> dict[str, str]:
    """A help line per parameter name: its kind and the patterns that take it."""
    users: dict[str, list[AccessPattern]] = {name: [] for name in cli_param_names()}
    for pattern in PATTERNS:
        for param in pattern.params:
            users[param.name].append(pattern)
    lines = {}
    for name, patterns in users.items():
        kind = patterns[0].param(name).kind
        shape = {"str": "text", "int": "whole number", "date": "YYYY-MM-DD"}[kind]
        lines[name] = f"{shape}; for {', '.join(pattern.name for pattern in patterns)}"
    return lines


def parse_cli_params(
    pattern: AccessPattern | str, argv_like: Sequence[str] | Mapping[str, object | None]
) -> dict[str, object]:
    """Typed parameters from command-line input, checked against the pattern.

    `argv_like` is either the remaining arguments (["--course", "101"] or
    ["--course=101"]) or a mapping of flag name to value, None meaning "not given"
    (what a task that declares every flag of `cli_param_names()` receives).
    """
    pattern = get(pattern) if isinstance(pattern, str) else pattern
    if isinstance(argv_like, Mapping):
        return pattern.bind(argv_like)
    return pattern.bind(_flags(pattern, list(argv_like)))


def _flags(pattern: AccessPattern, argv: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    position = 0
    while position < len(argv):
        word = argv[position]
        if not word.startswith("--") or word == "--":
            raise HarnessError(f"unexpected argument {word!r}; {pattern.usage_hint()}")
        name, equals, value = word[2:].partition("=")
        if not equals:
            if position + 1 >= len(argv) or argv[position + 1].startswith("--"):
                raise HarnessError(f"--{name} needs a value; {pattern.usage_hint()}")
            position += 1
            value = argv[position]
        pattern.param(name)
        if name in given:
            raise HarnessError(f"--{name} is given twice")
        given[name] = value
        position += 1
    return given


def example_command(pattern: AccessPattern, params: Mapping[str, object] | None = None) -> str:
    """The `invoke query` command line for `params` (the pattern's example by default)."""
    params = pattern.example if params is None else params
    words = ["invoke", "query", pattern.name]
    for param in pattern.params:
        if param.name in params:
            words += [param.flag, str(params[param.name])]
    return " ".join(words)


def catalog_lines() -> list[str]:
    """One line per pattern, name first: what `invoke query --list` prints."""
    width = max(len(name) for name in names())
    return [
        f"{pattern.name:<{width}}  {pattern.purpose} [{pattern.index or 'table'}]"
        for pattern in PATTERNS
    ]


@dataclass
class QueryCost:
    """What a pattern's Query consumed over all its pages, as DynamoDB reports it with
    ReturnConsumedCapacity=INDEXES (API_ConsumedCapacity.html).

    A Query consumes read units for the bytes it reads before any filter, in 4 KB steps,
    halved for eventually consistent reads (read-write-operations.html), so `scanned`
    (ScannedCount, items read) against `returned` (Count, items after the filter) shows
    what a filter costs. `units` is None while the target reported no figure.
    """

    pages: int = 0
    scanned: int = 0
    returned: int = 0
    units: float | None = None
    table_units: float = 0.0
    index_units: dict[str, float] = field(default_factory=dict)

    def add(self, page: Mapping) -> None:
        """Count one Query answer (a page)."""
        self.pages += 1
        self.scanned += int(page.get("ScannedCount", 0))
        self.returned += int(page.get("Count", 0))
        consumed = page.get("ConsumedCapacity")
        if not consumed:
            return
        self.units = (self.units or 0.0) + float(consumed.get("CapacityUnits", 0.0))
        self.table_units += float(consumed.get("Table", {}).get("CapacityUnits", 0.0))
        for name, used in consumed.get("GlobalSecondaryIndexes", {}).items():
            units = float(used.get("CapacityUnits", 0.0))
            self.index_units[name] = self.index_units.get(name, 0.0) + units

    def as_dict(self) -> dict | None:
        """{"CapacityUnits", "Table", "GlobalSecondaryIndexes": {name: units}}, or None."""
        if self.units is None:
            return None
        return {
            "CapacityUnits": self.units,
            "Table": self.table_units,
            "GlobalSecondaryIndexes": dict(self.index_units),
        }

    def describe(self) -> str:
        """One line: units and where they went, pages, items read and returned."""
        pages = f"{self.pages} page{'s' if self.pages != 1 else ''}"
        counts = f"{self.scanned} items read, {self.returned} returned, {pages}"
        if self.units is None:
            return f"consumed capacity: not reported by the target; {counts}"
        where = [f"table {self.table_units:g}"] if self.table_units or not self.index_units else []
        where += [f"{name} {units:g}" for name, units in sorted(self.index_units.items())]
        return f"consumed capacity: {self.units:g} read units ({', '.join(where)}); {counts}"


def run(
    source: object,
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    table_name: str = TABLE_NAME,
    page_size: int | None = None,
    cost: QueryCost | None = None,
) -> list[dict]:
    """Run pattern `name` and return every matching item as plain Python values.

    `source` is a harness Target, a boto3 DynamoDB Table resource, or a low-level
    DynamoDB client. Follows LastEvaluatedKey through every page; `page_size` sets
    Query's Limit per page (to see pagination at work on a small table). With `cost`,
    asks for ReturnConsumedCapacity=INDEXES and adds every page to it.
    """
    pattern = get(name)
    bound = pattern.bind(params)
    client, table_name, low_level = _client_and_table(source, table_name)
    request = pattern.query_request(table_name, bound, low_level=low_level)
    if cost is not None:
        request["ReturnConsumedCapacity"] = "INDEXES"
    pagination = {"PageSize": page_size} if page_size else {}
    to_python = _from_dynamodb_json if low_level else _as_is
    items = []
    for page in client.get_paginator("query").paginate(**request, PaginationConfig=pagination):
        if cost is not None:
            cost.add(page)
        items += [_plain(to_python(raw)) for raw in page.get("Items", [])]
    if pattern.sorted_by_table_key:
        items.sort(key=lambda item: (item[PARTITION_KEY], item[SORT_KEY]))
    return items


def _client_and_table(source: object, table_name: str) -> tuple[object, str, bool]:
    """The client to query with, the table's name, and whether the client is low-level.

    A boto3 resource's client converts Python values to DynamoDB JSON and back by
    itself; handing it DynamoDB JSON would convert twice.
    """
    if hasattr(source, "client") and hasattr(source, "is_local"):  # a harness Target
        return source.client("dynamodb"), table_name, True
    if hasattr(source, "meta") and hasattr(source, "table_name"):  # a boto3 Table resource
        return source.meta.client, source.name, False
    if hasattr(source, "get_paginator"):
        return source, table_name, True
    raise TypeError(f"cannot query through {type(source).__name__}")


def _from_dynamodb_json(raw: dict) -> dict:
    return TypeDeserializer().deserialize({"M": raw})


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(inner) for inner in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(inner) for inner in value)
    return value


def plain_item(raw: dict) -> dict:
    """A DynamoDB JSON item ({"pk": {"S": ...}}) as plain Python values: whole numbers
    become int, others float, sets sorted lists (what `run` returns for each item)."""
    return _plain(_from_dynamodb_json(raw))
