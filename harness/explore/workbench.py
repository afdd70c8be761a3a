"""Export the key design and the seed items as a NoSQL Workbench data model file.

The file follows Workbench's data-model format version 3.0, the version its
exports carry in `ModelMetadata.Version`. AWS documents the shape by example
only (Developer Guide, "Importing an existing data model" / "Exporting a data
model"; the facet fields are shown in "Viewing data access patterns"); the field
names used here are those of files Workbench 3.x writes:

    ModelName, ModelMetadata{Author, DateCreated, DateLastModified, Description,
    AWSService, Version}, DataModel[{TableName, KeyAttributes{PartitionKey,
    SortKey}, NonKeyAttributes[{AttributeName, AttributeType}],
    GlobalSecondaryIndexes[{IndexName, KeyAttributes, Projection}],
    TableFacets[{FacetName, KeyAttributeAlias{PartitionKeyAlias, SortKeyAlias},
    TableData, NonKeyAttributes}], TableData[items in DynamoDB JSON],
    DataAccess, BillingMode}]

Items go in the table's TableData (every entity's items, in DynamoDB JSON);
each facet names its entity type, its key templates as aliases and its
attributes, with an empty TableData of its own as Workbench's own exports have.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from boto3.dynamodb.types import TypeSerializer

from harness.model import key_design
from harness.stack import seed

FORMAT_VERSION = "3.0"
MODEL_NAME = "university single-table design"
_SERIALIZER = TypeSerializer()


def attribute_type(value: object) -> str:
    """Workbench's type code for a Python value: S, N, BOOL, M, L, SS, NS, NULL, B."""
    if isinstance(value, float):  # boto3 takes numbers as int or Decimal only
        return "N"
    return next(iter(_SERIALIZER.serialize(value)))


def model(items: Iterable[dict] | None = None, *, now: dt.datetime | None = None) -> dict:
    """The data model as a dict; `items` default to the seed items (terraform/seed_items.json)."""
    items = list(seed.load_items().values() if items is None else items)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%b %d, %Y, %I:%M %p")
    key_names = {key_design.PARTITION_KEY, key_design.SORT_KEY}
    non_key: dict[str, str] = {}
    for item in items:
        for name, value in item.items():
            if name not in key_names:
                non_key.setdefault(name, attribute_type(value))
    for entity in key_design.ENTITIES:  # derived attributes exist once the stream runs
        for name in entity.derived:
            non_key.setdefault(name, "N")
    table = {
        "TableName": key_design.TABLE_NAME,
        "KeyAttributes": {
            "PartitionKey": {"AttributeName": key_design.PARTITION_KEY, "AttributeType": "S"},
            "SortKey": {"AttributeName": key_design.SORT_KEY, "AttributeType": "S"},
        },
        "NonKeyAttributes": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in non_key.items()
        ],
        "GlobalSecondaryIndexes": [_index(index, non_key) for index in key_design.INDEXES],
        "TableFacets": [
            {
                "FacetName": entity.entity_type,
                "KeyAttributeAlias": {"PartitionKeyAlias": entity.pk, "SortKeyAlias": entity.sk},
                "TableData": [],
                "NonKeyAttributes": [*entity.attributes, *entity.derived],
            }
            for entity in key_design.ENTITIES
        ],
        "TableData": [
            {name: _SERIALIZER.serialize(value) for name, value in item.items()}
            for item in sorted(
                items, key=lambda item: (item[key_design.PARTITION_KEY], item[key_design.SORT_KEY])
            )
        ],
        "DataAccess": {"MySql": {}},
        "BillingMode": "PAY_PER_REQUEST",
    }
    return {
        "ModelName": MODEL_NAME,
        "ModelMetadata": {
            "Author": "dynamodb-single-table-reference",
            "DateCreated": stamp,
            "DateLastModified": stamp,
            "Description": "Key design and seed items of the university single table, "
            "exported by `invoke explore --export-workbench`.",
            "AWSService": "Amazon DynamoDB",
            "Version": FORMAT_VERSION,
        },
        "DataModel": [table],
    }


def _index(index: key_design.Index, types: dict[str, str]) -> dict:
    keys = {
        "PartitionKey": {
            "AttributeName": index.hash_key,
            "AttributeType": types.get(index.hash_key, "S"),
        }
    }
    if index.range_key:
        keys["SortKey"] = {
            "AttributeName": index.range_key,
            "AttributeType": types.get(index.range_key, "S"),
        }
    # terraform/modules/table projects ALL attributes into every index.
    return {"IndexName": index.name, "KeyAttributes": keys, "Projection": {"ProjectionType": "ALL"}}


def export(path: Path, items: Iterable[dict] | None = None) -> Path:
    """Write the model to `path` (folders created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model(items), indent=2, default=str) + "\n", encoding="utf-8")
    return path
