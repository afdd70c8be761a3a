"""Docker-free Lambda runtime: Invoke runs the function's uploaded zip in a local subprocess.

moto runs functions in Docker, which these machines lack. This extension replaces moto's
execution step so that the Invoke API (RequestResponse, Event) and the stream-mapping poller
run the very bytes Terraform uploaded, in a warm Python worker per function version.

Public interface for other extensions: `invoke_function(function, payload) -> InvocationResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moto.awslambda.models import LambdaFunction


@dataclass
class InvocationResult:
    """What one synchronous invocation returned, shaped like the Invoke API's answer."""

    payload: bytes  # JSON bytes returned by the handler, or the error document
    function_error: str | None  # None on success, "Unhandled" on error/timeout
    request_id: str
    duration_ms: float


def invoke_function(function: LambdaFunction, payload: bytes) -> InvocationResult:
    """Run `function` on the JSON `payload` and wait for it (thread-safe, synchronous)."""
    raise NotImplementedError("the Lambda runtime is being written; interface is final")


def install(emulator) -> None:
    pass
