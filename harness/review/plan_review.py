"""A Terraform plan as a markdown summary a reviewer reads in a pull request.

Reviewers skim: the summary leads with what cannot be undone. Destroys and
replacements come first, in a caution block, and a DynamoDB table that is
destroyed or replaced (its items are lost with it) or that loses a replica
region says so in words. Then the counts Terraform itself prints (a replace
counts once to add and once to destroy), then every other change grouped by
module. Input is `terraform show -json <planfile>`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harness.review import policies

MARKER = "<!-- terraform-plan-review -->"
TABLE_TYPE = "aws_dynamodb_table"
REPLICA_TYPE = "aws_dynamodb_table_replica"
ROOT_MODULE = "(root module)"

CREATE, UPDATE, DELETE, REPLACE, NO_OP, READ, FORGET = (
    "create",
    "update",
    "delete",
    "replace",
    "no-op",
    "read",
    "forget",
)
_SYMBOL = {CREATE: "+", UPDATE: "~", DELETE: "-", REPLACE: "-/+", FORGET: "forget"}


@dataclass(frozen=True)
class Change:
    """One managed resource's planned change, reduced to what a reviewer needs."""

    address: str
    module: str
    type: str
    action: str
    reason: str | None = None
    replace_paths: tuple[str, ...] = ()
    importing: bool = False
    moved_from: str | None = None
    removed_replicas: tuple[str, ...] = ()

    @property
    def loses_data(self) -> bool:
        return self.type == TABLE_TYPE and self.action in (DELETE, REPLACE)


@dataclass
class Counts:
    """The numbers in Terraform's own "Plan: ..." line."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    imports: int = 0
    forget: int = 0

    def __str__(self) -> str:
        parts = [f"{self.imports} to import"] if self.imports else []
        parts += [f"{self.add} to add", f"{self.change} to change", f"{self.destroy} to destroy"]
        if self.forget:
            parts.append(f"{self.forget} to forget")
        return "Plan: " + ", ".join(parts) + "."


@dataclass
class Review:
    counts: Counts
    changes: list[Change] = field(default_factory=list)
    output_changes: list[str] = field(default_factory=list)

    @property
    def loud(self) -> list[Change]:
        """Destroys, replacements and replica removals: the changes that lose data."""
        return [c for c in self.changes if c.action in (DELETE, REPLACE) or c.removed_replicas]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.output_changes)


def action_of(actions: list[str]) -> str:
    """Terraform's action list as one word; both replace orders are a replace."""
    if sorted(actions) == [CREATE, DELETE]:
        return REPLACE
    if len(actions) == 1:
        return actions[0]
    raise ValueError(f"unexpected action list {actions}")


def _path_text(path: list) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _replica_regions(values: dict | None) -> set[str]:
    return {replica.get("region_name") for replica in (values or {}).get("replica") or []}


def _removed_replicas(resource: dict, action: str) -> tuple[str, ...]:
    """Regions whose replica (and its items) this change deletes: a `replica {}` block
    dropped from a table, or an aws_dynamodb_table_replica destroyed or replaced
    (its Delete is UpdateTable ReplicaUpdates Delete, which deletes the replica's items,
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicationGroupUpdate.html)."""
    before = resource["change"].get("before") or {}
    if resource["type"] == TABLE_TYPE and action == UPDATE:
        lost = _replica_regions(before) - _replica_regions(resource["change"].get("after"))
        return tuple(sorted(region for region in lost if region))
    if resource["type"] == REPLICA_TYPE and action in (DELETE, REPLACE):
        return (policies.arn_region(before.get("arn")) or "its region",)
    return ()


def _change(resource: dict) -> Change | None:
    if resource.get("mode") != "managed":
        return None
    body = resource["change"]
    action = action_of(body["actions"])
    importing = bool(body.get("importing"))
    moved_from = resource.get("previous_address")
    removed = _removed_replicas(resource, action)
    if action == NO_OP and not importing and not moved_from:
        return None
    return Change(
        address=resource["address"],
        module=resource.get("module_address") or ROOT_MODULE,
        type=resource["type"],
        action=action,
        reason=resource.get("action_reason"),
        replace_paths=tuple(_path_text(path) for path in body.get("replace_paths") or []),
        importing=importing,
        moved_from=moved_from,
        removed_replicas=removed,
    )


def summarize(plan: dict) -> Review:
    """Counts and changes of a plan JSON document."""
    counts = Counts()
    changes = []
    for resource in plan.get("resource_changes", []):
        change = _change(resource)
        if change is None:
            continue
        changes.append(change)
        counts.imports += change.importing
        counts.add += change.action in (CREATE, REPLACE)
        counts.change += change.action == UPDATE
        counts.destroy += change.action in (DELETE, REPLACE)
        counts.forget += change.action == FORGET
    outputs = [
        name
        for name, body in sorted((plan.get("output_changes") or {}).items())
        if body["actions"] != [NO_OP]
    ]
    return Review(counts, changes, outputs)


def _reason_text(change: Change) -> str:
    reasons = []
    if change.replace_paths:
        forced = ", ".join(f"`{path}`" for path in change.replace_paths)
        reasons.append(f"forced by {forced}")
    if change.reason:
        reasons.append(change.reason.replace("_", " "))
    return f" ({'; '.join(reasons)})" if reasons else ""


