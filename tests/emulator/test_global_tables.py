"""Global tables (2019.11.21) on the emulator: replicas, replication, last writer wins.

Everything runs against a real emulator server over HTTP with boto3, as a
user or the Terraform provider would reach it.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from moto_hook_pins import assert_hook_in_place, each_hook

from harness.emulator import process
from harness.emulator.global_tables import HOOKS
from harness.emulator.global_tables.replicas import NOT_FOUND
from harness.model import key_design
from harness.stack import targets
from harness.stack.terraform import Stack

PRIMARY, REPLICA = "us-east-1", "us-west-2"
TABLE = "university"
FIXTURE = Path(__file__).parent / "terraform"


# --- helpers ---------------------------------------------------------------


def start_emulator(state_dir: Path, **settings: float) -> process.RunningEmulator:
    """A private emulator process (the conftest helper of the same name, importable here)."""
    env = {f"EMULATOR_{name.upper()}": str(value) for name, value in settings.items()}
    running, _ = process.start(state_dir, port=process.free_port(), env=env)
    return running


def wait_until(check: Callable[[], object], timeout: float = 5.0, what: str = "condition"):
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {timeout} s (last: {result!r})")
        time.sleep(0.05)


def create_table(client, stream: bool = True, name: str = TABLE) -> None:
    client.create_table(
        **key_design.table_request(
            name,
            indexes=(key_design.index("studentID-index"),),
            stream_view_type="NEW_AND_OLD_IMAGES" if stream else None,
        )
    )


def add_replica(client, region: str = REPLICA, name: str = TABLE) -> dict:
    return client.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])


def key(pk: str, sk: str = "#details") -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def item(pk: str, sk: str = "#details", **attrs: str) -> dict:
    return {**key(pk, sk), **{name: {"S": value} for name, value in attrs.items()}}


def get(client, pk: str, sk: str = "#details") -> dict | None:
    return client.get_item(TableName=TABLE, Key=key(pk, sk), ConsistentRead=True).get("Item")


def stream_records(target, region: str, name: str = TABLE) -> list[dict]:
    """Every record in the table's stream in `region`, oldest first."""
    arn = target.client("dynamodb", region).describe_table(TableName=name)["Table"][
        "LatestStreamArn"
    ]
    streams = target.client("dynamodbstreams", region)
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records += page["Records"]
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records


@pytest.fixture
def east(local_target):
    return local_target.client("dynamodb", PRIMARY)


@pytest.fixture
def west(local_target):
    return local_target.client("dynamodb", REPLICA)


@pytest.fixture
def global_table(east, west):
    """The table in us-east-1 with a replica in us-west-2."""
    create_table(east)
    add_replica(east)
    return east, west


@pytest.fixture(scope="module")
def slow_replication(tmp_path_factory):
    """A private emulator whose replication takes 1 s, so writes in both regions truly race.

    Its TTL sweep runs every 0.5 s; the tables here enable TTL only where a test needs it.
    """
    state_dir = tmp_path_factory.mktemp("slow-replication")
    running = start_emulator(
        state_dir, replication_delay_seconds=1.0, ttl_sweep_interval_seconds=0.5
    )
    yield targets.local(running.endpoint_url, state_dir=state_dir / "state")
    process.stop(state_dir)


# --- replicas ----------------------------------------------------------------


