"""The stream processor keeps aggregates exact: real handler, real emulator table.

Events are built the way DynamoDB Streams builds them (DynamoDB-JSON images,
increasing sequence numbers per shard); the handler's own module-level client
talks to the emulator through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import importlib
import json
import sys
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from harness import LAMBDA_SOURCE_DIR
from harness.model import key_design

TABLE = "university"
STREAM_ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/2025-01-01T00:00:00.000"
DAY = 24 * 60 * 60
_serializer = TypeSerializer()


# ---------------------------------------------------------------- factories


def course(course_id="101"):
    return {
        "pk": f"course#{course_id}",
        "sk": "#details",
        "entityType": "course",
        "courseID": course_id,
        "title": "Databases",
        "courseDate": "2025-09-15",
        "instructorID": "301",
    }


def assignment(assignment_id="a1", course_id="101", due="2025-10-01"):
    return {
        "pk": f"course#{course_id}",
        "sk": f"{due}#assignment#{assignment_id}",
        "entityType": "assignment",
        "assignmentID": assignment_id,
        "courseID": course_id,
        "title": "Normal forms",
        "dueDate": due,
    }


def profile(user_id="201"):
    return {
        "pk": f"user#{user_id}",
        "sk": "#profile",
        "entityType": "userProfile",
        "userID": user_id,
        "name": "Ana",
        "email": "ana@example.com",
    }


def instructor(instructor_id="301"):
    return {
        "pk": f"instructor#{instructor_id}",
        "sk": "#details",
        "entityType": "instructor",
        "instructorID": instructor_id,
        "name": "Dr. Codd",
    }


def student(student_id="201", course_id="101", **extra):
    return {
        "pk": f"course#{course_id}",
        "sk": f"student#{student_id}",
        "entityType": "student",
        "studentID": student_id,
        "courseID": course_id,
        "name": "Ana",
        "expiresAt": 1_900_000_000,
        **extra,
    }


def submission(student_id="201", grade=None, assignment_id="a1", course_id="101", due="2025-10-01"):
    item = {
        "pk": f"assignment#{assignment_id}",
        "sk": f"student#{student_id}",
        "entityType": "submission",
        "assignmentID": assignment_id,
        "studentID": student_id,
        "courseID": course_id,
        "assignmentPK": f"course#{course_id}",
        "assignmentSK": f"{due}#assignment#{assignment_id}",
    }
    if grade is not None:
        item["grade"] = grade
    return item


def order(order_id="o1001", amount="25.50", user_id="201", date="2025-03-15"):
    return {
        "pk": f"user#{user_id}",
        "sk": f"{date}#order#{order_id}",
        "entityType": "order",
        "orderID": order_id,
        "userID": user_id,
        "amount": Decimal(amount),
        "orderDate": date,
    }


def teaching(instructor_id="301", course_id="101"):
    return {
        "pk": f"instructor#{instructor_id}",
        "sk": f"course#{course_id}",
        "entityType": "teaching",
        "instructorID": instructor_id,
        "courseID": course_id,
        "title": "Databases",
    }


def image(item: dict) -> dict:
    return {name: _serializer.serialize(value) for name, value in item.items()}


class Shard:
    """Hands out records with increasing sequence numbers, like one stream shard."""

    def __init__(self, arn: str = STREAM_ARN, first: int = 99_999_999_999_999_999_990):
        self.arn = arn
        self.next_sequence = first  # crosses a power of ten soon: string order would break

    def record(
        self, name: str, old: dict | None = None, new: dict | None = None, ttl: bool = False
    ) -> dict:
        key_source = new or old
        stream = {
            "ApproximateCreationDateTime": 1_760_000_000,
            "Keys": image({"pk": key_source["pk"], "sk": key_source["sk"]}),
            "SequenceNumber": str(self.next_sequence),
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if new is not None:
            stream["NewImage"] = image(new)
        if old is not None:
            stream["OldImage"] = image(old)
        record = {
            "eventID": f"ev-{self.next_sequence}",
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "eventSourceARN": self.arn,
            "dynamodb": stream,
        }
        if ttl:
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        self.next_sequence += 1
        return record

    def insert(self, item):
        return self.record("INSERT", new=item)

    def modify(self, old, new):
        return self.record("MODIFY", old=old, new=new)

    def remove(self, item, ttl=False):
        return self.record("REMOVE", old=item, ttl=ttl)


def event(*records):
    return {"Records": list(records)}


def sequence_numbers(*records):
    return [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def table(emulator, monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ENDPOINT_URL": emulator.endpoint_url,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "TABLE_NAME": TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    resource = boto3.resource(
        "dynamodb", region_name="us-east-1", endpoint_url=emulator.endpoint_url
    )
    created = resource.create_table(**key_design.table_request(TABLE))
    for parent in (course(), course("102"), assignment(), profile(), instructor()):
        created.put_item(Item=parent)
    return created


@pytest.fixture
def handler(table, monkeypatch):
    """The deployed handler module, imported fresh so it reads this test's environment."""
    monkeypatch.syspath_prepend(str(LAMBDA_SOURCE_DIR))
    if "handler" in sys.modules:
        return importlib.reload(sys.modules["handler"])
    return importlib.import_module("handler")


