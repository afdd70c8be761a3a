"""What point-in-time history costs the write path: PutItem/s with PITR on and off, same run.

Usage: python bench/pitr.py [--puts N] [--rounds R]

Starts one private emulator on the DynamoDB Local data plane with two tables of the
design's key schema, one with PITR on and one without, and times rounds of N PutItems
(~100-byte items, new keys) through the emulator's endpoint with one boto3 thread,
alternating the tables round by round so a busy machine slows both alike. Prints the
median PutItem/s of each and the cost of history keeping in percent; UpdateItem (which
history reads back with a GetItem) is timed the same way for the record. Figures go to
README.org, never into a test.
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

from bench.data_plane import client, item  # noqa: E402
from harness.emulator import process  # noqa: E402
from harness.model import key_design  # noqa: E402

TABLES = {"off": "bench-pitr-off", "on": "bench-pitr-on"}


def rate(action, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        action(n)
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--puts", type=int, default=300, help="PutItems per round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state:
        running = process.start_private(Path(state), data_plane="dynamodb-local")
        try:
            ddb = client(running.endpoint_url)
            for mode, name in TABLES.items():
                ddb.create_table(**key_design.table_request(name))
                ddb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": mode == "on"},
                )
            puts: dict[str, list[float]] = {mode: [] for mode in TABLES}
            updates: dict[str, list[float]] = {mode: [] for mode in TABLES}
            for round_ in range(args.rounds):
                for mode, name in TABLES.items():
                    prefix = f"r{round_}"
                    puts[mode].append(
                        rate(
                            lambda n, name=name, prefix=prefix: ddb.put_item(
                                TableName=name, Item=item(f"{prefix}#{n}", "s")
                            ),
                            args.puts,
                        )
                    )
                    updates[mode].append(
                        rate(
                            lambda n, name=name, prefix=prefix: ddb.update_item(
                                TableName=name,
                                Key={"pk": {"S": f"{prefix}#{n}"}, "sk": {"S": "s"}},
                                UpdateExpression="SET n = n + :one",
                                ExpressionAttributeValues={":one": {"N": "1"}},
                            ),
                            args.puts // 3,
                        )
                    )
        finally:
            process.stop(Path(state))
    for label, figures in (("PutItem/s", puts), ("UpdateItem/s", updates)):
        off, on = (statistics.median(figures[mode]) for mode in ("off", "on"))
        print(
            f"{label:<13} PITR off {off:7.0f}   PITR on {on:7.0f}   "
            f"cost {100 * (off - on) / off:5.1f} %   ({args.rounds} rounds each)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
