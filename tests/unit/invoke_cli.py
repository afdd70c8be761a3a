"""Running `invoke` as a user does, and the one-clear-line check on its failures.

Tasks must fail with a single readable line on stderr, never a traceback; the
CLI tests of several tasks check that the same way.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from harness import REPO_ROOT

INVOKE = str(Path(sys.executable).parent / "invoke")


def run_invoke(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`invoke <args>` from the repository root, its output captured as text."""
    return subprocess.run(
        [INVOKE, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    """The command failed with exactly one non-blank stderr line containing `expected`.

    A helper module gets no pytest assertion rewriting, so every assert says what it saw.
    """
    assert result.returncode != 0, f"expected a failure, got exit 0: {result.stdout}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {result.stderr}"
    assert expected in lines[0], f"expected {expected!r} in {lines[0]!r}"
    output = result.stdout + result.stderr
    assert "Traceback" not in output, f"a traceback instead of a clear line: {output}"
