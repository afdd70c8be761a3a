"""README's throttling walkthrough, run as written: the block is read from README.org.

AWS: writes above an on-demand table's MaxWriteRequestUnits are throttled
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html)
and counted in WriteThrottleEvents (metrics-dimensions.html); a metric alarm goes to ALARM
when a period breaches its threshold, publishes to its SNS actions on each transition, and
returns to OK when periods stop breaching (missing data notBreaching)
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from harness import REPO_ROOT
from harness.emulator import process

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HEADING = "*** Walkthrough: throttle the table, watch the alarm fire and clear"
MARK = "### RUNNING: "


def walkthrough_block() -> list[str]:
    """The commands of README's walkthrough block, comments kept."""
    text = (REPO_ROOT / "README.org").read_text()
    section = text[text.index(HEADING) :]
    block = section[section.index("#+begin_src sh\n") + len("#+begin_src sh\n") :]
    return block[: block.index("#+end_src")].strip().splitlines()


@pytest.fixture
def user_env(tmp_path):
    state = tmp_path / "state"
    env = {
        **os.environ,
        "HARNESS_STATE_DIR": str(state),
        "INVOKE_EMULATOR_PORT": str(process.free_port()),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    env.pop("EMULATOR_CLOCK_SPEED", None)
    yield env
    subprocess.run(
        ["invoke", "teardown", "--yes"], cwd=REPO_ROOT, env=env, capture_output=True, timeout=300
    )


def test_the_readme_throttling_walkthrough_runs_as_written(user_env):
    lines = walkthrough_block()
    alarms_commands = [line for line in lines if line.startswith("invoke alarms")]
    assert len(alarms_commands) == 2, lines
    script = ["set -e"]
    for number, line in enumerate(lines):
        script += [f"echo '{MARK}{number}'", line]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=REPO_ROOT,
        env=user_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    outputs = {
        int(part.split("\n", 1)[0]): part.split("\n", 1)[1] if "\n" in part else ""
        for part in result.stdout.split(MARK)[1:]
    }
    by_command = [(lines[number], output) for number, output in sorted(outputs.items())]
    load = next(out for line, out in by_command if line.startswith("invoke load"))
    assert "table maximum 2 write units/s (OnDemandThroughput)" in load, load
    throttled = int(re.search(r"succeeded, (\d+) throttled", load).group(1))
    assert throttled > 0, load
    assert re.search(r"^\[.*throttled [1-9]", load, re.M), f"no live line with throttles:\n{load}"
    assert "TableWriteMaxOnDemandThroughputExceeded (ThrottlingException)" in load
    fired, cleared = [out for line, out in by_command if line.startswith("invoke alarms")]
    assert fired.startswith("ALARM "), fired
    assert "was greater than the threshold (0.0)" in fired, fired
    assert "notified:" in fired and "email you@example.com" in fired, fired
    assert cleared.startswith("OK "), cleared
    assert cleared.count("notified:") >= 2, cleared
