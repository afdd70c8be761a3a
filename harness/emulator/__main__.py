"""`python -m harness.emulator`: run the emulator in the foreground."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from harness import STATE_ROOT, HarnessError
from harness.emulator import dynamodb_local


def _stop_early() -> None:
    early = dynamodb_local.take_early()
    if early is not None:
        early.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.emulator", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=4577, help="port to listen on (0 picks a free one)"
    )
    args = parser.parse_args(argv)
    try:
        data_plane = dynamodb_local.chosen_data_plane()
        if data_plane == "dynamodb-local":
            # Java starts while Python imports moto (the larger half of start-up).
            dynamodb_local.launch_early(
                Path(os.environ.get("EMULATOR_LOG_DIR", STATE_ROOT / "emulator")),
                str(args.port),
                os.environ.get("EMULATOR_DYNAMODB_LOCAL_HEAP", dynamodb_local.DEFAULT_HEAP),
            )
        from harness.emulator.server import EmulatorServer

        server = EmulatorServer(args.host, args.port, data_plane=data_plane)
        server.start()
    except OSError as error:
        _stop_early()
        print(
            f"emulator: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr
        )
        return 2
    except (ValueError, HarnessError) as error:
        _stop_early()
        print(f"emulator: {error}", file=sys.stderr)
        return 2

    def stop(signum, frame):
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"emulator listening on {server.endpoint_url} with {', '.join(server.emulator.installed)}",
        flush=True,
    )
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
