"""harness/ is layered by concern, and no module imports itself back through others.

grimp (pinned in pyproject) reads every import statement, including the ones inside
functions that keep `invoke --list` fast, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import grimp
import pytest

CONCERNS = ("stack", "model", "review", "ops", "emulator", "explore")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("harness")


def test_no_module_is_part_of_an_import_cycle(graph):
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.append(" -> ".join((module, *chain)))
    assert cycles == [], "import cycles in harness/:\n" + "\n".join(cycles)


def test_no_cycle_between_concerns(graph):
    """Subpackages depend one way: e.g. stack may use model, then model never uses stack."""
    for concern in CONCERNS:
        graph.squash_module(f"harness.{concern}")
    both_ways = [
        (a, b)
        for a in CONCERNS
        for b in CONCERNS
        if a < b
        and graph.direct_import_exists(importer=f"harness.{a}", imported=f"harness.{b}")
        and graph.direct_import_exists(importer=f"harness.{b}", imported=f"harness.{a}")
    ]
    assert both_ways == [], f"subpackages import each other: {both_ways}"


def test_the_cycle_check_sees_a_cycle():
    """The check above must be able to fail: a graph with a -> b -> a is reported."""
    cyclic = grimp.ImportGraph()
    cyclic.add_import(importer="pkg.a", imported="pkg.b")
    cyclic.add_import(importer="pkg.b", imported="pkg.a")
    assert cyclic.find_shortest_chain(importer="pkg.b", imported="pkg.a") == ("pkg.b", "pkg.a")


def test_every_module_lives_in_a_concern(graph):
    top_level = {m for m in graph.find_children("harness") if m.rsplit(".", 1)[1] not in CONCERNS}
    assert top_level == set(), f"modules outside a concern subpackage: {sorted(top_level)}"
