"""Tasks for the DynamoDB single-table reference. `invoke --list` shows them all.

Each task parses its flags and calls into `harness`; problems end with one
line saying what to do and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys

from botocore.exceptions import BotoCoreError, ClientError
from invoke import Collection, Exit, task

from harness import HarnessError
from harness.emulator import process
from harness.model import access_patterns
from harness.stack import lifecycle
from harness.stack.targets import check_name

TARGET_HELP = "where to run: local (the emulator, default) or aws (a sandbox account)"


def friendly(function):
    """Turn HarnessError and AWS errors into invoke's one-line exit."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except HarnessError as error:
            raise Exit(f"error: {error}", code=1) from None
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            hint = "; is the stack deployed? run `invoke setup`" if "NotFound" in code else ""
            raise Exit(f"error: {error}{hint}", code=1) from None
        except BotoCoreError as error:
            raise Exit(f"error: {error}", code=1) from None

    return wrapper


def settings(c, target: str | None = None, port: int | None = None) -> lifecycle.Settings:
    return lifecycle.Settings(
        target=check_name(target or c.config.target),
        port=int(port or c.config.emulator.port),
        region=c.config.region,
        replica_regions=tuple(c.config.replica_regions),
    )


@task(
    help={
        "target": TARGET_HELP,
        "port": "emulator port for the local target",
        "var": "set a root-module variable, NAME=VALUE (repeatable), e.g. "
        "--var table_max_write_request_units=2; see terraform/README.md for the inputs",
    },
    iterable=["var"],
)
@friendly
def setup(c, target=None, port=None, var=None):
    """Deploy the whole stack (emulator if local), seed it and run the example queries."""
    chosen = settings(c, target, port)
    from harness.model import tables

    stack = lifecycle.setup(chosen, extra_vars=lifecycle.parse_vars(var or []))
    lifecycle.step(print, "Example queries")
    for name, params in access_patterns.SETUP_EXAMPLES:
        pattern = access_patterns.get(name)
        items = access_patterns.run(stack.target, name, params)
        print(f"\n{pattern.name}: {pattern.purpose}")
        print(tables.render(items))
    print()
    print(lifecycle.NEXT_STEPS)


@task(
    help={
        "target": TARGET_HELP,
        "yes": "skip the confirmation (for automation)",
        "port": "emulator port",
        "disable_deletion_protection": "aws: first apply with deletion protection off "
        "so the table can go",
    }
)
@friendly
def teardown(c, target=None, yes=False, port=None, disable_deletion_protection=False):
    """Destroy every resource of the stack; stop the local emulator."""
    chosen = settings(c, target, port)
    from harness.stack import aws_target

    if disable_deletion_protection and chosen.target == "aws":
        aws = lifecycle.running_target(chosen, echo=print)
        if not (yes or aws_target.confirm_destroy(aws, protection=False)):
            raise Exit("error: teardown cancelled; nothing was changed", code=1)
        lifecycle.disable_deletion_protection(aws)
        yes = True
    lifecycle.teardown(chosen, yes=yes, confirm=aws_target.confirm_destroy)


@task(
    help={
        "target": TARGET_HELP,
        "port": "emulator port for the local target",
        "out_dir": "folder for tfplan, plan.json and plan.md (default .state/<target>/review)",
    }
)
@friendly
def plan(c, target=None, port=None, out_dir=None):
    """Plan the stack; write the plan file, its JSON and a markdown summary for a pull request."""
    from pathlib import Path

    from harness.review import plan_review
    from harness.stack.terraform import Stack

    chosen = settings(c, target, port)
    stack = Stack(lifecycle.running_target(chosen, echo=print))
    lifecycle.step(print, "terraform plan")
    plan_file, json_file, md_file = plan_review.write_review(
        stack, Path(out_dir).resolve() if out_dir else None
    )
    print(plan_review.counts_of(json_file))
    print(f"plan file: {plan_file}\nplan JSON: {json_file}\nmarkdown:  {md_file}")


@task(
    help={
        "only": "run only this step (repeatable): terraform-fmt, terraform-validate, checkov, "
        "iam-policies, ruff-check, ruff-format, actionlint",
        "install_tools": "first install checkov (own virtualenv) and actionlint if missing",
    },
    iterable=["only"],
)
@friendly
def lint(c, only=None, install_tools=False):
    """Static checks: terraform fmt and validate, checkov, IAM policies, ruff, actionlint."""
    from harness.review import lint as linting

    if install_tools:
        linting.install_tools()
    try:
        failed = linting.run(only or None)
    except ValueError as error:
        raise Exit(f"error: {error}", code=2) from None
    if failed:
        raise Exit("lint failed: see the steps marked FAIL above", code=1)


