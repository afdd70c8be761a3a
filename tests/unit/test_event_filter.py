"""Event filtering: which stream records a mapping's FilterCriteria lets through."""

from __future__ import annotations

import json

import pytest

from harness.emulator.event_filter import FilterPatternError, compile_criteria, compile_pattern


def record(event_name: str = "INSERT", **new_image: dict) -> dict:
    """A stream record as Lambda sees it, with the given NewImage attributes."""
    return {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"pk": {"S": "course#101"}}, "NewImage": new_image},
    }


def matches(pattern: dict, event: dict) -> bool:
    return compile_pattern(json.dumps(pattern))(event)


def entity(value: list) -> dict:
    return {"dynamodb": {"NewImage": {"entityType": {"S": value}}}}


def test_equals_is_exact_and_values_are_alternatives():
    pattern = entity(["student", "submission"])
    assert matches(pattern, record(entityType={"S": "student"}))
    assert matches(pattern, record(entityType={"S": "submission"}))
    assert not matches(pattern, record(entityType={"S": "Student"}))
    assert not matches(pattern, record(entityType={"S": "course"}))


def test_all_fields_of_a_pattern_must_match():
    pattern = {"eventName": ["INSERT"], **entity(["student"])}
    assert matches(pattern, record("INSERT", entityType={"S": "student"}))
    assert not matches(pattern, record("MODIFY", entityType={"S": "student"}))


def test_a_missing_field_does_not_match_a_value():
    assert not matches(entity(["student"]), record(name={"S": "Ana"}))


def test_prefix():
    pattern = {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "course#"}]}}}}
    assert matches(pattern, record())
    pattern = {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "user#"}]}}}}
    assert not matches(pattern, record())


def test_anything_but_value_list_and_prefix():
    assert matches(entity([{"anything-but": "course"}]), record(entityType={"S": "student"}))
    assert not matches(
        entity([{"anything-but": ["course", "student"]}]), record(entityType={"S": "student"})
    )
    assert not matches(
        entity([{"anything-but": {"prefix": "stu"}}]), record(entityType={"S": "student"})
    )
    assert not matches(entity([{"anything-but": "course"}]), record(name={"S": "no entity"}))


def test_exists_true_and_false():
    pattern = {"dynamodb": {"NewImage": {"expiresAt": [{"exists": True}]}}}
    assert matches(pattern, record(expiresAt={"N": "1"}))
    assert not matches(pattern, record())
    pattern = {"dynamodb": {"NewImage": {"expiresAt": [{"exists": False}]}}}
    assert matches(pattern, record())
    assert not matches(pattern, record(expiresAt={"N": "1"}))


def test_exists_false_matches_when_a_whole_branch_is_missing():
    pattern = {"dynamodb": {"OldImage": {"entityType": [{"exists": False}]}}}
    assert matches(pattern, record(entityType={"S": "student"}))


def test_numeric_ranges_accept_dynamodb_number_strings():
    pattern = {"dynamodb": {"NewImage": {"grade": {"N": [{"numeric": [">=", 50, "<", 90]}]}}}}
    assert matches(pattern, record(grade={"N": "50"}))
    assert matches(pattern, record(grade={"N": "89.5"}))
    assert not matches(pattern, record(grade={"N": "90"}))
    assert not matches(pattern, record(grade={"S": "70"}))


def test_numeric_equality_and_plain_number_values():
    assert matches({"n": [{"numeric": ["=", 3]}]}, {"n": 3.0})
    assert matches({"n": [3]}, {"n": 3})
    assert not matches({"n": [3]}, {"n": "3"})


def test_suffix_and_equals_ignore_case():
    assert matches({"eventName": [{"suffix": "SERT"}]}, record())
    assert matches({"eventName": [{"equals-ignore-case": "insert"}]}, record())


def test_null_matches_only_an_explicit_null():
    assert matches({"a": [None]}, {"a": None})
    assert not matches({"a": [None]}, {})


def test_event_arrays_match_if_any_element_matches():
    assert matches({"tags": ["b"]}, {"tags": ["a", "b"]})
    assert not matches({"tags": ["c"]}, {"tags": ["a", "b"]})


def test_or_operator_inside_a_pattern():
    pattern = {"$or": [{"eventName": ["REMOVE"]}, entity(["student"])]}
    assert matches(pattern, record("REMOVE"))
    assert matches(pattern, record("INSERT", entityType={"S": "student"}))
    assert not matches(pattern, record("INSERT", entityType={"S": "course"}))


def test_criteria_admit_a_record_matching_any_filter():
    criteria = {
        "Filters": [
            {"Pattern": json.dumps(entity(["student"]))},
            {"Pattern": json.dumps({"eventName": ["REMOVE"]})},
        ]
    }
    admit = compile_criteria(criteria)
    assert admit(record(entityType={"S": "student"}))
    assert admit(record("REMOVE"))
    assert not admit(record(entityType={"S": "course"}))


def test_no_criteria_admit_everything():
    assert compile_criteria(None)(record())
    assert compile_criteria({"Filters": []})(record())


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        "{}",
        json.dumps({"eventName": "INSERT"}),  # values must be lists
        json.dumps({"eventName": []}),
        json.dumps({"eventName": [{"unknown-operator": 1}]}),
        json.dumps({"n": [{"numeric": [">", "1"]}]}),
        json.dumps({"n": [{"numeric": [">"]}]}),
        json.dumps({"n": [{"exists": "yes"}]}),
        json.dumps({"n": [{"prefix": 1}]}),
    ],
)
def test_invalid_patterns_are_rejected(text):
    with pytest.raises(FilterPatternError):
        compile_pattern(text)


def test_more_than_five_filters_are_rejected():
    filters = [{"Pattern": json.dumps({"eventName": ["INSERT"]})}] * 6
    with pytest.raises(FilterPatternError, match="at most 5"):
        compile_criteria({"Filters": filters})
