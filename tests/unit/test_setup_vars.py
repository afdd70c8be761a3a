"""`invoke setup --var NAME=VALUE`: root-module variables from the command line."""

from __future__ import annotations

import pytest

from harness import HarnessError
from harness.stack import lifecycle


def test_values_are_json_when_they_parse_and_text_otherwise():
    chosen = lifecycle.parse_vars(
        [
            "table_max_write_request_units=2",
            "alarm_email=you@example.com",
            "stream_batch_size=10",
        ]
    )
    assert chosen == {
        "table_max_write_request_units": 2,
        "alarm_email": "you@example.com",
        "stream_batch_size": 10,
    }


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("table_max_write_request_units", "--var takes NAME=VALUE"),
        ("=3", "--var takes NAME=VALUE"),
        ("no_such_input=1", "--var no_such_input: the root module has no such variable"),
        ("environment=prod", "--var environment is set by the harness"),
    ],
)
def test_a_bad_assignment_is_refused_with_what_to_do(word, message):
    with pytest.raises(HarnessError, match=message):
        lifecycle.parse_vars([word])
