"""Plans shared by content: the same module, variables and Terraform give the same plan.

Several test modules plan the root module with the same variables (the defaults, for
one); each such `terraform plan` costs about 8 s of CPU. A plan's JSON is kept under a
key made of everything it depends on: every file of the planned directory and of the
repository's terraform/ (modules are read from there), the variables (the Lambda zip by
its content, not its path), the Terraform binary's version line and the provider mirror.
The cache lives in the test session's base temporary folder, which every xdist worker
shares, so a plan made on one worker serves the others; a file lock per key makes the
second asker wait for the first instead of planning it again. Nothing outlives the
session: a fresh run plans afresh. A refused plan is never kept (each asker sees the
refusal itself).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import tftest

from harness import TERRAFORM_DIR
from harness.stack import provider_mirror


def _tree_digest(digest, root: Path) -> None:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".terraform") for part in relative.parts) or not path.is_file():
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")


def _terraform_version() -> str:
    result = subprocess.run(
        ["terraform", "version"], capture_output=True, text=True, check=False, timeout=60
    )
    return result.stdout.splitlines()[0] if result.stdout else ""


def plan_key(tf_dir: Path, tf_vars: dict[str, object]) -> str:
    """A hex key for the plan of `tf_dir` with `tf_vars` (values as Stack.tf_vars gives them)."""
    digest = hashlib.sha256()
    for root in (Path(tf_dir), TERRAFORM_DIR):
        digest.update(str(root).encode() + b"\0")
        _tree_digest(digest, root)
    variables = dict(tf_vars)
    zip_path = variables.pop("lambda_zip_path", None)
    if zip_path is not None:
        digest.update(b"lambda.zip\0" + hashlib.sha256(Path(zip_path).read_bytes()).digest())
    digest.update(json.dumps(variables, sort_keys=True, default=str).encode())
    digest.update(_terraform_version().encode())
    digest.update(str(provider_mirror.find_mirror()).encode())
    return digest.hexdigest()


def cache_dir(base_temp: Path) -> Path:
    """The folder every worker of this session shares: xdist workers get base_temp/popen-gwN."""
    shared = base_temp.parent if os.environ.get("PYTEST_XDIST_WORKER") else base_temp
    folder = shared / "shared-plans"
    folder.mkdir(exist_ok=True)
    return folder


def shared_plan(
    folder: Path, key: str, make: Callable[[], tftest.TerraformPlanOutput]
) -> tftest.TerraformPlanOutput:
    """The plan kept under `key`, made by `make()` (once per session, on any worker)."""
    kept = folder / f"{key}.json"
    with open(folder / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if kept.exists():
            return tftest.TerraformPlanOutput(json.loads(kept.read_text()))
        plan = make()
        partial = kept.with_suffix(".partial")
        partial.write_text(json.dumps(plan._raw))  # tftest keeps `show -json`'s document here
        partial.replace(kept)
        return plan
