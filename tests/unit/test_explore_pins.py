"""What `harness/explore` hooks into in its libraries (pinned in pyproject.toml): each
test fails loudly when an upgrade moves it."""

from __future__ import annotations

import inspect

import sse_starlette.sse
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from starlette.templating import Jinja2Templates

from harness.explore import app


def test_template_response_takes_the_request_first():
    parameters = list(inspect.signature(Jinja2Templates.TemplateResponse).parameters)
    assert parameters[1:3] == ["request", "name"]


def test_event_source_response_takes_a_generator_and_a_ping_interval():
    parameters = inspect.signature(sse_starlette.sse.EventSourceResponse).parameters
    assert "ping" in parameters


def test_uvicorn_server_reports_started_and_can_be_told_to_exit():
    server = uvicorn.Server(uvicorn.Config(app.create_app, host="127.0.0.1", port=1))
    assert server.started is False and server.should_exit is False


def test_selenium_takes_the_system_chromium_and_chromedriver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    assert options.binary_location == "/usr/bin/chromium"
    assert "executable_path" in inspect.signature(Service).parameters
