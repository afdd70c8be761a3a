"""UpdateTimeToLive and DescribeTimeToLive answered with AWS's rules, in front of any backend.

A WSGI layer around the emulator's app: it checks an UpdateTimeToLive request
the way DynamoDB does, learns the table's current TTL state by asking the
backend itself (a DescribeTimeToLive through the wrapped app), and only then
lets the backend apply it. It reads and writes nothing but HTTP, so it keeps
working whichever backend serves the DynamoDB data plane (moto now, DynamoDB
Local later).

AWS's answers, as recorded against DynamoDB by dynalite's test suite, which
runs against the live service (test/updateTimeToLive.js, test/helpers.js):
- AttributeName "": ValidationException "TimeToLiveSpecification.AttributeName
  must be non empty".
- Enabled or AttributeName missing: ValidationException "... Value null at
  'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must
  not be null" (one entry per missing member).
- Enabled not a boolean ("dog"): SerializationException "'dog' can not be
  converted to an Boolean" (AWS's spelling); a list or an object: "Start of
  list found where not expected" / "Start of structure or map found where not
  expected.".
- A missing table: ResourceNotFoundException "Requested resource not found:
  Table: NAME not found".
- Enabling while enabled: "TimeToLive is already enabled"; disabling while
  disabled (or never enabled): "TimeToLive is already disabled".
- Disabling answers {"TimeToLiveSpecification": {"Enabled": false}}, and
  DescribeTimeToLive then answers {"TimeToLiveStatus": "DISABLED"}: no name.
The API reference limits AttributeName to 1-255 characters
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TimeToLiveSpecification.html);
a longer name gets AWS's generic constraint message ("1 validation error
detected: Value '...' at 'timeToLiveSpecification.attributeName' failed to
satisfy constraint: Member must have length less than or equal to 255"), the
format AWS uses for every member constraint; this field's exact answer is not
in a recording we found.
Not emulated: AWS refuses a second UpdateTimeToLive within an hour of the
first (the change "can take up to one hour"); here it takes effect at once.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable, Iterable

TARGET_PREFIX = "DynamoDB_20120810."
UPDATE = TARGET_PREFIX + "UpdateTimeToLive"
DESCRIBE = TARGET_PREFIX + "DescribeTimeToLive"
MAX_ATTRIBUTE_NAME_LENGTH = 255

VALIDATION = "com.amazon.coral.validate#ValidationException"
SERIALIZATION = "com.amazon.coral.service#SerializationException"
NOT_FOUND = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"

Response = tuple[str, list[tuple[str, str]], bytes]


class AwsError(Exception):
    """An error answer: the `__type` AWS sends and its message."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message

    def response(self) -> Response:
        key = "Message" if self.error_type == SERIALIZATION else "message"
        body = json.dumps({"__type": self.error_type, key: self.message}).encode()
        return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], body


