"""Event filtering through a real mapping: what the poller delivers and what the API refuses.

The matcher's rules are tested in tests/unit/test_event_filter*.py; these tests show two of
them end to end (issue 10, filter cases 1-3) and cite the same AWS recordings.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from test_stream_support import StreamScenario


def test_numeric_skips_n_values_and_exists_false_admits_a_typed_attribute(emulator):
    """Recorded against AWS (localstack/localstack test_lambda_integration_dynamodbstreams
    .snapshot.json, test_dynamodb_event_filter): [numeric_filter] N "101" is not > 100 for Lambda;
    [exists_false_filter] {"presentKey": [{"exists": false}]} delivers an item whose presentKey
    is {"S": ...}. Records are delivered in order, so "b" arriving alone shows "a" was passed
    over."""
    numeric = {"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 100]}]}}}}
    exists_false = {"dynamodb": {"NewImage": {"k": [{"exists": False}], "go": {"S": ["yes"]}}}}
    scenario = StreamScenario.create(
        emulator.endpoint_url,
        Enabled=False,
        FilterCriteria={
            "Filters": [{"Pattern": json.dumps(numeric)}, {"Pattern": json.dumps(exists_false)}]
        },
    )
    scenario.put("a", n={"N": "101"})
    scenario.put("b", k={"S": "v"}, go={"S": "yes"})
    scenario.update_mapping(Enabled=True)
    assert scenario.wait_for_invocations(1) == [["b"]]


def test_an_invalid_pattern_is_refused_with_awss_exact_message(emulator):
    """Recorded against AWS ([test_dynamodb_invalid_event_filter[single-string]]): 400
    InvalidParameterValueException, "Invalid filter pattern definition.", at create and update."""
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    bad = {"Filters": [{"Pattern": "single-string"}]}
    calls = [
        lambda: scenario.aws["lambda"].create_event_source_mapping(
            EventSourceArn=scenario.stream_arn,
            FunctionName=scenario.function,
            StartingPosition="LATEST",
            FilterCriteria=bad,
        ),
        lambda: scenario.update_mapping(FilterCriteria=bad),
    ]
    for call in calls:
        with pytest.raises(ClientError) as raised:
            call()
        error = raised.value.response["Error"]
        assert error["Code"] == "InvalidParameterValueException"
        assert error["Message"] == "Invalid filter pattern definition."