def test_replica_is_a_full_copy_listed_active_in_both_regions(east, west):
    create_table(east, stream=False)
    east.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
    )
    east.put_item(TableName=TABLE, Item=item("course#101", title="Databases"))

    response = add_replica(east)["TableDescription"]

    assert response["Replicas"] == [{"RegionName": REPLICA, "ReplicaStatus": "ACTIVE"}]
    primary = east.describe_table(TableName=TABLE)["Table"]
    replica = west.describe_table(TableName=TABLE)["Table"]
    assert primary["GlobalTableVersion"] == replica["GlobalTableVersion"] == "2019.11.21"
    assert primary["Replicas"] == [{"RegionName": REPLICA, "ReplicaStatus": "ACTIVE"}]
    assert replica["Replicas"] == [{"RegionName": PRIMARY, "ReplicaStatus": "ACTIVE"}]
    assert "ReplicaTableClassSummary" not in str(primary), "Terraform would replace the replica"
    assert primary["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }, "adding a replica turns the source table's stream on"
    assert replica["StreamSpecification"] == primary["StreamSpecification"]
    assert replica["TableArn"] == primary["TableArn"].replace(PRIMARY, REPLICA)
    assert f":{REPLICA}:" in replica["LatestStreamArn"]
    for field in ("KeySchema", "AttributeDefinitions"):
        assert replica[field] == primary[field], field
    # Only the mode: LastUpdateToPayPerRequestDateTime is when each table's mode was set
    # (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BillingModeSummary.html),
    # and the replica's was set when it was created, after the source's.
    assert (
        replica["BillingModeSummary"]["BillingMode"] == primary["BillingModeSummary"]["BillingMode"]
    )
    assert [(i["IndexName"], i["KeySchema"]) for i in replica["GlobalSecondaryIndexes"]] == [
        (i["IndexName"], i["KeySchema"]) for i in primary["GlobalSecondaryIndexes"]
    ]
    assert west.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiresAt",
    }
    assert get(west, "course#101")["title"] == {"S": "Databases"}, "existing items are backfilled"
    assert TABLE in west.list_tables()["TableNames"]


def test_replica_region_has_its_own_pitr_and_tags(global_table):
    east, west = global_table
    replica_arn = west.describe_table(TableName=TABLE)["Table"]["TableArn"]

    west.update_continuous_backups(
        TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    west.tag_resource(ResourceArn=replica_arn, Tags=[{"Key": "team", "Value": "data"}])

    pitr = west.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    east_pitr = east.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
    assert east_pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    assert west.list_tags_of_resource(ResourceArn=replica_arn)["Tags"] == [
        {"Key": "team", "Value": "data"}
    ]


def test_group_wide_settings_reach_every_replica(global_table):
    east, west = global_table

    west.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
    )
    east.update_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "entityType", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "entityType-index",
                    "KeySchema": [{"AttributeName": "entityType", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )

    assert east.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiresAt",
    }
    indexes = west.describe_table(TableName=TABLE)["Table"]["GlobalSecondaryIndexes"]
    assert sorted(index["IndexName"] for index in indexes) == [
        "entityType-index",
        "studentID-index",
    ]


def test_deleting_a_replica_drops_its_table_and_keeps_the_source(global_table):
    east, west = global_table
    east.put_item(TableName=TABLE, Item=item("course#101"))

    response = east.update_table(
        TableName=TABLE, ReplicaUpdates=[{"Delete": {"RegionName": REPLICA}}]
    )

    assert "Replicas" not in response["TableDescription"]
    primary = east.describe_table(TableName=TABLE)["Table"]
    assert "Replicas" not in primary and "GlobalTableVersion" not in primary
    with pytest.raises(ClientError) as error:
        west.describe_table(TableName=TABLE)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert get(east, "course#101") is not None, "the source keeps its items"


def test_replica_can_be_removed_by_deleting_its_table(global_table):
    east, west = global_table
    west.delete_table(TableName=TABLE)

    assert "Replicas" not in east.describe_table(TableName=TABLE)["Table"]
    east.put_item(TableName=TABLE, Item=item("course#102"))
    create_table(west)  # a new, unrelated table of the same name
    time.sleep(0.5)
    assert west.scan(TableName=TABLE)["Items"] == [], "a removed region receives nothing"


