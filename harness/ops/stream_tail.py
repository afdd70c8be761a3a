"""Read a table's DynamoDB stream to its end: which records the processor has yet to apply.

The reconciler's fence needs, per aggregate, the stream records that change it
(their sequence numbers, the item they touch and the contributions they
replace), to tell which lie above the processor's mark. Every record is read
once per StreamTail: the
first read starts each shard at TRIM_HORIZON (the stream keeps 24 hours), later
reads continue from where the last one stopped, and shards that appear in
between (DynamoDB splits shards every few hours) are started at TRIM_HORIZON.

AWS: DescribeStream lists shards (paged by ExclusiveStartShardId), a shard
iterator expires after 15 minutes, GetRecords returns up to 1,000 records and
an empty page with a NextShardIterator at the end of an open shard; a closed
shard ends without one
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.ops import processor_code


@dataclass(frozen=True)
class Touch:
    """One record's change to one aggregate: where it sits and which item it rewrote."""

    sequence: int
    item_sk: str
    change: object  # stream_processor.records.Change


class StreamTail:
    """The records of one stream, read incrementally: `latest` per aggregate key."""

    def __init__(self, streams_client, stream_arn: str) -> None:
        self.client = streams_client
        self.arn = stream_arn
        self._iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: ended)
        self._touches: dict[tuple[str, str], list[Touch]] = {}  # aggregate (pk, sk) -> records
        self.records_read = 0

    def after(self, pk: str, sk: str, mark: int | None) -> list[Touch]:
        """The records read so far that change aggregate (pk, sk) above `mark`, in order."""
        touches = sorted(self._touches.get((pk, sk), []), key=lambda touch: touch.sequence)
        return [touch for touch in touches if mark is None or touch.sequence > mark]

    def refresh(self) -> None:
        """Read every record written since the last call (all of them the first time)."""
        records = processor_code.module("records")
        for shard_id in self._shard_ids():
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.client.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            while iterator:
                page = self.client.get_records(ShardIterator=iterator, Limit=1000)
                for record in page.get("Records", []):
                    self.records_read += 1
                    self._note(records, record)
                iterator = page.get("NextShardIterator")
                if not page.get("Records"):
                    break  # the end of an open shard (or a closed one, iterator None)
            self._iterators[shard_id] = iterator

    def _note(self, records, record: dict) -> None:
        record = {**record, "eventSourceARN": self.arn}  # the Streams API omits it
        try:
            change = records.parse(record)
        except records.MalformedRecord:
            return  # the processor skips it too, without a mark
        item_sk = record["dynamodb"]["Keys"].get("sk", {}).get("S", "")
        for key in change.aggregates:
            self._touches.setdefault((key.pk, key.sk), []).append(
                Touch(change.sequence, item_sk, change)
            )

    def _shard_ids(self) -> list[str]:
        ids: list[str] = []
        arguments: dict = {"StreamArn": self.arn}
        while True:
            description = self.client.describe_stream(**arguments)["StreamDescription"]
            ids += [shard["ShardId"] for shard in description.get("Shards", [])]
            last = description.get("LastEvaluatedShardId")
            if not last:
                return ids
            arguments["ExclusiveStartShardId"] = last
