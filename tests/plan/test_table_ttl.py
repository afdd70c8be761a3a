"""The table module's TTL switch sends what DynamoDB accepts.

UpdateTimeToLive refuses an empty AttributeName ("TimeToLiveSpecification.
AttributeName must be non empty", recorded against AWS by dynalite's suite),
so the module turns TTL off with `ttl_enabled = false` and keeps the name,
and a variable validation refuses an empty name before any API call.
The apply runs on the emulator, whose UpdateTimeToLive enforces AWS's rules
(harness/emulator/ttl_rules.py).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from harness import HarnessError
from harness.emulator import process
from harness.stack import targets
from harness.stack.terraform import Stack

# Slow: each plan here is a `terraform plan` of its own (about 8 s of CPU); the fast lane
# plans only the default stack, once per session (shared_plans).
pytestmark = pytest.mark.slow

TABLE = "module.table.aws_dynamodb_table.this"


@pytest.fixture(scope="module")
def plan_ttl(plan_fixture):
    return plan_fixture("table_ttl")


def ttl_of(plan) -> dict:
    return plan.resource_changes[TABLE]["change"]["after"]["ttl"][0]


def test_the_off_switch_never_plans_an_empty_name(plan_ttl):
    # Provider 5.100 plans the name of a disabled TTL as null (it calls UpdateTimeToLive
    # only to change the setting); what it sends is checked by the apply test below.
    off = ttl_of(plan_ttl(ttl_enabled=False))
    assert off["enabled"] is False and off["attribute_name"] in ("expiresAt", None), off
    assert ttl_of(plan_ttl()) == {"attribute_name": "expiresAt", "enabled": True}


def test_an_empty_attribute_name_is_refused_by_the_module(plan_ttl):
    with pytest.raises(HarnessError) as refused:
        plan_ttl(ttl_attribute_name="")
    text = " ".join(str(refused.value).split())
    assert "ttl_attribute_name must be 1-255 characters" in text, text[-600:]


@pytest.mark.integration
def test_turning_ttl_off_applies_and_converges(tmp_path):
    """On, then off, on an emulator that answers UpdateTimeToLive as AWS does; after
    each apply a new plan has nothing to do."""
    running = process.start_private(tmp_path / "emulator")
    try:
        target = targets.local(running.endpoint_url, state_dir=tmp_path / "state")
        stack = Stack(target, tf_dir=FIXTURES / "table_ttl")
        stack.init()
        client = target.client("dynamodb")
        for enabled, described in (
            (True, {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}),
            (False, {"TimeToLiveStatus": "DISABLED"}),
        ):
            stack.extra_vars = {"ttl_enabled": enabled}
            stack.apply()
            got = client.describe_time_to_live(TableName="ttl-switch")["TimeToLiveDescription"]
            assert got == described
            changes = [
                r["address"]
                for r in stack.plan()._raw["resource_changes"]
                if r["change"]["actions"] != ["no-op"]
            ]
            assert changes == [], f"ttl_enabled={enabled}: a second plan still changes {changes}"
        stack.destroy()
    finally:
        process.stop(tmp_path / "emulator")