def stats(table, pk: str) -> dict:
    """The aggregate item of partition `pk` ({} while the processor has not written it)."""
    key = {"pk": pk, "sk": "#stats"}
    return table.get_item(Key=key, ConsistentRead=True).get("Item", {})


def log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


class CountingClient:
    """Wraps the handler's client: counts writes, and can fail the k-th write."""

    def __init__(self, real, fail_on_write: int | None = None, error: str = "InternalServerError"):
        self.real = real
        self.writes = 0
        self.fail_on_write = fail_on_write
        self.error = error

    def update_item(self, **arguments):
        self.writes += 1
        if self.writes == self.fail_on_write:
            raise ClientError({"Error": {"Code": self.error, "Message": "injected"}}, "UpdateItem")
        return self.real.update_item(**arguments)

    def __getattr__(self, name):
        return getattr(self.real, name)


# ---------------------------------------------------------------- tests


def test_enrollment_raises_and_ttl_expiry_lowers_student_count(handler, table):
    shard = Shard()
    # GIVEN two students enrol in course 101 and one in 102
    result = handler.lambda_handler(
        event(
            shard.insert(student("201")),
            shard.insert(student("202")),
            shard.insert(student("203", course_id="102")),
        ),
        None,
    )
    # THEN both courses count their students
    assert result == {"batchItemFailures": []}
    assert stats(table, "course#101")["studentCount"] == 2
    assert stats(table, "course#102")["studentCount"] == 1
    # WHEN one enrollment expires by TTL and another student's name changes
    result = handler.lambda_handler(
        event(
            shard.remove(student("201"), ttl=True),
            shard.modify(student("202"), student("202", name="Bea")),
        ),
        None,
    )
    # THEN only the expiry counts
    assert result == {"batchItemFailures": []}
    assert stats(table, "course#101")["studentCount"] == 1


def test_submission_grades_drive_counts_and_average(handler, table):
    shard = Shard()
    # GIVEN two graded submissions and one not yet graded
    handler.lambda_handler(
        event(
            shard.insert(submission("201", 90)),
            shard.insert(submission("202", 81)),
            shard.insert(submission("203")),
        ),
        None,
    )
    item = stats(table, "assignment#a1")
    assert (item["submissionCount"], item["gradedCount"], item["gradeSum"]) == (3, 2, 171)
    assert item["averageGrade"] == Decimal("85.5")
    # WHEN a grade changes, the ungraded one gets a grade, and one loses its grade
    handler.lambda_handler(
        event(
            shard.modify(submission("201", 90), submission("201", 100)),
            shard.modify(submission("203"), submission("203", Decimal("70.25"))),
            shard.modify(submission("202", 81), submission("202")),
        ),
        None,
    )
    item = stats(table, "assignment#a1")
    assert (item["submissionCount"], item["gradedCount"], item["gradeSum"]) == (
        3,
        2,
        Decimal("170.25"),
    )
    assert item["averageGrade"] == Decimal("85.12")  # 85.125 rounded half to even
    # WHEN every submission is deleted
    handler.lambda_handler(
        event(
            shard.remove(submission("201", 100)),
            shard.remove(submission("203", Decimal("70.25"))),
            shard.remove(submission("202")),
        ),
        None,
    )
    # THEN the counts return to zero and the average disappears
    item = stats(table, "assignment#a1")
    assert (item["submissionCount"], item["gradedCount"], item["gradeSum"]) == (0, 0, 0)
    assert "averageGrade" not in item