def test_reset_forgets_replication_groups(global_table, emulator, local_target):
    import urllib.request

    urllib.request.urlopen(
        urllib.request.Request(emulator.endpoint_url + "/moto-api/reset", method="POST"), timeout=10
    ).close()
    east = local_target.client("dynamodb", PRIMARY)
    create_table(east)

    assert "Replicas" not in east.describe_table(TableName=TABLE)["Table"]
    assert local_target.client("dynamodb", REPLICA).list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        (
            [{"Create": {"RegionName": PRIMARY}}],
            "Cannot add or delete the local region through ReplicaUpdates",
        ),
        (
            [{"Create": {"RegionName": REPLICA}}],
            f"Failed to create a the new replica of table with name: '{TABLE}' because one or more "
            "replicas already existed as tables.",
        ),
        ([{"Delete": {"RegionName": "eu-west-1"}}], NOT_FOUND),
        ([{"Update": {"RegionName": "eu-west-1"}}], NOT_FOUND),
    ],
    ids=["local-region", "duplicate-create", "delete-non-member", "update-non-member"],
)
def test_replica_update_errors_use_aws_wording(global_table, updates, message):
    east, _ = global_table
    with pytest.raises(ClientError) as error:
        east.update_table(TableName=TABLE, ReplicaUpdates=updates)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert error.value.response["Error"]["Message"] == message


def test_replica_updates_refuse_what_aws_refuses(global_table, east, local_target):
    with pytest.raises(ClientError, match="cannot be combined"):
        east.update_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}],
        )
    with pytest.raises(ClientError, match="must stay enabled"):
        east.update_table(TableName=TABLE, StreamSpecification={"StreamEnabled": False})
    with pytest.raises(ClientError, match="STRONG"):
        east.update_table(
            TableName=TABLE,
            MultiRegionConsistency="STRONG",
            ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}],
        )
    east.create_table(
        TableName="provisioned",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    with pytest.raises(ClientError, match="Pay-Per-Request or AutoScaled"):
        add_replica(east, name="provisioned")
    local_target.client("application-autoscaling", PRIMARY).register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/provisioned",
        ScalableDimension="dynamodb:table:WriteCapacityUnits",
        MinCapacity=5,
        MaxCapacity=50,
    )
    add_replica(east, name="provisioned")  # autoscaled write capacity is accepted
    assert local_target.client("dynamodb", REPLICA).describe_table(TableName="provisioned")


# --- replication ---------------------------------------------------------------


def test_every_write_api_replicates_both_ways(global_table):
    east, west = global_table

    east.put_item(TableName=TABLE, Item=item("course#101", title="Databases"))
    wait_until(lambda: get(west, "course#101"), what="PutItem east -> west")
    west.put_item(TableName=TABLE, Item=item("course#102", title="Networks"))
    wait_until(lambda: get(east, "course#102"), what="PutItem west -> east")

    east.update_item(
        TableName=TABLE,
        Key=key("course#101"),
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "Data Systems"}},
    )
    wait_until(
        lambda: get(west, "course#101")["title"]["S"] == "Data Systems",
        what="UpdateItem east -> west",
    )

    west.delete_item(TableName=TABLE, Key=key("course#102"))
    wait_until(lambda: get(east, "course#102") is None, what="DeleteItem west -> east")

    east.batch_write_item(
        RequestItems={
            TABLE: [
                {"PutRequest": {"Item": item("course#103")}},
                {"DeleteRequest": {"Key": key("course#101")}},
            ]
        }
    )
    wait_until(
        lambda: get(west, "course#103") and get(west, "course#101") is None,
        what="BatchWriteItem east -> west",
    )

    west.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item("course#104")}},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key("course#103"),
                    "UpdateExpression": "SET title = :t",
                    "ExpressionAttributeValues": {":t": {"S": "Compilers"}},
                }
            },
        ]
    )
    wait_until(
        lambda: (
            get(east, "course#104") and get(east, "course#103").get("title") == {"S": "Compilers"}
        ),
        what="TransactWriteItems west -> east",
    )

    east.execute_statement(
        Statement=f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'course#105', 'sk': '#details'}}"
    )
    wait_until(lambda: get(west, "course#105"), what="PartiQL INSERT east -> west")
    east.execute_statement(
        Statement=f"DELETE FROM \"{TABLE}\" WHERE pk = 'course#105' AND sk = '#details'"
    )
    wait_until(lambda: get(west, "course#105") is None, what="PartiQL DELETE east -> west")

    assert (
        sorted(i["pk"]["S"] for i in west.scan(TableName=TABLE)["Items"])
        == sorted(i["pk"]["S"] for i in east.scan(TableName=TABLE)["Items"])
        == ["course#103", "course#104"]
    )
    assert set(get(east, "course#104")) == {"pk", "sk"}, "no replication attributes are visible"