@task(help={"target": TARGET_HELP, "port": "emulator port for the local target"})
@friendly
def env(c, target=None, port=None):
    """Print `export` lines: eval "$(invoke env)" lets the AWS CLI and boto3 reach the stack."""
    from harness.stack.targets import environment_exports

    chosen = settings(c, target, port)
    print(environment_exports(lifecycle.running_target(chosen, echo=_stderr, start=False)))


@task(
    help={
        "target": TARGET_HELP,
        "function": "function name (default: the stack's stream processor, "
        "from Terraform's outputs)",
        "follow": "keep printing new lines until Ctrl-C",
        "since": "start this many seconds back (default 600)",
        "port": "emulator port for the local target",
    }
)
@friendly
def logs(c, target=None, function=None, follow=False, since=600, port=None):
    """Print the stream Lambda's CloudWatch logs: its prints and START/END/REPORT lines."""
    from harness.ops.logs import tail
    from harness.stack.terraform import Stack

    chosen = settings(c, target, port)
    running = lifecycle.running_target(chosen, echo=_stderr, start=False)
    if function is None:
        try:
            function = Stack(running).outputs().get("function_name")
        except HarnessError:
            function = None
        if not function:
            raise HarnessError(
                "the stack is not deployed; run `invoke setup` first or pass --function"
            )
    try:
        tail(running, function, follow=follow, since_seconds=float(since))
    except KeyboardInterrupt:
        pass


@task(
    help={
        "target": TARGET_HELP,
        "prefix": "only alarms whose name starts with this",
        "notifications": "how many notifications to show per alarm (default 5)",
        "port": "emulator port for the local target",
    }
)
@friendly
def alarms(c, target=None, prefix=None, notifications=5, port=None):
    """Print each CloudWatch alarm's state, last transition, reason and notifications sent."""
    from harness.ops import alarms as alarm_reports

    chosen = settings(c, target, port)
    running = lifecycle.running_target(chosen, echo=_stderr, start=False)
    reports = alarm_reports.gather(running, prefix=prefix)
    print(alarm_reports.render(reports, int(notifications)))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@task(help={"port": "port to listen on"})
@friendly
def emulator_start(c, port=None):
    """Start the local AWS emulator in the background (no-op if it runs)."""
    chosen = settings(c, "local", port)
    running, new = process.start(chosen.state_dir, port=chosen.port)
    verb = "started" if new else "already running"
    print(f"emulator {verb}: {running.endpoint_url} (pid {running.pid}, log {running.log_file})")


@task
@friendly
def emulator_stop(c):
    """Stop the local AWS emulator (its data is lost)."""
    stopped = process.stop(settings(c, "local").state_dir)
    print("emulator stopped" if stopped else "emulator was not running")


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


@task
@friendly
def emulator_status(c):
    """Say whether the local AWS emulator runs, where, and with which extensions."""
    running = process.find(settings(c, "local").state_dir)
    if running is None:
        raise Exit(
            "emulator: not running (start it with `invoke emulator.start` or `invoke setup`)",
            code=3,
        )
    status = process.status_of(running.endpoint_url)
    print(f"emulator: running at {running.endpoint_url} (pid {running.pid})")
    print(f"extensions: {', '.join(status['extensions'])}; up {status['uptime_seconds']} s")
    if status.get("data_plane") == "dynamodb-local":
        print(
            f"data plane: DynamoDB Local {status['dynamodb_local_version']} "
            f"({status['dynamodb_local_release_date']}, from {status['dynamodb_local_source']}) "
            f"on Java {status['dynamodb_local_java']}; its log: {status['dynamodb_local_log']}"
        )
    else:
        print(f"data plane: {status.get('data_plane', 'moto')} (moto {moto_version()})")
    if status.get("iam_enforcement") == "off":
        print("IAM: not enforced (EMULATOR_IAM_ENFORCEMENT=0): functions may do anything")
    else:
        print("IAM: enforced for functions' role sessions; default credentials are an admin's")
    print(f"log: {running.log_file}")


