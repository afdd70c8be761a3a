"""JSON calls to DynamoDB Local in one (account, region) namespace.

DynamoDB Local started without -sharedDb keeps one database per access key
and region, taken from the request's SigV4 credential scope; it checks no
signature. The emulator uses the account id as the access key, so each
(account, region) is its own namespace, as each region is on AWS.

DynamoDB Local names every resource `arn:aws:dynamodb:ddblocal:000000000000:...`
and every stream record's awsRegion `ddblocal`: `to_public`/`to_local` swap
that for the namespace's region and account in both directions, outside item data
(AWS returns an item as written, ARN-shaped strings included).
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
PUBLIC_ARN = re.compile(rb"arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):")
PUBLIC_ARN_TEXT = re.compile(PUBLIC_ARN.pattern.decode())
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


# An attribute value is a one-key object whose key names its type; an item's data
# lives only inside those, and no API field outside them is shaped like one.
ATTRIBUTE_VALUE_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
# Fields whose strings are the user's too: attribute names (the stream processor
# names a map entry after its stream's ARN) and PartiQL statements.
USER_TEXT_FIELDS = frozenset({"ExpressionAttributeNames", "AttributesToGet", "Statement"})


def _rewrite(document: Any, rewrite: Callable[[str], str]) -> Any:
    """`document` with `rewrite` applied to every string that is not the user's data.

    Items' data is never touched: AWS returns what was written, so a string
    that happens to hold an ARN (the processor's watermark entries do) must come
    back as written, in every region, or replication sees a changed image.
    """
    if isinstance(document, str):
        return rewrite(document)
    if isinstance(document, list):
        return [_rewrite(element, rewrite) for element in document]
    if isinstance(document, dict):
        if len(document) == 1 and next(iter(document)) in ATTRIBUTE_VALUE_TYPES:
            return document
        return {
            name: value if name in USER_TEXT_FIELDS else _rewrite(value, rewrite)
            for name, value in document.items()
        }
    return document


def _dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def to_public(body: bytes, namespace: Namespace) -> bytes:
    """DynamoDB Local's ARNs and awsRegion rewritten to the namespace's region and account
    (never inside item data)."""
    if b"ddblocal" not in body:
        return body
    local, public = LOCAL_ARN_PREFIX.decode(), namespace.arn_prefix().decode()
    try:
        document = json.loads(body)
    except ValueError:
        return body  # not JSON (an HTML error page): nothing of ours to rewrite

    def rewrite(text: str) -> str:
        return namespace.region if text == "ddblocal" else text.replace(local, public)

    # "ddblocal" alone is only ever awsRegion's value in a stream record.
    return _dumps(_rewrite(document, rewrite))


def to_local(body: bytes) -> tuple[bytes, Namespace | None]:
    """Public ARNs rewritten to DynamoDB Local's (never inside item data); returns the
    namespace the first rewritten ARN names."""
    if PUBLIC_ARN.search(body) is None:
        return body, None
    try:
        document = json.loads(body)
    except ValueError:
        return body, None
    found: list[Namespace] = []
    local = LOCAL_ARN_PREFIX.decode()

    def rewrite(text: str) -> str:
        match = PUBLIC_ARN_TEXT.search(text)
        if match is None:
            return text
        if not found:
            found.append(Namespace(match.group(2), match.group(1)))
        return PUBLIC_ARN_TEXT.sub(local, text)

    rewritten = _rewrite(document, rewrite)
    if not found:
        return body, None
    return _dumps(rewritten), found[0]


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
