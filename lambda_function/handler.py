"""Stream processor: keeps every aggregate in the table exact from its DynamoDB stream.

Aggregates (stream_processor/contract.py has the full contract):
course #details.studentCount, assignment submissionCount / gradedCount /
gradeSum / averageGrade, user #profile orderCount / totalSpent, instructor
#details.courseCount. Each is a sum of contributions of its source items; a
record changes it by contribution(NewImage) - contribution(OldImage), so
INSERT, MODIFY and REMOVE (TTL expiry included) are one rule.

Exact under at-least-once delivery (stream_processor/watermarks.py): each
aggregate stores, per (stream ARN, source partition key), the highest sequence
number it has applied, and moves it in the same conditional UpdateItem that
applies the batch's coalesced delta. Replays are skipped, crashes between
writes are harmless, and the bookkeeping costs no write of its own.

Malformed records (no key, no numeric SequenceNumber) and images that break the
contract (grade "abc", unknown entityType) are logged with their eventID and
skipped, never retried: a retry cannot repair them and would hold the shard.
Only records whose aggregate write failed are reported in batchItemFailures.

The mapping's filter sends only student, submission, order and teaching
records, so the handler never sees its own writes (they land on course,
assignment, userProfile and instructor items).
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
