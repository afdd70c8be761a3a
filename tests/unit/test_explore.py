"""The parts of `invoke explore` that need no stack: the Workbench export, how stream
records are read, replica lag, the request shown for an access pattern, and the guards
(loopback only, read-only unless allowed)."""

from __future__ import annotations

import json
import os
import shlex
import socket

import pytest
from boto3.dynamodb.types import TypeDeserializer
from invoke_cli import assert_one_clear_line, run_invoke

from harness import REPO_ROOT, HarnessError
from harness.explore import live, pattern_query, server, tour, workbench
from harness.model import access_patterns, key_design
from harness.stack import seed, targets


def test_export_workbench_writes_a_format_3_model_with_both_indexes_and_every_item(tmp_path):
    """Workbench's data-model files carry ModelMetadata.Version "3.0" (the version its 3.x
    exports write); items are DynamoDB JSON in the table's TableData."""
    out = tmp_path / "model.json"
    env = {**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")}
    result = run_invoke(env, "explore", "--export-workbench", str(out))
    assert result.returncode == 0, result.stderr
    assert "format 3.0" in result.stdout

    model = json.loads(out.read_text())
    assert model["ModelMetadata"]["Version"] == "3.0"
    assert model["ModelMetadata"]["AWSService"] == "Amazon DynamoDB"
    (table,) = model["DataModel"]
    assert table["TableName"] == key_design.TABLE_NAME
    assert table["KeyAttributes"]["PartitionKey"]["AttributeName"] == "pk"
    assert table["KeyAttributes"]["SortKey"]["AttributeName"] == "sk"
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"studentID-index", "entityType-courseDate-index"}
    assert "SortKey" not in indexes["studentID-index"]["KeyAttributes"]
    assert indexes["entityType-courseDate-index"]["KeyAttributes"]["SortKey"] == {
        "AttributeName": "courseDate",
        "AttributeType": "S",
    }
    deserialize = TypeDeserializer().deserialize
    exported = [{k: deserialize(v) for k, v in item.items()} for item in table["TableData"]]
    seeded = list(seed.load_items().values())
    key = lambda item: (item["pk"], item["sk"])  # noqa: E731
    assert sorted(exported, key=key) == sorted(seeded, key=key)
    facets = {facet["FacetName"]: facet for facet in table["TableFacets"]}
    assert set(facets) == {entity.entity_type for entity in key_design.ENTITIES}
    assert facets["course"]["KeyAttributeAlias"] == {
        "PartitionKeyAlias": "course#<courseID>",
        "SortKeyAlias": "#details",
    }
    declared = {attribute["AttributeName"] for attribute in table["NonKeyAttributes"]}
    for facet in facets.values():
        assert set(facet["NonKeyAttributes"]) <= declared


def test_attribute_types_are_workbench_type_codes():
    assert [workbench.attribute_type(v) for v in ("a", 3, 1.5, True, {"a": 1}, [1])] == [
        "S",
        "N",
        "N",
        "BOOL",
        "M",
        "L",
    ]


def stream_record(event_name: str, old: dict | None, new: dict | None, identity=None) -> dict:
    """A record shaped as GetRecords returns it (API_streams_Record.html)."""
    body = {"Keys": {"pk": {"S": "course#104"}, "sk": {"S": "#details"}}, "SequenceNumber": "7"}
    if old is not None:
        body["OldImage"] = old
    if new is not None:
        body["NewImage"] = new
    record = {"eventID": "e1", "eventName": event_name, "dynamodb": body}
    if identity:
        record["userIdentity"] = identity
    return record


def test_a_modify_record_names_its_changes_and_the_derived_ones():
    # The aggregates live in the course's #stats item (courseStats), which only the Lambda writes.
    old = {"pk": {"S": "course#104"}, "sk": {"S": "#stats"}, "entityType": {"S": "courseStats"}}
    new = {**old, "studentCount": {"N": "1"}, "title": {"S": "x"}}
    described = live.describe_record(stream_record("MODIFY", old, new), "us-east-1")
    assert described["key"][0] == "course#104"  # the helper's Keys are fixed
    assert {c["name"]: (c["old"], c["new"]) for c in described["changes"]} == {
        "studentCount": (None, 1),
        "title": (None, "x"),
    }
    derived = set(key_design.entity("courseStats").derived)
    assert [c["name"] for c in described["aggregates"]] == sorted({"studentCount"} & derived)


def test_a_ttl_removal_carries_the_service_identity_in_the_lambda_spelling():
    """GetRecords says Identity {Type, PrincipalId}; AWS's TTL page and the Lambda event say
    userIdentity {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    (time-to-live-ttl-streams.html)."""
    old = {"pk": {"S": "user#202"}, "sk": {"S": "session#s9"}, "entityType": {"S": "session"}}
    identity = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    described = live.describe_record(stream_record("REMOVE", old, None, identity), "us-east-1")
    assert described["userIdentity"] == tour.SERVICE_IDENTITY
    assert described["newImage"] is None and described["changes"]


