"""The user-facing workflows behind `invoke setup`, `invoke teardown` and `invoke env`.

Each step says what it does before doing it, so a newcomer watching a first
run sees the emulator start, Terraform plan and apply, and the example
queries answered.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import STATE_ROOT, TERRAFORM_DIR, HarnessError
from harness.emulator import process
from harness.stack import aws_target
from harness.stack.targets import AWS, LOCAL, Target, check_name, local
from harness.stack.terraform import Stack, require_terraform

Echo = Callable[[str], None]


@dataclass
class Settings:
    """What the tasks pass in from invoke's configuration."""

    target: str = LOCAL
    port: int = process.DEFAULT_PORT
    region: str = "us-east-1"
    replica_regions: tuple[str, ...] = ("us-west-2",)

    @property
    def state_dir(self) -> Path:
        return STATE_ROOT / self.target


def step(echo: Echo, message: str) -> None:
    echo(f"==> {message}")


def running_target(settings: Settings, echo: Echo, start: bool = True) -> Target:
    """The target ready to use: for local, the emulator is started (or found) first."""
    check_name(settings.target)
    if settings.target == AWS:
        return aws_target.target(settings)
    running = process.find(settings.state_dir)
    if running is None:
        if not start:
            raise HarnessError(
                "the local emulator is not running; "
                "start it with `invoke setup` or `invoke emulator.start`"
            )
        step(echo, f"Starting the local AWS emulator on 127.0.0.1:{settings.port}")
        running, _ = process.start(settings.state_dir, port=settings.port)
        echo(f"    emulator pid {running.pid}, log {running.log_file}")
    return local(
        running.endpoint_url,
        state_dir=settings.state_dir,
        region=settings.region,
        replica_regions=settings.replica_regions,
    )


APPLY_COMPLETE = re.compile(
    r"Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed"
)


def apply_summary(output: str) -> tuple[int, int, int]:
    """(added, changed, destroyed) from `terraform apply`'s last line.

    One `apply` (which plans internally) is a provider start-up cheaper than
    a separate plan and apply; Terraform reports what it did in this line.
    """
    found = APPLY_COMPLETE.search(output)
    if found is None:
        raise HarnessError(
            "terraform apply finished without its summary line; see the output above"
        )
    added, changed, destroyed = (int(number) for number in found.groups())
    return added, changed, destroyed


# Terraform lines worth showing while it works; the rest goes to the log file.
PROGRESS = re.compile(
    r": (Creating|Creation complete|Modifying|Modifications complete|Destroying"
    r"|Destruction complete|Still \w+)|^(Apply complete|Destroy complete|Plan:|No changes)"
)


class TerraformOutput:
    """Shows Terraform's progress lines and keeps its whole output in a log file."""

    def __init__(self, log_file: Path, echo: Echo):
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = log_file
        self.echo = echo

    def __call__(self, line: str) -> None:
        with open(self.log_file, "a", encoding="utf-8") as log:
            log.write(line + "\n")
        if PROGRESS.search(line):
            self.echo(f"    {line}")


# An interrupted apply can leave items Terraform created but never recorded;
# its next create then fails. Locally, starting afresh is cheap and safe.
LOCAL_RECOVERY = (
    "If an earlier run was interrupted, start the local stack afresh: "
    "invoke teardown --yes && invoke setup"
)


def _stack(target: Target, echo: Echo, extra_vars: dict[str, object] | None = None) -> Stack:
    return Stack(
        target,
        echo=TerraformOutput(target.state_dir / "terraform.log", echo),
        extra_vars=extra_vars,
    )


VARIABLE = re.compile(r'^variable\s+"(\w+)"', re.M)
# Set by the harness from the target and the task's flags, never by --var.
HARNESS_VARIABLES = (
    "aws_region",
    "replica_regions",
    "deletion_protection_enabled",
    "environment",
    "lambda_zip_path",
)


