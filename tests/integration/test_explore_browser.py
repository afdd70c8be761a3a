"""`invoke explore` in a real browser (headless Chromium, Debian's packages) against the
session's applied stack: what a learner sees must be what the table holds.

Skipped with the reason where no browser is installed; under CI (CI=true) a missing
browser fails instead, because .ci/run installs it.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from stack_writes import enrol

from harness.explore import browser
from harness.explore.app import Explorer, create_app
from harness.explore.server import ServerThread
from harness.model import key_design
from harness.model.access_patterns import plain_item
from harness.stack import seed

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def driver():
    reason = browser.missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {reason}")
        pytest.skip(f"browser tests need headless Chromium: {reason}")
    chromium = browser.chromium()
    chromium.implicitly_wait(0)
    yield chromium
    chromium.quit()


@pytest.fixture(scope="module")
def explorer_url(stack):
    explorer = Explorer.from_outputs(stack.target, stack.outputs, allow_writes=True)
    with ServerThread(create_app(explorer)) as url:
        yield url


@pytest.fixture
def page(driver, explorer_url):
    driver.get(explorer_url)
    wait_for(
        driver,
        lambda: driver.execute_script(
            "const data = document.body.dataset;"
            "return data.loaded === 'true' && data.live === 'connected'"
        ),
        20,
        "the page never loaded the table and connected to the live feed",
    )
    return driver


def wait_for(driver, condition, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (after {timeout} s)")
        time.sleep(0.05)


class Snapshot:
    """An element as it was when read: the page re-renders on every stream record, so
    elements are read in one script call instead of through stale references."""

    def __init__(self, attributes: dict):
        self.attributes = attributes

    def get_attribute(self, name: str) -> str | None:
        return self.attributes.get(name)


SNAPSHOT = """
return [...document.querySelectorAll(arguments[0])].map((node) => Object.assign(
  Object.fromEntries([...node.attributes].map((a) => [a.name, a.value])),
  {textContent: node.textContent}));
