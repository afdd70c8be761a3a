"""The runtime inside a Lambda worker process, and the frames it speaks with the emulator.

The emulator starts this file as a script with the emulator's own interpreter. It imports the
function's handler once (the init phase, as a cold start does in AWS) and then serves
invocations forever, one at a time, so module-level state stays warm between invocations.

Protocol: both directions carry frames `>II` (header length, body length), a JSON header and
raw body bytes. Requests come on stdin; answers leave on the *original* stdout, which is moved
to a private descriptor before the function runs. The function's own stdout and stderr both go
to the descriptor the emulator gave as stderr (its log file), so a `print` can never corrupt a
frame. Only the standard library is used here: this code runs beside the user's code.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import struct
import sys
import time
import traceback
from typing import Any, BinaryIO

FRAME_PREFIX = struct.Struct(">II")
INIT_ERROR_EXIT_CODE = 3

# Private variables from the emulator; removed from os.environ before user code runs.
OPT_PATHS_VARIABLE = "_EMULATOR_LAMBDA_OPT_PATHS"


def encode_frame(header: dict[str, Any], body: bytes = b"") -> bytes:
    """One frame: prefix, JSON header, body."""
    header_bytes = json.dumps(header).encode()
    return FRAME_PREFIX.pack(len(header_bytes), len(body)) + header_bytes + body


class FrameDecoder:
    """Turns a byte stream into (header, body) frames as bytes arrive."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_frame(self) -> tuple[dict[str, Any], bytes] | None:
        if len(self._buffer) < FRAME_PREFIX.size:
            return None
        header_length, body_length = FRAME_PREFIX.unpack_from(self._buffer)
        end = FRAME_PREFIX.size + header_length + body_length
        if len(self._buffer) < end:
            return None
        header_end = FRAME_PREFIX.size + header_length
        header = json.loads(bytes(self._buffer[FRAME_PREFIX.size : header_end]))
        body = bytes(self._buffer[header_end:end])
        del self._buffer[:end]
        return header, body


def _read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytes] | None:
    prefix = _read_exactly(stream, FRAME_PREFIX.size)
    if prefix is None:
        return None
    header_length, body_length = FRAME_PREFIX.unpack(prefix)
    payload = _read_exactly(stream, header_length + body_length)
    if payload is None:
        return None
    return json.loads(payload[:header_length]), payload[header_length:]


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class LambdaContext:
    """The context object AWS passes to Python handlers (same attribute names)."""

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_ms: int):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        # AWS's runtime hands this over as the environment variable's text.
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(aws_request_id={self.aws_request_id!r})"


class _RequestIdFilter(logging.Filter):
    """Adds the current request id to log records, like AWS's handler does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def error_document(error_type: str, message: str, stack: list[str] | None = None) -> dict:
    return {"errorMessage": message, "errorType": error_type, "stackTrace": stack or []}


def _exception_document(error: BaseException, skip_frames: int = 0) -> dict:
    frames = traceback.extract_tb(error.__traceback__)[skip_frames:]
    return error_document(type(error).__name__, str(error), traceback.format_list(frames))


def _log_error(document: dict) -> None:
    """The `[ERROR]` line AWS's runtime logs; \\r keeps it one CloudWatch event."""
    lines = [f"[ERROR] {document['errorType']}: {document['errorMessage']}"]
    if document["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(entry.rstrip("\n") for entry in document["stackTrace"])
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def _to_json(value: Any) -> bytes:
    def default(item: Any) -> Any:
        if isinstance(item, decimal.Decimal):
            return float(item)  # AWS's marshaller does the same
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    return json.dumps(value, default=default).encode()


def _load_handler(handler: str):
    """Resolve `module.function` or `dir/module.function` like AWS does, or raise _InitError."""
    module_path, _, function_name = handler.rpartition(".")
    if not module_path or not function_name:
        raise _InitError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
        )
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise _InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}"
        ) from error
    except ImportError as error:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    except Exception as error:
        raise _InitError(document=_exception_document(error)) from error
    function = getattr(module, function_name, None)
    if function is None:
        raise _InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return function


class _InitError(Exception):
    def __init__(self, error_type: str = "", message: str = "", document: dict | None = None):
        super().__init__(message)
        self.document = document or error_document(error_type, message)


def _prepare_process() -> tuple[BinaryIO, BinaryIO]:
    """Move the protocol off fds 0/1 and point fd 1 at the log, as Lambda's stdout is."""
    protocol_in = os.fdopen(os.dup(0), "rb", buffering=0)
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)

    task_root = os.environ["LAMBDA_TASK_ROOT"]
    opt_paths = [p for p in os.environ.pop(OPT_PATHS_VARIABLE, "").split(os.pathsep) if p]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    layer_paths = []
    for root in opt_paths:
        layer_paths += [os.path.join(root, "python", "lib", version, "site-packages")]
        layer_paths += [os.path.join(root, "python")]
    # Drop this file's folder (sys.path[0] of a script); the task root comes first, as in AWS.
    sys.path[:1] = [task_root, *layer_paths]
    os.chdir(task_root)

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)
    return protocol_in, protocol_out


def _invoke(function, header: dict, body: bytes) -> tuple[bool, bytes]:
    _RequestIdFilter.request_id = header["request_id"]
    try:
        event = json.loads(body)
    except ValueError as error:
        return False, _to_json(
            error_document("Runtime.UnmarshalError", f"Unable to unmarshal input: {error}")
        )
    context = LambdaContext(
        header["request_id"], header["invoked_function_arn"], header["deadline_ms"]
    )
    try:
        result = function(event, context)
    except Exception as error:
        document = _exception_document(error, skip_frames=1)
        document["requestId"] = header["request_id"]
        _log_error(document)
        return False, _to_json(document)
    try:
        return True, _to_json(result)
    except (TypeError, ValueError) as error:
        document = error_document("Runtime.MarshalError", f"Unable to marshal response: {error}")
        document["requestId"] = header["request_id"]
        _log_error(document)
        return False, _to_json(document)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def main() -> int:
    protocol_in, protocol_out = _prepare_process()
    try:
        function = _load_handler(os.environ["_HANDLER"])
    except _InitError as error:
        _log_error(error.document)
        protocol_out.write(encode_frame({"type": "ready", "ok": False}, _to_json(error.document)))
        return INIT_ERROR_EXIT_CODE
    protocol_out.write(encode_frame({"type": "ready", "ok": True}))
    while True:
        request = _read_frame(protocol_in)
        if request is None:  # the emulator closed our stdin: it is gone or done with us
            return 0
        ok, payload = _invoke(function, *request)
        protocol_out.write(encode_frame({"type": "result", "ok": ok}, payload))


if __name__ == "__main__":
    sys.exit(main())
