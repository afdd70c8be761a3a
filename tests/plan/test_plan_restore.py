"""The table module created from a point-in-time restore (tests/plan/fixtures/table_restore).

The module passes restore_source_name, restore_date_time and restore_to_latest_time to
aws_dynamodb_table (provider 5.100), which calls RestoreTableToPointInTime
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html:
RestoreDateTime or UseLatestRestorableTime, not both).
"""

from __future__ import annotations

import pytest
from plan_expectations import assert_plan_matches

from harness import HarnessError

# Slow: each plan here is a `terraform plan` of its own (about 8 s of CPU); the fast lane
# plans only the default stack, once per session (shared_plans).
pytestmark = pytest.mark.slow

SOURCE = "module.source.aws_dynamodb_table.this"
RESTORED = "module.restored.aws_dynamodb_table.this"


@pytest.fixture(scope="module")
def plan_restore(plan_fixture):
    return plan_fixture("table_restore")


def test_a_restore_to_a_time_reaches_the_table(plan_restore):
    plan = plan_restore(restore_date_time="2026-11-30T20:15:00Z")
    assert_plan_matches(
        plan,
        {
            RESTORED: {
                "name": "restore-target",
                "restore_date_time": "2026-11-30T20:15:00Z",
                "restore_to_latest_time": None,
                "point_in_time_recovery": [{"enabled": True}],
                "stream_enabled": True,
            },
            SOURCE: {"restore_source_name": None, "restore_date_time": None},
        },
    )


def test_a_restore_to_the_latest_time_reaches_the_table(plan_restore):
    assert_plan_matches(plan_restore(), {RESTORED: {"restore_to_latest_time": True}})


def test_a_restore_with_both_a_time_and_the_latest_time_is_refused(plan_restore):
    with pytest.raises(HarnessError) as refused:
        plan_restore(restore_date_time="2026-11-30T20:15:00Z", also_latest_time=True)
    text = " ".join(str(refused.value).split())
    assert "exactly one of restore_date_time or restore_to_latest_time" in text, text[-600:]


def test_a_restore_time_that_is_not_rfc_3339_is_refused(plan_restore):
    with pytest.raises(HarnessError) as refused:
        plan_restore(restore_date_time="yesterday")
    assert "must be an RFC 3339 time" in " ".join(str(refused.value).split())
