"""Query results print as a readable fixed-width table, or as JSON."""

import json

from harness.model import tables

ITEMS = [
    {
        "pk": "course#101",
        "sk": "#details",
        "entityType": "course",
        "title": "Databases",
        "courseID": "101",
    },
    {
        "pk": "course#101",
        "sk": "student#201",
        "entityType": "student",
        "name": "Alice",
        "studentID": "201",
    },
]


def test_keys_come_first_then_the_attributes_a_reader_looks_for():
    assert tables.columns_for(ITEMS) == [
        "pk",
        "sk",
        "entityType",
        "name",
        "title",
        "courseID",
        "studentID",
    ]


def test_columns_line_up_and_missing_attributes_stay_blank():
    lines = tables.render(ITEMS).splitlines()
    assert lines[0].split() == ["pk", "sk", "entityType", "name", "title", "courseID", "studentID"]
    assert set(lines[1]) == {"-", " "}
    starts = [lines[0].index(column) for column in ("sk", "entityType", "studentID")]
    assert lines[3].index("student#201") == starts[0]
    assert lines[3].index("student ") == starts[1]
    assert lines[3].rstrip().endswith("201") and lines[3].rindex("201") == starts[2]
    assert lines[-1] == "(2 items)"


def test_bookkeeping_keys_are_left_out_and_long_values_cut():
    item = {"pk": "a", "sk": "b", "streamWatermarks": {"arn|a": {}}, "title": "x" * 80, "grade": 92}
    text = tables.render([item])
    assert "streamWatermarks" not in text
    assert "x" * 31 + "…" in text and "x" * 32 not in text
    assert "92" in text


def test_no_items_says_so():
    assert tables.render([]) == "(no items)"


def test_json_output_round_trips():
    assert json.loads(tables.render_json(ITEMS)) == ITEMS
