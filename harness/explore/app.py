"""The web routes of `invoke explore` (Starlette): the page, its JSON API and the live feed.

GET  /                 the page (one HTML document; views switch without reloading)
GET  /api/items        every item of the table (Scan), ordered by pk, sk
GET  /api/index/NAME   every item of one GSI (Scan of the index) and its projection
POST /api/query        {"name", "params"} -> the access pattern's request and items
POST /api/tour/STEP    one tour step (refused when writes are not allowed)
GET  /events           server-sent events: stream records, log lines, lag, alarms

Blocking boto3 calls run in worker threads (asyncio.to_thread), never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from harness import HarnessError
from harness.explore import design, items, pattern_query
from harness.explore.live import Live
from harness.explore.tour import STEPS, Tour
from harness.model import key_design
from harness.stack.targets import Target

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
EVENT_POLL_SECONDS = 0.1
REPLAYED_EVENTS = 200  # a page that (re)connects sees this much recent history


@dataclass
class Explorer:
    """What the page explores: a target, the stack's names, and whether it may write."""

    target: Target
    table_name: str = key_design.TABLE_NAME
    function_name: str | None = None
    alarm_names: list[str] = field(default_factory=list)
    allow_writes: bool = True

    _clients: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str | None = None):
        """One boto3 client per service and region, made once: building a client reads
        its service model from disk, which costs more than the calls the page makes
        (boto3 clients are thread-safe)."""
        key = (service, region or self.target.region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self.target.client(service, key[1])
            return self._clients[key]

    @classmethod
    def from_outputs(cls, target: Target, outputs: dict, allow_writes: bool) -> Explorer:
        """From Terraform's outputs (plain values): table, function and alarm names."""
        return cls(
            target=target,
            table_name=str(outputs.get("table_name") or key_design.TABLE_NAME),
            function_name=outputs.get("function_name") or None,
            alarm_names=list(outputs.get("alarm_names") or []),
            allow_writes=allow_writes,
        )


def create_app(explorer: Explorer, *, live: bool = True) -> Starlette:
    """The Starlette app; with `live`, the stream/log/alarm readers run while it serves."""
    readers = Live(
        explorer.target, explorer.table_name, explorer.function_name, explorer.alarm_names
    )
    tour = Tour(
        explorer.target,
        explorer.table_name,
        explorer.allow_writes,
        on_write=readers.note_write,
    )

    def page(request: Request):
        context = {
            "model": _script_json(design.page_model()),
            "explorer": _script_json(
                {
                    "target": explorer.target.name,
                    "region": explorer.target.region,
                    "regions": list(explorer.target.all_regions),
                    "endpoint": explorer.target.endpoint_url,
                    "table": explorer.table_name,
                    "function": explorer.function_name,
                    "allowWrites": explorer.allow_writes,
                    "tourSteps": list(STEPS),
                }
            ),
            "target": explorer.target.name,
            "table": explorer.table_name,
            "facets": design.facets(),
            "indexes": design.indexes(),
        }
        return TEMPLATES.TemplateResponse(request, "index.html", context)

    def scan_table() -> dict:
        started = time.time()
        scanned = items.scan(explorer.client("dynamodb"), explorer.table_name)
        return {**scanned, "scannedAt": started}

    def scan_index(name: str) -> dict:
        client = explorer.client("dynamodb")
        described = {
            index["name"]: index for index in items.index_description(client, explorer.table_name)
        }
        if name not in described:
            raise HarnessError(f"table {explorer.table_name} has no index {name!r}")
        scanned = items.scan(client, explorer.table_name, index_name=name)
        return {**scanned, "index": described[name]}

    async def table_items(request: Request):
        return await _in_thread(scan_table)

    async def index_items(request: Request):
        return await _in_thread(lambda: scan_index(request.path_params["name"]))

    async def query(request: Request):
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "send JSON: {name, params}"}, status_code=400)
        return await _in_thread(
            lambda: pattern_query.run(
                explorer.target,
                explorer.table_name,
                str(body.get("name", "")),
                dict(body.get("params") or {}),
                client=explorer.client("dynamodb"),
            )
        )

    async def tour_step(request: Request):
        step = request.path_params["step"]
        return await _in_thread(lambda: tour.run(step))

    async def events(request: Request):
        start = max(0, readers.feed.last_id - REPLAYED_EVENTS)
        last_seen = request.headers.get("last-event-id")
        if last_seen and last_seen.isdigit():
            start = int(last_seen)

        async def stream():
            last = start
            for kind, value in list(readers.feed.state.items()):
                yield {"event": kind, "data": json.dumps({"value": value}, default=str)}
            while True:
                if await request.is_disconnected():
                    return
                for event_id, kind, data in readers.feed.after(last):
                    last = event_id
                    yield {
                        "id": str(event_id),
                        "event": kind,
                        "data": json.dumps(data, default=str),
                    }
                await asyncio.sleep(EVENT_POLL_SECONDS)

        return EventSourceResponse(stream(), ping=15)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if live:
            readers.start()
            await asyncio.to_thread(readers.ready)
        try:
            yield
        finally:
            readers.stop()

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/api/items", table_items),
            Route("/api/index/{name}", index_items),
            Route("/api/query", query, methods=["POST"]),
            Route("/api/tour/{step}", tour_step, methods=["POST"]),
            Route("/events", events),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.explorer = explorer
    app.state.live = readers
    app.state.tour = tour
    return app


async def _in_thread(work) -> JSONResponse:
    try:
        return JSONResponse(await asyncio.to_thread(work))
    except HarnessError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    except (ClientError, BotoCoreError) as error:
        return JSONResponse({"error": f"AWS: {error}"}, status_code=502)


def _script_json(value: object) -> str:
    """JSON safe inside <script>: "</" cannot end the element early."""
    return json.dumps(value).replace("</", "<\\/")


def stack_explorer(target: Target, allow_writes: bool) -> Explorer:
    """The explorer for the stack deployed on `target` (names from Terraform's outputs);
    writes are allowed on the local target, and on aws only when `allow_writes`."""
    from harness.stack.terraform import Stack

    outputs = {
        name: value["value"] if isinstance(value, dict) and "value" in value else value
        for name, value in Stack(target).outputs().items()
    }
    if not outputs.get("table_name"):
        raise HarnessError(f"the stack is not deployed on {target.name}; run `invoke setup` first")
    return Explorer.from_outputs(target, outputs, allow_writes=target.is_local or allow_writes)
