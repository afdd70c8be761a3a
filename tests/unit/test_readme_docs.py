"""README.org's key-design and access-pattern tables are generated, and guarded here."""

import pytest

from harness import HarnessError
from harness.model import access_patterns, key_design, readme_docs

MARKED = """intro
# BEGIN GENERATED: key-design
stale
# END GENERATED: key-design
middle
# BEGIN GENERATED: access-patterns
# END GENERATED: access-patterns
outro
"""


def test_readme_tables_match_the_catalog():
    readme = readme_docs.README
    assert readme.exists(), f"{readme} is missing"
    stale = readme_docs.stale_sections(readme.read_text())
    assert stale == [], (
        f"README.org disagrees with the code in {stale}; run `python -m harness.model.readme_docs`"
    )


def test_generation_replaces_only_the_text_between_markers():
    updated = readme_docs.generate(MARKED)
    assert updated.startswith("intro\n# BEGIN GENERATED: key-design\n")
    assert "stale" not in updated
    assert "\nmiddle\n" in updated and updated.endswith("# END GENERATED: access-patterns\noutro\n")
    assert readme_docs.stale_sections(updated) == []
    assert readme_docs.generate(updated) == updated


def test_a_changed_catalog_makes_the_readme_stale(monkeypatch):
    current = readme_docs.generate(MARKED)
    renamed = [
        *access_patterns.PATTERNS[:-1],
        access_patterns.PATTERNS[-1].__class__(
            **{**access_patterns.PATTERNS[-1].__dict__, "name": "live-sessions"}
        ),
    ]
    monkeypatch.setattr(access_patterns, "PATTERNS", tuple(renamed))
    assert readme_docs.stale_sections(current) == ["access-patterns"]


def test_every_pattern_and_entity_has_a_row():
    text = readme_docs.generate(MARKED)
    for pattern in access_patterns.PATTERNS:
        assert f"| {pattern.name} " in text
        assert f"~{access_patterns.example_command(pattern)}~" in text
    for entity in key_design.ENTITIES:
        assert f"| {entity.entity_type} " in text
        assert f"={entity.pk}=" in text and f"={entity.sk}=" in text


def test_org_tables_are_aligned_with_a_rule_under_the_header():
    lines = readme_docs.org_table(["a", "long header"], [["xyz", "1"], ["", "22"]])
    assert lines == [
        "| a   | long header |",
        "|-----+-------------|",
        "| xyz | 1           |",
        "|     | 22          |",
    ]
    assert len({len(line) for line in lines}) == 1


def test_a_cell_with_a_pipe_is_refused():
    with pytest.raises(ValueError):
        readme_docs.org_table(["a"], [["x | y"]])


def test_missing_markers_say_what_to_add():
    with pytest.raises(HarnessError, match="lacks the lines '# BEGIN GENERATED: key-design'"):
        readme_docs.generate("no markers here\n")


def test_check_mode_exits_non_zero_on_a_stale_readme_and_changes_nothing(tmp_path, capsys):
    readme = tmp_path / "README.org"
    readme.write_text(MARKED)
    assert readme_docs.main(["--check", str(readme)]) == 1
    assert "stale in: key-design, access-patterns" in capsys.readouterr().err
    assert readme.read_text() == MARKED
    assert readme_docs.main([str(readme)]) == 0
    assert readme_docs.main(["--check", str(readme)]) == 0


def test_a_seed_cost_cell_gives_units_items_and_pages_when_more_than_one():
    costs = {
        "one": {"units": 0.5, "read": 8, "returned": 5, "pages": 1},
        "two": {"units": 1.5, "read": 300, "returned": 300, "pages": 2},
    }
    assert readme_docs.seed_cost_cell("one", costs) == "0.5 RCU: 8 read, 5 returned"
    assert readme_docs.seed_cost_cell("two", costs) == "1.5 RCU: 300 read, 300 returned, 2 pages"
    assert readme_docs.seed_cost_cell("three", costs) == "not measured"
