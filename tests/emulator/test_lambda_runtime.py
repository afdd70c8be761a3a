"""The Docker-free Lambda runtime, seen through the Lambda API of a real emulator over HTTP.

Each test writes a small handler, zips it, creates the function with boto3 and invokes it,
asserting what AWS would answer.
"""

from __future__ import annotations

import base64
import io
import json
import textwrap
import time
import zipfile

import pytest
from execution_roles import create_execution_role

from harness.model import key_design


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


@pytest.fixture
def lambda_client(local_target):
    return local_target.client("lambda")


@pytest.fixture
def role_arn(local_target):
    """A role Lambda may assume, allowed everything: these tests are not about IAM."""
    return create_execution_role(local_target.client("iam"), "lambda-test")


@pytest.fixture
def create_function(lambda_client, role_arn):
    """Create a python3.12 function from handler sources; returns its name."""

    def create(source: str, name: str = "fn", handler: str = "app.handler", **settings) -> str:
        files = source if isinstance(source, dict) else {"app.py": source}
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=handler,
            Code={"ZipFile": zipped(files)},
            **settings,
        )
        return name

    return create


def invoke(lambda_client, name: str, event: object = None, **kwargs) -> tuple[dict, object]:
    response = lambda_client.invoke(
        FunctionName=name, Payload=json.dumps({} if event is None else event), **kwargs
    )
    return response, json.loads(response["Payload"].read())


def test_returns_the_handlers_value_as_json(lambda_client, create_function):
    create_function(
        """
        def handler(event, context):
            return {"echo": event, "sum": event["a"] + event["b"]}
        """
    )

    response, payload = invoke(lambda_client, "fn", {"a": 2, "b": 3})

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert payload == {"echo": {"a": 2, "b": 3}, "sum": 5}


def test_handler_in_a_subfolder_and_none_result(lambda_client, create_function):
    create_function(
        {"pkg/mod.py": "def run(event, context):\n    return None\n"}, handler="pkg/mod.run"
    )

    response, payload = invoke(lambda_client, "fn")

    assert "FunctionError" not in response
    assert payload is None


def test_uncaught_exception_is_reported_unhandled_with_aws_error_shape(
    lambda_client, create_function
):
    create_function(
        """
        def handler(event, context):
            raise ValueError("order o1001 has no amount")
        """
    )

    response, payload = invoke(lambda_client, "fn")

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "order o1001 has no amount"
    assert any("in handler" in frame for frame in payload["stackTrace"])


def test_import_error_is_reported_like_aws(lambda_client, create_function):
    create_function("import not_installed_anywhere\n")

    response, payload = invoke(lambda_client, "fn")

    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"].startswith("Unable to import module 'app'")


def test_timeout_kills_the_invocation_and_the_next_one_starts_fresh(lambda_client, create_function):
    create_function(
        """
        import time
        def handler(event, context):
            if event.get("sleep"):
                time.sleep(event["sleep"])
            return "awake"
        """,
        Timeout=1,
    )

    started = time.monotonic()
    response, payload = invoke(lambda_client, "fn", {"sleep": 10})
    elapsed = time.monotonic() - started

    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]
    assert elapsed < 5, f"the timed-out invocation took {elapsed:.1f} s; Timeout is 1 s"
    response, payload = invoke(lambda_client, "fn")
    assert "FunctionError" not in response
    assert payload == "awake"


