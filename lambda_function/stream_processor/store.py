"""Reads and writes of aggregate items; counts the write requests it sends.

Reads are strongly consistent: the conditional write that follows is only as
good as the state it was computed from.
"""

from __future__ import annotations

from boto3.dynamodb.types import TypeDeserializer

from stream_processor.contract import AggregateKey
from stream_processor.dynamodb_numbers import shortest

BATCH_GET_LIMIT = 100
UNPROCESSED_ROUNDS = 8

_deserializer = TypeDeserializer()


class AggregateStore:
    """The aggregate items of one table, through one low-level DynamoDB client."""

    def __init__(self, client, table_name: str) -> None:
        self.client = client
        self.table_name = table_name
        self.writes = 0

    def read_many(self, keys: list[AggregateKey]) -> dict[AggregateKey, dict | None]:
        """Each key's item (deserialized), or None where no item exists."""
        found: dict[AggregateKey, dict | None] = {key: None for key in keys}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            request = {
                self.table_name: {
                    "Keys": [_key(key) for key in keys[start : start + BATCH_GET_LIMIT]],
                    "ConsistentRead": True,
                }
            }
            for _ in range(UNPROCESSED_ROUNDS):
                response = self.client.batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(self.table_name, []):
                    item = plain(raw)
                    found[AggregateKey(item["pk"], item["sk"])] = item
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise RuntimeError("BatchGetItem left keys unprocessed after retries")
        return found

    def read(self, key: AggregateKey) -> dict | None:
        response = self.client.get_item(
            TableName=self.table_name, Key=_key(key), ConsistentRead=True
        )
        return plain(response["Item"]) if "Item" in response else None

    def update(self, arguments: dict) -> None:
        self.writes += 1
        self.client.update_item(**arguments)


def _key(key: AggregateKey) -> dict:
    return {"pk": {"S": key.pk}, "sk": {"S": key.sk}}


def plain(raw: dict) -> dict:
    """An item as read (DynamoDB JSON) in Python values; numbers exact at any length."""
    return {name: _deserializer.deserialize(shortest(value)) for name, value in raw.items()}
