"""Every access pattern against a real server: the seed loaded into a table created with boto3.

GIVEN the emulator (a moto server over HTTP) with the table and the seed items,
WHEN a pattern runs, THEN it returns exactly the expected items in order, using
Query alone and following every page.
"""

from __future__ import annotations

import urllib.request

import pytest
from access_pattern_cases import (
    CASES,
    SESSION_S1_EXPIRES,
    case_id,
    create_table,
    keys,
    seed_with_aggregates,
)

from harness.emulator import process
from harness.model import access_patterns
from harness.stack import seed, targets

SEED = seed.load_items()


@pytest.fixture(scope="module")
def seeded_once(shared_emulator, tmp_path_factory):
    """One seeded table for the read-only tests below (seeding per test is slow).

    Tests that write use `seeded` instead; they come after the read-only ones in
    this file, so their reset of the server cannot pull the table from under them.
    """
    urllib.request.urlopen(
        urllib.request.Request(shared_emulator.endpoint_url + "/moto-api/reset", method="POST")
    ).close()
    target = targets.local(shared_emulator.endpoint_url, state_dir=tmp_path_factory.mktemp("ap"))
    table = create_table(target)
    seed_with_aggregates(table)
    return target, table


@pytest.fixture
def seeded(local_target):
    table = create_table(local_target)
    seed_with_aggregates(table)
    return local_target, table


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_each_pattern_returns_exactly_the_expected_items_in_order(seeded_once, case):
    target, _ = seeded_once
    name, params, expected = case
    assert keys(access_patterns.run(target, name, params)) == expected


def test_items_come_back_whole_as_plain_python_values(seeded_once):
    target, _ = seeded_once
    [order] = access_patterns.run(
        target, "user-orders", {"user": "201", "start": "2025-03-15", "end": "2025-03-15"}
    )
    assert order == {
        "pk": "user#201",
        "sk": "2025-03-15#order#o1001",
        "entityType": "order",
        "orderID": "o1001",
        "userID": "201",
        "amount": 49.99,
        "orderDate": "2025-03-15",
    }
    [session] = access_patterns.run(target, "user-active-sessions", {"user": "202"})
    assert session["expiresAt"] == SESSION_S1_EXPIRES and isinstance(session["expiresAt"], int)


def test_every_pattern_uses_query_and_never_scan(seeded_once):
    target, _ = seeded_once
    client = target.client("dynamodb")
    calls: list[str] = []
    client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    for pattern in access_patterns.PATTERNS:
        before = len(calls)
        access_patterns.run(client, pattern.name, pattern.example, page_size=1)
        assert calls[before:], f"{pattern.name} sent no request"
        assert set(calls[before:]) == {"Query"}, f"{pattern.name} called {calls[before:]}"


def test_small_pages_and_a_filter_that_empties_some_pages_still_return_everything(seeded_once):
    _, table = seeded_once
    items = access_patterns.run(table, "course-with-roster", {"course": "101"}, page_size=1)
    assert keys(items) == next(
        expected for name, _, expected in CASES if name == "course-with-roster"
    )


def test_a_result_larger_than_one_response_page_comes_back_whole(seeded):
    # DynamoDB (and moto) stop a Query page at 1 MB; 120 items of 10 KB need two pages.
    _, table = seeded
    padding = "x" * 10_000
    with table.batch_writer() as batch:
        for number in range(120):
            batch.put_item(
                Item={
                    "pk": "course#900",
                    "sk": f"student#{number:04d}",
                    "entityType": "student",
                    "studentID": f"{number:04d}",
                    "courseID": "900",
                    "name": padding,
                }
            )
    calls: list[str] = []
    table.meta.client.meta.events.register(
        "before-call.dynamodb.Query", lambda **_: calls.append("Query")
    )
    items = access_patterns.run(table, "students-in-course", {"course": "900"})
    assert [item["sk"] for item in items] == [f"student#{number:04d}" for number in range(120)]
    assert len(calls) >= 2, "the result fit in one page; the test no longer exercises pagination"


def test_a_table_name_other_than_the_default_is_honoured(local_target):
    key_schema = {"pk": "HASH", "sk": "RANGE"}
    local_target.client("dynamodb").create_table(
        TableName="university-copy",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in key_schema],
        KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in key_schema.items()],
    )
    seed_with_aggregates(local_target.resource("dynamodb").Table("university-copy"))
    items = access_patterns.run(
        local_target, "user-profile", {"user": "202"}, table_name="university-copy"
    )
    assert keys(items) == [("user#202", "#profile"), ("user#202", "#stats")]


@pytest.fixture
def slow_ttl_target(tmp_path):
    """A private emulator whose TTL sweeper waits an hour: expired items stay readable,
    as they do on AWS until its lazy TTL deletion gets to them."""
    running = process.start_private(tmp_path, ttl_sweep_interval_seconds=3600)
    yield targets.local(running.endpoint_url, state_dir=tmp_path / "state")
    process.stop(tmp_path)


def test_active_sessions_leave_out_expired_sessions_ttl_has_not_deleted_yet(slow_ttl_target):
    table = create_table(slow_ttl_target)
    seed.put_items(table)
    table.put_item(
        Item={
            "pk": "user#201",
            "sk": "session#s0",
            "entityType": "session",
            "userID": "201",
            "sessionID": "s0",
            "expiresAt": 1_700_000_000,  # November 2023
        }
    )
    assert table.get_item(Key={"pk": "user#201", "sk": "session#s0"}).get("Item"), (
        "the expired session is gone already; the test needs it present"
    )
    active = access_patterns.run(slow_ttl_target, "user-active-sessions", {"user": "201"})
    assert keys(active) == [("user#201", "session#s1"), ("user#201", "session#s2")]
