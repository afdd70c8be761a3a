"""Time `invoke setup` against the same apply done with plain terraform commands.

Usage: python bench/setup_vs_terraform.py [--rounds N]

Each round, on fresh state and a fresh emulator port:
  A. `invoke setup` end to end (emulator start, zip, init, plan, apply, the example queries);
  B. plain `terraform init -plugin-dir ...` + `terraform apply -auto-approve` against an
     emulator started beforehand (not timed: B gets the emulator for free).
Both are torn down after timing. The harness overhead is (A - B) / B.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness import LAMBDA_SOURCE_DIR  # noqa: E402
from harness.emulator import process  # noqa: E402
from harness.stack import lambda_package, provider_mirror  # noqa: E402
from harness.stack.targets import local  # noqa: E402

INVOKE = str(Path(sys.executable).parent / "invoke")


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def harness_setup(workdir: Path) -> float:
    env = {
        **os.environ,
        "HARNESS_STATE_DIR": str(workdir),
        "INVOKE_EMULATOR_PORT": str(process.free_port()),
    }
    try:
        return timed([INVOKE, "setup"], cwd=REPO, env=env)
    finally:
        subprocess.run([INVOKE, "teardown", "--yes"], cwd=REPO, env=env, capture_output=True)


def plain_terraform(workdir: Path) -> float:
    running, _ = process.start(workdir / "emulator", port=process.free_port())
    target = local(running.endpoint_url, state_dir=workdir)
    env = target.process_env()
    env.pop("TF_CLI_CONFIG_FILE", None)
    env["TF_DATA_DIR"] = str(workdir / "tfdata")
    zip_path = lambda_package.build(LAMBDA_SOURCE_DIR, workdir / "lambda.zip")
    tf_vars = [
        f"-var=lambda_zip_path={zip_path}",
        "-var=deletion_protection_enabled=false",
        "-var=environment=local",
    ]
    mirror = provider_mirror.find_mirror()
    init = ["terraform", "init", "-input=false", f"-backend-config=path={workdir / 'tfstate'}"]
    if mirror:
        init.append(f"-plugin-dir={mirror}")
    terraform_dir = REPO / "terraform"
    try:
        seconds = timed(init, cwd=terraform_dir, env=env)
        seconds += timed(
            ["terraform", "apply", "-input=false", "-auto-approve", *tf_vars],
            cwd=terraform_dir,
            env=env,
        )
        subprocess.run(
            ["terraform", "destroy", "-auto-approve", *tf_vars],
            cwd=terraform_dir,
            env=env,
            capture_output=True,
        )
        return seconds
    finally:
        process.stop(workdir / "emulator")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    setups, plains = [], []
    for round_number in range(1, rounds + 1):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            setups.append(harness_setup(Path(a)))
            plains.append(plain_terraform(Path(b)))
        print(
            f"round {round_number}: invoke setup {setups[-1]:.1f} s, "
            f"plain terraform {plains[-1]:.1f} s"
        )
    setup, plain = statistics.median(setups), statistics.median(plains)
    print(
        f"median over {rounds} rounds: invoke setup {setup:.1f} s, "
        f"plain terraform init+apply {plain:.1f} s, "
        f"ratio {setup / plain:.2f} (harness overhead {100 * (setup - plain) / plain:+.0f} %)"
    )


if __name__ == "__main__":
    main()
