"""`invoke_function`, the interface the stream poller calls, and the moto hook points it needs.

These tests build a real moto LambdaFunction in the test process and run it through the
runtime (real subprocess workers) without patching moto here, so they can check what the HTTP
API cannot show: results as objects, worker processes dying, concurrency.
"""

from __future__ import annotations

import base64
import io
import json
import os
import textwrap
import threading
import uuid
import zipfile

import pytest
from execution_roles import LAMBDA_TRUST
from moto.awslambda.models import LambdaFunction
from moto.iam.models import iam_backends

import harness.emulator.lambda_runtime as lambda_runtime
from harness.emulator.lambda_runtime import InvocationResult, invoke_function
from harness.emulator.lambda_runtime.moto_hooks import HOOK_POINTS, hook_point_problems
from harness.emulator.lambda_runtime.runtime import Runtime

HANDLER = """
import os, time

def handler(event, context):
    if event.get("fail"):
        raise KeyError("studentID")
    if event.get("exit"):
        os._exit(event["exit"])
    began = time.time()
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "echo": event.get("echo"), "ran": [began, time.time()]}
"""


def make_function(
    name: str = "poller-target", runtime: str = "python3.12", **spec
) -> LambdaFunction:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(HANDLER))
    return LambdaFunction(
        "123456789012",
        {
            "FunctionName": name,
            "Role": "arn:aws:iam::123456789012:role/test",
            "Handler": "app.handler",
            "Runtime": runtime,
            "Code": {"ZipFile": base64.b64encode(buffer.getvalue()).decode()},
            **spec,
        },
        "us-east-1",
    )


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """A runtime as `install` makes it, with its own code cache; workers killed afterwards.

    The functions' role exists in this process's moto and Lambda may assume it: the
    runtime gets each worker's credentials from it (harness.emulator.iam).
    """
    backend = iam_backends["123456789012"]["aws"]
    if "test" not in {role.name for role in backend.get_roles()}:
        backend.create_role("test", json.dumps(LAMBDA_TRUST), "/", None, "", [], None)
    runtime = Runtime("http://127.0.0.1:9", cache_root=tmp_path / "code")
    monkeypatch.setattr(lambda_runtime, "_runtime", runtime)
    yield runtime
    runtime.close()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_success_returns_the_payload_and_a_request_id(runtime):
    result = invoke_function(make_function(), b'{"echo": "s1"}')

    assert isinstance(result, InvocationResult)
    assert result.function_error is None
    assert json.loads(result.payload)["echo"] == "s1"
    assert uuid.UUID(result.request_id)
    assert result.duration_ms > 0


def test_handler_error_is_unhandled_with_the_error_document(runtime):
    result = invoke_function(make_function(), b'{"fail": true}')

    assert result.function_error == "Unhandled"
    document = json.loads(result.payload)
    assert document["errorType"] == "KeyError"
    assert document["errorMessage"] == "'studentID'"
    assert document["stackTrace"]


def test_timeout_kills_the_worker(runtime):
    function = make_function(Timeout=1)
    pid = json.loads(invoke_function(function, b"{}").payload)["pid"]

    result = invoke_function(function, b'{"sleep": 30}')

    assert result.function_error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in json.loads(result.payload)["errorMessage"]
    assert 1000 <= result.duration_ms < 3000
    assert not pid_alive(pid)


def test_a_crashed_worker_is_reported_and_replaced(runtime):
    function = make_function()

    crashed = invoke_function(function, b'{"exit": 7}')
    after = invoke_function(function, b"{}")

    assert crashed.function_error == "Unhandled"
    document = json.loads(crashed.payload)
    assert document["errorType"] == "Runtime.ExitError"
    assert document["errorMessage"].endswith("Runtime exited with error: exit status 7")
    assert after.function_error is None


def test_concurrent_invocations_get_their_own_workers(runtime):
    function = make_function()
    invoke_function(function, b"{}")  # one warm worker exists
    results: list[InvocationResult] = []

    def call() -> None:
        results.append(invoke_function(function, b'{"sleep": 1}'))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.function_error for r in results] == [None, None]
    assert len({json.loads(r.payload)["pid"] for r in results}) == 2
    # Overlapping run times, not a wall-clock bound: on a loaded machine a worker
    # may start late, but one after the other would not overlap at all.
    (first_began, first_ended), (second_began, second_ended) = sorted(
        json.loads(r.payload)["ran"] for r in results
    )
    assert second_began < first_ended, "the two invocations ran one after the other"


def test_shutdown_kills_every_worker(runtime):
    pid = json.loads(invoke_function(make_function(), b"{}").payload)["pid"]

    runtime.shutdown()

    assert not pid_alive(pid)


def test_non_python_runtimes_are_refused_clearly(runtime):
    result = invoke_function(make_function(runtime="nodejs20.x"), b"{}")

    assert result.function_error == "Unhandled"
    assert "only python3.x runtimes" in json.loads(result.payload)["errorMessage"]


def test_invoke_function_needs_the_installed_runtime(monkeypatch):
    monkeypatch.setattr(lambda_runtime, "_runtime", None)

    with pytest.raises(RuntimeError, match="not installed"):
        invoke_function(make_function(), b"{}")


def test_moto_still_has_the_methods_the_runtime_replaces():
    assert hook_point_problems() == [], (
        "moto moved what harness/emulator/lambda_runtime/moto_hooks.py replaces"
    )


def test_a_moved_hook_point_is_reported_clearly(monkeypatch):
    def changed(self, event, context):  # a signature moto might adopt one day
        return "", False, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", changed)

    problems = hook_point_problems()

    assert len(problems) == 1
    assert "LambdaFunction._invoke_lambda now takes ('event', 'context')" in problems[0]
    assert set(HOOK_POINTS) == {"invoke", "_invoke_lambda"}
