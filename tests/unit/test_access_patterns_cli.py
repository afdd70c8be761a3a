"""`invoke query`, run as a user runs it: the list, a query as a table and as JSON, bad input.

GIVEN a private emulator recorded under a private state folder (HARNESS_STATE_DIR)
with the table and the seed, WHEN `invoke query ...` runs as a subprocess,
THEN it prints what the catalog answers, or one clear line and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from access_pattern_cases import create_table, keys
from invoke_cli import assert_one_clear_line, run_invoke

from harness.emulator import process
from harness.model import access_patterns
from harness.stack import seed, targets


@pytest.fixture(scope="module")
def user_env(tmp_path_factory):
    """A running local target, as `invoke setup` would leave it, seeded with boto3."""
    state = tmp_path_factory.mktemp("query-state")
    running, _ = process.start(state / "local", port=process.free_port())
    try:
        target = targets.local(running.endpoint_url, state_dir=state / "local")
        seed.put_items(create_table(target))
        env = {
            **os.environ,
            "HARNESS_STATE_DIR": str(state),
            "INVOKE_EMULATOR_PORT": str(running.port),
        }
        yield env
    finally:
        process.stop(state / "local")


def invoke(env, *args):
    return run_invoke(env, "query", *args)


def test_list_prints_every_pattern_one_per_line_name_first(user_env):
    result = invoke(user_env, "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == access_patterns.names()
    assert len(lines) >= 12


def test_a_query_prints_a_readable_table(user_env):
    result = invoke(user_env, "students-in-course", "--course", "101")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("pk "))
    assert header.split()[:2] == ["pk", "sk"]
    rows = [line.split()[1] for line in lines if line.startswith("course#101 ")]
    assert rows == ["student#201", "student#202", "student#203"]
    assert "(3 items)" in result.stdout


def test_a_query_prints_what_it_consumed_and_what_its_filter_dropped(user_env):
    """ReturnConsumedCapacity=INDEXES (API_ConsumedCapacity.html): a Query reads in 4 KB
    units, halved for eventually consistent reads, counting the items read before the
    filter (read-write-operations.html). course-with-roster's filter drops the course's
    assignments, which it still reads; student-by-id is charged to its index."""
    running = process.find(Path(user_env["HARNESS_STATE_DIR"]) / "local")
    if process.status_of(running.endpoint_url).get("data_plane") != "dynamodb-local":
        pytest.skip("AWS's capacity figures come from the DynamoDB Local data plane")
    roster = invoke(user_env, "course-with-roster", "--course", "101")
    assert roster.returncode == 0, roster.stderr
    line = roster.stdout.splitlines()[-1]
    assert line.startswith("consumed capacity: 0.5 read units (table 0.5); "), line
    read, returned = (int(n) for n in re.findall(r"(\d+) items read, (\d+) returned", line)[0])
    assert read > returned, f"the filter should drop items it read: {line}"
    by_index = invoke(user_env, "student-by-id", "--student", "201", "--json")
    assert by_index.returncode == 0, by_index.stderr
    assert "consumed capacity: 0.5 read units (studentID-index 0.5)" in by_index.stderr
    json.loads(by_index.stdout)  # stdout stays JSON


def test_json_output_is_the_items(user_env):
    result = invoke(user_env, "user-orders", "--user", "201", "--start", "2025-01-01", "--json")
    assert result.returncode == 0, result.stderr
    assert keys(json.loads(result.stdout)) == [
        ("user#201", "2025-03-15#order#o1001"),
        ("user#201", "2025-06-02#order#o1002"),
        ("user#201", "2025-11-28#order#o1003"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["students-of-course"], "unknown access pattern 'students-of-course'; choose one of:"),
        (["students-in-course"], "students-in-course needs --course"),
        (
            ["courses-in-range", "--start", "2025-9-1", "--end", "2025-12-31"],
            "--start must be a date YYYY-MM-DD, got '2025-9-1'",
        ),
    ],
    ids=["unknown-pattern", "missing-parameter", "malformed-date"],
)
def test_bad_input_gets_one_clear_line_and_a_non_zero_exit(user_env, args, message):
    assert_one_clear_line(invoke(user_env, *args), message)
