"""Guards for every moto internal the stream extensions patch or rely on.

If a moto upgrade renames, moves or reshapes one of these, a test here fails and says which
hook to revisit, instead of the emulator silently falling back to moto's behaviour.
"""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest
from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import ShardIterator
from moto.s3.models import S3Backend
from moto.sns.models import SNSBackend
from moto.sqs.models import SQSBackend
from test_stream_support import moto_table

from harness.emulator import stream_mappings, streams

VERIFIED_MOTO = "5.2.5"

# (owner, attribute, leading parameter names the replacement relies on)
PATCHED = [
    (StreamShard, "__init__", ["self", "account_id", "table"]),
    (StreamShard, "add", ["self", "old", "new"]),
    (StreamShard, "get", ["self", "start", "quantity"]),
    (StreamShard, "to_json", ["self"]),
    (ShardIterator, "__init__", ["self", "streams_backend", "stream_shard", "shard_iterator_type"]),
    (DynamoDBBackend, "update_item", ["self", "table_name", "key", "update_expression"]),
    (DynamoDBBackend, "transact_write_items", ["self", "transact_items"]),
    (LambdaBackend, "create_event_source_mapping", ["self", "spec"]),
    (LambdaBackend, "update_event_source_mapping", ["self", "uuid", "spec"]),
    (LambdaBackend, "list_event_source_mappings", ["self", "event_source_arn", "function_name"]),
    (EventSourceMapping, "get_configuration", ["self"]),
    (LambdaResponse, "create_event_source_mapping", ["self"]),
    (LambdaResponse, "update_event_source_mapping", ["self"]),
    (LambdaResponse, "delete_event_source_mapping", ["self"]),
]


def _original(owner: type, name: str):
    """The moto function itself, before any of our patches."""
    for module in (streams, stream_mappings):
        for patched_owner, patched_name, replacement in module.PATCHES:
            if (patched_owner, patched_name) == (owner, name):
                if getattr(owner, name) is replacement:
                    pytest.fail(f"{owner.__name__}.{name} is already patched in this process")
    return getattr(owner, name)


def test_moto_is_the_version_the_hooks_were_written_for():
    assert importlib.metadata.version("moto") == VERIFIED_MOTO, (
        f"the stream hooks were verified against moto {VERIFIED_MOTO}; re-read "
        "harness/emulator/streams.py and stream_mappings.py against the new moto, then bump"
    )


# Attributes we add rather than replace: moto must not have its own.
ADDED = [(StreamShard, "__deepcopy__")]


def test_every_patch_is_guarded():
    patched = {
        (owner, name) for module in (streams, stream_mappings) for owner, name, _ in module.PATCHES
    }
    assert patched == {(owner, name) for owner, name, _ in PATCHED} | set(ADDED)


def test_added_attributes_do_not_shadow_moto_code():
    for owner, name in ADDED:
        assert name not in vars(owner) or any(
            getattr(owner, name) is replacement
            for module in (streams, stream_mappings)
            for _, _, replacement in module.PATCHES
        ), f"moto now defines {owner.__name__}.{name}; merge its logic into ours"


def test_transactions_still_roll_back_by_swapping_deep_copies_of_tables():
    """Why StreamShard gets a __deepcopy__ and transactions buffer their records."""
    source = inspect.getsource(inspect.unwrap(_original(DynamoDBBackend, "transact_write_items")))
    assert "copy.deepcopy" in source and "self.tables[table_name] = original_table_state" in source


@pytest.mark.parametrize(
    ("owner", "name", "parameters"), PATCHED, ids=[f"{o.__name__}.{n}" for o, n, _ in PATCHED]
)
def test_patched_attribute_exists_with_the_expected_signature(owner, name, parameters):
    target = _original(owner, name)
    assert callable(target), f"moto no longer has {owner.__module__}.{owner.__name__}.{name}"
    actual = list(inspect.signature(target).parameters)[: len(parameters)]
    assert actual == parameters, (
        f"{owner.__name__}.{name} now takes {actual}, the hook expects {parameters}"
    )


def test_stream_shard_keeps_its_records_in_items_and_ids_in_the_expected_fields():
    table = moto_table(stream_view_type="NEW_AND_OLD_IMAGES")
    shard = table.stream_shard
    assert isinstance(shard, StreamShard), "Table.stream_shard holds the stream"
    for attribute in ("items", "id", "starting_sequence_number", "table", "created_on"):
        assert hasattr(shard, attribute), f"StreamShard.{attribute} is gone"
    for attribute in (
        "lambda_event_source_mappings",
        "latest_stream_label",
        "region_name",
        "stream_specification",
        "ttl",
        "hash_key_attr",
        "range_key_attr",
    ):
        assert hasattr(table, attribute), f"Table.{attribute} is gone"
    assert table.ttl == {"TimeToLiveStatus": "DISABLED"}


def test_update_item_that_creates_still_goes_through_table_put_item():
    """Why streams.update_item merges writes: moto inserts a key-only item first."""
    source = inspect.getsource(inspect.unwrap(_original(DynamoDBBackend, "update_item")))
    assert "table.put_item" in source and "stream_shard.add" in source


def test_event_source_mapping_has_the_settings_the_poller_reads():
    spec = {
        "RegionName": "us-east-1",
        "AccountId": "123456789012",
        "FunctionName": "f",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "EventSourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label",
        "StartingPosition": "LATEST",
    }
    mapping = EventSourceMapping(spec)
    for attribute in (
        "uuid",
        "enabled",
        "batch_size",
        "starting_position",
        "filter_criteria",
        "max_batch_window",
        "max_record_age",
        "max_retry_attempts",
        "bisect_on_error",
        "function_response_types",
        "destination_config",
        "function_arn",
        "event_source_arn",
        "parallelization_factor",
    ):
        assert hasattr(mapping, attribute), f"EventSourceMapping.{attribute} is gone"
    backend = LambdaBackend("us-east-1", "123456789012")
    assert isinstance(backend._event_source_mappings, dict)
    assert list(inspect.signature(backend.get_function).parameters)[:1] == ["function_name_or_arn"]


def test_destinations_are_reached_through_these_backend_methods():
    assert list(inspect.signature(SQSBackend.send_message).parameters)[1:3] == [
        "queue_name",
        "message_body",
    ]
    assert list(inspect.signature(SNSBackend.publish).parameters)[1:3] == ["message", "arn"]
    assert list(inspect.signature(S3Backend.put_object).parameters)[1:4] == [
        "bucket_name",
        "key_name",
        "value",
    ]


def test_item_helpers_used_to_build_records():
    item = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "n": {"N": "1"}})
    assert item.to_json()["Attributes"] == {"pk": {"S": "k"}, "n": {"N": "1"}}
    assert item.size() > 0
    assert item.hash_key.to_json() == {"S": "k"}
