"""The event source mapping API answers as AWS does for a DynamoDB stream.

Expected values come from responses recorded on AWS in LocalStack's test snapshots
("AWS-recorded" below): tests/aws/services/lambda_/event_source_mapping/
test_lambda_integration_dynamodbstreams.snapshot.json (DDB-SNAPSHOT) and
tests/aws/services/lambda_/test_lambda_api.snapshot.json (API-SNAPSHOT), and from the
Lambda API reference (API_CreateEventSourceMapping.html).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError
from test_stream_support import ACCOUNT, REGION, StreamScenario

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:recorder"

# The description of a DynamoDB stream mapping created with only StartingPosition, as AWS
# listed it (DDB-SNAPSHOT, test_deletion_event_source_mapping_with_dynamodb,
# list_event_source_mapping_result; placeholders as recorded).
AWS_RECORDED = json.loads(
    """
    {"BatchSize": 100, "BisectBatchOnFunctionError": false,
     "DestinationConfig": {"OnFailure": {}},
     "EventSourceArn": "<stream-arn>", "EventSourceMappingArn": "<esm-arn>",
     "FunctionArn": "<function-arn>", "FunctionResponseTypes": [],
     "LastModified": "<datetime>", "LastProcessingResult": "No records processed",
     "MaximumBatchingWindowInSeconds": 0, "MaximumRecordAgeInSeconds": -1,
     "MaximumRetryAttempts": -1, "ParallelizationFactor": 1,
     "StartingPosition": "TRIM_HORIZON", "State": "Enabled",
     "StateTransitionReason": "User action", "TumblingWindowInSeconds": 0, "UUID": "<uuid>"}
    """
)
AWS_KEYS = set(AWS_RECORDED)
VARYING = {"EventSourceArn", "EventSourceMappingArn", "FunctionArn", "LastModified", "UUID"}
AWS_DEFAULTS = {
    key: value
    for key, value in AWS_RECORDED.items()
    if key not in VARYING | {"State", "StartingPosition"}
}


def body_of(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def bare_scenario(emulator) -> StreamScenario:
    """The table, function and queue of a StreamScenario, and no mapping yet."""
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    scenario.aws["lambda"].delete_event_source_mapping(UUID=scenario.mapping_id)
    return scenario


def create(scenario: StreamScenario, function_name: str = "recorder", **settings) -> dict:
    return scenario.aws["lambda"].create_event_source_mapping(
        EventSourceArn=scenario.stream_arn,
        FunctionName=function_name,
        StartingPosition=settings.pop("StartingPosition", "TRIM_HORIZON"),
        **settings,
    )


def test_create_answers_202_with_every_field_aws_returns(emulator):
    """AWS-recorded (DDB-SNAPSHOT, test_deletion_event_source_mapping_with_dynamodb):
    Create answers 202, State Creating, StateTransitionReason "User action", every stream
    setting at its default, and no Tags; Get and List answer 200 with State Enabled."""
    scenario = bare_scenario(emulator)
    created = create(scenario)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert set(body_of(created)) == AWS_KEYS, "no Tags, nothing left out"
    assert {key: created[key] for key in AWS_DEFAULTS} == AWS_DEFAULTS
    assert created["State"] == "Creating"
    assert created["FunctionArn"] == FUNCTION_ARN

    got = scenario.aws["lambda"].get_event_source_mapping(UUID=created["UUID"])
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(body_of(got)) == AWS_KEYS
    assert got["State"] == "Enabled" and got["StateTransitionReason"] == "User action"
    listed = scenario.aws["lambda"].list_event_source_mappings(EventSourceArn=scenario.stream_arn)
    assert [set(entry) for entry in listed["EventSourceMappings"]] == [AWS_KEYS]


def test_update_and_delete_answer_202(emulator):
    """AWS-recorded: UpdateEventSourceMapping 202 with State Disabling (DDB-SNAPSHOT,
    test_disabled_dynamodb_event_source_mapping), DeleteEventSourceMapping 202 with State
    Deleting (API-SNAPSHOT, delete_response)."""
    scenario = bare_scenario(emulator)
    uuid = create(scenario, DestinationConfig={"OnFailure": {"Destination": ""}})["UUID"]
    updated = scenario.aws["lambda"].update_event_source_mapping(UUID=uuid, Enabled=False)
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert updated["State"] == "Disabling"
    assert updated["DestinationConfig"] == {"OnFailure": {}}, '"" removes the destination'
    deleted = scenario.aws["lambda"].delete_event_source_mapping(UUID=uuid)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["State"] == "Deleting"


def test_a_second_mapping_of_the_function_to_the_stream_is_a_409(emulator):
    """AWS-recorded (DDB-SNAPSHOT, test_duplicate_event_source_mappings): 409
    ResourceConflictException, Type User, naming the stream, the function as given and the
    existing mapping's UUID, with AWS's spacing inside the quotes."""
    scenario = bare_scenario(emulator)
    first = create(scenario, MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1)
    with pytest.raises(ClientError) as raised:
        create(scenario, MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error["Error"]["Code"] == "ResourceConflictException"
    assert error["Type"] == "User"
    assert error["Error"]["Message"] == (
        f'The event source arn (" {scenario.stream_arn} ") and function (" recorder ") '
        "provided mapping already exists. Please update or delete the existing mapping "
        f"with UUID {first['UUID']}"
    )
    listed = scenario.aws["lambda"].list_event_source_mappings(FunctionName="recorder")
    assert len(listed["EventSourceMappings"]) == 1, "no second mapping, no double invocation"


FORMS = [
    "recorder",
    FUNCTION_ARN,
    f"{ACCOUNT}:function:recorder",
    "recorder:$LATEST",
    f"{FUNCTION_ARN}:$LATEST",
]


@pytest.mark.parametrize("created_with", FORMS[:3])
def test_every_function_identifier_form_names_the_same_mapping(emulator, created_with):
    """API_CreateEventSourceMapping.html / API_ListEventSourceMappings.html, FunctionName
    "Name formats": function name, function ARN, version or alias ARN, partial ARN
    (123456789012:function:MyFunction). Whichever form created the mapping, every form lists
    it, every form is the same function for the duplicate check, and FunctionArn is the ARN.
    """
    scenario = bare_scenario(emulator)
    uuid = create(scenario, created_with)["UUID"]
    assert scenario.mapping_of(uuid)["FunctionArn"] == FUNCTION_ARN
    for form in FORMS:
        listed = scenario.aws["lambda"].list_event_source_mappings(FunctionName=form)
        assert [m["UUID"] for m in listed["EventSourceMappings"]] == [uuid], form
        with pytest.raises(ClientError, match="ResourceConflictException"):
            create(scenario, form)
    scenario.aws["lambda"].update_event_source_mapping(UUID=uuid, FunctionName=FORMS[2])
    assert scenario.mapping_of(uuid)["FunctionArn"] == FUNCTION_ARN


def test_a_mapping_on_an_alias_targets_the_alias(emulator):
    """API_CreateEventSourceMapping.html, FunctionName: "Version or Alias ARN –
    arn:aws:lambda:us-west-2:123456789012:function:MyFunction:PROD". The mapping's
    FunctionArn is the alias ARN, and the alias is a different target from the function."""
    scenario = bare_scenario(emulator)
    version = scenario.aws["lambda"].publish_version(FunctionName="recorder")["Version"]
    scenario.aws["lambda"].create_alias(
        FunctionName="recorder", Name="live", FunctionVersion=version
    )
    on_alias = create(scenario, f"{ACCOUNT}:function:recorder:live")
    assert on_alias["FunctionArn"] == f"{FUNCTION_ARN}:live"
    listed = scenario.aws["lambda"].list_event_source_mappings(FunctionName="recorder:live")
    assert [m["UUID"] for m in listed["EventSourceMappings"]] == [on_alias["UUID"]]
    create(scenario, "recorder")  # not a duplicate: another target


def test_an_unknown_function_or_uuid_is_a_typed_404(emulator):
    """AWS answers ResourceNotFoundException (404, Type User) for a function that does not
    exist (API-SNAPSHOT, "Function not found: arn:...") and for an unknown mapping UUID on
    Get, Update and Delete ("The resource you requested does not exist.")."""
    scenario = bare_scenario(emulator)
    with pytest.raises(ClientError) as raised:
        create(scenario, "no-such-function")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert raised.value.response["Type"] == "User"
    unknown = "00000000-0000-0000-0000-000000000000"
    lam = scenario.aws["lambda"]
    calls = [
        lambda: lam.get_event_source_mapping(UUID=unknown),
        lambda: lam.update_event_source_mapping(UUID=unknown, Enabled=False),
        lambda: lam.delete_event_source_mapping(UUID=unknown),
    ]
    for call in calls:
        with pytest.raises(ClientError) as raised:
            call()
        error = raised.value.response
        assert error["Error"]["Code"] == "ResourceNotFoundException"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_error_bodies_carry_type_user(emulator):
    """AWS-recorded (DDB-SNAPSHOT, test_dynamodb_invalid_event_filter and every Lambda error
    in API-SNAPSHOT): the error body has "Type": "User" beside the message."""
    scenario = bare_scenario(emulator)
    request = urllib.request.Request(
        emulator.endpoint_url + "/2015-03-31/event-source-mappings",
        data=json.dumps(
            {
                "EventSourceArn": scenario.stream_arn,
                "FunctionName": "recorder",
                "StartingPosition": "AT_TIMESTAMP",
            }
        ).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/"
            "aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400
    body = json.loads(raised.value.read())
    assert body["Type"] == "User"
    assert body["message"].startswith("Unsupported starting position")


@pytest.mark.parametrize("age", [-1, 60, 604_800])
def test_maximum_record_age_accepts_what_aws_accepts(emulator, age):
    """API_CreateEventSourceMapping.html, MaximumRecordAgeInSeconds: -1 (infinite) or
    60 to 604,800 seconds."""
    scenario = bare_scenario(emulator)
    assert create(scenario, MaximumRecordAgeInSeconds=age)["MaximumRecordAgeInSeconds"] == age


@pytest.mark.parametrize("age", [0, 1, 59, 604_801])
def test_maximum_record_age_refuses_what_aws_refuses(emulator, age):
    """The same page: anything else is refused (InvalidParameterValueException, 400; AWS's
    wording for this case is not recorded anywhere public, ours names the range), at create
    and at update."""
    scenario = bare_scenario(emulator)
    with pytest.raises(ClientError, match="InvalidParameterValue") as raised:
        create(scenario, MaximumRecordAgeInSeconds=age)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "-1 or between 60 and 604800" in raised.value.response["Error"]["Message"]
    uuid = create(scenario)["UUID"]
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        scenario.aws["lambda"].update_event_source_mapping(UUID=uuid, MaximumRecordAgeInSeconds=age)


def test_tumbling_windows_are_refused_rather_than_ignored(emulator):
    """AWS accepts TumblingWindowInSeconds 0..900 (services-ddb-params.html) and then sends
    window state (services-ddb-windows.html); the emulator does not run windows, so it
    refuses any value above 0 with a message that says so (README, Event source mapping
    conformance) instead of accepting it and delivering plain batches. 0 is accepted."""
    scenario = bare_scenario(emulator)
    with pytest.raises(ClientError, match="InvalidParameterValue") as raised:
        create(scenario, TumblingWindowInSeconds=60)
    assert "tumbling windows are not emulated" in raised.value.response["Error"]["Message"]
    assert create(scenario, TumblingWindowInSeconds=0)["TumblingWindowInSeconds"] == 0
