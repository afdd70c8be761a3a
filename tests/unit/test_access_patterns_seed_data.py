"""The seed data follows the key design, and gives the example queries something to find."""

import time
from collections import Counter
from decimal import Decimal

import pytest

from harness import TERRAFORM_DIR
from harness.model import key_design
from harness.stack import seed

ITEMS = seed.load_items()
SEED_TF = (TERRAFORM_DIR / "seed_data.tf").read_text()


def of_type(entity_type: str) -> list[dict]:
    return [item for item in ITEMS.values() if item["entityType"] == entity_type]


@pytest.mark.parametrize("key", sorted(ITEMS))
def test_every_seed_item_follows_its_entitys_key_design(key):
    item = ITEMS[key]
    entity = key_design.entity(item["entityType"])
    assert entity.key_mismatches(item) == [], key
    unexpected = set(item) - {key_design.PARTITION_KEY, key_design.SORT_KEY, *entity.attributes}
    assert not unexpected, f"{key}: attributes not in the key design: {sorted(unexpected)}"
    missing = set(entity.attributes) - set(item)
    assert not missing, f"{key}: lacks {sorted(missing)}"


def test_the_seed_holds_every_entity_users_write_and_only_strings_and_numbers():
    # The aggregate items (those with derived attributes) come from the stream Lambda alone.
    assert Counter(item["entityType"] for item in ITEMS.values()).keys() == {
        entity.entity_type for entity in key_design.ENTITIES if not entity.derived
    }
    for item in ITEMS.values():
        assert all(isinstance(value, str | Decimal) for value in item.values()), item


def test_keys_are_unique():
    keys = Counter((item["pk"], item["sk"]) for item in ITEMS.values())
    assert [key for key, count in keys.items() if count > 1] == []


def test_the_four_example_queries_have_data_to_find():
    roster = [item for item in of_type("student") if item["pk"] == "course#101"]
    assert len(roster) >= 2 and "201" in {item["studentID"] for item in roster}
    orders = [item for item in of_type("order") if item["pk"] == "user#201"]
    assert sum(item["sk"].startswith("2025-") for item in orders) >= 3
    assert any(item["sk"].startswith("2024-") for item in orders)
    dates = [item["courseDate"] for item in of_type("course")]
    assert any("2025-09-01" <= day <= "2025-12-31" for day in dates)
    assert any(not "2025-09-01" <= day <= "2025-12-31" for day in dates)


def test_numbers_are_numbers_where_aggregates_need_them():
    assert all(isinstance(item["grade"], Decimal) for item in of_type("submission"))
    assert all(isinstance(item["amount"], Decimal) for item in of_type("order"))


def test_every_submission_belongs_to_an_assignment_of_its_course():
    assignments = {(item["assignmentID"], item["courseID"]) for item in of_type("assignment")}
    for item in of_type("submission"):
        assert (item["assignmentID"], item["courseID"]) in assignments, item


def test_expiry_times_lie_years_ahead_so_ttl_never_deletes_seed_items():
    # An expired seed item would be deleted by TTL and re-created by every apply.
    five_years_from_2025 = 1893456000 - 1
    expiring = [item for item in ITEMS.values() if key_design.TTL_ATTRIBUTE in item]
    assert expiring
    assert all(
        item[key_design.TTL_ATTRIBUTE] > max(time.time(), five_years_from_2025) for item in expiring
    )


def test_the_seed_leaves_derived_attributes_to_the_lambda():
    derived = {name for entity in key_design.ENTITIES for name in entity.derived}
    assert [key for key, item in ITEMS.items() if derived & set(item)] == []


def test_terraform_owns_every_seed_item_outright():
    # The Lambda writes only #stats items, none of them seeded: no drift to ignore, no order.
    code = "\n".join(line for line in SEED_TF.splitlines() if not line.lstrip().startswith("#"))
    assert "ignore_changes" not in code and "depends_on" not in code
    assert not [key for key, item in ITEMS.items() if item["sk"] == key_design.STATS_SK]


def test_seed_data_tf_reads_no_clock():
    code = [line for line in SEED_TF.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if "timestamp(" in line]


def test_the_key_design_check_catches_a_key_that_disagrees_with_its_attributes():
    item = dict(ITEMS["submission-a1-201"], sk="student#202")
    assert key_design.entity("submission").key_mismatches(item) == [
        "sk 'student#202' says studentID='202' but the item has '201'"
    ]
    assert key_design.entity("order").key_mismatches(
        {"pk": "user#201", "sk": "o1001", "userID": "201"}
    ) == ["sk 'o1001' does not match '<orderDate>#order#<orderID>'"]