def test_the_same_change_on_two_regions_streams_gives_the_replica_lag():
    feed = live.Feed()
    tracker = live.ReplicationTracker(feed)
    new = {"pk": {"S": "user#202"}, "sk": {"S": "session#w"}, "entityType": {"S": "session"}}
    west = live.describe_record(stream_record("INSERT", None, new), "us-west-2")
    east = live.describe_record(stream_record("INSERT", None, new), "us-east-1")
    tracker.observe(west)
    tracker.observe({**west, "receivedAt": west["receivedAt"] + 0.1})  # same region: no lag
    assert not [event for event in feed.after(0) if event[1] == "replication"]
    tracker.observe({**east, "receivedAt": west["receivedAt"] + 0.25})
    (replication,) = [data for _, kind, data in feed.after(0) if kind == "replication"]
    assert replication["from"] == "us-west-2" and replication["to"] == "us-east-1"
    assert replication["lagMs"] == 250
    assert feed.state["lag"]["us-east-1"]["lagMs"] == 250


def test_the_region_that_wrote_is_the_origin_even_when_its_record_is_read_second():
    """Each region's stream is polled on its own, so the replica's record can be read
    first; the page knows where it wrote, and the lag is never negative."""
    feed = live.Feed()
    tracker = live.ReplicationTracker(feed)
    new = {"pk": {"S": "user#202"}, "sk": {"S": "session#w"}, "entityType": {"S": "session"}}
    east = live.describe_record(stream_record("INSERT", None, new), "us-east-1")
    west = live.describe_record(stream_record("INSERT", None, new), "us-west-2")
    tracker.note_write(east["key"], "us-west-2")
    tracker.observe(east)
    tracker.observe({**west, "receivedAt": east["receivedAt"] + 0.05})
    (replication,) = [data for _, kind, data in feed.after(0) if kind == "replication"]
    assert (replication["from"], replication["to"]) == ("us-west-2", "us-east-1")
    assert replication["lagMs"] == 0


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("students-in-course", {"course": ""}),
        ("courses-in-range", {"start": "2025-13-01", "end": "2025-12-31"}),
        ("courses-in-range", {"start": "2025-12-01", "end": "2025-01-01"}),
        ("user-active-sessions", {"user": "201", "now": "soon"}),
    ],
)
def test_the_form_is_validated_exactly_as_the_cli_validates(name, form):
    target = targets.local("http://127.0.0.1:1")  # never reached: validation comes first
    with pytest.raises(HarnessError) as from_cli:
        access_patterns.parse_cli_params(name, {k: v or None for k, v in form.items()})
    with pytest.raises(HarnessError) as from_page:
        pattern_query.run(target, key_design.TABLE_NAME, name, form)
    assert str(from_page.value) == str(from_cli.value)


def test_the_boto3_call_and_cli_command_carry_the_whole_request():
    pattern = access_patterns.get("course-with-roster")
    request = pattern.query_request("university", pattern.bind({"course": "101"}))
    target = targets.local("http://127.0.0.1:4566")
    code = pattern_query.boto3_call(request, target)
    compile(code, "<boto3 call>", "exec")
    assert "endpoint_url='http://127.0.0.1:4566'" in code
    for name in request:
        assert f"    {name}=" in code

    words = shlex.split(pattern_query.cli_command(request, target))
    assert words[:3] == ["aws", "dynamodb", "query"]
    options = dict(zip(words[3::2], words[4::2], strict=True))
    assert options["--filter-expression"] == request["FilterExpression"]
    assert (
        json.loads(options["--expression-attribute-values"])
        == (request["ExpressionAttributeValues"])
    )
    assert options["--endpoint-url"] == "http://127.0.0.1:4566"


def test_the_page_listens_on_loopback_only_and_names_a_taken_port():
    assert server.HOST == "127.0.0.1"
    with socket.socket() as taken:
        taken.bind((server.HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HarnessError, match=f"port {port} on 127.0.0.1 is taken"):
            server.check_port(port)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "the local emulator is not running"),
        (("--page-port", "http"), "--page-port must be a port number, got 'http'"),
        (("--target", "prod"), "unknown target 'prod'"),
    ],
)
def test_explore_fails_with_one_clear_line(tmp_path, args, expected):
    env = {**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")}
    assert_one_clear_line(run_invoke(env, "explore", "--no-browser", *args), expected)


def test_the_tour_refuses_to_write_unless_writes_are_allowed():
    aws = targets.Target("aws")
    with pytest.raises(HarnessError, match="read-only on target aws.*--allow-writes"):
        tour.Tour(aws, key_design.TABLE_NAME, allow_writes=False).run("enrol")


def test_the_tour_finds_each_aggregate_where_the_key_design_derives_it():
    assert "studentCount" in tour.aggregate_of("studentCount").derived
    with pytest.raises(HarnessError):
        tour.aggregate_of("noSuchCount")


def test_readme_shows_the_table_view_screenshot_and_the_command_that_makes_it():
    readme = (REPO_ROOT / "README.org").read_text()
    assert "invoke explore --screenshot docs/explore.png" in readme
    assert "[[file:docs/explore.png]]" in readme
    png = (REPO_ROOT / "docs" / "explore.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