def parse_vars(assignments: Sequence[str]) -> dict[str, object]:
    """Root-module variables from `NAME=VALUE` words (`invoke setup --var`).

    VALUE is read as JSON when it parses (5, true, ["a"]), else as text. Raises
    HarnessError for a malformed word, a name the root module does not declare, or one
    the harness sets itself.
    """
    declared = set(VARIABLE.findall((TERRAFORM_DIR / "variables.tf").read_text()))
    chosen: dict[str, object] = {}
    for word in assignments:
        name, equals, raw = word.partition("=")
        name = name.strip()
        if not equals or not name:
            raise HarnessError(f"--var takes NAME=VALUE, not {word!r}")
        if name in HARNESS_VARIABLES:
            raise HarnessError(f"--var {name} is set by the harness (use --target or the config)")
        if name not in declared:
            raise HarnessError(
                f"--var {name}: the root module has no such variable; "
                f"see terraform/README.md for its inputs"
            )
        try:
            chosen[name] = json.loads(raw)
        except ValueError:
            chosen[name] = raw
    return chosen


def setup(
    settings: Settings, echo: Echo = print, extra_vars: dict[str, object] | None = None
) -> Stack:
    """Deploy (or converge) the whole stack on the chosen target; `extra_vars` are
    root-module variables (from `parse_vars`)."""
    require_terraform()
    started = time.monotonic()
    target = running_target(settings, echo)
    step(echo, "Packaging the stream processor Lambda")
    stack = _stack(target, echo, extra_vars)
    echo(f"    {stack.build_lambda()}")
    step(echo, "terraform init")
    echo(f"    (Terraform's full output goes to {stack.echo.log_file})")
    stack.init()
    step(echo, "terraform apply (plans, then applies what changed)")
    try:
        summary = apply_summary(stack.apply())
    except HarnessError as error:
        if target.is_local:
            raise HarnessError(f"{error}\n{LOCAL_RECOVERY}") from None
        raise
    if summary == (0, 0, 0):
        step(echo, "No changes: the stack already matches the configuration.")
    else:
        added, changed, destroyed = summary
        step(
            echo,
            f"Applied in {time.monotonic() - started:.1f} s: "
            f"{added} added, {changed} changed, {destroyed} destroyed.",
        )
    return stack


def teardown(
    settings: Settings,
    yes: bool,
    echo: Echo = print,
    confirm: Callable[[Target], bool] | None = None,
) -> None:
    """Destroy the stack and, for the local target, stop the emulator."""
    require_terraform()
    target = running_target(settings, echo)
    if not target.is_local and not yes:
        if confirm is None or not confirm(target):
            raise HarnessError("teardown cancelled; nothing was destroyed")
    step(echo, "terraform destroy")
    stack = _stack(target, echo)
    stack.build_lambda()
    stack.init()
    stack.destroy()
    remaining = stack.resources_in_state()
    if remaining:
        raise HarnessError(
            f"destroy left {len(remaining)} resources in state: {', '.join(remaining)}"
        )
    if target.is_local:
        step(echo, "Stopping the local emulator")
        process.stop(settings.state_dir)
    step(echo, "Torn down: no resources left in Terraform's state.")


NEXT_STEPS = """\
Next steps:
  invoke query --list                         every access pattern of the design
  invoke query students-in-course --course 101
  eval "$(invoke env)"                        point the AWS CLI / boto3 at the emulator
  invoke logs --follow                        watch the stream processor Lambda
  invoke teardown                             destroy the stack and stop the emulator"""


def disable_deletion_protection(target: Target, echo: Callable[[str], None] = print) -> None:
    """Apply once with deletion protection off, so that a destroy can delete the table."""
    stack = Stack(target, extra_vars={"deletion_protection_enabled": False})
    echo("==> terraform apply -var deletion_protection_enabled=false")
    stack.build_lambda()
    stack.init()
    stack.apply()