def test_orders_and_amount_corrections_drive_profile_totals(handler, table):
    shard = Shard()
    handler.lambda_handler(
        event(
            shard.insert(order("o1", "25.50")),
            shard.insert(order("o2", "10.00")),
            shard.modify(order("o1", "25.50"), order("o1", "20.25")),
        ),
        None,
    )
    item = stats(table, "user#201")
    assert (item["orderCount"], item["totalSpent"]) == (2, Decimal("30.25"))
    handler.lambda_handler(event(shard.remove(order("o2", "10.00"))), None)
    item = stats(table, "user#201")
    assert (item["orderCount"], item["totalSpent"]) == (1, Decimal("20.25"))


def test_teaching_links_count_an_instructors_courses(handler, table):
    shard = Shard()
    handler.lambda_handler(
        event(
            shard.insert(teaching(course_id="101")),
            shard.insert(teaching(course_id="102")),
            shard.remove(teaching(course_id="101")),
        ),
        None,
    )
    assert stats(table, "instructor#301")["courseCount"] == 1


def test_a_record_delivered_twice_counts_once(handler, table):
    shard = Shard()
    first, second = shard.insert(student("201")), shard.insert(student("202"))
    # GIVEN a batch with a record repeated inside it
    handler.lambda_handler(event(first, first, second), None)
    # WHEN the whole batch is delivered again, then a later batch overlapping it
    handler.lambda_handler(event(first, first, second), None)
    third = shard.insert(student("203"))
    handler.lambda_handler(event(second, third), None)
    # THEN every enrollment counts exactly once
    assert stats(table, "course#101")["studentCount"] == 3


def test_sequence_numbers_compare_as_integers(handler, table):
    # GIVEN a shard whose sequence numbers gain a digit (…99 then 100…)
    shard = Shard(first=98)
    records = [shard.insert(student(str(n))) for n in range(4)]
    assert [r["dynamodb"]["SequenceNumber"] for r in records] == ["98", "99", "100", "101"]
    handler.lambda_handler(event(*records[:2]), None)
    # WHEN the next batch holds the longer numbers
    handler.lambda_handler(event(*records[2:]), None)
    # THEN they are newer, not "smaller as text"
    assert stats(table, "course#101")["studentCount"] == 4


def test_abc_grade_is_logged_and_ignored_while_the_rest_applies(handler, table, capsys):
    shard = Shard()
    bad = shard.insert(submission("201", "abc"))
    good = shard.insert(submission("202", 80))
    enrollment = shard.insert(student("202"))
    # WHEN a batch holds a submission whose grade is the string "abc"
    result = handler.lambda_handler(event(bad, good, enrollment), None)
    # THEN the shard is not held, the bad record is logged with its eventID, the rest applies
    assert result == {"batchItemFailures": []}
    item = stats(table, "assignment#a1")
    assert (item["submissionCount"], item["gradedCount"], item["averageGrade"]) == (1, 1, 80)
    assert stats(table, "course#101")["studentCount"] == 1
    lines = log_lines(capsys)
    problems = [line for line in lines if line.get("eventID") == bad["eventID"]]
    assert len(problems) == 1 and "grade" in problems[0]["reason"], lines
    batch_line = next(line for line in lines if line["message"] == "batch processed")
    assert batch_line["records"] == 3 and batch_line["failed"] == 0
    assert batch_line["problemImages"] == 1


