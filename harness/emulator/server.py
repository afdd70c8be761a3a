"""Run moto's server with our extensions installed before it serves.

moto answers the AWS APIs; the extensions (global tables, a Docker-free
Lambda runtime, stream mappings, TTL expiry, small fixes) patch moto's
internals and may run background workers. Each extension is a module with an
`install(emulator)` function; this file only wires them together.
"""

from __future__ import annotations

import importlib
import json
import os
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

from harness.emulator import clock
from harness.emulator.ttl_rules import TimeToLiveRules

# Order matters only where an extension builds on another's patch.
EXTENSIONS = (
    "harness.emulator.moto_fixes",
    "harness.emulator.global_tables",
    "harness.emulator.lambda_runtime",
    "harness.emulator.stream_mappings",
    "harness.emulator.ttl_sweeper",
)

STATUS_PATH = "/_emulator/status"
CLOCK_PATH = "/_emulator/clock"


@dataclass
class Settings:
    """Knobs a learner or a test may turn; defaults mimic AWS closely enough."""

    replication_delay_seconds: float = 0.1
    ttl_sweep_interval_seconds: float = 5.0
    stream_poll_interval_seconds: float = 0.1
    clock_speed: float = 1.0  # emulated seconds per real second; see harness.emulator.clock

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
    installed: list[str] = field(default_factory=list)
    _workers: list[tuple[Callable[[], None], Callable[[], None]]] = field(default_factory=list)
    _reset_callbacks: list[Callable[[], None]] = field(default_factory=list)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_worker(self, start: Callable[[], None], stop: Callable[[], None]) -> None:
        """Register a background worker, started once the server answers."""
        self._workers.append((start, stop))

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Run `callback` when moto's state is reset (POST /moto-api/reset)."""
        self._reset_callbacks.append(callback)

    def run_reset_callbacks(self) -> None:
        for callback in self._reset_callbacks:
            callback()


def install_extensions(emulator: Emulator, names: tuple[str, ...] = EXTENSIONS) -> None:
    clock.emulator_clock.reset(emulator.settings.clock_speed)
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
        result = original_reset(self, *args, **kwargs)
        emulator.run_reset_callbacks()
        return result

    type(moto_api_backend).reset = reset


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

    def __init__(self, host: str = "127.0.0.1", port: int = 0, settings: Settings | None = None):
        app = DomainDispatcherApplication(create_backend_app)
        # Port 0 asks the OS for a free port; the emulator learns it before installing.
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_RequestHandler
        )
        self.emulator = Emulator(
            host, self._server.server_address[1], settings or Settings.from_env()
        )
        install_extensions(self.emulator)
        self._server.app = _StatusMiddleware(TimeToLiveRules(app), self.emulator)
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        return self.emulator.endpoint_url

    def start(self) -> None:
        """Serve in a background thread and start the extensions' workers."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator-http", daemon=True
        )
        self._thread.start()
        for start, _ in self.emulator._workers:
            start()

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        for _, stop in reversed(self.emulator._workers):
            stop()
        self._server.shutdown()
        if self._thread:
            self._thread.join(timeout=5)
