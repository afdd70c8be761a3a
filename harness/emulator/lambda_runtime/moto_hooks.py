"""Where the runtime plugs into moto 5.2.5: LambdaFunction.invoke and LambdaFunction._invoke_lambda.

moto's `_invoke_lambda` runs the function in Docker; every path (Invoke API, moto's own event
sources, our stream poller through `invoke_function`) reaches it, so it is replaced. moto's
`invoke` is replaced as well because it gets the API's semantics wrong around the call: it
labels uncaught errors "Handled" (AWS says "Unhandled"), runs InvocationType=Event inline, and
runs DryRun. Both signatures are checked at install time so a moto upgrade fails loudly.
"""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaFunction

from harness.emulator.lambda_runtime.runtime import Runtime

# name -> parameter names (after self) that our replacement relies on
HOOK_POINTS: dict[str, tuple[str, ...]] = {
    "invoke": ("body", "request_headers", "response_headers"),
    "_invoke_lambda": ("event",),
}


def hook_point_problems() -> list[str]:
    """What no longer matches moto 5.2.5's hook points (empty when all is well)."""
    problems = []
    for name, expected in HOOK_POINTS.items():
        target = getattr(LambdaFunction, name, None)
        if not callable(target):
            problems.append(f"moto.awslambda.models.LambdaFunction.{name} is gone")
            continue
        target = getattr(target, "__wrapped_by_emulator__", target)
        parameters = tuple(inspect.signature(target).parameters)[1:]
        if parameters != expected:
            problems.append(
                f"LambdaFunction.{name} now takes {parameters}, the Lambda runtime expects "
                f"{expected}; re-read moto/awslambda/models.py and adapt moto_hooks.py"
            )
    return problems


def install_hooks(runtime_of: Callable[[], Runtime]) -> None:
    """Replace moto's execution with ours; `runtime_of` returns the live Runtime."""
    problems = hook_point_problems()
    if problems:
        raise RuntimeError("cannot install the Lambda runtime: " + "; ".join(problems))
    original_invoke = _original(LambdaFunction.invoke)
    original_invoke_lambda = _original(LambdaFunction._invoke_lambda)

    def invoke(self, body: Any, request_headers: Any, response_headers: Any) -> bytes:
        invocation_type = _header(request_headers, "x-amz-invocation-type") or "RequestResponse"
        payload = _as_bytes(body) or b"{}"
        if invocation_type == "DryRun":
            return b""
        runtime = runtime_of()
        if invocation_type == "Event":
            runtime.invoke_later(self, payload)
            return b""
        result, log = runtime.invoke(self, payload)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        response_headers["x-amz-executed-version"] = str(self.version)
        response_headers["x-amz-log-result"] = base64.b64encode(log.tail().encode()).decode()
        return result.payload

    def _invoke_lambda(self, event: Any = None) -> tuple[str, bool, str]:
        payload = json.dumps({} if event is None else event).encode()
        result, log = runtime_of().invoke(self, payload)
        return result.payload.decode(), result.function_error is not None, log.text()

    invoke.__wrapped_by_emulator__ = original_invoke
    _invoke_lambda.__wrapped_by_emulator__ = original_invoke_lambda
    LambdaFunction.invoke = invoke
    LambdaFunction._invoke_lambda = _invoke_lambda


def _original(function: Callable) -> Callable:
    return getattr(function, "__wrapped_by_emulator__", function)


def _header(headers: Any, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()