def test_malformed_records_are_skipped_not_retried(handler, table, capsys):
    shard = Shard()
    no_key = shard.insert(student("201"))
    del no_key["dynamodb"]["Keys"]
    no_sequence = shard.insert(student("202"))
    no_sequence["dynamodb"]["SequenceNumber"] = "not-a-number"
    unknown = shard.insert({"pk": "course#101", "sk": "quiz#q1", "entityType": "quiz"})
    no_amount = shard.insert({**order("o9"), "amount": "ten"})
    good = shard.insert(student("203"))
    result = handler.lambda_handler(event(no_key, no_sequence, unknown, no_amount, good), None)
    assert result == {"batchItemFailures": []}
    assert stats(table, "course#101")["studentCount"] == 1
    assert "orderCount" not in stats(table, "user#201")
    logged = {line.get("eventID") for line in log_lines(capsys) if line["level"] == "WARNING"}
    assert logged == {r["eventID"] for r in (no_key, no_sequence, unknown, no_amount)}


def test_a_grade_fixed_from_abc_counts_and_a_grade_broken_to_abc_uncounts(handler, table):
    shard = Shard()
    handler.lambda_handler(
        event(shard.insert(submission("201", "abc")), shard.insert(submission("202", 60))), None
    )
    handler.lambda_handler(
        event(
            shard.modify(submission("201", "abc"), submission("201", 90)),
            shard.modify(submission("202", 60), submission("202", "x")),
        ),
        None,
    )
    item = stats(table, "assignment#a1")
    assert (item["submissionCount"], item["gradedCount"], item["gradeSum"]) == (1, 1, 90)


def test_writes_grow_with_aggregates_not_records(handler, table, monkeypatch, capsys):
    shard = Shard()
    counting = CountingClient(handler.DYNAMODB)
    monkeypatch.setattr(handler, "DYNAMODB", counting)
    records = [
        shard.insert(student(str(n), course_id="101" if n % 2 else "102")) for n in range(100)
    ]
    result = handler.lambda_handler(event(*records), None)
    assert result == {"batchItemFailures": []}
    assert counting.writes == 2, "one write per aggregate touched"
    assert stats(table, "course#101")["studentCount"] == 50
    batch_line = log_lines(capsys)[-1]
    assert (batch_line["records"], batch_line["writes"], batch_line["applied"]) == (100, 2, 100)


def test_changes_that_cancel_out_still_move_the_watermark(handler, table):
    shard = Shard()
    enrol, leave = shard.insert(student("201")), shard.remove(student("201"))
    handler.lambda_handler(event(enrol, leave), None)
    assert stats(table, "course#101").get("studentCount", 0) == 0
    # WHEN only the second half is delivered again (a retry from a later checkpoint)
    handler.lambda_handler(event(leave), None)
    # THEN it is recognised as applied, not subtracted again
    assert stats(table, "course#101").get("studentCount", 0) == 0


def test_a_failed_write_reports_its_records_and_the_retry_completes(handler, table, monkeypatch):
    shard = Shard()
    # aggregates are written in key order: course#101 first, then course#102, then user#201
    a = shard.insert(student("201", course_id="102"))
    b = shard.insert(student("202", course_id="101"))
    c = shard.insert(order("o1", "5"))
    d = shard.insert(student("203", course_id="102"))
    e = shard.insert(student("204", course_id="101"))
    monkeypatch.setattr(handler, "DYNAMODB", CountingClient(handler.DYNAMODB, fail_on_write=2))
    # WHEN the write to course#102 fails
    result = handler.lambda_handler(event(a, b, c, d, e), None)
    # THEN exactly its records are reported (the lowest is where Lambda resumes)
    assert result == {"batchItemFailures": sequence_numbers(a, d)}
    assert stats(table, "course#101")["studentCount"] == 2
    assert "studentCount" not in stats(table, "course#102")
    # WHEN Lambda retries from the lowest reported record
    monkeypatch.setattr(handler, "DYNAMODB", handler.DYNAMODB.real)
    result = handler.lambda_handler(event(a, b, c, d, e), None)
    # THEN everything counts exactly once
    assert result == {"batchItemFailures": []}
    assert stats(table, "course#101")["studentCount"] == 2
    assert stats(table, "course#102")["studentCount"] == 2
    assert stats(table, "user#201")["orderCount"] == 1