def test_cancelled_transaction_replicates_nothing(global_table):
    east, west = global_table
    east.put_item(TableName=TABLE, Item=item("course#101", title="Databases"))
    wait_until(lambda: get(west, "course#101"), what="initial replication")

    with pytest.raises(ClientError, match="TransactionCanceled"):
        east.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("course#102")}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("course#101"),
                        "UpdateExpression": "SET title = :t",
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ExpressionAttributeValues": {":t": {"S": "Lost"}},
                    }
                },
            ]
        )
    east.put_item(TableName=TABLE, Item=item("course#199"))  # a marker written afterwards
    wait_until(lambda: get(west, "course#199"), what="marker replication")

    assert get(west, "course#102") is None
    assert get(west, "course#101")["title"] == {"S": "Databases"}


def test_concurrent_writes_to_one_key_converge_on_the_last_writer(slow_replication):
    east = slow_replication.client("dynamodb", PRIMARY)
    west = slow_replication.client("dynamodb", REPLICA)
    create_table(east)
    add_replica(east)

    # Both writes land before either region has heard of the other (replication takes 1 s).
    east.put_item(TableName=TABLE, Item=item("course#101", title="east, earlier"))
    west.put_item(TableName=TABLE, Item=item("course#101", title="west, later"))
    for region, client in ((PRIMARY, east), (REPLICA, west)):
        wait_until(
            lambda c=client: get(c, "course#101")["title"]["S"] == "west, later",
            what=f"last writer in {region}",
        )

    # A later delete beats an earlier update of the same item.
    east.put_item(TableName=TABLE, Item=item("course#102", title="first"))
    wait_until(lambda: get(west, "course#102"), what="initial replication")
    west.put_item(TableName=TABLE, Item=item("course#102", title="west, earlier"))
    east.delete_item(TableName=TABLE, Key=key("course#102"))
    time.sleep(1.5)  # longer than the replication delay: both changes have arrived
    assert get(east, "course#102") is None and get(west, "course#102") is None


def test_ttl_expiry_replicates_without_the_service_identity(slow_replication):
    east = slow_replication.client("dynamodb", PRIMARY)
    west = slow_replication.client("dynamodb", REPLICA)
    create_table(east, name="sessions")
    add_replica(east, name="sessions")
    east.update_time_to_live(
        TableName="sessions",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
    )
    expired = {**key("user#201", "session#s1"), "expiresAt": {"N": str(int(time.time()) - 60)}}
    # Written in us-west-2, already expired: its sweep deletes it there within 0.5 s.
    west.put_item(TableName="sessions", Item=expired)

    def removes_in_both_regions():
        found = {
            region: [
                r
                for r in stream_records(slow_replication, region, "sessions")
                if r["eventName"] == "REMOVE"
            ]
            for region in (PRIMARY, REPLICA)
        }
        return found if all(found.values()) else None

    removes = wait_until(removes_in_both_regions, timeout=10, what="a REMOVE in both regions")
    time.sleep(1.5)  # a replication delay more: no second delete may follow
    removes = removes_in_both_regions()
    for client in (east, west):
        assert "Item" not in client.get_item(
            TableName="sessions", Key=key("user#201", "session#s1")
        )
    assert all(len(records) == 1 for records in removes.values()), removes
    with_identity = [
        region
        for region, records in removes.items()
        if records[0].get("userIdentity", {}).get("Type") == "Service"
    ]
    # us-west-2 expired it first; us-east-1 either received that delete (a replicated
    # delete carries no service identity) or its own sweep got there first.
    assert REPLICA in with_identity, removes
    assert removes[REPLICA][0]["userIdentity"] == {
        "Type": "Service",
        "PrincipalId": "dynamodb.amazonaws.com",
    }, "GetRecords spells the identity as botocore's Identity shape"
    if len(with_identity) == 1:
        assert "userIdentity" not in removes[PRIMARY][0]


