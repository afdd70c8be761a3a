"""The catalog itself: declarations, parameter parsing and its one-line errors.

No server needed: these tests cover what happens before a query is sent.
"""

import shlex
from datetime import date

import pytest

from harness import HarnessError
from harness.model import access_patterns, key_design
from harness.model.access_patterns import PATTERNS, get, parse_cli_params

SEED_FOUR = ["students-in-course", "user-orders", "student-by-id", "courses-in-range"]


def test_the_catalog_has_at_least_twelve_uniquely_named_dashed_patterns():
    names = access_patterns.names()
    assert len(names) >= 12
    assert len(set(names)) == len(names), "two patterns share a name"
    for name in names:
        assert name == name.lower() and " " not in name and "_" not in name, name


def test_setup_examples_are_the_seeds_four_with_their_example_parameters():
    assert [name for name, _ in access_patterns.SETUP_EXAMPLES] == SEED_FOUR
    assert dict(access_patterns.SETUP_EXAMPLES)["user-orders"] == {
        "user": "201",
        "start": "2025-01-01",
        "end": "2025-12-31",
    }
    assert get("student-by-id").index == "studentID-index"
    assert get("courses-in-range").index == "entityType-courseDate-index"


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.name)
def test_every_pattern_is_declared_completely(pattern):
    assert pattern.purpose and not pattern.purpose.endswith(".")
    if pattern.index is not None:
        key_design.index(pattern.index)  # raises for an index the design lacks
    pattern.bind(pattern.example)  # the example is valid input
    request = pattern.query_request("university", pattern.bind(pattern.example))
    assert set(request["ExpressionAttributeValues"]) <= set(pattern.values)
    assert "Scan" not in request and request["KeyConditionExpression"] == pattern.key_condition


def test_parameters_come_from_flags_in_either_spelling():
    assert parse_cli_params("students-in-course", ["--course", "101"]) == {"course": "101"}
    assert parse_cli_params("students-in-course", ["--course=101"]) == {"course": "101"}


def test_optional_dates_default_to_the_whole_range():
    assert parse_cli_params("user-orders", ["--user", "201"]) == {
        "user": "201",
        "start": "0001-01-01",
        "end": "9999-12-31",
    }


def test_a_mapping_from_a_task_with_every_flag_declared_ignores_flags_not_given():
    given = {name: None for name in access_patterns.cli_param_names()}
    given.update(user="201", start="2025-01-01")
    assert parse_cli_params("user-orders", given) == {
        "user": "201",
        "start": "2025-01-01",
        "end": "9999-12-31",
    }


def test_cli_param_names_cover_every_parameter_once():
    names = access_patterns.cli_param_names()
    assert len(names) == len(set(names))
    assert {param.name for pattern in PATTERNS for param in pattern.params} == set(names)


def test_typed_values_pass_through_unchanged():
    bound = get("user-active-sessions").bind({"user": "201", "now": 1234})
    assert bound == {"user": "201", "now": 1234}
    assert get("courses-in-range").bind({"start": date(2025, 9, 1), "end": "2025-12-31"}) == {
        "start": "2025-09-01",
        "end": "2025-12-31",
    }


def test_now_defaults_to_the_current_epoch_second():
    import time

    before = int(time.time())
    now = get("user-active-sessions").bind({"user": "201"})["now"]
    assert before <= now <= int(time.time())


BAD_INPUT = [
    # (command line after `invoke query`, the one line it must get)
    ("students-in-course", "students-in-course needs --course (course ID, e.g. 101)"),
    ("courses-in-range --start 2025-09-01", "courses-in-range needs --end"),
    (
        "courses-in-range --start 2025-13-01 --end 2025-12-31",
        "--start must be a date YYYY-MM-DD, got '2025-13-01'",
    ),
    ("courses-in-range --start 20250901 --end 2025-12-31", "--start must be a date YYYY-MM-DD"),
    (
        "courses-in-range --start 2025-12-31 --end 2025-09-01",
        "--start 2025-12-31 is after --end 2025-09-01",
    ),
    ("user-active-sessions --user 201 --now soon", "--now must be a whole number, got 'soon'"),
    (
        "students-in-course --user 201",
        "students-in-course has no parameter --user; its parameters: --course",
    ),
    ("students-in-course --course", "--course needs a value"),
    ("students-in-course --course ''", "--course must not be empty"),
    ("students-in-course 101", "unexpected argument '101'"),
    ("students-in-course --course 1 --course 2", "--course is given twice"),
]


@pytest.mark.parametrize(("command", "message"), BAD_INPUT, ids=[c for c, _ in BAD_INPUT])
def test_bad_input_gets_one_clear_line(command, message):
    name, *argv = shlex.split(command)
    with pytest.raises(HarnessError) as raised:
        parse_cli_params(name, argv)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_unknown_pattern_is_refused_with_the_list_of_names():
    with pytest.raises(HarnessError) as raised:
        get("students-of-course")
    text = str(raised.value)
    assert text.startswith("unknown access pattern 'students-of-course'; choose one of: ")
    assert all(name in text for name in access_patterns.names())
    assert "\n" not in text


def test_key_conditions_read_with_parameters_in_angle_brackets():
    assert (
        get("students-in-course").describe_key_condition()
        == 'pk = "course#<course>" AND begins_with(sk, "student#")'
    )
    assert get("user-active-sessions").describe_filter() == "expiresAt > <now>"


def test_a_date_range_on_date_prefixed_sort_keys_includes_the_end_date():
    request = get("user-orders").query_request(
        "university", get("user-orders").bind({"user": "201", "end": "2025-11-28"})
    )
    upper = request["ExpressionAttributeValues"][":end"]["S"]
    assert "2025-11-28#order#o1003" <= upper < "2025-11-29"


def test_the_example_command_is_the_invoke_query_line():
    assert (
        access_patterns.example_command(get("user-orders"))
        == "invoke query user-orders --user 201 --start 2025-01-01 --end 2025-12-31"
    )


def test_the_list_has_one_line_per_pattern_name_first():
    lines = access_patterns.catalog_lines()
    assert [line.split()[0] for line in lines] == access_patterns.names()


def test_a_parameter_name_means_the_same_kind_in_every_pattern():
    kinds: dict[str, set[str]] = {}
    for pattern in PATTERNS:
        for param in pattern.params:
            kinds.setdefault(param.name, set()).add(param.kind)
    assert {name: kind for name, kind in kinds.items() if len(kind) > 1} == {}
    assert set(access_patterns.cli_param_help()) == set(kinds)
