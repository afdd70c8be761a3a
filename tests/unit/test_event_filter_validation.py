"""Event filtering: which FilterCriteria AWS refuses, and with what message.

Sources: see tests/unit/test_event_filter.py ([LAMBDA], [EB-OPS], [REC-LAMBDA name],
[REC-EB name]). Lambda answers every invalid pattern with InvalidParameterValueException
"Invalid filter pattern definition." ([REC-LAMBDA] test_dynamodb_invalid_event_filter); which
patterns are invalid follows EventBridge's refusals ([REC-EB name_EXC]), since Lambda "supports
the same set of syntax and rules as Amazon EventBridge" ([LAMBDA]).
"""

from __future__ import annotations

import json

import pytest

from harness.emulator.event_filter import (
    MAX_FILTERS,
    MAX_PATTERN_LENGTH,
    FilterPatternError,
    compile_criteria,
    compile_pattern,
)

AWS_MESSAGE = "Invalid filter pattern definition."


def refused(text: str) -> FilterPatternError:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern(text)
    return raised.value


@pytest.mark.parametrize("text", ["single-string", '[{"eventName": ["INSERT"=123}]'])
def test_a_pattern_that_is_not_a_json_object_gets_awss_message(text):
    """[REC-LAMBDA test_dynamodb_invalid_event_filter[single-string]] and
    [...[[{"eventName": ["INSERT"=123}]]]: InvalidParameterValueException, "Invalid filter
    pattern definition."."""
    error = refused(text)
    assert str(error) == AWS_MESSAGE
    assert error.error_code == "InvalidParameterValueException"


# Each refused by EventBridge as recorded in [REC-EB <id>].
EVENTBRIDGE_REFUSALS = {
    "int_nolist_EXC": {"int": 42},
    "string_nolist_EXC": {"string": "my-value"},
    "arrays_empty_EXC": {"resources": []},
    "operator_case_sensitive_EXC": {"k": [{"EXISTS": True}]},
    "content_numeric_operatorcasing_EXC": {"k": [{"NUMERIC": ["=", 5]}]},
    "content_numeric_EXC": {"k": [{"numeric": [">", 0, ">", 0]}]},
    "content_numeric_syntax_EXC": {"k": [{"numeric": [">", 0, "<"]}]},
    "content_numeric_number_EXC": {"k": [{"numeric": 10}]},
    "content_prefix_int_EXC": {"k": [{"prefix": 123}]},
    "content_prefix_list_EXC": {"k": [{"prefix": ["2022-07-13"]}]},
    "content_suffix_int_EXC": {"k": [{"suffix": 123}]},
    "content_suffix_list_EXC": {"k": [{"suffix": [".png"]}]},
    "content_ignorecase_EXC": {"k": [{"equals-ignore-case": ["x"]}]},
    "content_ignorecase_list_EXC": {"k": [{"equals-ignore-case": {"prefix": "ec2"}}]},
    "content_wildcard_int_EXC": {"k": [{"wildcard": 123}]},
    "content_wildcard_list_EXC": {"k": [{"wildcard": ["a*"]}]},
    "content_wildcard_repeating_star_EXC": {"k": [{"wildcard": "arn:aws:**:event-bus/*"}]},
    "content_wildcard_complex_EXC": {"k": [{"wildcard": "*:*:*:*:*:event-bus/*"}]},
    "content_anything_but_string_null_type_EXC": {"k": [{"anything-but": None}]},
    "content_anything_but_string_list_null_type_EXC": {"k": [{"anything-but": ["a", None]}]},
    "content_anything_prefix_empty_EXC": {"k": [{"anything-but": {"prefix": ""}}]},
    "content_anything_suffix_empty_EXC": {"k": [{"anything-but": {"suffix": ""}}]},
    "content_anything_prefix_int_EXC": {"k": [{"anything-but": {"prefix": 123}}]},
    "content_anything_prefix_list_type_EXC": {"k": [{"anything-but": {"prefix": [123, "t"]}}]},
    "content_anything_suffix_int_EXC": {"k": [{"anything-but": {"suffix": 123}}]},
    "content_anything_suffix_list_type_EXC": {"k": [{"anything-but": {"suffix": [123, ".t"]}}]},
    "content_anything_suffix_list_null_type_EXC": {
        "k": [{"anything-but": {"suffix": [None, ".txt"]}}]
    },
    "content_anything_prefix_ignorecase_EXC": {
        "k": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]
    },
    "content_anything_suffix_ignorecase_EXC": {
        "k": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]
    },
    "content_anything_but_ignorecase_EXC": {"k": [{"anything-but": {"equals-ignore-case": 1}}]},
    "content_anything_but_ignorecase_list_EXC": {
        "k": [{"anything-but": {"equals-ignore-case": [123, 456]}}]
    },
    "content_anything_wildcard_type_EXC": {"k": [{"anything-but": {"wildcard": 123}}]},
    "content_anything_wildcard_list_type_EXC": {"k": [{"anything-but": {"wildcard": [1, "*"]}}]},
    "content_ip_address_EXC": {"k": [{"cidr": "bad-filter"}]},
    "content_ip_address_bad_ip_EXC": {"k": [{"cidr": "xx.11.xx/8"}]},
    "content_ip_address_bad_mask_EXC": {"k": [{"cidr": "bad-/64filter"}]},
    "content_ip_address_type_EXC": {"k": [{"cidr": ["bad-type"]}]},
    "content_ip_address_v6_bad_ip_EXC": {"k": [{"cidr": "xxxx:db8:1234:1a00::/64"}]},
}


