"""README.org sections generated from the key design and the access-pattern catalog.

Docs written by hand drift from the code; these tables are produced from the
declarations that the queries and tests use, between marker lines:

    # BEGIN GENERATED: key-design
    # END GENERATED: key-design

`python -m harness.model.readme_docs` rewrites them; `--check` only reports (exit 1)
when README.org is stale, and a unit test does the same.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import REPO_ROOT, HarnessError
from harness.model import access_patterns, key_design

README = REPO_ROOT / "README.org"
# Read units each pattern's example consumes on the seed data, measured on DynamoDB Local by
# `python -m harness.ops.seed_costs` (which rewrites this file and the README).
SEED_COSTS_FILE = Path(__file__).with_name("seed_costs.json")
BEGIN = "# BEGIN GENERATED: {name}"
END = "# END GENERATED: {name}"


def org_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """An aligned Org-mode table, as Org itself would lay it out."""
    for cell in (*header, *(cell for row in rows for cell in row)):
        if "|" in cell or "\n" in cell:
            raise ValueError(f"an Org table cell cannot hold {cell!r}")
    widths = [max(len(row[column]) for row in (header, *rows)) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return (
            "| " + " | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)) + " |"
        )

    rule = "|" + "+".join("-" * (width + 2) for width in widths) + "|"
    return [line(header), rule, *(line(row) for row in rows)]


def _verbatim(text: str) -> str:
    return f"={text}=" if text else ""


def key_design_section() -> list[str]:
    """entity -> pk, sk, GSI attributes, TTL, attributes."""
    rows = []
    for entity in key_design.ENTITIES:
        indexes = "; ".join(
            f"{index.name}: " + ", ".join(_verbatim(key) for key in index.key_attributes)
            for index in entity.indexes
        )
        attributes = ", ".join(name for name in entity.attributes if name != "entityType")
        if entity.derived:
            derived = "derived: " + ", ".join(entity.derived)
            attributes = f"{attributes}; {derived}" if attributes else derived
        rows.append(
            [
                entity.entity_type,
                _verbatim(entity.pk),
                _verbatim(entity.sk),
                indexes or "-",
                _verbatim(key_design.TTL_ATTRIBUTE) if entity.ttl else "-",
                attributes,
            ]
        )
    gsis = ", ".join(
        f"={index.name}= ({', '.join(index.key_attributes)})" for index in key_design.INDEXES
    )
    summary = (
        f"Table ={key_design.TABLE_NAME}=, keys ={key_design.PARTITION_KEY}= and "
        f"={key_design.SORT_KEY}= (strings); every item carries =entityType=. "
        f"Global secondary indexes (projection ALL): {gsis}. TTL attribute "
        f"={key_design.TTL_ATTRIBUTE}= (epoch seconds). The derived attributes live in the "
        f"=...Stats= items (sk ={key_design.STATS_SK}=), which only the stream Lambda writes."
    )
    return [
        *textwrap.wrap(summary, width=88, break_long_words=False, break_on_hyphens=False),
        "",
        *org_table(["entity", "pk", "sk", "GSI attributes", "TTL", "attributes"], rows),
    ]


def seed_cost_cell(name: str, costs: dict[str, dict]) -> str:
    """ "0.5 RCU: 3 read, 2 returned" for pattern `name`; "not measured" when absent."""
    cost = costs.get(name)
    if not cost or cost.get("units") is None:
        return "not measured"
    pages = f", {cost['pages']} pages" if cost["pages"] != 1 else ""
    return f"{cost['units']:g} RCU: {cost['read']} read, {cost['returned']} returned{pages}"


def access_patterns_section() -> list[str]:
    """pattern -> index -> key condition -> example command, and the example's cost."""
    costs = json.loads(SEED_COSTS_FILE.read_text()) if SEED_COSTS_FILE.exists() else {}
    rows = [
        [
            pattern.name,
            pattern.purpose,
            pattern.index or "table",
            _verbatim(pattern.describe_key_condition()),
            _verbatim(pattern.describe_filter()),
            f"~{access_patterns.example_command(pattern)}~",
            seed_cost_cell(pattern.name, costs),
        ]
        for pattern in access_patterns.PATTERNS
    ]
    notes = [
        f"- {pattern.name}: {pattern.notes}"
        for pattern in access_patterns.PATTERNS
        if pattern.notes
    ]
    return [
        "Every pattern is a Query (never a Scan) that follows pagination. Run one with",
        "=invoke query NAME --param value= (=--json= for machines);",
        "=invoke query --list= lists them. /seed cost/ is what the example consumes on",
        "the seed data (and its =#stats= items): read capacity units (eventually consistent,",
        "4 KB steps over the bytes read before the filter), items read and returned; measured",
        "on DynamoDB Local by =python -m harness.ops.seed_costs=. =invoke query= prints the",
        "same line for any run.",
        "",
        *org_table(
            ["pattern", "purpose", "index", "key condition", "filter", "example", "seed cost"],
            rows,
        ),
        *([""] + notes if notes else []),
    ]


SECTIONS: dict[str, Callable[[], list[str]]] = {
    "key-design": key_design_section,
    "access-patterns": access_patterns_section,
}


def replace_section(text: str, name: str, body: Sequence[str]) -> str:
    """`text` with the lines between the markers of section `name` replaced by `body`."""
    lines = text.splitlines()
    begin, end = BEGIN.format(name=name), END.format(name=name)
    try:
        start = lines.index(begin)
        stop = lines.index(end, start)
    except ValueError:
        raise HarnessError(
            f"README.org lacks the lines {begin!r} and {end!r} (in that order); add them"
        ) from None
    updated = [*lines[: start + 1], *body, *lines[stop:]]
    return "\n".join(updated) + ("\n" if text.endswith("\n") else "")


def generate(text: str) -> str:
    """`text` with every generated section brought up to date."""
    for name, build in SECTIONS.items():
        text = replace_section(text, name, build())
    return text


def stale_sections(text: str) -> list[str]:
    """Names of the sections whose text differs from what the code generates."""
    return [
        name for name, build in SECTIONS.items() if replace_section(text, name, build()) != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.model.readme_docs", description=__doc__
    )
    parser.add_argument("readme", nargs="?", type=Path, default=README)
    parser.add_argument(
        "--check", action="store_true", help="report stale sections, change nothing"
    )
    args = parser.parse_args(argv)
    try:
        text = args.readme.read_text()
        if args.check:
            stale = stale_sections(text)
            if stale:
                print(
                    f"{args.readme} is stale in: {', '.join(stale)}; "
                    "run `python -m harness.model.readme_docs`",
                    file=sys.stderr,
                )
                return 1
            return 0
        updated = generate(text)
    except (HarnessError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if updated != text:
        args.readme.write_text(updated)
        print(f"updated {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
