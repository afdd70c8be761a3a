"""Bad variables stop the plan with one message that says what to fix."""

from __future__ import annotations

import pytest

from harness import HarnessError

# Slow: each plan here is a `terraform plan` of its own (about 8 s of CPU); the fast lane
# plans only the default stack, once per session (shared_plans).
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"replica_regions": ["us-east-1"]},
            "replica_regions must not contain the table's own region",
        ),
        (
            {"replica_regions": ["ap-south-1"]},
            "replica_regions may name us-east-1, us-east-2, us-west-2 or eu-central-1",
        ),
        ({"environment": "qa-cluster"}, "environment must be one of local, aws, sandbox"),
        (
            {
                "global_secondary_indexes": [
                    {"name": "by-date", "hash_key": "courseDate", "hash_key_type": "N"},
                    {"name": "by-type", "hash_key": "entityType", "range_key": "courseDate"},
                ]
            },
            "A key attribute is used with two different types",
        ),
    ],
    ids=[
        "replica-in-primary-region",
        "replica-in-a-region-without-provider",
        "unknown-environment",
        "conflicting-key-types",
    ],
)
def test_plan_refuses(plan_root, variables, message):
    with pytest.raises(HarnessError) as refused:
        plan_root(**variables)
    text = " ".join(str(refused.value).split())
    assert message in text, f"Got {text[-600:]!r}, expected it to contain {message!r}"
