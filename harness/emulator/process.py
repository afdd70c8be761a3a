"""Start, find and stop the emulator as a background process.

`invoke setup` leaves the emulator running so a learner can keep querying
it; a small JSON file under the state folder records its pid and port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import REPO_ROOT, HarnessError
from harness.emulator import STATUS_PATH, dynamodb_local

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4577
START_TIMEOUT_SECONDS = 90  # an upper bound for a loaded machine; an idle start takes ~2 s


@dataclass
class RunningEmulator:
    pid: int
    host: str
    port: int
    log_file: str

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def _info_file(state_dir: Path) -> Path:
    return state_dir / "emulator.json"


def status_of(endpoint_url: str, timeout: float = 1.0) -> dict | None:
    """The emulator's status document, or None when nothing of ours answers there."""
    try:
        with urllib.request.urlopen(endpoint_url + STATUS_PATH, timeout=timeout) as response:
            document = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return document if document.get("emulator") == "dynamodb-single-table-reference" else None


def find(state_dir: Path) -> RunningEmulator | None:
    """The emulator recorded under `state_dir` if it is still running and answering."""
    info_file = _info_file(state_dir)
    if not info_file.exists():
        return None
    try:
        running = RunningEmulator(**json.loads(info_file.read_text()))
    except (ValueError, TypeError):
        info_file.unlink()
        return None
    status = status_of(running.endpoint_url)
    if status is None or status.get("pid") != running.pid:
        info_file.unlink()
        return None
    return running


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start(
    state_dir: Path,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    env: dict[str, str] | None = None,
) -> tuple[RunningEmulator, bool]:
    """Start the emulator unless it already runs; returns it and whether it is new."""
    running = find(state_dir)
    if running is not None:
        return running, False
    if not port_is_free(host, port):
        raise HarnessError(
            f"port {port} on {host} is taken by another program; stop it, "
            f"or choose another port with --port (or INVOKE_EMULATOR_PORT)"
        )
    try:
        data_plane = dynamodb_local.chosen_data_plane({**os.environ, **(env or {})})
    except ValueError as error:
        raise HarnessError(str(error)) from None
    if data_plane == "dynamodb-local":
        # Here, not in the emulator's process: a first download shows its progress, and
        # a missing Java or release ends in one line before anything starts.
        dynamodb_local.prepare(progress=lambda line: print(line, flush=True))
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "emulator.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness.emulator", "--host", host, "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "EMULATOR_LOG_DIR": str(state_dir), **(env or {})},
        )
    running = RunningEmulator(process.pid, host, port, str(log_path))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(
                f"the emulator exited at start (code {process.returncode}); see {log_path}"
            )
        status = status_of(running.endpoint_url, timeout=0.5)
        if status and status.get("pid") == process.pid:
            _info_file(state_dir).write_text(json.dumps(asdict(running)))
            return running, True
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)  # its children too (DynamoDB Local, Lambda workers)
    process.wait()
    raise HarnessError(
        f"the emulator did not answer within {START_TIMEOUT_SECONDS} s; see {log_path}"
    )


def start_private(
    state_dir: Path, data_plane: str | None = None, **settings: float
) -> RunningEmulator:
    """Start an emulator of its own on a free port, with settings such as
    `ttl_sweep_interval_seconds=3600` and a data plane ("moto" or "dynamodb-local";
    default: EMULATOR_DATA_PLANE's); the caller stops it with `stop(state_dir)`."""
    env = {f"EMULATOR_{name.upper()}": str(value) for name, value in settings.items()}
    if data_plane is not None:
        env["EMULATOR_DATA_PLANE"] = data_plane
    running, _ = start(state_dir, port=free_port(), env=env)
    return running


def stop(state_dir: Path, timeout: float = 10.0) -> bool:
    """Stop the recorded emulator; True if one was running."""
    running = find(state_dir)
    if running is None:
        return False
    try:
        os.killpg(running.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(running.pid):
        time.sleep(0.1)
    if _alive(running.pid):
        os.killpg(running.pid, signal.SIGKILL)
    _info_file(state_dir).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        return waited == 0
    except ChildProcessError:
        return True
