"""DynamoDB data-plane speed: DynamoDB Local behind the emulator against the moto data plane.

Usage: python bench/data_plane.py [--puts N] [--reads N] [--sizes 20,2000,10000]

Starts one private emulator per data plane (EMULATOR_DATA_PLANE=dynamodb-local and
=moto) in the same run, and measures through the emulator's endpoint with one boto3
thread: PutItem/s (N PutItems of ~100-byte items), GetItem p50, and Query p50 on a
20-item partition while the table holds 20, 2,000 and 10,000 items in all (the other
items in other partitions). Also prints each emulator's start-up time (start to first
answer). Figures go to README.org's benchmark table, never into a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.emulator import process  # noqa: E402
from harness.model import key_design  # noqa: E402

TABLE = "bench"
PARTITION_ITEMS = 20


def client(endpoint: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def item(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "title": {"S": "x" * 60}, "n": {"N": "42"}}


def fill(ddb, count: int, start: int) -> None:
    """Items `start`..`count` in partitions of 20 (partition 0 is the one queried)."""
    for first in range(start, count, 25):
        batch = [
            {"PutRequest": {"Item": item(f"p#{n // PARTITION_ITEMS}", f"s#{n:06d}")}}
            for n in range(first, min(first + 25, count))
        ]
        ddb.batch_write_item(RequestItems={TABLE: batch})


def p50_ms(action, times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(data_plane: str, puts: int, reads: int, sizes: list[int]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as state:
        started = time.perf_counter()
        running = process.start_private(Path(state), data_plane=data_plane)
        figures = {"start-up s": time.perf_counter() - started}
        try:
            ddb = client(running.endpoint_url)
            ddb.create_table(**key_design.table_request(TABLE))
            started = time.perf_counter()
            for n in range(puts):
                ddb.put_item(TableName=TABLE, Item=item("puts", f"s#{n:06d}"))
            figures["PutItem/s"] = puts / (time.perf_counter() - started)
            ddb.delete_table(TableName=TABLE)
            ddb.create_table(**key_design.table_request(TABLE))
            key = {"pk": {"S": "p#0"}, "sk": {"S": "s#000003"}}
            filled = 0
            for size in sizes:
                fill(ddb, size, filled)
                filled = size
                if size == sizes[0]:
                    figures["GetItem p50 ms"] = p50_ms(
                        lambda: ddb.get_item(TableName=TABLE, Key=key), reads
                    )
                figures[f"Query p50 ms @{size}"] = p50_ms(
                    lambda: ddb.query(
                        TableName=TABLE,
                        KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "p#0"}},
                    ),
                    reads,
                )
        finally:
            process.stop(Path(state))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--puts", type=int, default=1000, help="PutItems to time (default 1000)")
    parser.add_argument("--reads", type=int, default=200, help="GetItems/Queries per figure")
    parser.add_argument("--sizes", default="20,2000,10000", help="table sizes for Query p50")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {
        plane: measure(plane, args.puts, args.reads, sizes) for plane in ("dynamodb-local", "moto")
    }
    names = list(results["dynamodb-local"])
    print(f"{'':24}{'dynamodb-local':>16}{'moto':>12}")
    for name in names:
        print(f"{name:24}{results['dynamodb-local'][name]:>16.1f}{results['moto'][name]:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