@pytest.mark.parametrize("pattern", EVENTBRIDGE_REFUSALS.values(), ids=EVENTBRIDGE_REFUSALS)
def test_patterns_eventbridge_refuses_are_refused_with_lambdas_message(pattern):
    """[REC-EB <test id>] refused the pattern; Lambda's answer to any invalid pattern is
    [REC-LAMBDA test_dynamodb_invalid_event_filter]'s "Invalid filter pattern definition."."""
    assert str(refused(json.dumps(pattern))) == AWS_MESSAGE


def test_anything_but_refuses_booleans():
    """[REC-EB content_anything_but_string_list_null_type_EXC]: "Inside anything but list,
    start|null|boolean is not supported"; [EB-OPS]: anything-but takes strings and numbers."""
    assert str(refused('{"k": [{"anything-but": [true]}]}')) == AWS_MESSAGE
    assert str(refused('{"k": [{"anything-but": false}]}')) == AWS_MESSAGE


def test_or_beyond_1000_rule_combinations_is_refused():
    """[EB-OPS] $or note: a pattern whose $or arrays multiply to more than 1000 combinations is
    refused (the product of the number of arguments of each $or array)."""
    ten = {"$or": [{f"f{i}": ["v"]} for i in range(10)]}
    assert compile_pattern(json.dumps({"a": ten, "b": ten, "c": ten}))  # 1000: accepted
    four_digits = {"a": ten, "b": ten, "c": ten, "d": {"$or": [{"x": ["v"]}, {"y": ["v"]}]}}
    assert str(refused(json.dumps(four_digits))) == AWS_MESSAGE


def test_patterns_with_numbers_json_does_not_have_are_refused():
    """JSON (RFC 8259, which [LAMBDA] requires of patterns) has no NaN or Infinity; Python's
    parser would accept them."""
    assert str(refused('{"k": [{"numeric": [">", NaN]}]}')) == AWS_MESSAGE
    assert str(refused('{"k": [{"numeric": ["<", 1e999]}]}')) == AWS_MESSAGE


def test_more_filters_than_the_quota_are_refused():
    """[LAMBDA]: "By default, you can define up to five different filters for a single event
    source mapping" and Lambda returns an error beyond the quota (the message is not
    documented)."""
    one = {"Pattern": json.dumps({"eventName": ["INSERT"]})}
    assert compile_criteria({"Filters": [one] * MAX_FILTERS})
    with pytest.raises(FilterPatternError, match="quota is 5") as raised:
        compile_criteria({"Filters": [one] * (MAX_FILTERS + 1)})
    assert raised.value.error_code == "InvalidParameterValueException"


def test_a_pattern_longer_than_the_api_allows_is_a_validation_error():
    """Lambda API reference, Filter.Pattern: "Length Constraints: Minimum length of 0. Maximum
    length of 4096." (botocore's lambda service model carries the same max)."""
    padding = "x" * MAX_PATTERN_LENGTH
    too_long = {"Pattern": json.dumps({"k": [padding]})}
    with pytest.raises(FilterPatternError) as raised:
        compile_criteria({"Filters": [too_long]})
    assert raised.value.error_code == "ValidationException"
    assert "Member must have length less than or equal to 4096" in str(raised.value)
    fits = {"Pattern": json.dumps({"k": [padding[: MAX_PATTERN_LENGTH - 20]]})}
    assert compile_criteria({"Filters": [fits]})


def test_the_limit_matches_the_api_model():
    """A botocore upgrade that changes Filter.Pattern's length constraint must fail here."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    assert model.shape_for("Pattern").metadata["max"] == MAX_PATTERN_LENGTH


def test_the_reason_for_a_refusal_is_kept_for_logs():
    """Not AWS behaviour: the emulator keeps why a pattern was refused in `reason`."""
    assert "prefix" in refused('{"k": [{"prefix": 1}]}').reason