def test_racing_writers_leave_both_regions_identical(slow_replication):
    east = slow_replication.client("dynamodb", PRIMARY)
    west = slow_replication.client("dynamodb", REPLICA)
    create_table(east, name="race")
    add_replica(east, name="race")

    def writer(client, region):
        for n in range(15):
            client.put_item(TableName="race", Item=item("k", writer=region, n=str(n)))

    threads = [
        threading.Thread(target=writer, args=(c, r)) for c, r in ((east, PRIMARY), (west, REPLICA))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    def both():
        a = east.get_item(TableName="race", Key=key("k"))["Item"]
        b = west.get_item(TableName="race", Key=key("k"))["Item"]
        return a == b and a

    final = wait_until(both, timeout=5, what="convergence")
    assert final["n"] == {"S": "14"}, "the surviving value is one writer's last write"


def test_one_stream_record_per_region_per_user_write(global_table, local_target):
    east, west = global_table

    east.put_item(TableName=TABLE, Item=item("course#101", title="a"))
    east.update_item(
        TableName=TABLE,
        Key=key("course#101"),
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "b"}},
    )
    west.put_item(TableName=TABLE, Item=item("course#102"))
    wait_until(
        lambda: (get(west, "course#101") or {}).get("title") == {"S": "b"},
        what="the update reaching us-west-2",
    )
    west.delete_item(TableName=TABLE, Key=key("course#101"))

    expected = {"course#101": ["INSERT", "MODIFY", "REMOVE"], "course#102": ["INSERT"]}
    for region in (PRIMARY, REPLICA):
        wait_until(
            lambda r=region: len(stream_records(local_target, r)) >= 4,
            what=f"four records in {region}",
        )
    time.sleep(0.5)  # several replication delays: a loop would have added records by now
    for region in (PRIMARY, REPLICA):
        per_key: dict[str, list[str]] = {}
        for record in stream_records(local_target, region):
            pk = record["dynamodb"]["Keys"]["pk"]["S"]
            per_key.setdefault(pk, []).append(record["eventName"])
        assert per_key == expected, f"stream records in {region}"
    west_records = stream_records(local_target, REPLICA)
    modify = next(r for r in west_records if r["eventName"] == "MODIFY")
    assert modify["dynamodb"]["NewImage"]["title"] == {"S": "b"}
    assert modify["dynamodb"]["OldImage"]["title"] == {"S": "a"}


# --- Terraform -------------------------------------------------------------------


@pytest.fixture
def private_target(tmp_path):
    """A local target on an emulator of its own (Terraform runs are not reset between steps)."""
    running = start_emulator(tmp_path / "emulator")
    yield targets.local(running.endpoint_url, state_dir=tmp_path / "state")
    process.stop(tmp_path / "emulator")