@task(
    help={
        "target": TARGET_HELP,
        "port": "emulator port for the local target",
        "page_port": "port of the page on 127.0.0.1 (default 8765)",
        "allow_writes": "aws: let the page write (the tour); the local target always may",
        "no_browser": "do not open a browser, only print the address",
        "export_workbench": "write the key design and seed items as a NoSQL Workbench "
        "data model (format 3.0) to this file, then stop",
        "screenshot": "save a PNG of the table view to this file (headless Chromium), then stop",
    }
)
@friendly
def explore(
    c,
    target=None,
    port=None,
    page_port=None,
    allow_writes=False,
    no_browser=False,
    export_workbench=None,
    screenshot=None,
):
    """See the design: a local page with the table, indexes, access patterns and the stack live."""
    from pathlib import Path

    from harness.explore import server, workbench

    if export_workbench:
        written = workbench.export(Path(export_workbench))
        print(f"wrote {written} (NoSQL Workbench data model, format {workbench.FORMAT_VERSION})")
        return
    from harness.explore import browser
    from harness.explore.app import create_app, stack_explorer

    if not screenshot:
        page_port = server.check_port(page_port or server.DEFAULT_PORT)
    running = lifecycle.running_target(settings(c, target, port), echo=_stderr, start=False)
    app = create_app(stack_explorer(running, allow_writes))
    if screenshot:
        with server.ServerThread(app) as address:
            saved = browser.screenshot(address, Path(screenshot))
        print(f"saved {saved} (the table view of {address})")
        return
    server.serve(app, page_port, open_browser=not no_browser)


def with_pattern_flags(function):
    """Give a task one optional flag per parameter in the catalog (--course, --start, ...).

    Invoke reads a task's flags from its signature; deriving them keeps the catalog the
    one place where parameters are declared.
    """
    signature = inspect.signature(function)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    flags = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
        for name in access_patterns.cli_param_names()
    ]
    function.__signature__ = signature.replace(parameters=fixed + flags)
    return function


@task(
    positional=["name"],
    help={
        "name": "the access pattern to run, or --list to list them all (one per line)",
        "json": "print the items as JSON instead of a table (the consumed capacity goes to stderr)",
        "target": TARGET_HELP,
        "port": "emulator port for the local target",
        **access_patterns.cli_param_help(),
    },
)
@friendly
@with_pattern_flags
def query(c, name, json_=False, target=None, port=None, **params):
    """Run one access pattern and print its items and consumed capacity (--list: all patterns)."""
    from harness.model import tables

    # Invoke positionals are required, so `invoke query --list` arrives as the name.
    if name == "--list":
        print("\n".join(access_patterns.catalog_lines()))
        return
    pattern = access_patterns.get(name)
    values = access_patterns.parse_cli_params(pattern, params)
    running = lifecycle.running_target(settings(c, target, port), echo=_stderr, start=False)
    cost = access_patterns.QueryCost()
    items = access_patterns.run(running, pattern.name, values, cost=cost)
    if json_:
        print(tables.render_json(items))
        _stderr(cost.describe())  # stdout stays JSON for machines
    else:
        print(tables.render(items))
        print(cost.describe())


@task(
    help={
        "operation": "write (PutItem; the default without --pattern) or read (GetItem, or the "
        "Query of --pattern)",
        "rate": "requests per second of the target's clock (the emulator's may run faster: "
        "EMULATOR_CLOCK_SPEED); default 10",
        "duration": "seconds to run, on the same clock (default 30); 0 runs until Ctrl-C",
        "hot_key": "send every request to one partition key (load#hot) instead of spreading "
        "them over --keys keys",
        "keys": "how many keys the load spreads over and overwrites in turn (default 100)",
        "item_size": "bytes per written item as DynamoDB counts them, names plus values "
        "(default 1000: 1 write unit)",
        "pattern": "reads: run this access pattern's Query (with its --param flags) each time",
        "table": "table to load (default: the stack's, from Terraform's outputs)",
        "workers": "requests in flight at most (default 8); raise it if the rate is not met",
        "target": TARGET_HELP,
        "port": "emulator port for the local target",
        **access_patterns.cli_param_help(),
    },
)
@friendly
@with_pattern_flags
def load(
    c,
    operation=None,
    rate=None,
    duration=None,
    hot_key=False,
    keys=100,
    item_size=1000,
    pattern=None,
    table=None,
    workers=8,
    target=None,
    port=None,
    **params,
):
    """Drive reads or writes at a rate; a live line of rate, throttles and units, a summary."""
    from harness.ops import load as loading

    given = {name: value for name, value in params.items() if value is not None}
    if given and not pattern:
        flags = ", ".join(f"--{name}" for name in given)
        verb = "belongs" if len(given) == 1 else "belong"
        raise HarnessError(f"{flags} {verb} to an access pattern; add --pattern NAME")
    plan = loading.LoadPlan(
        table="",
        operation=str(operation or ("read" if pattern else "write")),
        rate=_number("--rate", 10 if rate is None else rate),
        duration=_number("--duration", 30 if duration is None else duration) or None,
        hot_key=bool(hot_key),
        keys=int(_number("--keys", keys)),
        item_size=int(_number("--item-size", item_size)),
        pattern=access_patterns.get(pattern).name if pattern else None,
        pattern_params=given,
        workers=int(_number("--workers", workers)),
    )
    plan.check()
    running = lifecycle.running_target(settings(c, target, port), echo=_stderr, start=False)
    plan = dataclasses.replace(plan, table=table or _stack_table(running))
    loading.run(running, plan, echo=loading.tty_echo())


