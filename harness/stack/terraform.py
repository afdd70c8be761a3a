"""Terraform driver: init, plan, apply and destroy through tftest.

Each target keeps its Terraform data directory and state under its own state
folder (`.state/<target>/`), so the repository's `terraform/` stays clean and
several stacks (a developer's `invoke setup`, a test session) never share a
lock or a state file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tftest

from harness import LAMBDA_SOURCE_DIR, TERRAFORM_DIR, HarnessError
from harness.stack import aws_target, lambda_package, provider_mirror
from harness.stack.targets import Target

TFTEST_LOGGER = logging.getLogger("tftest")
# tftest logs a failed command's whole output at CRITICAL; without a handler of
# its own, Python's last-resort handler would print it on stderr a second time.
TFTEST_LOGGER.addHandler(logging.NullHandler())
TFTEST_LOGGER.propagate = False


def require_terraform() -> str:
    """The terraform executable, or a clear error when it is missing."""
    binary = shutil.which("terraform")
    if binary is None:
        raise HarnessError(
            "terraform is not on PATH; install Terraform >= 1.6 "
            "(https://developer.hashicorp.com/terraform/install) and try again"
        )
    return binary


class _LineEcho(logging.Handler):
    """Forwards Terraform's output, which tftest logs line by line, to a callback."""

    def __init__(self, echo: Callable[[str], None]):
        super().__init__(logging.INFO)
        self.echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        # tftest logs each output line at INFO; its CRITICAL record repeats the
        # whole output on failure, which reaches the user as the error instead.
        message = record.getMessage()
        if record.levelno == logging.INFO and not message.startswith("["):
            self.echo(message)


@dataclass
class Stack:
    """The root module deployed to one target."""

    target: Target
    tf_dir: Path = TERRAFORM_DIR
    echo: Callable[[str], None] | None = None
    extra_vars: dict[str, object] | None = None

    def __post_init__(self) -> None:
        if not self.target.is_local and self.tf_dir == TERRAFORM_DIR:
            # Remote state: run a staged copy of terraform/ that adds the S3 backend override.
            self.tf_dir = aws_target.stage_root_module(self.tf_dir, self.work_dir / "root")

    @property
    def work_dir(self) -> Path:
        return self.target.state_dir

    @property
    def state_file(self) -> Path:
        return self.work_dir / "terraform.tfstate"

    @property
    def lambda_zip(self) -> Path:
        return self.work_dir / "lambda.zip"

    def env(self) -> dict[str, str]:
        env = self.target.process_env()
        env["TF_DATA_DIR"] = str(self.work_dir / "tfdata")
        env["TF_IN_AUTOMATION"] = "1"
        env.pop("TF_LOG", None)
        cli_config = env.get("TF_CLI_CONFIG_FILE")
        if cli_config and not Path(cli_config).exists():
            # A dangling setting only makes Terraform warn on every command; an
            # empty config is what Terraform would use with no file at all.
            # (Set, not removed: tftest starts from os.environ again.)
            env["TF_CLI_CONFIG_FILE"] = os.devnull
        return env

    def tf_vars(self) -> dict[str, object]:
        variables = self.target.tf_vars()
        variables["lambda_zip_path"] = str(self.lambda_zip)
        variables.update(self.extra_vars or {})
        return {name: _hcl_value(value) for name, value in variables.items()}

    def _tftest(self) -> tftest.TerraformTest:
        binary = require_terraform()
        return tftest.TerraformTest(str(self.tf_dir), binary=binary, env=self.env())

    def _run(self, action: Callable[[tftest.TerraformTest], object]):
        handler = _LineEcho(self.echo) if self.echo else None
        if handler:
            TFTEST_LOGGER.addHandler(handler)
            TFTEST_LOGGER.setLevel(logging.INFO)
        try:
            return action(self._tftest())
        except tftest.TerraformTestError as error:
            raise HarnessError(f"terraform failed:\n{_terraform_error_text(error)}") from None
        finally:
            if handler:
                TFTEST_LOGGER.removeHandler(handler)

    def build_lambda(self) -> Path:
        return lambda_package.build(LAMBDA_SOURCE_DIR, self.lambda_zip)

    def init(self, backend_config: dict[str, str] | str | None = None) -> None:
        """`backend_config`: key/values, or the path of a partial backend config file."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        mirror = provider_mirror.find_mirror()
        if backend_config is None and not self.target.is_local:
            backend_config = str(aws_target.backend_config_file())
        init_vars = backend_config or {"path": str(self.state_file)}
        self._run(
            lambda tf: tf.setup(
                plugin_dir=str(mirror) if mirror else None,
                init_vars=init_vars,
                cleanup_on_exit=False,
                upgrade=False,
            )
        )

    def plan(self, out_file: Path | None = None, **kw) -> tftest.TerraformPlanOutput:
        """The parsed plan, also saved to `out_file` so it can be applied as reviewed."""
        out_file = out_file or self.work_dir / "tfplan"
        args = tftest.parse_args(input=False, color=False, tf_vars=self.tf_vars(), **kw)
        self._run(lambda tf: tf.execute_command("plan", *args, f"-out={out_file}"))
        shown = self._run(
            lambda tf: tf.execute_command("show", "-no-color", "-json", str(out_file))
        )
        return tftest.TerraformPlanOutput(json.loads(shown.out))

    def apply(self) -> str:
        return self._run(lambda tf: tf.apply(tf_vars=self.tf_vars()))

    def destroy(self) -> str:
        return self._run(lambda tf: tf.destroy(tf_vars=self.tf_vars()))

    def outputs(self) -> dict[str, object]:
        return dict(self._run(lambda tf: tf.output()))

    def resources_in_state(self) -> list[str]:
        """Addresses of every resource Terraform tracks for this target."""
        result = self._run(lambda tf: tf.execute_command("state", "list"))
        return [line for line in result.out.splitlines() if line.strip()]


def _hcl_value(value: object) -> object:
    # tftest passes dicts and lists through json, booleans need HCL spelling.
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _terraform_error_text(error: tftest.TerraformTestError) -> str:
    text = str(error.args[0]) if error.args else str(error)
    stderr = error.args[1] if len(error.args) > 1 else ""
    return (stderr or text).strip()[-4000:]
