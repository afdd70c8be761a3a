"""Run an access pattern from the page and show its request the way a reader can reuse it.

Parameters are checked exactly as `invoke query` checks them (the catalog's
`parse_cli_params`), the Query runs through every page with
ReturnConsumedCapacity=INDEXES, and the answer carries the request itself, the
consumed capacity when the service reports it, and the same request as a boto3
call and as an AWS CLI command.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping

from harness.model import access_patterns, key_design
from harness.stack.targets import Target


def form_values(form: Mapping[str, object]) -> dict[str, object | None]:
    """Form fields as the CLI hands them over: an empty field means "not given"."""
    return {
        name: (None if value is None or str(value).strip() == "" else value)
        for name, value in form.items()
    }


def run(
    target: Target, table_name: str, name: str, form: Mapping[str, object], client=None
) -> dict:
    """Run pattern `name` (through `client`, a DynamoDB client of `target` made here if
    not given); HarnessError (one line) when a parameter is wrong.

    Returns {"pattern", "request" (DynamoDB JSON), "items", "keys" [[pk, sk]],
    "consumedCapacity" (summed over pages, or None), "pages", "boto3", "cli"}.
    """
    pattern = access_patterns.get(name)
    bound = access_patterns.parse_cli_params(pattern, form_values(form))
    request = pattern.query_request(table_name, bound, low_level=True)
    client = client or target.client("dynamodb")
    cost = access_patterns.QueryCost()
    items = access_patterns.run(client, pattern.name, bound, table_name=table_name, cost=cost)
    return {
        "pattern": pattern.name,
        "request": request,
        "items": items,
        "keys": [[item[key_design.PARTITION_KEY], item[key_design.SORT_KEY]] for item in items],
        "consumedCapacity": cost.as_dict(),
        "pages": cost.pages,
        "boto3": boto3_call(request, target),
        "cli": cli_command(request, target),
    }


def boto3_call(request: dict, target: Target) -> str:
    """Python that runs `request` with boto3 through every page; it leaves `items`
    (DynamoDB JSON) behind. On the local target it names the emulator's endpoint;
    credentials come from the environment (`eval "$(invoke env)"`)."""
    client_args = [f"region_name={target.region!r}"]
    if target.endpoint_url:
        client_args.append(f"endpoint_url={target.endpoint_url!r}")
    lines = [
        "import boto3",
        "",
        f'client = boto3.client("dynamodb", {", ".join(client_args)})',
        'pages = client.get_paginator("query").paginate(',
    ]
    for name, value in request.items():
        lines.append(f"    {name}={_python(value)},")
    lines += [")", 'items = [item for page in pages for item in page["Items"]]', "print(items)"]
    return "\n".join(lines)


def _python(value: object) -> str:
    # JSON of strings and dicts of strings is valid Python, and reads like the request.
    return json.dumps(value, ensure_ascii=False)


CLI_OPTIONS = {
    "TableName": "--table-name",
    "IndexName": "--index-name",
    "KeyConditionExpression": "--key-condition-expression",
    "FilterExpression": "--filter-expression",
    "ExpressionAttributeNames": "--expression-attribute-names",
    "ExpressionAttributeValues": "--expression-attribute-values",
}


def cli_command(request: dict, target: Target) -> str:
    """The same Query as an `aws dynamodb query` command line (the CLI pages by itself)."""
    words = ["aws", "dynamodb", "query"]
    for name, value in request.items():
        option = CLI_OPTIONS[name]
        words += [option, value if isinstance(value, str) else json.dumps(value)]
    words += ["--region", target.region]
    if target.endpoint_url:
        words += ["--endpoint-url", target.endpoint_url]
    return " ".join(shlex.quote(word) for word in words)