def _number(flag: str, value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise HarnessError(f"{flag} must be a number, not {value!r}") from None


def _stack_table(running) -> str:
    """The deployed stack's table name, from Terraform's outputs."""
    from harness.stack.terraform import Stack

    try:
        table_name = Stack(running).outputs().get("table_name")
    except HarnessError:
        table_name = None
    if not table_name:
        raise HarnessError("the stack is not deployed; run `invoke setup` first (or pass --table)")
    return table_name


@task(
    help={
        "target": TARGET_HELP,
        "port": "emulator port for the local target",
        "repair": "write the true values where they drift (fenced against the stream Lambda; "
        "asks first on aws)",
        "yes": "repair without asking (for automation)",
        "region": "read this region's replica (default: the primary region; repair runs "
        "only there)",
        "drift_only": "print only the aggregates that are not exact",
        "table": "check this table instead of the stack's (e.g. a copy made by `invoke restore`)",
    }
)
@friendly
def aggregates_check(
    c, target=None, port=None, repair=False, yes=False, region=None, drift_only=False, table=None
):
    """Recompute every aggregate from its source items; print stored vs true and the drift."""
    from harness.ops import reconciler

    running = lifecycle.running_target(settings(c, target, port), echo=_stderr, start=False)
    table_name = table or _stack_table(running)
    ask = None if (yes or running.is_local) else reconciler.ask_before_repair
    report = reconciler.reconcile(
        running, table_name, region=region, repair=repair, confirm=ask, drift_only=drift_only
    )
    if report.drifting:
        hint = "" if repair else "; `invoke aggregates.check --repair` writes the true values"
        raise Exit(f"aggregates are not exact{hint}", code=1)


@task(
    help={
        "to": "the time to restore to: ISO-8601 (2026-11-30T20:15:00Z; no zone means UTC) "
        "or an age such as 90s, 10m, 2h, 1d",
        "into": "name of the new table (default: <table>-at-YYYYMMDD-HHMMSS)",
        "target": TARGET_HELP,
        "yes": "aws: skip the confirmation (for automation)",
        "port": "emulator port for the local target",
    }
)
@friendly
def restore(c, to, into=None, target=None, yes=False, port=None):
    """Restore the table as it was at --to into a new table; report what changed since."""
    from harness.ops import restore as drill

    when = drill.parse_time(to)
    running = lifecycle.running_target(settings(c, target, port), echo=_stderr, start=False)

    def confirm(question: str) -> bool:
        if yes:
            return True
        try:
            return input(f"{question} Type yes to go on: ").strip() == "yes"
        except EOFError:
            return False

    result = drill.restore(running, when, into=into, confirm=confirm)
    print(f"\nChanges in the live table {result.table} since {result.when:%Y-%m-%dT%H:%M:%SZ}")
    print(f"(restored copy: {result.restored}; the live table was not touched)")
    print("\n".join(result.comparison.lines()))
    print(f"\nAggregates in the restored copy {result.restored} (recomputed from its items)")
    print("\n".join(result.aggregate_lines()))


emulator = Collection("emulator")
emulator.add_task(emulator_start, "start")
emulator.add_task(emulator_stop, "stop")
emulator.add_task(emulator_status, "status")

aggregates = Collection("aggregates")
aggregates.add_task(aggregates_check, "check")

ns = Collection(
    setup,
    teardown,
    plan,
    lint,
    env,
    logs,
    alarms,
    query,
    load,
    restore,
    explore,
    emulator,
    aggregates,
)
ns.configure(
    {
        "target": "local",
        "region": "us-east-1",
        "replica_regions": ["us-west-2"],
        "emulator": {"port": process.DEFAULT_PORT},
    }
)