def _boolean_error(value) -> str | None:
    """AWS's SerializationException text for a non-boolean Enabled, None when it is one."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return None  # AWS reads a double as a boolean ("doubles are fine" in the recording)
    if isinstance(value, str):
        return f"'{value}' can not be converted to an Boolean"
    if isinstance(value, list):
        return "Start of list found where not expected"
    if isinstance(value, dict):
        return "Start of structure or map found where not expected."
    java_class = (
        "Short" if -(2**15) <= value < 2**15 else "Integer" if -(2**31) <= value < 2**31 else "Long"
    )
    return f"class java.lang.{java_class} can not be converted to an Boolean"


def check_specification(specification) -> tuple[str, bool]:
    """(AttributeName, Enabled) of a valid TimeToLiveSpecification; AwsError otherwise."""
    if not isinstance(specification, dict):
        specification = {}
    enabled, name = specification.get("Enabled"), specification.get("AttributeName")
    problem = _boolean_error(enabled)
    if problem:
        raise AwsError(SERIALIZATION, problem)
    missing = [
        f"Value null at 'timeToLiveSpecification.{member}' failed to satisfy constraint: "
        "Member must not be null"
        for member, value in (("enabled", enabled), ("attributeName", name))
        if value is None
    ]
    if missing:
        count = f"{len(missing)} validation error{'s' if len(missing) > 1 else ''} detected: "
        raise AwsError(VALIDATION, count + "; ".join(missing))
    if name == "":
        raise AwsError(VALIDATION, "TimeToLiveSpecification.AttributeName must be non empty")
    if len(name) > MAX_ATTRIBUTE_NAME_LENGTH:
        raise AwsError(
            VALIDATION,
            f"1 validation error detected: Value '{name}' at "
            "'timeToLiveSpecification.attributeName' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_ATTRIBUTE_NAME_LENGTH}",
        )
    return name, bool(enabled)


def check_transition(current_status: str, enabled: bool) -> None:
    """AWS refuses to enable TTL that is on, or to disable TTL that is off."""
    if enabled and current_status in ("ENABLED", "ENABLING"):
        raise AwsError(VALIDATION, "TimeToLive is already enabled")
    if not enabled and current_status in ("DISABLED", "DISABLING"):
        raise AwsError(VALIDATION, "TimeToLive is already disabled")


class TimeToLiveRules:
    """WSGI middleware: AWS's TTL rules in front of `app` (the backend)."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target not in (UPDATE, DESCRIBE):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
            handle = self._update if target == UPDATE else self._describe
            status, headers, payload = handle(environ, body, raw)
        except AwsError as error:
            status, headers, payload = error.response()
        # DynamoDB signs each body with its CRC32; botocore retries on a mismatch.
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "x-amz-crc32")]
        headers += [
            ("Content-Length", str(len(payload))),
            ("X-Amz-Crc32", str(zlib.crc32(payload))),
        ]
        start_response(status, headers)
        return [payload]

    def _call(self, environ: dict, target: str, raw: bytes) -> Response:
        """Send one request to the backend and collect its whole answer."""
        # werkzeug caches the parsed request in the environ; the copy must not reuse it.
        inner = {k: v for k, v in environ.items() if not k.startswith("werkzeug.")}
        inner["HTTP_X_AMZ_TARGET"] = target
        inner["CONTENT_LENGTH"] = str(len(raw))
        inner["wsgi.input"] = io.BytesIO(raw)
        captured: dict = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, list(headers)

        chunks: Iterable[bytes] = self.app(inner, start)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return captured["status"], captured["headers"], payload

    def _current(self, environ: dict, table_name) -> dict:
        """The backend's TimeToLiveDescription; AWS's ResourceNotFoundException if no table."""
        raw = json.dumps({"TableName": table_name}).encode()
        status, _, payload = self._call(environ, DESCRIBE, raw)
        if not status.startswith("200"):
            answer = json.loads(payload or b"{}")
            if "ResourceNotFound" in str(answer.get("__type", "")):
                message = f"Requested resource not found: Table: {table_name} not found"
                raise AwsError(NOT_FOUND, message)
            raise AwsError(str(answer.get("__type")), str(answer.get("message", "")))
        return json.loads(payload).get("TimeToLiveDescription") or {}

    def _update(self, environ: dict, body: dict, raw: bytes) -> Response:
        _, enabled = check_specification(body.get("TimeToLiveSpecification"))
        current = self._current(environ, body.get("TableName"))
        check_transition(current.get("TimeToLiveStatus", "DISABLED"), enabled)
        status, headers, payload = self._call(environ, UPDATE, raw)
        if status.startswith("200") and not enabled:
            payload = json.dumps({"TimeToLiveSpecification": {"Enabled": False}}).encode()
        return status, headers, payload

    def _describe(self, environ: dict, body: dict, raw: bytes) -> Response:
        description = self._current(environ, body.get("TableName"))
        if description.get("TimeToLiveStatus", "DISABLED") in ("DISABLED", "DISABLING"):
            description = {"TimeToLiveStatus": description.get("TimeToLiveStatus", "DISABLED")}
        payload = json.dumps({"TimeToLiveDescription": description}).encode()
        return "200 OK", [("Content-Type", "application/x-amz-json-1.0")], payload
