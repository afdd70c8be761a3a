"""key_design.table_request: the one CreateTable request tests and benches build tables from."""

from __future__ import annotations

from harness.model import key_design


def test_the_full_table_declares_each_key_attribute_once_and_every_index():
    request = key_design.table_request(indexes=key_design.INDEXES)
    assert request["TableName"] == "university"
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert request["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    declared = [d["AttributeName"] for d in request["AttributeDefinitions"]]
    assert declared == ["pk", "sk", "studentID", "entityType", "courseDate"]
    assert {d["AttributeType"] for d in request["AttributeDefinitions"]} == {"S"}
    by_name = {gsi["IndexName"]: gsi for gsi in request["GlobalSecondaryIndexes"]}
    assert by_name["entityType-courseDate-index"]["KeySchema"] == [
        {"AttributeName": "entityType", "KeyType": "HASH"},
        {"AttributeName": "courseDate", "KeyType": "RANGE"},
    ]
    assert by_name["studentID-index"]["Projection"] == {"ProjectionType": "ALL"}
    assert "StreamSpecification" not in request, "no stream unless asked for"


def test_a_pk_only_table_with_a_stream():
    request = key_design.table_request("t", sort_key=False, stream_view_type="NEW_AND_OLD_IMAGES")
    assert request["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert request["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert "GlobalSecondaryIndexes" not in request
    assert request["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
