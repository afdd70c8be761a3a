"""Stream mapping throughput and latency, end to end through the poller and the Lambda runtime.

Usage: python bench/stream_throughput.py [--records N] [--latency-samples M]

On a private emulator (fresh port, default settings):
  1. Throughput: N items are written while the mapping (BatchSize 100) is disabled; the
     mapping is enabled and the clock runs until the no-op handler has seen all N records.
     records/s = N / (last invocation's start - enable).
  2. Latency: M PutItems, one every 50 ms, with the mapping enabled; for each, the time from
     just before PutItem to the handler's start (same machine, same clock). p50 and p95.
The handler does nothing but print how many records it got, its keys and time.time(); the
figures come from those lines in CloudWatch Logs, so the bench needs no extra hook.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.emulator import process  # noqa: E402
from harness.emulator.iam.principals import LAMBDA_TRUST_POLICY  # noqa: E402
from harness.model import key_design  # noqa: E402

HANDLER = """
import json, time
def handler(event, context):
    started = time.time()
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
    print("BENCH " + json.dumps({"t": started, "n": len(keys), "keys": keys}))
"""
FUNCTION = "noop"
TABLE = "bench"


def clients(endpoint_url: str) -> dict:
    settings = dict(
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    return {name: boto3.client(name, **settings) for name in ("dynamodb", "lambda", "iam", "logs")}


def deploy(aws: dict, table: str = TABLE, function: str = FUNCTION) -> str:
    """Table with a stream, the no-op function and a disabled mapping; returns its UUID."""
    stream_arn = aws["dynamodb"].create_table(
        **key_design.table_request(table, sort_key=False, stream_view_type="NEW_AND_OLD_IMAGES")
    )["TableDescription"]["LatestStreamArn"]
    # The emulator enforces IAM: Lambda must be able to assume the role, and the role to
    # read the stream (CreateEventSourceMapping checks it).
    trust = json.dumps(LAMBDA_TRUST_POLICY)
    role = aws["iam"].create_role(RoleName=f"bench-{function}", AssumeRolePolicyDocument=trust)
    aws["iam"].attach_role_policy(
        RoleName=f"bench-{function}",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
    )
    role = role["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", HANDLER)
    aws["lambda"].create_function(
        FunctionName=function,
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": archive.getvalue()},
        Timeout=30,
    )
    return aws["lambda"].create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function,
        StartingPosition="TRIM_HORIZON",
        BatchSize=100,
        Enabled=False,
    )["UUID"]


def write_items(aws: dict, keys: list[str], table: str = TABLE) -> None:
    for start in range(0, len(keys), 25):
        requests = [
            {"PutRequest": {"Item": {"pk": {"S": key}, "payload": {"S": "x" * 100}}}}
            for key in keys[start : start + 25]
        ]
        aws["dynamodb"].batch_write_item(RequestItems={table: requests})


def invocations(aws: dict, function: str = FUNCTION) -> list[dict]:
    """Every BENCH line the handler printed, oldest first."""
    lines, token = [], None
    while True:
        kwargs = {"logGroupName": f"/aws/lambda/{function}", "filterPattern": "BENCH"}
        if token:
            kwargs["nextToken"] = token
        try:
            page = aws["logs"].filter_log_events(**kwargs)
        except aws["logs"].exceptions.ResourceNotFoundException:
            return []
        for event in page["events"]:
            message = event["message"]
            if message.startswith("BENCH "):
                lines.append(json.loads(message[len("BENCH ") :]))
        token = page.get("nextToken")
        if not token:
            break
    return sorted(lines, key=lambda line: line["t"])


def wait_for_records(
    aws: dict, wanted: set[str], timeout: float, function: str = FUNCTION
) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = invocations(aws, function)
        seen = {key for line in lines for key in line["keys"]}
        if wanted <= seen:
            return lines
        time.sleep(0.25)
    raise SystemExit(f"only {len(wanted & seen)} of {len(wanted)} records arrived in {timeout} s")


def throughput(
    aws: dict, mapping: str, count: int, table: str = TABLE, function: str = FUNCTION
) -> tuple[float, int]:
    """Records/s through the mapping: `count` items written with it disabled, then enabled
    (see the module docstring); also how many invocations it took."""
    keys = [f"t{n:06d}" for n in range(count)]
    write_items(aws, keys, table)
    enabled_at = time.time()
    aws["lambda"].update_event_source_mapping(UUID=mapping, Enabled=True)
    lines = wait_for_records(aws, set(keys), timeout=120, function=function)
    batches = [line for line in lines if line["keys"][0].startswith("t")]
    elapsed = batches[-1]["t"] - enabled_at
    return count / elapsed, len(batches)


def latency(aws: dict, samples: int) -> list[float]:
    written: dict[str, float] = {}
    for n in range(samples):
        key = f"l{n:04d}"
        written[key] = time.time()
        aws["dynamodb"].put_item(TableName=TABLE, Item={"pk": {"S": key}})
        time.sleep(0.05)
    lines = wait_for_records(aws, set(written), timeout=60)
    received = {key: line["t"] for line in lines for key in line["keys"] if key in written}
    return sorted(received[key] - written[key] for key in written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--latency-samples", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state_dir:
        running, _ = process.start(Path(state_dir), port=process.free_port())
        try:
            aws = clients(running.endpoint_url)
            mapping = deploy(aws)
            rate, batches = throughput(aws, mapping, args.records)
            delays = latency(aws, args.latency_samples)
        finally:
            process.stop(Path(state_dir))
    p50 = statistics.median(delays)
    p95 = delays[int(0.95 * (len(delays) - 1))]
    print(f"throughput: {rate:,.0f} records/s ({args.records} records in {batches} invocations)")
    print(f"latency PutItem -> invocation: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    verdict = "met" if rate >= 1000 and p50 < 1 else "NOT met"
    print(f"goal: >= 1,000 records/s and p50 < 1 s -> {verdict}")


if __name__ == "__main__":
    main()
