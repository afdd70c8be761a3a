"""Python harness that drives the DynamoDB single-table reference.

It turns a target (the local emulator or a sandbox AWS account) into the
environment Terraform and boto3 need, runs Terraform through tftest, packages
the Lambda, and runs the local AWS emulator.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TERRAFORM_DIR = REPO_ROOT / "terraform"
LAMBDA_SOURCE_DIR = REPO_ROOT / "lambda_function"

# Tests and parallel checkouts point this elsewhere so they never touch a
# developer's running stack.
STATE_ROOT = Path(os.environ.get("HARNESS_STATE_DIR", REPO_ROOT / ".state"))


class HarnessError(Exception):
    """A problem the user can fix; the message says what to do."""