class Timer:
    """Seconds per Terraform step, printed for the record (pytest -s); never asserted."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, action: Callable[[], object]):
        started = time.monotonic()
        try:
            return action()
        finally:
            self.seconds[name] = round(time.monotonic() - started, 1)


@pytest.mark.slow
@pytest.mark.xdist_group("terraform-replica-block")
def test_terraform_replica_block_applies_converges_and_destroys(private_target):
    west = private_target.client("dynamodb", REPLICA)
    stack = Stack(private_target, tf_dir=FIXTURE / "global_table")
    timer = Timer()
    stack.init()
    try:
        timer("apply", stack.apply)
        assert _changes(timer("plan", stack.plan)) == {}, "the plan after apply must be empty"
        replica = west.describe_table(TableName="gt-fixture")["Table"]
        pitr = west.describe_continuous_backups(TableName="gt-fixture")
        assert (
            pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
                "PointInTimeRecoveryStatus"
            ]
            == "ENABLED"
        )

        stack.extra_vars = {"owner_tag": "second"}
        timer("apply_tag_change", stack.apply)
        assert _changes(stack.plan()) == {}, "a tag change must converge"
        tags = west.list_tags_of_resource(ResourceArn=replica["TableArn"])["Tags"]
        assert sorted((tag["Key"], tag["Value"]) for tag in tags) == [
            ("environment", "local"),
            ("owner", "second"),
        ], "propagate_tags carries the new value to the replica, once"
    finally:
        timer("destroy", stack.destroy)
    for region in (PRIMARY, REPLICA):
        assert private_target.client("dynamodb", region).list_tables()["TableNames"] == [], region
    print(f"\nreplica {{}} fixture, seconds: {timer.seconds}")


@pytest.mark.slow
@pytest.mark.xdist_group("terraform-table-replica")
def test_terraform_table_replica_resource_applies_and_destroys(private_target):
    stack = Stack(private_target, tf_dir=FIXTURE / "table_replica")
    timer = Timer()
    stack.init()
    try:
        timer("apply", stack.apply)
        assert _changes(timer("plan", stack.plan)) == {}, "the plan after apply must be empty"
        primary = private_target.client("dynamodb").describe_table(TableName="gt-replica-fixture")[
            "Table"
        ]
        assert primary["Replicas"] == [{"RegionName": REPLICA, "ReplicaStatus": "ACTIVE"}]
    finally:
        timer("destroy", stack.destroy)
    for region in (PRIMARY, REPLICA):
        assert private_target.client("dynamodb", region).list_tables()["TableNames"] == [], region
    print(f"\naws_dynamodb_table_replica fixture, seconds: {timer.seconds}")


def _changes(plan) -> dict:
    return {
        address: change["change"]["actions"]
        for address, change in plan.resource_changes.items()
        if change["change"]["actions"] != ["no-op"]
    }


# --- hook guards -------------------------------------------------------------------


@each_hook(HOOKS)
def test_hooked_moto_attribute_is_where_we_expect(owner, name, parameters):
    assert_hook_in_place(
        owner,
        name,
        parameters,
        moved=": the global-tables extension wraps it; "
        "update harness/emulator/global_tables to the new moto",
        changed="re-check the wrapper in harness/emulator/global_tables",
    )


def test_moto_internals_the_extension_reads_are_present():
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    table_members = (
        "set_stream_specification",
        "all_items",
        "get_item",
        "hash_key_attr",
        "range_key_attr",
        "stream_specification",
        "ttl",
        "global_indexes",
        "indexes",
        "sse_specification",
        "billing_mode",
        "throughput",
    )
    source = inspect.getsource(Table)
    missing = [m for m in table_members if m not in source]
    assert not missing, f"moto's Table no longer has {missing}; global_tables reads them"
    assert "self.targets" in inspect.getsource(ApplicationAutoscalingBackend.__init__), (
        "moto's application-autoscaling backend no longer keeps `targets`; "
        "replicas.py checks autoscaled write capacity there"
    )
    assert "us-west-2" in dynamodb_backends["123456789012"].regions, (
        "moto's backend dict no longer lists `regions`; replicas.py validates regions with it"
    )
