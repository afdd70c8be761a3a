"""Stream processor: keeps every aggregate in the table exact from its DynamoDB stream.

Aggregates (stream_processor/contract.py has the full contract) live in items
of their own, sk `#stats` in their sources' partition, that only this function
writes: course#ID studentCount; assignment#ID submissionCount, gradedCount,
gradeSum, averageGrade; user#ID orderCount, totalSpent; instructor#ID
courseCount. Each is a sum of contributions of its source items; a record
replaces its item's old contribution by the new one, so INSERT, MODIFY and
REMOVE (TTL expiry included) are one rule. Sums are exact to DynamoDB's 38
digits (stream_processor/dynamodb_numbers.py).

Exact under at-least-once delivery (stream_processor/watermarks.py): each
aggregate item stores, per (stream ARN, source partition key), the highest
sequence number it has applied, and moves it in the same conditional UpdateItem
that writes the batch's new totals. Replays are skipped, crashes between writes
are harmless, and the bookkeeping costs no write of its own.

Malformed records (no key, no numeric SequenceNumber), images that break the
contract (grade "abc", unknown entityType) and changes that a DynamoDB number
cannot hold are logged with their eventID and skipped, never retried: a retry
cannot repair them and would hold the shard. Only records whose aggregate write
failed are reported in batchItemFailures.

The mapping's filter sends only student, submission, order and teaching
records, so the handler never sees its own writes (entityType courseStats,
assignmentStats, userStats, instructorStats).
"""

from __future__ import annotations

import os
import time

import boto3
from botocore.config import Config
from stream_processor import batch
from stream_processor.logs import log
from stream_processor.store import AggregateStore

TABLE_NAME = os.environ["TABLE_NAME"]
# AWS_ENDPOINT_URL (honoured by boto3) points this client at the local emulator.
DYNAMODB = boto3.client(
    "dynamodb",
    config=Config(
        retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=10
    ),
)


def lambda_handler(event: dict, context: object) -> dict:
    """Apply one batch; report only the records that must come again."""
    records = event.get("Records") or []
    store = AggregateStore(DYNAMODB, TABLE_NAME)
    outcome = batch.process(records, store, now=time.time())
    log("INFO", "batch processed", **outcome.stats)
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in outcome.failures]}
