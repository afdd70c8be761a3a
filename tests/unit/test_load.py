"""`invoke load` against a table with a maximum write throughput, as a user runs it.

AWS: an on-demand table's OnDemandThroughput MaxWriteRequestUnits caps the write units it
serves per second; "throughput requests that exceed the maximum amount specified will be
throttled" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html),
with a MaxOnDemandThroughputExceeded reason (API_ThrottlingReason.html). A PutItem of an
item of 2,000 bytes consumes 2 write units (1 KB units, read-write-operations.html).
"""

from __future__ import annotations

import os
import re

import boto3
import pytest
from invoke_cli import assert_one_clear_line, run_invoke

from harness.emulator import process

pytestmark = pytest.mark.slow

MAX_WRITE_UNITS = 10
ITEM_BYTES = 2000  # 2 write units per PutItem
LIVE = re.compile(r"^\[\s*[\d.]+ s\] .*throttled (\d+) \(total (\d+)\)", re.M)
SUMMARY = re.compile(r"^summary: (\d+) write requests .*: (\d+) succeeded, (\d+) throttled", re.M)


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """A user's environment whose `invoke` finds a running emulator with a capped table."""
    state = tmp_path_factory.mktemp("load-state")
    running = process.start_private(state / "local", data_plane="dynamodb-local")
    boto3.client(
        "dynamodb",
        endpoint_url=running.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_table(
        TableName="capped",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        OnDemandThroughput={"MaxWriteRequestUnits": MAX_WRITE_UNITS},
    )
    yield {**os.environ, "HARNESS_STATE_DIR": str(state)}
    process.stop(state / "local")


def load(env, requests_per_second: float):
    rate = str(requests_per_second)
    return run_invoke(
        env,
        "load",
        "--table",
        "capped",
        "--rate",
        rate,
        "--duration",
        "6",
        "--item-size",
        str(ITEM_BYTES),
    )


def test_twice_the_maximum_is_throttled_in_the_live_line_and_the_summary(user):
    result = load(user, 2 * MAX_WRITE_UNITS / 2)  # 10 PutItems/s of 2 units: 20 units/s
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "maximum 10 write units/s (OnDemandThroughput)" in out, out
    live = [int(window) for window, _ in LIVE.findall(out)]
    assert live and max(live) > 0, f"no live line showed a throttle:\n{out}"
    sent, succeeded, throttled = (int(n) for n in SUMMARY.search(out).groups())
    assert throttled > 0 and succeeded + throttled == sent, out
    assert "TableWriteMaxOnDemandThroughputExceeded (ThrottlingException)" in out, out


def test_half_the_maximum_is_never_throttled(user):
    result = load(user, MAX_WRITE_UNITS / 2 / 2)  # 2.5 PutItems/s of 2 units: 5 units/s
    assert result.returncode == 0, result.stderr
    out = result.stdout
    live = LIVE.findall(out)
    assert live and all(window == "0" for window, _ in live), out
    sent, succeeded, throttled = (int(n) for n in SUMMARY.search(out).groups())
    assert (throttled, succeeded) == (0, sent) and sent >= 10, out
    assert "consumed: " in out and " WCU" in out


def test_a_missing_table_and_a_bad_rate_end_with_one_line(user):
    assert_one_clear_line(run_invoke(user, "load", "--table", "nope"), "not found")
    assert_one_clear_line(
        run_invoke(user, "load", "--table", "capped", "--rate", "-3"),
        "--rate must be a positive number",
    )
