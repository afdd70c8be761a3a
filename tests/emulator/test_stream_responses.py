"""How the poller reads a function's answer to a stream batch (ReportBatchItemFailures)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from harness.emulator.stream_mappings import interpret

BATCH = [101, 102, 103]


@dataclass
class Answer:
    payload: bytes
    function_error: str | None = None


def answer(value: object) -> Answer:
    return Answer(json.dumps(value).encode())


@pytest.mark.parametrize(
    "value",
    [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, {"other": 1}],
    ids=["null", "empty object", "empty list", "null list", "no list"],
)
def test_complete_success(value):
    outcome = interpret(answer(value), BATCH, partial_responses=True)
    assert outcome.ok and outcome.failed_from is None


def test_an_empty_payload_is_success():
    assert interpret(Answer(b""), BATCH, partial_responses=True).ok


def test_failures_checkpoint_at_the_lowest_sequence_number():
    value = {"batchItemFailures": [{"itemIdentifier": "103"}, {"itemIdentifier": "102"}]}
    outcome = interpret(answer(value), BATCH, partial_responses=True)
    assert (outcome.ok, outcome.failed_from) == (False, 102)


@pytest.mark.parametrize(
    "value",
    [
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"itemId": "102"}]},
        {"batchItemFailures": [{"itemIdentifier": "999"}]},
        {"batchItemFailures": ["102"]},
        {"batchItemFailures": "102"},
        "done",
        [1, 2],
    ],
    ids=["empty id", "null id", "wrong key", "unknown id", "bare id", "not a list", "str", "list"],
)
def test_malformed_answers_fail_the_whole_batch(value):
    outcome = interpret(answer(value), BATCH, partial_responses=True)
    assert (outcome.ok, outcome.failed_from) == (False, None)


def test_a_function_error_fails_the_whole_batch_whatever_it_returned():
    error = Answer(json.dumps({"errorMessage": "boom"}).encode(), function_error="Unhandled")
    assert interpret(error, BATCH, partial_responses=True) == interpret(error, BATCH, False)
    assert not interpret(error, BATCH, partial_responses=True).ok


def test_without_report_batch_item_failures_the_answer_is_ignored():
    value = {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert interpret(answer(value), BATCH, partial_responses=False).ok
    assert interpret(answer("anything"), BATCH, partial_responses=False).ok