def _loud_line(change: Change) -> str:
    name = f"`{change.address}`"
    if change.removed_replicas:
        regions = ", ".join(change.removed_replicas)
        return (
            f"- {name} **loses its replica in {regions}**: the replica table there and "
            "all its items are deleted."
        )
    if change.loses_data and change.action == REPLACE:
        return (
            f"- {name} is **REPLACED**: the DynamoDB table is deleted and created anew, "
            f"**all its items are lost**{_reason_text(change)}."
        )
    if change.loses_data:
        return f"- {name} is **DESTROYED**: the DynamoDB table and **all its items are lost**."
    verb = "replaced (destroyed, then created)" if change.action == REPLACE else "destroyed"
    return f"- {name} is {verb}{_reason_text(change)}."


def _detail(change: Change) -> str:
    notes = []
    if change.moved_from:
        notes.append(f"moved from `{change.moved_from}`")
    if change.importing:
        notes.append("imported")
    reason = _reason_text(change).strip(" ()")
    if reason:
        notes.append(reason)
    return "; ".join(notes)


def render_markdown(plan: dict, title: str = "Terraform plan") -> str:
    """The pull-request comment for `plan`: loud changes, counts, then changes by module."""
    review = summarize(plan)
    lines = [MARKER, f"## {title}", ""]
    loud = review.loud
    if loud:
        data_loss = any(c.loses_data or c.removed_replicas for c in loud)
        what = "data" if data_loss else "resources"
        lines += ["> [!CAUTION]", f"> **This plan destroys {what}.**", ">"]
        lines += [f"> {_loud_line(change)}" for change in loud]
        lines.append("")
    lines += _unprotected_replica_warning(plan)
    lines += [f"**{review.counts}**", ""]
    if not review.has_changes:
        lines.append("No changes. The infrastructure matches the configuration.")
        return "\n".join(lines) + "\n"
    by_module: dict[str, list[Change]] = defaultdict(list)
    for change in review.changes:
        by_module[change.module].append(change)
    lines += ["### Changes by module", ""]
    for module in sorted(by_module, key=lambda name: (name != ROOT_MODULE, name)):
        changes = by_module[module]
        lines += [f"<details><summary><b>{module}</b>: {_module_counts(changes)}</summary>", ""]
        lines += ["| action | resource | note |", "|---|---|---|"]
        for change in sorted(changes, key=lambda c: (_ORDER.get(c.action, 9), c.address)):
            symbol = _SYMBOL.get(change.action, change.action)
            lines.append(f"| `{symbol}` {change.action} | `{change.address}` | {_detail(change)} |")
        lines += ["", "</details>", ""]
    if review.output_changes:
        names = ", ".join(f"`{name}`" for name in review.output_changes)
        lines += [f"Outputs that change: {names}", ""]
    return "\n".join(lines)


def _unprotected_replica_warning(plan: dict) -> list[str]:
    """A warning for each replica that DeleteTable can remove although its primary is protected."""
    replicas = policies.unprotected_replicas(plan)
    if not replicas:
        return []
    lines = ["> [!WARNING]", "> **Replicas without deletion protection.**", ">"]
    lines += [
        f"> - `{address}`: the replica in {region} can be deleted although the table is "
        f"protected ({_why_unprotected(address)}; see README)"
        for address, region in replicas
    ]
    return [*lines, ""]


def _why_unprotected(address: str) -> str:
    """Why a replica is unprotected: a table's address means its `replica {}` block."""
    if f".{TABLE_TYPE}." in f".{address}":
        return "provider 5.100's `replica {}` block cannot protect it; use `modules/table_replica`"
    return "set its `deletion_protection_enabled`"


_ORDER = {DELETE: 0, REPLACE: 1, UPDATE: 2, CREATE: 3, FORGET: 4, NO_OP: 5}


def _module_counts(changes: list[Change]) -> str:
    tally: dict[str, int] = defaultdict(int)
    for change in changes:
        tally[change.action] += 1
    return ", ".join(
        f"{tally[action]} {action}" for action in sorted(tally, key=lambda a: _ORDER.get(a, 9))
    )


def write_review(stack, out_dir: Path | None = None) -> tuple[Path, Path, Path]:
    """Plan `stack` and write the binary plan, its JSON and the markdown summary.

    Returns (plan_file, json_file, md_file); `terraform apply <plan_file>`
    applies exactly what the summary describes.
    """
    out_dir = out_dir or stack.work_dir / "review"
    out_dir.mkdir(parents=True, exist_ok=True)
    plan_file, json_file, md_file = (out_dir / name for name in ("tfplan", "plan.json", "plan.md"))
    stack.build_lambda()
    stack.init()
    plan = stack.plan(out_file=plan_file)
    document = plan._raw  # tftest keeps the parsed `terraform show -json` here
    json_file.write_text(json.dumps(document, indent=2, sort_keys=True))
    md_file.write_text(render_markdown(document, title=f"Terraform plan: {stack.target.name}"))
    return plan_file, json_file, md_file


def counts_of(json_file: Path) -> Counts:
    """The counts of a plan JSON file written by `write_review`."""
    return summarize(json.loads(Path(json_file).read_text())).counts
