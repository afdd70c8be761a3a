"""An emulator reset during live traffic: nothing begun before it writes after it.

A CI run once saw, after a reset, an earlier test's records in the stream of a new
"university" table: a function the stream poller had invoked, the replicator and the stream
mirror were still at work while the reset deleted state, and wrote afterwards. AWS has no
reset; the emulator's promise (README, "The emulator") is that after POST /moto-api/reset
the emulator is as new, so a table created then holds, and streams, only what is written
to it then. DynamoDB's stream of a new table holds only the new table's writes: "The
stream records ... are associated with a particular table"; a deleted table's stream is a
different stream with its own ARN (https://docs.aws.amazon.com/amazondynamodb/latest/
developerguide/Streams.html, "Enabling a stream", "Each stream is uniquely identified by an
Amazon Resource Name").
"""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest
from test_global_tables import (
    PRIMARY,
    REPLICA,
    TABLE,
    add_replica,
    create_table,
    stream_records,
    wait_until,
)
from test_stream_support import StreamScenario, zip_of

pytestmark = pytest.mark.slow  # ~10 s: the traffic has to be well under way

# The function writes into "university" for as long as it runs: each invocation spends
# WRITE_SECONDS writing, so a reset always finds some of its writes in flight.
WRITER = """
import os, time, uuid
import boto3

ddb = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"])


def handler(event, context):
    end = time.time() + float(os.environ["WRITE_SECONDS"])
    while time.time() < end:
        ddb.put_item(TableName=os.environ["WRITE_TABLE"], Item={
            "pk": {"S": "before#" + uuid.uuid4().hex}, "sk": {"S": "#details"}})
        time.sleep(0.05)
"""


def reset(endpoint_url: str) -> None:
    request = urllib.request.Request(endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=60).close()


def test_a_table_created_after_a_reset_streams_and_replicates_only_its_own_writes(
    emulator, local_target
):
    target = local_target
    east = target.client("dynamodb", PRIMARY)
    west = target.client("dynamodb", REPLICA)
    # GIVEN a replicated "university" that a function (behind a stream mapping) and a
    # client both keep writing
    create_table(east)
    add_replica(east)
    scenario = StreamScenario.create(
        emulator.endpoint_url, env={"WRITE_TABLE": TABLE, "WRITE_SECONDS": "3"}, BatchSize=1
    )
    scenario.aws["lambda"].update_function_code(
        FunctionName=scenario.function, ZipFile=zip_of({"handler.py": WRITER})
    )
    stop = threading.Event()

    def keep_writing() -> None:
        for number in range(10**6):
            if stop.is_set():
                return
            scenario.put(f"trigger#{number}")  # each one invokes the writer
            east.put_item(
                TableName=TABLE, Item={"pk": {"S": f"before#client{number}"}, "sk": {"S": "-"}}
            )
            time.sleep(0.5)

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    wait_until(
        lambda: west.scan(TableName=TABLE, Limit=50)["Count"] >= 10,
        timeout=30,
        what="the function's writes replicating to us-west-2",
    )
    # WHEN the emulator is reset while that traffic is in flight (the client stops first:
    # what it sends after the reset would be its own doing), and "university" is created anew
    stop.set()
    writer.join(timeout=10)
    reset(emulator.endpoint_url)
    create_table(east)
    add_replica(east)
    east.put_item(TableName=TABLE, Item={"pk": {"S": "after#1"}, "sk": {"S": "#details"}})
    wait_until(
        lambda: len(stream_records(target, REPLICA)) >= 1,
        timeout=15,
        what="the new write's record in us-west-2's stream",
    )
    time.sleep(4)  # longer than an invocation's writing: a leak would have shown by now

    # THEN both regions' streams and items hold only the post-reset write
    for region, client in ((PRIMARY, east), (REPLICA, west)):
        streamed = [r["dynamodb"]["Keys"]["pk"]["S"] for r in stream_records(target, region)]
        assert streamed == ["after#1"], f"{region}'s stream of the new table"
        items = [item["pk"]["S"] for item in client.scan(TableName=TABLE)["Items"]]
        assert items == ["after#1"], f"{region}'s items in the new table"
