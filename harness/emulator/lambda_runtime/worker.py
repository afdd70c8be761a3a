"""One warm execution environment: a long-lived Python subprocess running bootstrap.py.

It plays the part of a Lambda sandbox: started once (the cold start), then handed one
invocation at a time. Everything the function writes lands in a log file that the emulator
drains after each invocation; answers come back as frames on a pipe, read with a deadline so
that a function that overruns its Timeout is killed, exactly as AWS does.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.emulator.lambda_runtime import bootstrap

BOOTSTRAP_PATH = Path(bootstrap.__file__).resolve()
LOG_TRUNCATE_BYTES = 1 << 20  # a function's log file is emptied past this size (take_output)


class WorkerTimedOut(Exception):
    """The worker did not answer before the deadline; it has been killed."""


class WorkerExited(Exception):
    """The worker process ended without answering (sys.exit, os._exit, a signal)."""

    def __init__(self, returncode: int | None):
        super().__init__(f"worker exited with {returncode}")
        self.returncode = returncode

    @property
    def reason(self) -> str:
        """Wording of AWS's Runtime.ExitError message."""
        if self.returncode is not None and self.returncode < 0:
            return f"signal: {signal.Signals(-self.returncode).name.removeprefix('SIG').lower()}"
        return f"exit status {self.returncode}"


@dataclass
class Answer:
    """A frame from the worker: ok is False when the body is an AWS error document."""

    ok: bool
    body: bytes
    header: dict


class Worker:
    """A bootstrap subprocess for one function version; not thread-safe (the pool lends it)."""

    def __init__(self, environment: dict[str, str], task_root: Path):
        self.environment = environment
        self.task_root = task_root
        self.log_stream_name = environment["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.init_ms: float | None = None
        self.process: subprocess.Popen | None = None
        self._decoder = bootstrap.FrameDecoder()
        log_fd, log_path = tempfile.mkstemp(prefix="emulator-lambda-", suffix=".log")
        os.close(log_fd)
        self._log_path = Path(log_path)
        self._log_read = 0  # bytes of the log already taken

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout_seconds: float) -> Answer:
        """Start the process and wait for its init phase (importing the handler)."""
        started = time.perf_counter()
        with open(self._log_path, "ab") as log:  # O_APPEND: we may truncate it between reads
            self.process = subprocess.Popen(
                [sys.executable, "-u", str(BOOTSTRAP_PATH)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=self.task_root,
                env=self.environment,
            )
        answer = self._answer(time.monotonic() + timeout_seconds)
        if answer.ok:  # measured here: process start-up is part of a cold start
            self.init_ms = (time.perf_counter() - started) * 1000
        return answer

    def invoke(self, header: dict, payload: bytes, timeout_seconds: float) -> Answer:
        """Send one event and wait up to `timeout_seconds` for the handler's answer."""
        assert self.process is not None and self.process.stdin is not None
        deadline = time.monotonic() + timeout_seconds
        try:
            self.process.stdin.write(bootstrap.encode_frame({"type": "invoke", **header}, payload))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.process.wait()
            raise WorkerExited(self.process.returncode) from None
        return self._answer(deadline)

    def _answer(self, deadline: float) -> Answer:
        assert self.process is not None and self.process.stdout is not None
        pipe = self.process.stdout.fileno()
        while True:
            frame = self._decoder.next_frame()
            if frame is not None:
                header, body = frame
                return Answer(bool(header.get("ok")), body, header)
            remaining = deadline - time.monotonic()
            ready = select.select([pipe], [], [], max(0.0, remaining))[0] if remaining > 0 else []
            if not ready:
                self.stop()
                raise WorkerTimedOut()
            chunk = os.read(pipe, 1 << 16)
            if not chunk:
                returncode = self.process.wait()
                raise WorkerExited(returncode)
            self._decoder.feed(chunk)

    def take_output(self) -> list[str]:
        """Lines the function wrote since the last call.

        Read from where the last call stopped; the file is emptied only once it passes
        LOG_TRUNCATE_BYTES, because a truncate costs milliseconds on ext4 (journalled),
        which on every invocation was a fifth of the stream poller's time
        (bench/stream_throughput.py). The writer appends (O_APPEND), so after a truncate
        its next line lands at the new end.
        """
        try:
            with open(self._log_path, "rb") as log:
                log.seek(self._log_read)
                data = log.read()
            self._log_read += len(data)
            if self._log_read > LOG_TRUNCATE_BYTES:
                os.truncate(self._log_path, 0)
                self._log_read = 0
        except FileNotFoundError:
            return []
        return data.decode("utf-8", errors="replace").splitlines()

    def max_memory_mb(self) -> int | None:
        """Peak resident memory of the process (VmHWM), for the REPORT line."""
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return max(1, round(int(line.split()[1]) / 1024))
        return None

    def stop(self) -> None:
        """Kill the process (a sandbox is discarded, never asked politely)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass

    def close(self) -> None:
        """Stop the process and remove its log file."""
        self.stop()
        self._log_path.unlink(missing_ok=True)