"""


def css(driver, selector: str) -> list[Snapshot]:
    return [Snapshot(found) for found in driver.execute_script(SNAPSHOT, selector)]


def text(element) -> str:
    return (element.get_attribute("textContent") or "").strip()


def click(driver, selector: str) -> None:
    driver.execute_script("document.querySelector(arguments[0]).click()", selector)


def click_tab(driver, view: str) -> None:
    click(driver, f'#tabs button[data-view="{view}"]')


def attribute_value(driver, pk: str, name: str) -> str | None:
    """The value the table view shows for attribute `name` in collection `pk` (any item)."""
    chips = css(driver, f'#table-view tbody[data-pk="{pk}"] span.attr[data-name="{name}"] .value')
    return text(chips[0]) if chips else None


def test_table_view_shows_every_entity_course_101_and_the_sparse_student_index(page, stack):
    shown = {row.get_attribute("data-entity") for row in css(page, "#table-view tr.item")}
    seeded = {item["entityType"] for item in seed.load_items().values()}
    assert seeded <= shown, f"entity types missing from the table view: {seeded - shown}"

    rows = css(page, '#table-view tbody[data-pk="course#101"] tr.item')
    sort_keys = [row.get_attribute("data-sk") for row in rows]
    assert {"#details", "student#201", "student#202", "student#203"} <= set(sort_keys)
    assert sort_keys == sorted(sort_keys), "an item collection is ordered by sort key"
    wait_for(
        page,
        lambda: attribute_value(page, "course#101", "studentCount") == "3",
        15,
        "course#101's studentCount is not shown as 3",
    )
    chip = css(page, '#table-view tbody[data-pk="course#101"] span.attr[data-name="studentCount"]')
    assert "derived" in chip[0].get_attribute("class"), "the count is marked as derived"

    for facet in key_design.ENTITIES:  # one facet per entity type, with its key pattern
        section = css(page, f'#facets-view section.facet[data-entity="{facet.entity_type}"]')
        assert section and f"pk {facet.pk} · sk {facet.sk}" in " ".join(text(section[0]).split())
    facet_rows = css(page, '#facets-view section.facet[data-entity="course"] tr.item')
    assert {row.get_attribute("data-pk") for row in facet_rows} >= {"course#101", "course#104"}

    def alarms() -> set[str]:
        return {li.get_attribute("data-alarm") for li in css(page, "#alarms li.alarm")}

    expected = set(stack.outputs["alarm_names"])
    wait_for(page, lambda: alarms() == expected, 10, "the live view lists every alarm")

    click_tab(page, "indexes")
    click(page, '#index-buttons button[data-index="studentID-index"]')
    wait_for(
        page,
        lambda: css(page, 'section.index[data-index="studentID-index"] tr.index-item'),
        10,
        "the studentID-index view shows no items",
    )
    in_view = {
        (row.get_attribute("data-pk"), row.get_attribute("data-sk"))
        for row in css(page, 'section.index[data-index="studentID-index"] tr.index-item')
    }
    scanned = stack.table().scan()["Items"]
    with_student = {(item["pk"], item["sk"]) for item in scanned if "studentID" in item}
    assert in_view == with_student, "the index view holds exactly the items that have studentID"
    assert len(in_view) < len(scanned), "the index is sparse"


def test_the_table_view_pages_by_item_collection(page, explorer_url):
    page.get(explorer_url + "?per_page=4")
    wait_for(page, lambda: css(page, "#table-view tbody.collection"), 20, "no table view")
    first = [body.get_attribute("data-pk") for body in css(page, "#table-view tbody.collection")]
    assert len(first) == 4, "four item collections on a page, each whole"
    click(page, "#page-next")
    second = [body.get_attribute("data-pk") for body in css(page, "#table-view tbody.collection")]
    assert second and not set(first) & set(second)
    assert max(first) < min(second), "pages follow the partition keys in order"
    assert "page 2 of" in text(css(page, "#page-label")[0])


def test_students_in_course_highlights_its_three_students_and_its_boto3_call_agrees(
    page, monkeypatch
):
    click_tab(page, "patterns")
    page.execute_script(
        "const s = document.getElementById('pattern-select');"
        "s.value = 'students-in-course'; s.dispatchEvent(new Event('change'));"
    )
    page.find_element("id", "param-course").send_keys("101")
    page.find_element("id", "run-pattern").click()
    wait_for(page, lambda: css(page, "#table-view tr.item.hit"), 10, "nothing highlighted")
    highlighted = {
        (row.get_attribute("data-pk"), row.get_attribute("data-sk"))
        for row in css(page, "#table-view tr.item.hit")
    }
    assert highlighted == {("course#101", f"student#{n}") for n in (201, 202, 203)}
    request = text(page.find_element("id", "pattern-request"))
    assert "KeyConditionExpression" in request and "begins_with(sk, :prefix)" in request

    code = page.find_element("id", "pattern-boto3").get_attribute("textContent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    namespace: dict = {"print": lambda *args: None}
    exec(code, namespace)  # the snippet the page offers to copy, as a reader would run it
    returned = {(item["pk"], item["sk"]) for item in map(plain_item, namespace["items"])}
    assert returned == highlighted
    cli = text(page.find_element("id", "pattern-cli"))
    assert cli.startswith("aws dynamodb query --table-name university")


def test_the_form_refuses_what_the_cli_refuses(page):
    click_tab(page, "patterns")
    page.execute_script(
        "const s = document.getElementById('pattern-select');"
        "s.value = 'courses-in-range'; s.dispatchEvent(new Event('change'));"
    )
    page.find_element("id", "param-start").send_keys("2025-13-01")
    page.find_element("id", "param-end").send_keys("2025-12-31")
    page.find_element("id", "run-pattern").click()
    error = wait_for(page, lambda: text(page.find_element("id", "pattern-error")), 10, "no error")
    assert error == "--start must be a date YYYY-MM-DD, got '2025-13-01'"


def test_an_outside_put_shows_its_record_and_invocation_within_2_s_and_the_count_moves(page, stack):
    pk = "course#104"
    before = int(attribute_value(page, pk, "studentCount") or 0)
    known = {card.get_attribute("data-request-id") for card in css(page, ".invocation")}
    student = f"8{uuid.uuid4().int % 100_000:05d}"
    key = enrol(stack.table(), "104", student, "Outside Writer")
    written = time.monotonic()
    record = f'#records li.record[data-event="INSERT"][data-pk="{pk}"][data-sk="{key["sk"]}"]'
    wait_for(page, lambda: css(page, record), 2, "the INSERT record is not in the live view")

    def new_invocation():
        return [
            card
            for card in css(page, ".invocation.done")
            if card.get_attribute("data-request-id") not in known
            and "START RequestId" in text(card)
        ]

    wait_for(
        page,
        new_invocation,
        max(0.0, 2 - (time.monotonic() - written)),
        "the processor's invocation is not in the live view",
    )
    wait_for(
        page,
        lambda: attribute_value(page, pk, "studentCount") == str(before + 1),
        10,
        f"the page's studentCount of {pk} did not move to {before + 1}",
    )
    stack.table().delete_item(Key=key)
    wait_for(
        page,
        lambda: attribute_value(page, pk, "studentCount") == str(before),
        10,
        "the count did not come back after the delete",
    )


def test_the_tour_runs_end_to_end(page):
    click_tab(page, "tour")
    timeouts = {"enrol": 15, "expire": 30, "replicate": 15}
    for step, timeout in timeouts.items():
        click(page, f'#tour-buttons button[data-step="{step}"]')
        selector = f'li.tour-step[data-step="{step}"][data-done="true"]'
        try:
            wait_for(page, lambda sel=selector: css(page, sel), timeout, f"tour step {step}")
        except AssertionError:
            steps = [text(node) for node in css(page, "li.tour-step")]
            raise AssertionError(f"tour step {step} did not finish: {steps}") from None
        if step == "enrol":
            hit = '#table-view tr.item.hit[data-pk="course#104"]'
            wait_for(page, lambda sel=hit: css(page, sel), 5, "the new row is not marked")
    expired = css(
        page, '#records li.record[data-event="REMOVE"][data-principal="dynamodb.amazonaws.com"]'
    )
    assert expired, "the TTL deletion is shown with the service's identity"
    assert css(page, '#lag li.lag[data-region="us-east-1"]'), "the replica lag is shown"
    click(page, '#tour-buttons button[data-step="undo"]')
    wait_for(page, lambda: css(page, 'li.tour-step[data-step="undo"]'), 10, "undo did not run")


def test_screenshot_of_the_table_view_is_a_png(explorer_url, tmp_path, driver):
    shot = browser.screenshot(explorer_url, tmp_path / "explore.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
