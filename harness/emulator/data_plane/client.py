"""JSON calls to DynamoDB Local in one (account, region) namespace.

DynamoDB Local started without -sharedDb keeps one database per access key
and region, taken from the request's SigV4 credential scope; it checks no
signature. The emulator uses the account id as the access key, so each
(account, region) is its own namespace, as each region is on AWS.

DynamoDB Local names every resource `arn:aws:dynamodb:ddblocal:000000000000:...`
and every stream record's awsRegion `ddblocal`: `to_public`/`to_local` swap
that for the namespace's region and account in both directions.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOCAL_ARN_PREFIX = b"arn:aws:dynamodb:ddblocal:000000000000:"
LOCAL_REGION = re.compile(rb'"awsRegion"\s*:\s*"ddblocal"')
PUBLIC_ARN = re.compile(rb"arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):")
DYNAMODB_TARGET = "DynamoDB_20120810"
STREAMS_TARGET = "DynamoDBStreams_20120810"


@dataclass(frozen=True)
class Namespace:
    """One account's tables in one region."""

    account: str
    region: str

    def arn_prefix(self) -> bytes:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:".encode()

    def table_arn(self, table_name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{table_name}"


def namespace_of_arn(arn: str) -> Namespace | None:
    match = PUBLIC_ARN.match(arn.encode())
    return Namespace(match.group(2).decode(), match.group(1).decode()) if match else None


# The members of an AttributeValue: item data, which the ARN rewriting must never touch
# (an item may hold an ARN as data: the stream processor's watermarks are keyed by one).
ATTRIBUTE_VALUE_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
# Members that hold attribute names, which are data too (a watermark's name is an ARN).
ATTRIBUTE_NAME_MEMBERS = frozenset({"ExpressionAttributeNames", "AttributesToGet"})
LOCAL_ARN_TEXT = LOCAL_ARN_PREFIX.decode()
PUBLIC_ARN_TEXT = re.compile(PUBLIC_ARN.pattern.decode())


def _is_attribute_value(value: dict) -> bool:
    return len(value) == 1 and next(iter(value)) in ATTRIBUTE_VALUE_TYPES


def _rewrite(document: Any, text: Callable[[str], str], region: str | None) -> Any:
    """`document` with `text` applied to every string and key outside item data, and
    awsRegion set to `region` (when given)."""
    if isinstance(document, dict):
        if _is_attribute_value(document):
            return document
        return {
            text(key): v
            if key in ATTRIBUTE_NAME_MEMBERS
            else region
            if key == "awsRegion" and region
            else _rewrite(v, text, region)
            for key, v in document.items()
        }
    if isinstance(document, list):
        return [_rewrite(item, text, region) for item in document]
    if isinstance(document, str):
        return text(document)
    return document


def _rewrite_body(body: bytes, text: Callable[[str], str], region: str | None) -> bytes | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return json.dumps(_rewrite(document, text, region)).encode()


def to_public(body: bytes, namespace: Namespace) -> bytes:
    """DynamoDB Local's ARNs and awsRegion rewritten to the namespace's region and account.

    Item data (attribute values) is left as it was written.
    """
    if b"ddblocal" not in body:
        return body
    prefix = namespace.arn_prefix().decode()
    rewritten = _rewrite_body(
        body, lambda value: value.replace(LOCAL_ARN_TEXT, prefix), namespace.region
    )
    if rewritten is not None:
        return rewritten
    body = body.replace(LOCAL_ARN_PREFIX, namespace.arn_prefix())
    return LOCAL_REGION.sub(f'"awsRegion":"{namespace.region}"'.encode(), body)


def to_local(body: bytes) -> tuple[bytes, Namespace | None]:
    """Public ARNs rewritten to DynamoDB Local's; returns the namespace the first ARN names.

    Item data (attribute values) is left as it was written.
    """
    match = PUBLIC_ARN.search(body)
    if match is None:
        return body, None
    namespace = Namespace(match.group(2).decode(), match.group(1).decode())
    rewritten = _rewrite_body(body, lambda value: PUBLIC_ARN_TEXT.sub(LOCAL_ARN_TEXT, value), None)
    return (rewritten if rewritten is not None else PUBLIC_ARN.sub(LOCAL_ARN_PREFIX, body)), (
        namespace
    )


class DynamoDBLocalError(Exception):
    """An error answer from DynamoDB Local: its HTTP status, __type and message."""

    def __init__(self, status: int, document: dict[str, Any]):
        self.status = status
        self.code = str(document.get("__type", "")).rsplit("#", 1)[-1]
        self.message = document.get("message") or document.get("Message") or ""
        super().__init__(f"{self.code}: {self.message}")


class Client:
    """A thread-safe caller of DynamoDB Local (one keep-alive connection per thread)."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self._local = threading.local()
        # Called as observer(namespace, operation, request, answer) after each successful
        # call: point-in-time recovery records the emulator's own writes (pitr.observe_call).
        self.observers: list[Callable[[Namespace, str, dict[str, Any], dict[str, Any]], None]] = []
        # Every namespace ever called, the emulator's own calls included (a replica's
        # region may hold tables no user request has named): what a reset must empty.
        self.namespaces_used: set[Namespace] = set()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self._local.connection = connection
        return connection

    def forward(
        self, namespace: Namespace, target: str, body: bytes, service: str = "dynamodb"
    ) -> tuple[int, bytes]:
        """POST `body` as operation `target` (e.g. DynamoDB_20120810.PutItem); raw answer."""
        self.namespaces_used.add(namespace)
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": target,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={namespace.account}/20000101/{namespace.region}/"
                f"{service}/aws4_request, SignedHeaders=host, Signature=0"
            ),
        }
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                # A kept-alive connection the server closed: reconnect once.
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, namespace: Namespace, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """One DynamoDB or Streams operation ("PutItem", "Streams.GetRecords"); public ARNs.

        Raises DynamoDBLocalError for an error answer.
        """
        if operation.startswith("Streams."):
            target, service = f"{STREAMS_TARGET}.{operation[8:]}", "dynamodb"
        else:
            target, service = f"{DYNAMODB_TARGET}.{operation}", "dynamodb"
        body, _ = to_local(json.dumps(request).encode())
        status, answer = self.forward(namespace, target, body, service)
        document = json.loads(to_public(answer, namespace) or b"{}")
        if status >= 300:
            raise DynamoDBLocalError(status, document)
        for observer in self.observers:
            observer(namespace, operation, request, document)
        return document
