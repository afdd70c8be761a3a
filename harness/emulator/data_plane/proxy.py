"""The emulator's one endpoint, sending DynamoDB and DynamoDB Streams requests to DynamoDB Local.

A WSGI middleware in front of moto: a request whose X-Amz-Target names the
DynamoDB (DynamoDB_20120810.*) or Streams (DynamoDBStreams_20120810.*) API is
forwarded to DynamoDB Local in the namespace of its region and account (the
region from the SigV4 credential scope, or from the ARN a request names; the
account as moto derives it from the access key). Everything else goes to moto.

On the way the proxy:
- rewrites DynamoDB Local's ARNs and awsRegion to the request's region and account;
- answers what DynamoDB Local lacks from `tables.TableRegistry` (tags, TTL settings,
  TableId, TableClassSummary, OnDemandThroughput) and, through `handlers` added by
  the data plane, continuous backups and restores (pitr.py);
- annotates stream records from the mirror (second-precision
  ApproximateCreationDateTime, the TTL service's userIdentity);
- recomputes x-amz-crc32, which the SDKs check for DynamoDB.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from harness.emulator.data_plane import capacity
from harness.emulator.data_plane.client import (
    DYNAMODB_TARGET,
    STREAMS_TARGET,
    Client,
    DynamoDBLocalError,
    Namespace,
    namespace_of_arn,
    to_local,
    to_public,
)
from harness.emulator.data_plane.global_tables import GlobalTables, ReplicaError
from harness.emulator.data_plane.mirror import StreamMirror
from harness.emulator.data_plane.tables import TableRegistry, kms_key_arn
from harness.emulator.data_plane.throttling import BATCH_OPERATIONS, Throttle

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
WRITE_OPERATIONS = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
# Operations whose answers carry a TableDescription under this key.
TABLE_DESCRIPTIONS = {
    "CreateTable": "TableDescription",
    "DescribeTable": "Table",
    "UpdateTable": "TableDescription",
    "DeleteTable": "TableDescription",
}
READY_WAIT_SECONDS = 30.0


class ApiError(Exception):
    """An AWS JSON-protocol error answer the proxy gives itself."""

    def __init__(self, code: str, message: str, status: int = 400):
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)


def _account_of(access_key: str) -> str:
    import os

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def request_namespace(authorization: str, default_region: str = "us-east-1") -> Namespace:
    """The (account, region) a signed request speaks for."""
    match = CREDENTIAL.search(authorization or "")
    if match is None:
        return Namespace(_account_of(""), default_region)
    return Namespace(_account_of(match.group(1)), match.group(2))


class DataPlaneProxy:
    """WSGI middleware: DynamoDB and Streams to DynamoDB Local, the rest to `app`."""

    def __init__(
        self,
        app: Callable,
        client: Client,
        tables: TableRegistry,
        mirror: StreamMirror,
        ready: threading.Event,
    ):
        self.app = app
        self.client = client
        self.tables = tables
        self.mirror = mirror
        self.ready = ready
        self.global_tables: GlobalTables | None = None
        # Told of every DynamoDB call: observer.observe(namespace, operation, request,
        # HTTP status, decoded answer of a data call or None, seconds DynamoDB Local took).
        # The CloudWatch extension sets it (cloudwatch.sources.DynamoDBMetrics).
        self.observer: Any = None
        self.throttle = Throttle()
        # Point-in-time recovery (pitr.py) records what each write changed: around_write.
        self.point_in_time: Any = None
        self._seen: set[Namespace] = set()
        self._seen_lock = threading.Lock()
        self.handlers: dict[str, Callable[[Namespace, dict[str, Any]], dict[str, Any]]] = {
            "TagResource": self._tag_resource,
            "UntagResource": self._untag_resource,
            "ListTagsOfResource": self._list_tags,
            "UpdateTimeToLive": self._update_ttl,
            "DescribeTimeToLive": self._describe_ttl,
        }

    # -- WSGI

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        prefix, _, operation = target.partition(".")
        if prefix not in (DYNAMODB_TARGET, STREAMS_TARGET):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        namespace = request_namespace(environ.get("HTTP_AUTHORIZATION", ""))
        status, answer = self.handle(namespace, prefix, operation, body)
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Content-Length", str(len(answer))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("x-amz-crc32", str(zlib.crc32(answer))),
        ]
        start_response(f"{status} {'OK' if status < 300 else 'Error'}", headers)
        return [answer]

    def namespaces(self) -> set[Namespace]:
        with self._seen_lock:
            return set(self._seen)

    def _see(self, namespace: Namespace) -> None:
        if namespace not in self._seen:
            with self._seen_lock:
                self._seen.add(namespace)

    def handle(
        self, namespace: Namespace, prefix: str, operation: str, body: bytes
    ) -> tuple[int, bytes]:
        """Answer one API call: (HTTP status, JSON body)."""
        if not self.ready.wait(READY_WAIT_SECONDS):
            return _error(ApiError("ServiceUnavailable", "DynamoDB Local is starting", 503))
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return _error(
                ApiError(
                    "SerializationException", "Start of structure or map found where not expected"
                )
            )
        named = _named_namespace(request)
        if named is not None:
            namespace = named
        self._see(namespace)
        try:
            if prefix == DYNAMODB_TARGET and operation in self.handlers:
                return 200, json.dumps(self.handlers[operation](namespace, request)).encode()
            return self._forward(namespace, prefix, operation, request, body)
        except ApiError as error:
            return _error(error)
        except ReplicaError as error:
            return _error(ApiError(error.code, error.message))

    # -- forwarding

    def _forward(
        self,
        namespace: Namespace,
        prefix: str,
        operation: str,
        request: dict[str, Any],
        body: bytes,
    ) -> tuple[int, bytes]:
        if prefix == DYNAMODB_TARGET and operation in ("CreateTable", "UpdateTable"):
            _check_enums(request)
        held: dict[str, Any] = {}
        if prefix == DYNAMODB_TARGET and operation == "UpdateTable" and self.global_tables:
            if request.get("ReplicaUpdates"):
                self.global_tables.apply(namespace, request)
                description = self._describe(namespace, request["TableName"])
                return 200, json.dumps({"TableDescription": description}).encode()
            self.global_tables.check_update(namespace, request)
        if prefix == DYNAMODB_TARGET and operation in ("CreateTable", "UpdateTable"):
            held = {
                k: request.pop(k)
                for k in ("Tags", "TableClass", "OnDemandThroughput", "SSESpecification")
                if k in request
            }
            index_limits = _pop_index_on_demand(request)
            if index_limits:
                held["IndexOnDemandThroughput"] = index_limits
            if operation == "UpdateTable" and held and _nothing_else_to_update(request):
                extras = self.tables.get(namespace, request.get("TableName", ""))
                self._describe(namespace, request["TableName"])  # the table must exist
                _keep(extras, held, namespace)
                description = self._describe(namespace, request["TableName"])
                return 200, json.dumps({"TableDescription": description}).encode()
            body = json.dumps(request).encode()
        measured = prefix == DYNAMODB_TARGET and operation in capacity.CAPACITY_OPERATIONS
        unprocessed: dict[str, Any] = {}
        if measured:
            throttled = self.throttle.check(namespace, operation, request)
            if throttled is None and operation in BATCH_OPERATIONS:
                split = self.throttle.split_batch(namespace, operation, request)
                for held_back, items in split.throttles:
                    if self.observer is not None:
                        self.observer.throttled(namespace, operation, held_back, events=items)
                if split.throttles and not split.admitted:
                    return _throttled(split.throttles[0][0])
                if split.throttles:
                    request, unprocessed = split.request, split.unprocessed
            elif throttled is not None:
                if self.observer is not None:
                    self.observer.throttled(namespace, operation, throttled)
                return _throttled(throttled)
            asked = capacity.prepare(operation, request)
            body = json.dumps(request).encode()
        started = time.perf_counter()
        local_body, _ = to_local(body)

        def send() -> tuple[int, bytes]:
            return self.client.forward(namespace, f"{prefix}.{operation}", local_body)

        if prefix == DYNAMODB_TARGET and operation in WRITE_OPERATIONS and self.point_in_time:
            status, answer = self.point_in_time.around_write(namespace, operation, request, send)
        else:
            status, answer = send()
        answer = to_public(answer, namespace)
        if measured:
            answer = self._measured(
                namespace, operation, request, status, answer, asked, started, unprocessed
            )
        elif self.observer is not None and prefix == DYNAMODB_TARGET:
            self.observer.observe(namespace, operation, request, status, None, 0.0)
        if status >= 300:
            return status, _aws_wording(operation, request, answer)
        if prefix == STREAMS_TARGET:
            if operation == "GetRecords":
                return status, self._annotated(namespace, request, answer)
            return status, answer
        if operation in WRITE_OPERATIONS:
            self.mirror.wake()
            return status, answer
        if operation in TABLE_DESCRIPTIONS:
            return status, self._table_answer(namespace, operation, request, answer, held)
        return status, answer

    def _measured(
        self,
        namespace: Namespace,
        operation: str,
        request: dict[str, Any],
        status: int,
        answer: bytes,
        asked: str,
        started: float,
        unprocessed: dict[str, Any] | None = None,
    ) -> bytes:
        """The answer with only the ConsumedCapacity the caller asked for, and a batch's
        held-back items added to its UnprocessedItems / UnprocessedKeys; tells the observer."""
        latency = time.perf_counter() - started
        try:
            document = json.loads(answer)
        except ValueError:
            return answer
        if self.observer is not None:
            self.observer.observe(namespace, operation, request, status, document, latency)
        if status >= 300:
            return answer
        self.throttle.charge(namespace, operation, request, capacity.consumed(operation, document))
        capacity.shape(document, asked)
        if unprocessed:
            member = "UnprocessedKeys" if operation == "BatchGetItem" else "UnprocessedItems"
            merged = document.setdefault(member, {})
            for table, part in unprocessed.items():
                if operation == "BatchGetItem":
                    merged.setdefault(table, {**part, "Keys": []})["Keys"].extend(part["Keys"])
                else:
                    merged.setdefault(table, []).extend(part)
        return json.dumps(document).encode()

    def _table_answer(
        self,
        namespace: Namespace,
        operation: str,
        request: dict[str, Any],
        answer: bytes,
        held: dict[str, Any],
    ) -> bytes:
        document = json.loads(answer)
        description = document[TABLE_DESCRIPTIONS[operation]]
        name = description["TableName"]
        if operation == "CreateTable":
            extras = self.tables.created(namespace, name)
            extras.table_class = held.get("TableClass")
        else:
            extras = self.tables.get(namespace, name)
        _keep(extras, held, namespace)
        extras.decorate(description)
        if operation == "DeleteTable":
            self.throttle.forget(namespace, name)
        else:
            self.throttle.configure(namespace, description, extras.on_demand_throughput)
        if self.global_tables is not None:
            if operation == "UpdateTable":
                self.global_tables.propagate_update(namespace, request)
            if operation == "DeleteTable":
                self.global_tables.table_deleted(namespace, name)
            else:
                self.global_tables.describe(namespace, description)
        if operation == "DeleteTable":
            self.tables.deleted(namespace, name)
            if self.point_in_time is not None:
                self.point_in_time.table_deleted(namespace, name)
        return json.dumps(document).encode()

    def _annotated(self, namespace: Namespace, request: dict[str, Any], answer: bytes) -> bytes:
        document = json.loads(answer)
        records = document.get("Records") or []
        if records:
            iterator = request.get("ShardIterator", "")
            stream_arn = iterator.split("|", 1)[0]
            self.mirror.annotate(namespace, stream_arn, records)
        return json.dumps(document).encode()

    def _describe(self, namespace: Namespace, name: str) -> dict[str, Any]:
        """DescribeTable's Table, decorated; ResourceNotFoundException as AWS words it."""
        try:
            table = self.client.call(namespace, "DescribeTable", {"TableName": name})["Table"]
        except DynamoDBLocalError as error:
            raise ApiError(error.code, error.message, error.status) from None
        extras = self.tables.get(namespace, table["TableName"])
        extras.decorate(table)
        self.throttle.configure(namespace, table, extras.on_demand_throughput)
        if self.global_tables is not None:
            self.global_tables.describe(namespace, table)
        return table

    # -- what DynamoDB Local lacks

    def _table_of_arn(self, arn: str | None) -> tuple[Namespace, str]:
        namespace = namespace_of_arn(arn or "")
        if namespace is None or ":table/" not in (arn or ""):
            raise ApiError("ValidationException", f"Invalid TableArn: {arn}")
        name = arn.split(":table/", 1)[1].split("/", 1)[0]
        try:
            self.client.call(namespace, "DescribeTable", {"TableName": name})
        except DynamoDBLocalError:
            raise ApiError(
                "ResourceNotFoundException",
                f"Requested resource not found: ResourcArn: {arn} not found",
            ) from None
        return namespace, name

    def _tag_resource(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        table_ns, name = self._table_of_arn(request.get("ResourceArn"))
        tags = self.tables.get(table_ns, name).tags
        for tag in request.get("Tags") or []:
            tags[tag["Key"]] = tag["Value"]
        return {}

    def _untag_resource(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        table_ns, name = self._table_of_arn(request.get("ResourceArn"))
        tags = self.tables.get(table_ns, name).tags
        for key in request.get("TagKeys") or []:
            tags.pop(key, None)
        return {}

    def _list_tags(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        table_ns, name = self._table_of_arn(request.get("ResourceArn"))
        tags = self.tables.get(table_ns, name).tags
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def _existing(self, namespace: Namespace, request: dict[str, Any]) -> str:
        name = request.get("TableName", "")
        try:
            table = self.client.call(namespace, "DescribeTable", {"TableName": name})["Table"]
        except DynamoDBLocalError as error:
            raise ApiError(error.code, error.message, error.status) from None
        return table["TableName"]

    def _update_ttl(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        name = self._existing(namespace, request)
        spec = request.get("TimeToLiveSpecification") or {}
        if "Enabled" not in spec or not spec.get("AttributeName"):
            raise ApiError(
                "ValidationException",
                "1 validation error detected: TimeToLiveSpecification must contain "
                "Enabled and AttributeName",
            )
        extras = self.tables.get(namespace, name)
        extras.ttl_attribute = spec["AttributeName"]
        extras.ttl_enabled = bool(spec["Enabled"])
        if self.global_tables is not None:
            self.global_tables.propagate_ttl(namespace, name)
        return {"TimeToLiveSpecification": spec}

    def _describe_ttl(self, namespace: Namespace, request: dict[str, Any]) -> dict[str, Any]:
        name = self._existing(namespace, request)
        return {"TimeToLiveDescription": self.tables.get(namespace, name).ttl_description()}


def _keep(extras, held: dict[str, Any], namespace: Namespace) -> None:
    for tag in held.get("Tags") or []:
        extras.tags[tag["Key"]] = tag["Value"]
    if "TableClass" in held:
        extras.table_class = held["TableClass"]
    if "OnDemandThroughput" in held:
        extras.on_demand_throughput = held["OnDemandThroughput"]
    for index, limit in (held.get("IndexOnDemandThroughput") or {}).items():
        if limit is None:
            extras.index_on_demand_throughput.pop(index, None)
        else:
            extras.index_on_demand_throughput[index] = limit
    if "SSESpecification" in held:
        spec = held["SSESpecification"]
        enabled = spec.get("Enabled", extras.sse_kms_key_arn is not None)
        extras.sse_kms_key_arn = (
            kms_key_arn(namespace, spec.get("KMSMasterKeyId")) if enabled else None
        )


# Enum members DynamoDB Local does not check (it answers HTTP 500 for an unknown BillingMode
# and accepts any StreamViewType); AWS's lists, API_CreateTable.html / API_StreamSpecification.html.
ENUMS = {
    ("BillingMode",): ("billingMode", ("PROVISIONED", "PAY_PER_REQUEST")),
    ("StreamSpecification", "StreamViewType"): (
        "streamSpecification.streamViewType",
        ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"),
    ),
    ("TableClass",): ("tableClass", ("STANDARD", "STANDARD_INFREQUENT_ACCESS")),
}


def _check_enums(request: dict[str, Any]) -> None:
    """ValidationException in AWS's words for a value outside an enum."""
    for path, (member, allowed) in ENUMS.items():
        value: Any = request
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and value not in allowed:
            raise ApiError(
                "ValidationException",
                f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]",
            )


def _pop_index_on_demand(request: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Take every global secondary index's OnDemandThroughput out of a CreateTable or
    UpdateTable request (in place): {index name: limit, or None for a deleted index}.

    DynamoDB Local 3.3.0 refuses an index's OnDemandThroughput in CreateTable ("Global
    Secondary Index's read and write throughput must be at least 1"), so the emulator keeps
    it (API_GlobalSecondaryIndex.html, API_UpdateGlobalSecondaryIndexAction.html,
    API_CreateGlobalSecondaryIndexAction.html). An Update that only set it is dropped.
    """
    found: dict[str, dict[str, Any] | None] = {}
    for index in request.get("GlobalSecondaryIndexes") or []:
        if isinstance(index, dict) and "OnDemandThroughput" in index:
            found[index.get("IndexName", "")] = index.pop("OnDemandThroughput")
    updates = request.get("GlobalSecondaryIndexUpdates")
    if not isinstance(updates, list):
        return found
    kept = []
    for update in updates:
        for action in ("Create", "Update"):
            body = update.get(action) if isinstance(update, dict) else None
            if isinstance(body, dict) and "OnDemandThroughput" in body:
                found[body.get("IndexName", "")] = body.pop("OnDemandThroughput")
                if action == "Update" and set(body) <= {"IndexName"}:
                    update = None
                    break
        deleted = update.get("Delete") if isinstance(update, dict) else None
        if isinstance(deleted, dict):
            found[deleted.get("IndexName", "")] = None
        if update is not None:
            kept.append(update)
    if kept:
        request["GlobalSecondaryIndexUpdates"] = kept
    else:
        del request["GlobalSecondaryIndexUpdates"]
    return found


def _nothing_else_to_update(request: dict[str, Any]) -> bool:
    return not (set(request) - {"TableName"})


def _named_namespace(request: dict[str, Any]) -> Namespace | None:
    """The namespace an ARN in the request names (a table ARN as TableName, a stream ARN)."""
    for key in ("StreamArn", "TableName", "ResourceArn", "ShardIterator"):
        value = request.get(key)
        if isinstance(value, str) and value.startswith("arn:"):
            return namespace_of_arn(value)
    return None


# Operations whose ResourceNotFoundException AWS words with the table's name; the Terraform
# provider takes a DeleteTable answer worded so as "already deleted" (resourceTableDelete).
NAMED_NOT_FOUND = frozenset({"DescribeTable", "DeleteTable", "UpdateTable"})
LOCAL_NOT_FOUND = b"Cannot do operations on a non-existent table"


def _aws_wording(operation: str, request: dict[str, Any], answer: bytes) -> bytes:
    """AWS's message for a missing table instead of DynamoDB Local's."""
    if LOCAL_NOT_FOUND not in answer:
        return answer
    document = json.loads(answer)
    name = request.get("TableName")
    if operation in NAMED_NOT_FOUND and isinstance(name, str):
        document["message"] = f"Requested resource not found: Table: {name} not found"
    else:
        document["message"] = "Requested resource not found"
    return json.dumps(document).encode()


def _throttled(throttled) -> tuple[int, bytes]:
    """AWS's throttling answer: the exception, its message and ThrottlingReasons.

    AWS's service model (botocore's dynamodb service-2.json) spells the member
    ThrottlingReasons in ProvisionedThroughputExceededException and throttlingReasons in
    ThrottlingException; the SDKs read only that spelling.
    """
    member = "throttlingReasons" if throttled.code == "ThrottlingException" else "ThrottlingReasons"
    body = {
        "__type": f"com.amazonaws.dynamodb.v20120810#{throttled.code}",
        "message": throttled.message,
        member: throttled.reasons,
    }
    return 400, json.dumps(body).encode()


def _error(error: ApiError) -> tuple[int, bytes]:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{error.code}", "message": error.message}
    return error.status, json.dumps(body).encode()
