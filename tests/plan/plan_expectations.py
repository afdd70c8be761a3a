"""Read a Terraform plan the way a reviewer does: by resource address.

Expectations are plain data, `{address: {attribute path: expected value}}`,
and every mismatch reads "Got X, expected Y at <address>.<path>", so a failing
plan test says exactly what changed without a debugger.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import tftest

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def planned_values(plan: tftest.TerraformPlanOutput, address: str) -> dict[str, Any]:
    """What `address` will look like after apply (unknown values are absent)."""
    change = plan.resource_changes.get(address)
    if change is None:
        known = "\n  ".join(sorted(plan.resource_changes))
        raise AssertionError(
            f"Got no resource, expected one at {address}; the plan has:\n  {known}"
        )
    return change["change"]["after"] or {}


def addresses(plan: tftest.TerraformPlanOutput, resource_type: str) -> list[str]:
    """Addresses of every managed resource of `resource_type` in the plan."""
    return sorted(
        address
        for address, change in plan.resource_changes.items()
        if change["type"] == resource_type and change["mode"] == "managed"
    )


THROTTLE_METRICS = ("ReadThrottleEvents", "WriteThrottleEvents")


def throttle_alarm_addresses(plan: tftest.TerraformPlanOutput) -> list[str]:
    """Addresses of the alarms on a table's or an index's read or write throttling.

    Found by metric, not by address: every alarm is an instance of one resource.
    """
    return [
        address
        for address in addresses(plan, "aws_cloudwatch_metric_alarm")
        if planned_values(plan, address).get("metric_name") in THROTTLE_METRICS
    ]


def value_at(values: Mapping[str, Any], path: str) -> Any:
    """The value at a path such as `ttl[0].attribute_name`; KeyError when absent."""
    current: Any = values
    for name, index in _PATH_PART.findall(path):
        current = current[int(index)] if index else current[name]
    return current


def mismatches(
    plan: tftest.TerraformPlanOutput, expected: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Every expectation the plan does not meet, one readable line each."""
    problems = []
    for address, attributes in expected.items():
        values = planned_values(plan, address)
        for path, want in attributes.items():
            try:
                got = value_at(values, path)
            except (KeyError, IndexError, TypeError):
                problems.append(f"Got nothing, expected {want!r} at {address}.{path}")
                continue
            if got != want:
                problems.append(f"Got {got!r}, expected {want!r} at {address}.{path}")
    return problems


def assert_plan_matches(
    plan: tftest.TerraformPlanOutput, expected: Mapping[str, Mapping[str, Any]]
) -> None:
    problems = mismatches(plan, expected)
    assert not problems, "\n".join(problems)
