"""Serving the explorer on loopback only, in the foreground (the task) or a thread (tests,
screenshots)."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import webbrowser

import uvicorn

from harness import HarnessError

HOST = "127.0.0.1"  # never another interface: the page can write to the table
DEFAULT_PORT = 8765


def url(port: int) -> str:
    return f"http://{HOST}:{port}/"


def check_port(port: int | str) -> int:
    """`port` (a number or its text) if it is free on 127.0.0.1; else a one-line error."""
    try:
        port = int(port)
    except ValueError:
        raise HarnessError(f"--page-port must be a port number, got {port!r}") from None
    if not 0 < port < 65536:
        raise HarnessError(f"--page-port must be 1-65535, got {port}")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            raise HarnessError(
                f"port {port} on {HOST} is taken; choose another with --page-port"
            ) from None
    return port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def has_browser() -> bool:
    """True when a graphical browser can open: on Linux a display must be set (else
    webbrowser would pick a text browser and take over the terminal)."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def serve(app, port: int, *, open_browser: bool = True, echo=print) -> None:
    """Serve until Ctrl-C; prints the address and opens a browser when there is one."""
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning")
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            echo(f"explore: serving {url(port)} (Ctrl-C stops it)")
            if open_browser and has_browser():
                webbrowser.open(url(port))

    threading.Thread(target=announce, daemon=True).start()
    server.run()


class ServerThread:
    """The app served from a background thread: `with ServerThread(app) as address: ...`."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host=HOST, port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, name="explore", daemon=True)

    @property
    def url(self) -> str:
        return url(self.port)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise HarnessError(f"the explorer did not start on {self.url}")
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