def test_environment_and_context_match_aws(lambda_client, create_function):
    create_function(
        """
        import os
        KEYS = ["TABLE_NAME", "_HANDLER", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
                "AWS_LAMBDA_LOG_STREAM_NAME", "LAMBDA_TASK_ROOT", "TZ", "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID"]
        def handler(event, context):
            first = context.get_remaining_time_in_millis()
            return {
                "env": {key: os.environ.get(key) for key in KEYS},
                "cwd": os.getcwd(),
                "context": {
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "aws_request_id": context.aws_request_id,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                },
                "remaining": [first, context.get_remaining_time_in_millis()],
            }
        """,
        name="enrollments",
        Timeout=7,
        MemorySize=256,
        Environment={"Variables": {"TABLE_NAME": "university"}},
    )

    response, payload = invoke(lambda_client, "enrollments")

    env, context = payload["env"], payload["context"]
    assert env["TABLE_NAME"] == "university"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "enrollments"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/enrollments"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].endswith(tuple("0123456789abcdef"))
    assert "[$LATEST]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["LAMBDA_TASK_ROOT"] == payload["cwd"]
    assert env["TZ"] == ":UTC"
    assert env["AWS_ENDPOINT_URL"] == lambda_client.meta.endpoint_url
    assert env["AWS_ACCESS_KEY_ID"]
    assert context["function_name"] == "enrollments"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:enrollments")
    assert context["memory_limit_in_mb"] == "256"
    assert len(context["aws_request_id"]) == 36
    assert context["log_group_name"] == "/aws/lambda/enrollments"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    first, second = payload["remaining"]
    assert 6000 < first <= 7000 and second <= first


def test_prints_and_start_end_report_lines_land_in_cloudwatch_logs(
    lambda_client, create_function, local_target
):
    create_function(
        """
        import logging
        logging.getLogger().setLevel(logging.INFO)
        print("loading module")
        def handler(event, context):
            print("processing", event["id"])
            logging.info("logged at info")
            return "ok"
        """,
        name="stream-processor",
    )

    response, _ = invoke(lambda_client, "stream-processor", {"id": "o1001"}, LogType="Tail")

    logs = local_target.client("logs")
    events = logs.filter_log_events(logGroupName="/aws/lambda/stream-processor")["events"]
    messages = [event["message"] for event in events]
    starts = [m for m in messages if m.startswith("START RequestId: ")]
    assert len(starts) == 1 and starts[0].endswith("Version: $LATEST")
    request_id = starts[0].split()[2]
    assert "processing o1001" in messages
    assert "loading module" in messages
    assert any(m.startswith("[INFO]") and m.endswith("logged at info") for m in messages)
    assert f"END RequestId: {request_id}" in messages
    report = next(m for m in messages if m.startswith("REPORT"))
    assert f"RequestId: {request_id}" in report and "Init Duration" in report
    order = [messages.index(m) for m in (starts[0], "processing o1001", report)]
    assert order == sorted(order)
    assert "processing o1001" in base64.b64decode(response["LogResult"]).decode()


def test_each_invocations_output_is_logged_once_past_the_log_file_rollover(
    lambda_client, create_function, local_target
):
    """Every line a warm function prints reaches CloudWatch Logs once, in the invocation
    that printed it, also across the point where the runtime empties its log file
    (worker.LOG_TRUNCATE_BYTES, 1 MiB): five invocations of 300 KB each cross it.

    AWS: "Lambda automatically captures all logs ... and sends them to CloudWatch Logs"
    (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html); LogType=Tail returns
    the last 4 KB of the invocation's own log
    (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax).
    """
    create_function(
        """
        def handler(event, context):
            print("x" * 300_000)
            print("marker", event["n"])
            return event["n"]
        """,
        name="chatty",
    )
    for n in range(5):
        response, result = invoke(lambda_client, "chatty", {"n": n}, LogType="Tail")
        assert result == n
        tail = base64.b64decode(response["LogResult"]).decode()
        assert f"marker {n}" in tail
        assert all(f"marker {m}" not in tail for m in range(5) if m != n)

    logs = local_target.client("logs")
    messages = [
        event["message"]
        for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName="/aws/lambda/chatty", filterPattern="marker"
        )
        for event in page["events"]
    ]
    assert sorted(messages) == [f"marker {n}" for n in range(5)]


def test_boto3_inside_the_handler_reaches_the_emulator(
    lambda_client, create_function, local_target
):
    dynamodb = local_target.client("dynamodb")
    dynamodb.create_table(**key_design.table_request("university"))
    create_function(
        """
        import os
        import boto3
        table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
        def handler(event, context):
            table.put_item(Item={"pk": "course#101", "sk": "#details", "title": event["title"]})
            return "written"
        """,
        Environment={"Variables": {"TABLE_NAME": "university"}},
        Timeout=30,
    )

    response, payload = invoke(lambda_client, "fn", {"title": "Databases"})

    assert payload == "written", payload
    item = dynamodb.get_item(
        TableName="university", Key={"pk": {"S": "course#101"}, "sk": {"S": "#details"}}
    )["Item"]
    assert item["title"] == {"S": "Databases"}


