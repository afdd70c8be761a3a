"""Run moto's server with our extensions installed before it serves.

moto answers the AWS APIs; the extensions (global tables, a Docker-free
Lambda runtime, stream mappings, TTL expiry, small fixes) patch moto's
internals and may run background workers. Each extension is a module with an
`install(emulator)` function; this file only wires them together.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from harness.emulator import CLOCK_PATH, STATUS_PATH, clock, dynamodb_local, iam
from harness.emulator.ttl_rules import TimeToLiveRules

# Order matters only where an extension builds on another's patch.
EXTENSIONS = (
    "harness.emulator.moto_fixes",
    "harness.emulator.global_tables",
    "harness.emulator.lambda_runtime",
    "harness.emulator.stream_mappings",
    "harness.emulator.ttl_sweeper",
    # Last: it imports the data_plane package, whose stream modules must see moto's
    # DynamoDB methods as global_tables has wrapped them (imported first, they would
    # keep the unwrapped ones and updates would stop replicating).
    "harness.emulator.cloudwatch",
)
# On the DynamoDB Local data plane (the default), DynamoDB Local serves DynamoDB and its
# streams; the moto DynamoDB extensions above are installed only with EMULATOR_DATA_PLANE=moto.
DYNAMODB_LOCAL_EXTENSIONS = (
    "harness.emulator.cloudwatch",
    "harness.emulator.lambda_runtime",
    "harness.emulator.stream_mappings",
    "harness.emulator.data_plane",
)


def extensions_for(data_plane: str) -> tuple[str, ...]:
    return DYNAMODB_LOCAL_EXTENSIONS if data_plane == "dynamodb-local" else EXTENSIONS


log = logging.getLogger(__name__)

# How long a reset waits for workers and requests in flight to end before it goes on.
RESET_DRAIN_SECONDS = 30.0


@dataclass
class Settings:
    """Knobs a learner or a test may turn; defaults mimic AWS closely enough."""

    replication_delay_seconds: float = 0.1
    ttl_sweep_interval_seconds: float = 5.0
    stream_poll_interval_seconds: float = 0.1
    clock_speed: float = 1.0  # emulated seconds per real second; see harness.emulator.clock
    cloudwatch_metrics: float = 1.0  # 0 turns off service metrics and alarm evaluation
    iam_enforcement: float = 1.0  # 0: role sessions' calls go unchecked (harness.emulator.iam)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        settings = cls()
        for name in cls.__dataclass_fields__:
            value = environ.get(f"EMULATOR_{name.upper()}")
            if value is not None:
                setattr(settings, name, float(value))
        return settings


@dataclass
class Emulator:
    """What an extension sees: where the server is, settings, and lifecycle hooks."""

    host: str
    port: int
    settings: Settings = field(default_factory=Settings)
    data_plane: str = dynamodb_local.DEFAULT_DATA_PLANE
    installed: list[str] = field(default_factory=list)
    # Objects one extension offers the others, by name (e.g. "dynamodb_metrics"), so that
    # extensions need not import each other.
    shared: dict[str, object] = field(default_factory=dict)
    _workers: list[RegisteredWorker] = field(default_factory=list)
    _before_reset: list[Callable[[], None]] = field(default_factory=list)
    _reset_callbacks: list[Callable[[], None]] = field(default_factory=list)
    _requests: RequestsInFlight = field(default_factory=lambda: RequestsInFlight())
    _serving: bool = False
    _reset_lock: threading.Lock = field(default_factory=threading.Lock)
    _middlewares: list[Callable[[Callable], Callable]] = field(default_factory=list)
    _before_serving: list[Callable[[], None]] = field(default_factory=list)
    _status: list[Callable[[], dict[str, str]]] = field(default_factory=list)
    _on_failure: Callable[[str], None] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_worker(
        self, start: Callable[[], None], stop: Callable[[], object], *, drained_by_reset=True
    ) -> None:
        """Register a background worker, started once the server answers.

        `stop()` must return only when the worker has ended (periodic.Worker.stop does).
        A reset stops every worker `drained_by_reset` before it deletes anything and starts
        it again afterwards, so nothing a worker began before the reset writes after it;
        False is for what only an emulator stop may end (DynamoDB Local's process).
        """
        self._workers.append(RegisteredWorker(start, stop, drained_by_reset))

    def add_middleware(self, wrap: Callable[[Callable], Callable]) -> None:
        """Put a WSGI middleware in front of moto's app: `wrap(app)` returns the new app."""
        self._middlewares.append(wrap)

    def before_serving(self, callback: Callable[[], None]) -> None:
        """Run `callback` before the server answers; an exception stops the start."""
        self._before_serving.append(callback)

    def add_status(self, callback: Callable[[], dict[str, str]]) -> None:
        """Add `callback()`'s fields to the status document."""
        self._status.append(callback)

    def status_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {"data_plane": self.data_plane}
        for callback in self._status:
            fields.update(callback())
        return fields

    def fail(self, line: str) -> None:
        """A part the emulator cannot serve without died: say so in one line and stop."""
        if self._on_failure is not None:
            self._on_failure(line)

    def before_reset(self, callback: Callable[[], None]) -> None:
        """Run `callback` when a reset begins, before the workers are stopped (e.g. to end
        function invocations in flight, so that the poller's runners stop at once)."""
        self._before_reset.append(callback)

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Run `callback` when moto's state is reset (POST /moto-api/reset), while every
        background worker is stopped."""
        self._reset_callbacks.append(callback)

    def reset(self, reset_moto: Callable[[], object]) -> object:
        """A whole reset: quiesce, `reset_moto()`, the reset callbacks, then resume.

        Quiescing ends function invocations in flight (`before_reset`), stops and drains
        every worker the reset drains, and waits for the HTTP requests that were in flight
        when the reset began (a function's last write). Only then is state deleted, so a
        record written before the reset cannot appear in a table created after it.
        """
        with self._reset_lock:
            for callback in self._before_reset:
                callback()
            stopped = [worker for worker in reversed(self._workers) if worker.drained_by_reset]
            deadline = time.monotonic() + RESET_DRAIN_SECONDS
            for worker in stopped:
                worker.stop()
            self._requests.wait_for_earlier(max(0.0, deadline - time.monotonic()))
            try:
                result = reset_moto()
                for callback in self._reset_callbacks:
                    callback()
            finally:
                if self._serving:
                    for worker in reversed(stopped):
                        try:
                            worker.start()
                        except RuntimeError as error:  # its stop timed out: it still runs
                            log.warning("reset: %s", error)
            return result


def install_extensions(emulator: Emulator, names: tuple[str, ...] = EXTENSIONS) -> None:
    clock.emulator_clock.reset(emulator.settings.clock_speed)
    emulator.before_reset(iam.end_all_sessions)
    emulator.on_reset(lambda: clock.emulator_clock.reset(emulator.settings.clock_speed))
    for name in names:
        module = importlib.import_module(name)
        module.install(emulator)
        emulator.installed.append(name.rsplit(".", 1)[-1])
    _hook_reset(emulator)


def _hook_reset(emulator: Emulator) -> None:
    from moto.moto_api._internal.models import moto_api_backend

    original_reset = type(moto_api_backend).reset

    def reset(self, *args, **kwargs):
        return emulator.reset(lambda: original_reset(self, *args, **kwargs))

    type(moto_api_backend).reset = reset


@dataclass
class RegisteredWorker:
    """A registered background worker: how to start and stop it, and whether a reset does."""

    start: Callable[[], None]
    stop: Callable[[], object]
    drained_by_reset: bool = True


class RequestsInFlight:
    """WSGI middleware counting the requests being answered, so a reset can wait for them.

    A request is counted until the wrapped app returns (moto and the proxy do their work
    there; the body is already a list).
    """

    def __init__(self) -> None:
        self.app: Callable | None = None
        self._in_flight: dict[int, int] = {}  # request number -> the thread answering it
        self._numbers = itertools.count()
        self._changed = threading.Condition()

    def __call__(self, environ, start_response):
        number = next(self._numbers)
        with self._changed:
            self._in_flight[number] = threading.get_ident()
        try:
            return self.app(environ, start_response)
        finally:
            with self._changed:
                del self._in_flight[number]
                self._changed.notify_all()

    def wait_for_earlier(self, timeout: float) -> bool:
        """Wait until every request in flight now, but the calling thread's, has ended.

        Returns False (and logs) when some outlast `timeout` seconds.
        """
        me = threading.get_ident()
        deadline = time.monotonic() + timeout
        with self._changed:
            waiting = {n for n, thread in self._in_flight.items() if thread != me}
            while waiting & self._in_flight.keys():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("reset: %d request(s) still in flight", len(waiting))
                    return False
                self._changed.wait(remaining)
        return True


class _StatusMiddleware:
    """Answers the emulator's own paths before moto sees the request.

    GET /_emulator/status tells our emulator from any server. GET /_emulator/clock shows
    the emulated time; POST /_emulator/clock with {"advance_seconds": N} and/or
    {"speed": S} moves it (see harness.emulator.clock).
    """

    def __init__(self, app, emulator: Emulator):
        self.app = app
        self.emulator = emulator
        self.started = time.time()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path == STATUS_PATH:
            return _json_answer(start_response, 200, self._status())
        if path == CLOCK_PATH:
            return self._clock(environ, start_response)
        return self.app(environ, start_response)

    def _status(self) -> dict:
        return {
            "emulator": "dynamodb-single-table-reference",
            "pid": os.getpid(),
            "endpoint": self.emulator.endpoint_url,
            "extensions": self.emulator.installed,
            "uptime_seconds": round(time.time() - self.started, 1),
            **self.emulator.status_fields(),
        }

    def _clock(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                request = json.loads(environ["wsgi.input"].read(length) or b"{}")
                unknown = set(request) - {"advance_seconds", "speed"}
                if unknown:
                    raise ValueError(f"unknown field(s) {sorted(unknown)}")
                if "speed" in request:
                    clock.emulator_clock.set_speed(float(request["speed"]))
                if "advance_seconds" in request:
                    clock.emulator_clock.advance(float(request["advance_seconds"]))
            except (ValueError, TypeError, AttributeError) as error:
                message = f'{error}; send {{"advance_seconds": N}} and/or {{"speed": S}}'
                return _json_answer(start_response, 400, {"message": message})
        return _json_answer(start_response, 200, clock.emulator_clock.describe())


def _json_answer(start_response, status: int, document: dict):
    body = json.dumps(document).encode()
    reason = {200: "OK", 400: "Bad Request"}[status]
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


class _RequestHandler(MotoRequestHandler):
    """moto's request handler, sending each response's head and body in one write.

    Unbuffered, werkzeug sends the head and the body as two TCP segments, and
    now and then the Terraform provider's Go client closed the connection
    between them (on the wire: client FIN after the head, RST when the body
    came) and its SDK sent the call again. Harmless for reads; a retried
    DeleteTable or conditional PutItem fails on what the first attempt did.
    Measured: 4 SDK retries in 12 setup+teardown cycles unbuffered, none in
    24 cycles (8,160 requests) buffered. werkzeug flushes after the body, so a
    small response leaves in one segment.
    """

    wbufsize = 256 * 1024


class EmulatorServer:
    """moto's WSGI app behind a threaded werkzeug server, with extensions."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
        data_plane: str | None = None,
    ):
        """`data_plane`: "dynamodb-local" or "moto"; None takes EMULATOR_DATA_PLANE's."""
        if data_plane is None:
            data_plane = dynamodb_local.chosen_data_plane()
        settings = settings or Settings.from_env()
        iam.prepare(settings.iam_enforcement != 0)
        app = DomainDispatcherApplication(create_backend_app)
        # Port 0 asks the OS for a free port; the emulator learns it before installing.
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_RequestHandler
        )
        self.emulator = Emulator(host, self._server.server_address[1], settings, data_plane)
        self.emulator.add_status(lambda: {"iam_enforcement": "on" if iam.enabled() else "off"})
        self.emulator._on_failure = self._fail
        self._thread: threading.Thread | None = None
        try:
            install_extensions(self.emulator, extensions_for(data_plane))
        except Exception:
            self.stop()
            raise
        for wrap in self.emulator._middlewares:
            app = wrap(app)
        # TTL's rules sit in front of whichever data plane serves the table, and IAM in
        # front of everything: AWS authorises a request before it validates it.
        app = iam.IamEnforcement(TimeToLiveRules(app), iam.enabled)
        self.emulator._requests.app = _StatusMiddleware(app, self.emulator)
        self._server.app = self.emulator._requests

    def _fail(self, line: str) -> None:
        print(f"emulator: {line}; stopping", file=sys.stderr, flush=True)
        threading.Thread(target=self._stop_and_exit, daemon=True).start()

    def _stop_and_exit(self) -> None:
        try:
            self.stop()
        finally:
            os._exit(1)

    @property
    def endpoint_url(self) -> str:
        return self.emulator.endpoint_url

    def start(self) -> None:
        """Serve in a background thread and start the extensions' workers."""
        try:
            for callback in self.emulator._before_serving:
                callback()
        except Exception:
            self.stop()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator-http", daemon=True
        )
        self._thread.start()
        with self.emulator._reset_lock:
            self.emulator._serving = True
            for worker in self.emulator._workers:
                worker.start()

    def serve_forever(self) -> None:
        self.start()
        self.wait()

    def wait(self) -> None:
        """Block until the server stops."""
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        self.emulator._serving = False
        for worker in reversed(self.emulator._workers):
            worker.stop()
        if self._thread:
            self._server.shutdown()
            self._thread.join(timeout=5)
