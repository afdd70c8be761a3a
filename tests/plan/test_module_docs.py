"""Each Terraform module's README tables match its variables and outputs."""

from __future__ import annotations

import module_docs
import pytest


@pytest.mark.parametrize("module_dir", module_docs.MODULE_DIRS, ids=lambda p: p.name)
def test_readme_tables_match_the_module(module_dir):
    readme = module_dir / "README.md"
    assert module_docs.rendered(readme, module_dir) == readme.read_text(), (
        f"{readme} is stale; run python tests/plan/module_docs.py"
    )


def test_every_variable_and_output_has_a_description():
    missing = [
        f"{module_dir.name}: {item.kind} {item.name}"
        for module_dir in module_docs.MODULE_DIRS
        for item in module_docs.declarations(module_dir)
        if not item.description
    ]
    assert not missing, f"Got no description, expected one for: {', '.join(missing)}"


def test_every_module_variable_has_a_type():
    untyped = [
        f"{module_dir.name}: {item.name}"
        for module_dir in module_docs.MODULE_DIRS
        for item in module_docs.declarations(module_dir)
        if item.kind == "variable" and not item.type
    ]
    assert not untyped, f"Got no type, expected one for: {', '.join(untyped)}"


def test_the_reader_sees_every_declaration():
    # Guards the small .tf reader: a block it skipped would vanish from the docs.
    for module_dir in module_docs.MODULE_DIRS:
        for file_name, keyword in [("variables.tf", "variable"), ("outputs.tf", "output")]:
            text = (module_dir / file_name).read_text()
            declared = text.count(f'\n{keyword} "') + text.startswith(f'{keyword} "')
            read = sum(1 for d in module_docs.declarations(module_dir) if d.kind == keyword)
            assert read == declared, (
                f"Got {read} {keyword} blocks, expected {declared} in {module_dir / file_name}"
            )
