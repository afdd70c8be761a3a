"""What each access pattern must answer on the seed data (keys, in order), and the table.

Shared by the emulator-backed catalog tests (tests/unit) and the tests on the
applied stack (tests/integration). Written out by hand from
terraform/seed_items.json, so a change in the seed or a query shows up as a
diff a reader can check.
"""

from harness.model import key_design
from harness.ops import reconciler
from harness.stack import seed, targets

# expiresAt of session s1 (and of student 201's enrollments): 2030-01-01T00:00:00Z.
SESSION_S1_EXPIRES = 1893456000

# (pattern, parameters, the (pk, sk) of every item returned, in order)
CASES = [
    (
        "students-in-course",
        {"course": "101"},
        [
            ("course#101", "student#201"),
            ("course#101", "student#202"),
            ("course#101", "student#203"),
        ],
    ),
    (
        "user-orders",
        {"user": "201", "start": "2025-01-01", "end": "2025-12-31"},
        [
            ("user#201", "2025-03-15#order#o1001"),
            ("user#201", "2025-06-02#order#o1002"),
            ("user#201", "2025-11-28#order#o1003"),
        ],
    ),
    (
        "user-orders",
        {"user": "201"},
        [
            ("user#201", "2024-12-20#order#o0990"),
            ("user#201", "2025-03-15#order#o1001"),
            ("user#201", "2025-06-02#order#o1002"),
            ("user#201", "2025-11-28#order#o1003"),
        ],
    ),
    (  # both ends of a date range are inclusive
        "user-orders",
        {"user": "201", "start": "2025-06-02", "end": "2025-11-28"},
        [("user#201", "2025-06-02#order#o1002"), ("user#201", "2025-11-28#order#o1003")],
    ),
    (
        "student-by-id",
        {"student": "201"},
        [("course#101", "student#201"), ("course#102", "student#201")],
    ),
    (
        "courses-in-range",
        {"start": "2025-09-01", "end": "2025-12-31"},
        [("course#101", "#details"), ("course#102", "#details")],
    ),
    (  # ordered by start date, not by course ID
        "courses-in-range",
        {"start": "2025-01-01", "end": "2026-12-31"},
        [
            ("course#104", "#details"),
            ("course#101", "#details"),
            ("course#102", "#details"),
            ("course#103", "#details"),
        ],
    ),
    (  # the count comes in the same Query, from the item only the stream Lambda writes
        "course-with-roster",
        {"course": "101"},
        [
            ("course#101", "#details"),
            ("course#101", "#stats"),
            ("course#101", "student#201"),
            ("course#101", "student#202"),
            ("course#101", "student#203"),
        ],
    ),
    (
        "instructor-courses",
        {"instructor": "301"},
        [
            ("instructor#301", "#stats"),
            ("instructor#301", "course#101"),
            ("instructor#301", "course#103"),
        ],
    ),
    (
        "course-assignments",
        {"course": "101"},
        [
            ("course#101", "2025-10-01#assignment#a1"),
            ("course#101", "2025-10-15#assignment#a2"),
            ("course#101", "2025-11-05#assignment#a3"),
        ],
    ),
    (
        "course-assignments",
        {"course": "101", "start": "2025-10-02", "end": "2025-11-05"},
        [("course#101", "2025-10-15#assignment#a2"), ("course#101", "2025-11-05#assignment#a3")],
    ),
    (
        "assignment-submissions",
        {"assignment": "a1"},
        [
            ("assignment#a1", "#stats"),
            ("assignment#a1", "student#201"),
            ("assignment#a1", "student#202"),
            ("assignment#a1", "student#203"),
        ],
    ),
    (
        "student-submissions",
        {"student": "201"},
        [
            ("assignment#a1", "student#201"),
            ("assignment#a2", "student#201"),
            ("assignment#a4", "student#201"),
        ],
    ),
    ("user-profile", {"user": "201"}, [("user#201", "#profile"), ("user#201", "#stats")]),
    (
        "order-transactions",
        {"order": "o1003"},
        [
            ("order#o1003", "txn#2025-11-28T19:45:00Z#t4"),
            ("order#o1003", "txn#2025-12-02T09:10:00Z#t5"),
        ],
    ),
    (
        "user-active-sessions",
        {"user": "201"},
        [("user#201", "session#s1"), ("user#201", "session#s2")],
    ),
    (  # at the very second s1 expires it is no longer active; s2 lasts an hour longer
        "user-active-sessions",
        {"user": "201", "now": SESSION_S1_EXPIRES},
        [("user#201", "session#s2")],
    ),
]


def case_id(case) -> str:
    name, params, _ = case
    return name + "".join(f" --{key} {value}" for key, value in params.items())


def keys(items) -> list[tuple[str, str]]:
    return [(item["pk"], item["sk"]) for item in items]


def seed_with_aggregates(table) -> None:
    """The seed items and the `#stats` items the stream Lambda derives from them, as
    `invoke setup` leaves the table (here no Lambda runs, so the reconciler computes them)."""
    items = seed.load_items()
    seed.put_items(table, items)
    with table.batch_writer() as batch:
        for item in reconciler.aggregate_items(items.values()):
            batch.put_item(Item=item)


def create_table(target: targets.Target):
    """The table as terraform/modules/table declares it: keys, both GSIs, TTL."""
    client = target.client("dynamodb")
    client.create_table(**key_design.table_request(indexes=key_design.INDEXES))
    client.update_time_to_live(
        TableName=key_design.TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": key_design.TTL_ATTRIBUTE},
    )
    return target.resource("dynamodb").Table(key_design.TABLE_NAME)
