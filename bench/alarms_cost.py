"""What metrics and alarm evaluation cost the DynamoDB Local data plane.

Usage: python bench/alarms_cost.py [--seconds S] [--rounds R] [--alarms A] [--records N]

Starts two private emulators on the DynamoDB Local data plane in the same run, one with
the CloudWatch extension (metrics published, A metric alarms evaluated) and one with
EMULATOR_CLOUDWATCH_METRICS=0, and measures, alternating R rounds so that machine load
hits both alike:
- PutItem/s through each endpoint with one boto3 thread for S seconds;
- stream records/s: N items written with a no-op function's mapping disabled, then the
  mapping enabled and timed until the function has seen them all (as
  bench/stream_throughput.py measures it; each round has its own table and function), so
  the Lambda metrics (Invocations, Duration, IteratorAge, ...) are published on the way.
Prints the median of each and the cost in per cent. Figures go to README.org's benchmark
table, never into a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stream_throughput import clients, deploy, throughput  # noqa: E402

from harness.emulator import process  # noqa: E402
from harness.model import key_design  # noqa: E402
from harness.stack import targets  # noqa: E402

TABLE = "bench"


def prepare(endpoint: str, alarms: int):
    target = targets.local(endpoint)
    ddb, cloudwatch = target.client("dynamodb"), target.client("cloudwatch")
    ddb.create_table(**key_design.table_request(TABLE, sort_key=False))
    for n in range(alarms):
        cloudwatch.put_metric_alarm(
            AlarmName=f"bench-{n}",
            Namespace="AWS/DynamoDB",
            MetricName="ConsumedWriteCapacityUnits",
            Dimensions=[{"Name": "TableName", "Value": TABLE}],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1_000_000 + n,
            ComparisonOperator="GreaterThanThreshold",
        )
    return ddb


def puts_per_second(ddb, seconds: float, offset: int) -> float:
    count, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        ddb.put_item(
            TableName=TABLE, Item={"pk": {"S": f"{offset}-{count}"}, "v": {"S": "x" * 100}}
        )
        count += 1
    return count / (time.perf_counter() - started)


def report(title: str, values: dict[str, list[float]], alarms: int) -> None:
    """The medians with and without metrics, every round's figure, and the cost in %."""
    print(title)
    medians = {name: statistics.median(figures) for name, figures in values.items()}
    for name, figures in values.items():
        shown = ", ".join(f"{v:.0f}" for v in figures)
        label = f"metrics + {alarms} alarms" if name == "with" else "no metrics"
        print(f"  {label:<20} median {medians[name]:.0f} ({shown})")
    cost = 100 * (1 - medians["with"] / medians["without"])
    print(f"  cost of metrics and alarm evaluation: {cost:.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--alarms", type=int, default=20)
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        dirs = {name: Path(scratch) / name for name in ("with", "without")}
        settings = {"with": {}, "without": {"cloudwatch_metrics": 0}}
        try:
            running = {
                name: process.start_private(
                    dirs[name], data_plane="dynamodb-local", **settings[name]
                )
                for name in dirs
            }
            ddb = {name: prepare(running[name].endpoint_url, args.alarms) for name in dirs}
            aws = {name: clients(running[name].endpoint_url) for name in dirs}
            rates: dict[str, list[float]] = {name: [] for name in dirs}
            records: dict[str, list[float]] = {name: [] for name in dirs}
            for round_ in range(args.rounds):
                order = list(dirs) if round_ % 2 == 0 else list(reversed(dirs))
                for name in order:
                    rates[name].append(puts_per_second(ddb[name], args.seconds, round_))
                for name in order:
                    table, function = f"stream{round_}", f"noop{round_}"
                    mapping = deploy(aws[name], table, function)
                    rate, _ = throughput(aws[name], mapping, args.records, table, function)
                    records[name].append(rate)
            report(
                f"PutItem/s, one boto3 thread, {args.rounds} x {args.seconds:.0f} s each:",
                rates,
                args.alarms,
            )
            report(
                f"stream records/s, {args.rounds} x {args.records} records:",
                records,
                args.alarms,
            )
        finally:
            for directory in dirs.values():
                process.stop(directory)


if __name__ == "__main__":
    main()
