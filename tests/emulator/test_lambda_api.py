"""Lambda APIs take every function identifier AWS takes, and errors say "Type": "User".

AWS: each Lambda API's FunctionName accepts a function name (my-function, my-function:v1),
a function ARN (with or without a version or alias), or a partial ARN
(123456789012:function:my-function) — "Name formats" in API_GetFunction.html,
API_Invoke.html, API_UpdateFunctionConfiguration.html. Errors: AWS-recorded bodies in
LocalStack's tests/aws/services/lambda_/test_lambda_api.snapshot.json carry "Type": "User".
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.awslambda import urls as lambda_urls
from moto_hook_pins import assert_hook_in_place, each_hook
from test_stream_support import ACCOUNT, REGION, StreamScenario, clients

from harness.emulator.lambda_runtime.lambda_api import (
    HOOKS,
    NARROW_NAME,
    WIDE_NAME,
    FunctionId,
    parse_function_id,
)

ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:recorder"
FORMS = [
    "recorder",
    ARN,
    f"{ACCOUNT}:function:recorder",
    "recorder:$LATEST",
    f"{ARN}:$LATEST",
    f"{ACCOUNT}:function:recorder:$LATEST",
]


@pytest.mark.parametrize(
    "identifier, parsed",
    [
        ("f", FunctionId("f")),
        ("f:live", FunctionId("f", "live")),
        ("f:$LATEST", FunctionId("f", "$LATEST")),
        ("123456789012:function:f", FunctionId("f", None, "123456789012")),
        ("123456789012:function:f:3", FunctionId("f", "3", "123456789012")),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:f:live",
            FunctionId("f", "live", "123456789012", "eu-west-1"),
        ),
        ("arn:aws:lambda:eu-west-1:function:f", None),
        ("f:a:b", None),
        ("", None),
    ],
)
def test_parse_function_id_reads_every_form_aws_accepts(identifier, parsed):
    assert parse_function_id(identifier) == parsed


def test_every_lambda_api_takes_every_identifier_form(emulator):
    """GetFunction, GetFunctionConfiguration, Invoke, UpdateFunctionConfiguration,
    PublishVersion, CreateAlias and the mapping APIs each accept every form (AWS: "Name
    formats"); moto answered HTTP 500 for a partial ARN and 404 pages for ":$LATEST"."""
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    lam = scenario.aws["lambda"]
    for form in FORMS:
        assert lam.get_function(FunctionName=form)["Configuration"]["FunctionName"] == "recorder"
        assert lam.get_function_configuration(FunctionName=form)["FunctionArn"].startswith(ARN)
        assert lam.invoke(FunctionName=form, InvocationType="DryRun")["StatusCode"] == 204
        mappings = lam.list_event_source_mappings(FunctionName=form)["EventSourceMappings"]
        assert len(mappings) == 1, form
    unqualified = FORMS[:3]
    for form in unqualified:
        lam.update_function_configuration(FunctionName=form, Description=form)
        assert lam.get_function(FunctionName="recorder")["Configuration"]["Description"] == form
    version = lam.publish_version(FunctionName=FORMS[2])["Version"]
    lam.create_alias(FunctionName=FORMS[2], Name="live", FunctionVersion=version)
    aliased = lam.get_function(FunctionName=f"{ACCOUNT}:function:recorder:live")
    assert aliased["Configuration"]["Version"] == version


def test_a_missing_function_is_a_typed_404_in_every_form(emulator):
    """AWS-recorded (test_lambda_api.snapshot.json): ResourceNotFoundException, 404,
    "Function not found: arn:...", Type User."""
    client = clients(emulator.endpoint_url)["lambda"]
    for form in ("nothing", f"{ACCOUNT}:function:nothing", f"{ARN[:-8]}nothing"):
        with pytest.raises(ClientError) as raised:
            client.get_function(FunctionName=form)
        error = raised.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 404, form
        assert error["Error"]["Code"] == "ResourceNotFoundException"
        assert error["Error"]["Message"].startswith("Function not found: arn:aws:lambda:")
        assert error["Type"] == "User"


@each_hook(HOOKS)
def test_patched_moto_attribute_is_where_we_expect(owner, name, parameters):
    assert_hook_in_place(
        owner,
        name,
        parameters,
        moved=", which lambda_api wraps to read every function identifier form",
        changed="update harness/emulator/lambda_runtime/lambda_api.py",
    )


def test_moto_still_spells_function_names_in_urls_the_way_we_widen():
    assert any(NARROW_NAME in p or WIDE_NAME in p for p in lambda_urls.url_paths), (
        "moto's Lambda URL patterns no longer contain (?P<function_name>[\\w_:%-]+); "
        "update _allow_dollar_in_function_names in lambda_api.py"
    )