def test_a_concurrent_writer_makes_the_handler_reread_not_double_count(handler, table, monkeypatch):
    shard = Shard()
    first = shard.insert(student("201"))
    second = shard.insert(student("202"))
    handler.lambda_handler(event(first), None)
    real = handler.DYNAMODB

    class RacingClient(CountingClient):
        """Before the handler's first write, another invocation applies the same record."""

        def update_item(self, **arguments):
            if self.writes == 0:
                self.writes += 1
                saved = handler.DYNAMODB
                handler.DYNAMODB = real
                handler.lambda_handler(event(second), None)
                handler.DYNAMODB = saved
            return super().update_item(**arguments)

    racing = RacingClient(real)
    monkeypatch.setattr(handler, "DYNAMODB", racing)
    assert handler.lambda_handler(event(first, second), None) == {"batchItemFailures": []}
    assert stats(table, "course#101")["studentCount"] == 2


def test_a_child_counts_without_its_parent_and_parents_are_never_written(handler, table):
    shard = Shard()
    # GIVEN a student of course 999, whose course item does not exist (yet)
    result = handler.lambda_handler(event(shard.insert(student("201", course_id="999"))), None)
    # THEN the course's aggregate item is created by the processor and counts the student
    assert result == {"batchItemFailures": []}
    assert stats(table, "course#999")["studentCount"] == 1
    assert stats(table, "course#999")["entityType"] == "courseStats"
    # AND no course item appears, while existing parents stay exactly as users wrote them
    assert "Item" not in table.get_item(Key={"pk": "course#999", "sk": "#details"})
    assert table.get_item(Key={"pk": "course#101", "sk": "#details"})["Item"] == course()


def test_a_put_over_the_course_item_does_not_change_its_counts(handler, table):
    """Must show 4: parents hold no aggregate, so a PutItem that replaces one loses nothing."""
    shard = Shard()
    handler.lambda_handler(event(shard.insert(student("201")), shard.insert(student("202"))), None)
    # WHEN a user replaces the whole course item (PutItem), as applications do
    table.put_item(Item={**course(), "title": "Databases, 2nd edition"})
    handler.lambda_handler(event(shard.insert(student("203"))), None)
    # THEN the counts are untouched and keep counting
    assert stats(table, "course#101")["studentCount"] == 3
    roster = table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "course#101"}
    )["Items"]
    assert [item["sk"] for item in roster[:2]] == ["#details", "#stats"]


def test_grade_1e26_and_38_digit_amounts_sum_exactly(handler, table, capsys):
    """Must show 2. DynamoDB numbers: up to 38 significant digits, magnitudes 1E-130 to
    below 1E+126 (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
    HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number)."""
    shard = Shard()
    big = Decimal("1234567890123456789012345678901234567.8")  # 38 digits
    result = handler.lambda_handler(
        event(
            shard.insert(submission("201", Decimal("1E+26"))),
            shard.insert(submission("202", Decimal("1E+26"))),
            shard.insert(order("o1", str(big))),
            shard.insert(order("o2", "0.1")),
            shard.insert(order("o3", "1E-130", user_id="202")),
            shard.insert(order("o4", "2.5E-129", user_id="202")),
        ),
        None,
    )
    assert result == {"batchItemFailures": []}
    item = stats(table, "assignment#a1")
    assert (item["gradeSum"], item["averageGrade"]) == (Decimal("2E+26"), Decimal("1E+26"))
    # (written out: Python's default 28-digit context would round big + 0.1)
    assert stats(table, "user#201")["totalSpent"] == Decimal(
        "1234567890123456789012345678901234567.9"
    )
    assert stats(table, "user#202")["totalSpent"] == Decimal("2.6E-129")
    lines = log_lines(capsys)
    assert not [line for line in lines if line["level"] != "INFO"], lines


