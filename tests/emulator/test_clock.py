"""The emulator's clock: speed, advance, and everything that reads it.

AWS's time rules (MaximumRecordAgeInSeconds >= 60 s, API_CreateEventSourceMapping.html;
24 h stream retention; TTL expiry, howitworks-ttl.html) are validated as AWS validates them;
making time pass faster is the emulator's own control, so these tests check the control.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from test_stream_support import StreamScenario, advance_clock, wait_for

from harness.emulator import process
from harness.emulator.clock import Clock
from harness.emulator.server import Settings


def test_speed_scales_time_and_advance_jumps():
    clock = Clock(speed=100)
    before, epoch_before = clock.monotonic(), clock.now()
    time.sleep(0.05)
    elapsed = clock.monotonic() - before
    assert 4.0 <= elapsed <= 15.0, elapsed
    clock.advance(3600)
    assert clock.now() - epoch_before >= 3600 + 4.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set_speed(0)


def test_set_speed_keeps_time_continuous_and_reset_returns_to_real_time():
    clock = Clock()
    clock.advance(100)
    clock.set_speed(1000)
    assert clock.now() - time.time() >= 99.9
    clock.reset(speed=1)
    assert abs(clock.now() - time.time()) < 0.5
    assert clock.speed == 1


def test_a_sleeper_wakes_when_the_clock_is_advanced_and_when_told_to_stop():
    clock = Clock()
    finished = []
    sleeper = threading.Thread(target=lambda: finished.append(clock.sleep(3600)))
    sleeper.start()
    time.sleep(0.1)
    clock.advance(3600)
    sleeper.join(timeout=2)
    assert finished == [False]
    stop = threading.Event()
    stop.set()
    assert clock.sleep(3600, stop) is True


def test_the_speed_comes_from_emulator_clock_speed():
    assert Settings.from_env({"EMULATOR_CLOCK_SPEED": "60"}).clock_speed == 60.0
    assert Settings.from_env({}).clock_speed == 1.0


def clock_request(endpoint_url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint_url + "/_emulator/clock", data=data)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_the_clock_endpoint_moves_time_and_a_reset_puts_it_back(emulator):
    assert abs(clock_request(emulator.endpoint_url)["ahead_seconds"]) < 1
    answer = advance_clock(emulator.endpoint_url, 90)
    assert 89 < answer["ahead_seconds"] < 91
    with pytest.raises(urllib.error.HTTPError) as raised:
        clock_request(emulator.endpoint_url, {"advance_seconds": -5})
    assert raised.value.code == 400
    assert "only moves forward" in json.loads(raised.value.read())["message"]
    with pytest.raises(urllib.error.HTTPError):
        clock_request(emulator.endpoint_url, {"rewind": 5})
    reset = urllib.request.Request(emulator.endpoint_url + "/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    assert abs(clock_request(emulator.endpoint_url)["ahead_seconds"]) < 1


def test_stream_records_are_stamped_with_the_emulators_clock(emulator):
    """ApproximateCreationDateTime is the write's time in epoch seconds (Streams API
    reference, StreamRecord); in the emulator that is the emulator's time."""
    scenario = StreamScenario.create(emulator.endpoint_url, Enabled=False)
    advance_clock(emulator.endpoint_url, 7200)
    scenario.put("k1")
    streams = scenario.aws["dynamodbstreams"]
    shard = streams.describe_stream(StreamArn=scenario.stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=scenario.stream_arn,
        ShardId=shard[0]["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    record = streams.get_records(ShardIterator=iterator)["Records"][0]
    stamped = record["dynamodb"]["ApproximateCreationDateTime"].timestamp()
    assert 7100 < stamped - time.time() < 7300


@pytest.fixture
def fast_sweeping_emulator(tmp_path):
    running = process.start_private(tmp_path, ttl_sweep_interval_seconds=0.3)
    yield running
    process.stop(tmp_path)


@pytest.mark.slow
def test_ttl_expiry_follows_the_emulators_clock(fast_sweeping_emulator):
    """An item whose TTL is an hour away (howitworks-ttl.html: deleted after its epoch)
    is deleted once the emulator's clock has moved an hour on, and not before."""
    endpoint = fast_sweeping_emulator.endpoint_url
    scenario = StreamScenario.create(endpoint, Enabled=False, ttl_attribute="expiresAt")
    scenario.put("k1", expiresAt={"N": str(int(time.time()) + 3600)})
    time.sleep(1.0)
    assert scenario.aws["dynamodb"].scan(TableName="source")["Count"] == 1
    advance_clock(endpoint, 3601)
    wait_for(lambda: scenario.aws["dynamodb"].scan(TableName="source")["Count"] == 0)