def test_code_and_configuration_updates_take_effect_on_the_next_invoke(
    lambda_client, create_function
):
    source = "import os\ndef handler(e, c):\n    return ['{}', os.environ.get('STAGE')]\n"
    create_function(source.format("v1"))
    assert invoke(lambda_client, "fn")[1] == ["v1", None]

    lambda_client.update_function_code(
        FunctionName="fn", ZipFile=zipped({"app.py": source.format("v2")})
    )
    assert invoke(lambda_client, "fn")[1] == ["v2", None]

    lambda_client.update_function_configuration(
        FunctionName="fn", Environment={"Variables": {"STAGE": "test"}}
    )
    assert invoke(lambda_client, "fn")[1] == ["v2", "test"]


def test_warm_worker_is_reused_between_invocations(lambda_client, create_function):
    create_function(
        """
        import os
        calls = 0
        def handler(event, context):
            global calls
            calls += 1
            return {"calls": calls, "pid": os.getpid()}
        """
    )

    first = invoke(lambda_client, "fn")[1]
    second = invoke(lambda_client, "fn")[1]

    assert first["calls"] == 1
    assert second == {"calls": 2, "pid": first["pid"]}


def test_a_recreated_function_starts_with_fresh_state(lambda_client, create_function):
    source = "calls = 0\ndef handler(e, c):\n    global calls\n    calls += 1\n    return calls\n"
    create_function(source)
    assert [invoke(lambda_client, "fn")[1] for _ in range(2)] == [1, 2]

    lambda_client.delete_function(FunctionName="fn")
    create_function(source)

    assert invoke(lambda_client, "fn")[1] == 1


def test_event_invocation_returns_202_at_once_and_runs_in_the_background(
    lambda_client, create_function, local_target
):
    create_function(
        """
        import time
        def handler(event, context):
            time.sleep(0.5)
            print("async run", event["n"])
        """
    )

    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"n": 7}')
    returned_after = time.monotonic() - started

    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert returned_after < 0.5, "an Event invocation must not wait for the handler"
    logs = local_target.client("logs")
    deadline = time.monotonic() + 10
    messages: list[str] = []
    while time.monotonic() < deadline and "async run 7" not in messages:
        time.sleep(0.2)
        try:
            found = logs.filter_log_events(logGroupName="/aws/lambda/fn")["events"]
        except logs.exceptions.ResourceNotFoundException:
            continue
        messages = [event["message"] for event in found]
    assert "async run 7" in messages


def test_dry_run_does_not_run_the_function(lambda_client, create_function, local_target):
    create_function("def handler(e, c):\n    print('ran')\n")

    response = lambda_client.invoke(FunctionName="fn", InvocationType="DryRun")

    assert response["StatusCode"] == 204
    groups = local_target.client("logs").describe_log_groups()["logGroups"]
    assert "/aws/lambda/fn" not in [group["logGroupName"] for group in groups]


def test_emulator_reports_the_runtime_extension(emulator):
    from harness.emulator.process import status_of

    assert "lambda_runtime" in status_of(emulator.endpoint_url)["extensions"]


def test_layers_are_importable_from_their_python_folder(lambda_client, create_function):
    layer = lambda_client.publish_layer_version(
        LayerName="shared",
        Content={
            "ZipFile": zipped(
                {"python/grading.py": "def average(xs):\n    return sum(xs) / len(xs)\n"}
            )
        },
        CompatibleRuntimes=["python3.12"],
    )
    create_function(
        """
        import grading
        def handler(event, context):
            return grading.average(event["grades"])
        """,
        Layers=[layer["LayerVersionArn"]],
    )

    response, payload = invoke(lambda_client, "fn", {"grades": [80, 90]})

    assert "FunctionError" not in response, payload
    assert payload == 85.0