def test_a_sum_past_dynamodbs_range_is_a_problem_image_and_the_batch_succeeds(
    handler, table, capsys
):
    shard = Shard()
    huge = "9E+125"
    fits, overflows, too_precise = (
        shard.insert(order("o1", huge)),
        shard.insert(order("o2", huge)),
        shard.insert(order("o3", "1E-100")),
    )
    later = shard.insert(order("o4", "1"))
    result = handler.lambda_handler(event(fits, overflows, too_precise, later), None)
    # THEN the batch succeeds, the two records are logged with their eventIDs and skipped
    assert result == {"batchItemFailures": []}
    lines = log_lines(capsys)
    logged = {line.get("eventID") for line in lines if line["level"] == "WARNING"}
    assert logged == {overflows["eventID"], too_precise["eventID"], later["eventID"]}
    item = stats(table, "user#201")
    assert (item["orderCount"], item["totalSpent"]) == (1, Decimal(huge))
    batch_line = lines[-1]
    assert (batch_line["notStorable"], batch_line["failed"]) == (3, 0)
    # AND they are not retried: delivered again, nothing changes
    handler.lambda_handler(event(fits, overflows, too_precise, later), None)
    assert stats(table, "user#201")["orderCount"] == 1


def test_numbers_written_out_in_full_digits_are_read_exactly(handler):
    """DynamoDB returns a number such as 9E+125 written out, 9 and 125 zeros (seen from
    DynamoDB Local's GetItem after PutItem; on AWS: boto/boto3#2500, where 1E+100 comes
    back with 101 digits). It holds one significant digit, well inside DynamoDB's 38
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
    HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number), yet boto3's
    TypeDeserializer raises decimal.Rounded on it. The processor and the reconciler read
    aggregate items through store.plain, which must read it exactly."""
    store = importlib.import_module("stream_processor.store")
    full = "9" + "0" * 125
    raw = {
        "totalSpent": {"N": full},
        "negative": {"N": "-" + full},
        "zero": {"N": "0.000"},
        "marks": {"M": {"s": {"L": [{"N": "1" + "0" * 60}]}, "t": {"NS": [full, "2"]}}},
        "name": {"S": "9" + "0" * 125},
    }
    assert store.plain(raw) == {
        "totalSpent": Decimal("9E+125"),
        "negative": Decimal("-9E+125"),
        "zero": Decimal(0),
        "marks": {"s": [Decimal("1E+60")], "t": {Decimal("9E+125"), Decimal(2)}},
        "name": "9" + "0" * 125,
    }


def test_watermarks_of_other_streams_older_than_a_day_are_pruned(handler, table, monkeypatch):
    old_stream = Shard(arn=STREAM_ARN.replace("2025-01-01", "2024-01-01"))
    handler.lambda_handler(event(old_stream.insert(student("201"))), None)
    marks = stats(table, "course#101")["streamWatermarks"]
    assert list(marks) == [f"{old_stream.arn}|course#101"]
    # WHEN a record from the current stream arrives more than a day later
    import time as real_time

    later = real_time.time() + DAY + 60
    monkeypatch.setattr(handler.time, "time", lambda: later)
    handler.lambda_handler(event(Shard().insert(student("202"))), None)
    # THEN only the current stream's mark remains, and both enrollments count
    item = stats(table, "course#101")
    assert list(item["streamWatermarks"]) == [f"{STREAM_ARN}|course#101"]
    assert item["studentCount"] == 2


def test_the_batch_log_line_counts_records_writes_skipped_failed(handler, table, capsys):
    shard = Shard()
    records = [shard.insert(student("201")), shard.insert(order("o1"))]
    handler.lambda_handler(event(*records), None)
    handler.lambda_handler(event(*records, shard.insert(submission("201", "abc"))), None)
    line = log_lines(capsys)[-1]
    assert line["message"] == "batch processed"
    assert {k: line[k] for k in ("records", "writes", "skipped", "failed", "duplicates")} == {
        "records": 3,
        "writes": 0,
        "skipped": 3,
        "failed": 0,
        "duplicates": 2,
    }
