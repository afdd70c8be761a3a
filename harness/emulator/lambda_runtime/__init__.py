"""Docker-free Lambda runtime: Invoke runs the function's uploaded zip in a local subprocess.

moto runs functions in Docker, which these machines lack. This extension replaces moto's
execution step so that the Invoke API (RequestResponse, Event) and the stream-mapping poller
run the very bytes Terraform uploaded, in a warm Python worker per function version, with the
function's environment, Timeout and a context object, and with its log in CloudWatch Logs.
Nothing here falls back to Docker.

It also fixes where moto's Lambda API accepts less than AWS's (function identifiers, error
bodies): see `lambda_api`.

Public interface for other extensions: `invoke_function(function, payload) -> InvocationResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.emulator.lambda_runtime.runtime import InvocationResult, Runtime

if TYPE_CHECKING:
    from moto.awslambda.models import LambdaFunction

__all__ = ["InvocationResult", "install", "invoke_function"]

_runtime: Runtime | None = None


def invoke_function(function: LambdaFunction, payload: bytes) -> InvocationResult:
    """Run `function` on the JSON `payload` and wait for it (thread-safe, synchronous).

    Errors and timeouts do not raise: they come back with function_error "Unhandled" and
    AWS's error document as payload, exactly as the Invoke API reports them.
    """
    result, _ = _current().invoke(function, payload)
    return result


def _current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the Lambda runtime is not installed in this emulator")
    return _runtime


def install(emulator) -> None:
    """Patch moto to run functions here; kill workers on reset and on emulator stop."""
    from harness.emulator.lambda_runtime import lambda_api
    from harness.emulator.lambda_runtime.moto_hooks import install_hooks

    global _runtime
    if _runtime is not None:
        _runtime.close()
    _runtime = Runtime(emulator.endpoint_url)
    install_hooks(_current)
    lambda_api.install()
    # Before the reset: invocations in flight end now, and those queued never start.
    emulator.before_reset(_runtime.shutdown)
    emulator.on_reset(_runtime.shutdown)
    emulator.add_worker(lambda: None, _runtime.close, drained_by_reset=False)
