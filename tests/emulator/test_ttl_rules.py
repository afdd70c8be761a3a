"""UpdateTimeToLive and DescribeTimeToLive answer as DynamoDB does (harness/emulator/ttl_rules).

AWS's answers come from dynalite's test suite, which is run against the live
service (architect/dynalite test/updateTimeToLive.js, test/helpers.js), and
from the API reference's limit of 1-255 characters on AttributeName
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TimeToLiveSpecification.html).
"""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.model import key_design

TABLE = "ttl-rules"


@pytest.fixture
def dynamodb(local_target):
    client = local_target.client("dynamodb")
    client.create_table(**key_design.table_request(TABLE, sort_key=False))
    return client


@pytest.fixture
def unchecked(local_target, dynamodb):
    """A client that sends what it is given: botocore checks lengths and types itself,
    so only with its validation off do bad values reach the server (as from other SDKs)."""
    session = local_target.session()
    config = Config(parameter_validation=False)
    return session.client("dynamodb", endpoint_url=local_target.endpoint_url, config=config)


def update(client, enabled, name="expiresAt", table=TABLE):
    spec = {"Enabled": enabled, "AttributeName": name}
    return client.update_time_to_live(TableName=table, TimeToLiveSpecification=spec)


def refused(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def test_enabling_answers_the_specification_and_describe_names_the_attribute(dynamodb):
    assert update(dynamodb, True)["TimeToLiveSpecification"] == {
        "Enabled": True,
        "AttributeName": "expiresAt",
    }
    assert dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiresAt",
    }


def test_after_disabling_only_the_status_is_left(dynamodb):
    """dynalite 'should disable when enabled': the answer and the description drop the name."""
    update(dynamodb, True)
    assert update(dynamodb, False)["TimeToLiveSpecification"] == {"Enabled": False}
    assert dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }


def test_a_new_table_describes_as_disabled_without_a_name(dynamodb):
    assert dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }


def test_enabling_twice_is_refused(dynamodb):
    update(dynamodb, True)
    error = refused(lambda: update(dynamodb, True))
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "TimeToLive is already enabled",
    )


def test_disabling_what_was_never_enabled_is_refused(dynamodb):
    error = refused(lambda: update(dynamodb, False))
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "TimeToLive is already disabled",
    )


def test_an_empty_attribute_name_is_refused(dynamodb, unchecked):
    error = refused(lambda: update(unchecked, True, name=""))
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "TimeToLiveSpecification.AttributeName must be non empty",
    )
    assert dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }, "nothing changed"


def test_a_256_character_name_is_refused_and_255_is_accepted(dynamodb, unchecked):
    long_name = "a" * 256
    error = refused(lambda: update(unchecked, True, name=long_name))
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        f"1 validation error detected: Value '{long_name}' at "
        "'timeToLiveSpecification.attributeName' failed to satisfy constraint: "
        "Member must have length less than or equal to 255",
    )
    assert update(dynamodb, True, name="a" * 255)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_non_boolean_enabled_is_a_serialization_error(unchecked):
    """AWS answers a type error with SerializationException, not ValidationException
    (dynalite's recording: "'23' can not be converted to an Boolean")."""
    error = refused(lambda: update(unchecked, "dog"))
    assert (error["Code"], error["Message"]) == (
        "SerializationException",
        "'dog' can not be converted to an Boolean",
    )


def test_a_missing_table_is_not_found(dynamodb):
    for call in (
        lambda: update(dynamodb, True, table="no-such-table"),
        lambda: dynamodb.describe_time_to_live(TableName="no-such-table"),
    ):
        error = refused(call)
        assert (error["Code"], error["Message"]) == (
            "ResourceNotFoundException",
            "Requested resource not found: Table: no-such-table not found",
        )


def test_ttl_can_be_enabled_again_after_disabling(dynamodb):
    update(dynamodb, True)
    update(dynamodb, False)
    assert update(dynamodb, True, name="validUntil")["TimeToLiveSpecification"] == {
        "Enabled": True,
        "AttributeName": "validUntil",
    }
