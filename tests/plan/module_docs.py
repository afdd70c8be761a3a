"""Input and output tables of each Terraform module, generated from its .tf files.

A module's README that is written by hand drifts from its variables; this one
is rebuilt from `variables.tf` and `outputs.tf` between marker lines, and
test_module_docs.py fails when a README is stale. The files are read as
`terraform fmt` leaves them (blocks at column 0, attributes indented two
spaces), which keeps the reader small; `terraform fmt -check` is part of CI.

    python tests/plan/module_docs.py          # rewrite the READMEs
    python tests/plan/module_docs.py --check  # exit 1 when one is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TERRAFORM_DIR = Path(__file__).resolve().parents[2] / "terraform"
MODULE_DIRS = [
    TERRAFORM_DIR,
    *sorted(p for p in (TERRAFORM_DIR / "modules").iterdir() if p.is_dir()),
]
BEGIN = "<!-- BEGIN GENERATED: module-docs -->"
END = "<!-- END GENERATED: module-docs -->"

_BLOCK = re.compile(r'^(variable|output) "([^"]+)" \{\n(.*?)^\}', re.MULTILINE | re.DOTALL)
_ATTRIBUTE = re.compile(r"^  ([a-z_]+)\s*=\s*", re.MULTILINE)
_OPENERS, _CLOSERS = "([{", ")]}"


@dataclass(frozen=True)
class Declaration:
    kind: str
    name: str
    description: str
    type: str | None = None
    default: str | None = None
    required: bool = False


def _expression(body: str, start: int) -> str:
    """The expression starting at `start`: up to the end of its line, or of its brackets."""
    if body.startswith("<<", start):
        marker = re.match(r"<<-?(\w+)\n", body[start:])
        end = re.compile(rf"^\s*{marker.group(1)}$", re.MULTILINE).search(body, start).end()
        return body[start:end]
    depth, in_string, index = 0, False, start
    while index < len(body):
        char = body[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        elif char == "\n" and depth == 0:
            break
        index += 1
    return body[start:index]


def _attributes(body: str) -> dict[str, str]:
    return {match.group(1): _expression(body, match.end()) for match in _ATTRIBUTE.finditer(body)}


def _text(expression: str) -> str:
    """A description's words: a quoted string or a heredoc, on one line."""
    if expression.startswith("<<"):
        lines = expression.splitlines()[1:-1]
        return " ".join(line.strip() for line in lines)
    return expression.strip()[1:-1].replace('\\"', '"')


def _one_line(expression: str) -> str:
    """A multi-line type or default on one line, its line breaks read as commas."""
    parts = [" ".join(line.split()) for line in expression.splitlines() if line.strip()]
    text = parts[0] if parts else ""
    for part in parts[1:]:
        continues = text.endswith((",", *_OPENERS)) or part.startswith(tuple(_CLOSERS))
        text += " " + part if continues else ", " + part
    return re.sub(r",\s*([\]\)}])", r" \1", text)


def declarations(module_dir: Path) -> list[Declaration]:
    """Every variable, then every output, of the module in `module_dir`, in file order."""
    found = []
    for file_name in ("variables.tf", "outputs.tf"):
        path = module_dir / file_name
        if not path.exists():
            continue
        for kind, name, body in _BLOCK.findall(path.read_text()):
            attributes = _attributes(body)
            found.append(
                Declaration(
                    kind=kind,
                    name=name,
                    description=_text(attributes.get("description", '""')),
                    type=_one_line(attributes["type"]) if "type" in attributes else None,
                    default=_one_line(attributes["default"]) if "default" in attributes else None,
                    required=kind == "variable" and "default" not in attributes,
                )
            )
    return found


def _cell(text: str | None) -> str:
    if text is None:
        return ""
    return text.replace("|", "\\|")


def _code(text: str | None) -> str:
    return f"`{_cell(text)}`" if text else ""


def tables(module_dir: Path) -> str:
    """The Markdown tables of inputs and outputs for one module."""
    found = declarations(module_dir)
    lines = ["## Inputs", "", "| Name | Description | Type | Default |", "|---|---|---|---|"]
    for item in (d for d in found if d.kind == "variable"):
        default = "required" if item.required else _code(item.default)
        lines.append(
            f"| `{item.name}` | {_cell(item.description)} | {_code(item.type)} | {default} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    for item in (d for d in found if d.kind == "output"):
        lines.append(f"| `{item.name}` | {_cell(item.description)} |")
    return "\n".join(lines)


def rendered(readme: Path, module_dir: Path) -> str:
    """The README's text with its generated section brought up to date."""
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} lacks the marker lines {BEGIN} and {END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{tables(module_dir)}\n{END}{tail}"


def stale_readmes() -> list[Path]:
    return [
        module_dir / "README.md"
        for module_dir in MODULE_DIRS
        if rendered(module_dir / "README.md", module_dir) != (module_dir / "README.md").read_text()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale READMEs")
    args = parser.parse_args(argv)
    stale = stale_readmes()
    if args.check:
        for readme in stale:
            print(f"{readme} is stale; run python tests/plan/module_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for readme in stale:
        readme.write_text(rendered(readme, readme.parent))
        print(f"rewrote {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
