"""The access patterns on the applied stack: the table Terraform created, seeded by seed_data.tf.

Seed items come back exactly as the seed wrote them; the #stats items the
stream Lambda derives from them are compared with what the reconciler computes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from access_pattern_cases import CASES, case_id, keys

from harness.model import access_patterns
from harness.ops import reconciler
from harness.stack import seed

pytestmark = pytest.mark.integration

SEED_BY_KEY = {(item["pk"], item["sk"]): item for item in seed.load_items().values()}
STATS_BY_KEY = {
    (item["pk"], item["sk"]): item
    for item in reconciler.aggregate_items(seed.load_items().values())
}


@pytest.fixture(scope="module")
def settled(stack):
    """The stack once the stream Lambda has applied the seed (zero drift), or fail."""
    report = reconciler.reconcile(stack.target, stack.outputs["table_name"], echo=lambda line: None)
    assert report.drifting == [], report.summary()
    return stack


def plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def run(stack, name, params, **kwargs):
    return access_patterns.run(
        stack.target, name, params, table_name=stack.outputs["table_name"], **kwargs
    )


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_each_pattern_returns_exactly_the_expected_items_in_order(settled, case):
    name, params, expected = case
    items = run(settled, name, params)
    assert keys(items) == expected
    for item in items:
        key = (item["pk"], item["sk"])
        written = SEED_BY_KEY.get(key) or STATS_BY_KEY[key]
        assert {attribute: item.get(attribute) for attribute in written} == {
            attribute: plain(value) for attribute, value in written.items()
        }


def test_every_pattern_is_a_query_never_a_scan(stack):
    client = stack.target.client("dynamodb")
    calls: list[str] = []
    client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    for pattern in access_patterns.PATTERNS:
        access_patterns.run(
            client, pattern.name, pattern.example, table_name=stack.outputs["table_name"]
        )
    assert calls and set(calls) == {"Query"}, calls
    assert len(calls) >= len(access_patterns.PATTERNS)


def test_a_roster_larger_than_a_page_comes_back_whole(stack):
    client = stack.target.client("dynamodb")
    pages: list[str] = []
    client.meta.events.register("before-call.dynamodb.Query", lambda **_: pages.append("Query"))
    items = access_patterns.run(
        client,
        "students-in-course",
        {"course": "101"},
        table_name=stack.outputs["table_name"],
        page_size=1,
    )
    assert keys(items) == next(
        expected for name, _, expected in CASES if name == "students-in-course"
    )
    assert len(pages) >= 3, "one page per student: pagination was not exercised"
