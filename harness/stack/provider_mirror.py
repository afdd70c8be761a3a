"""Find a local copy of the Terraform AWS provider so init works offline.

Terraform's registry is unreachable on air-gapped machines; a filesystem
mirror (the unpacked `registry.terraform.io/hashicorp/aws/<v>/<os_arch>/`
layout) lets `terraform init -plugin-dir` succeed. When none is found we
return None and Terraform uses the registry as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "TF_PLUGIN_MIRROR"

# Where such mirrors are conventionally kept (Terraform's implied local
# mirror directories on Linux, plus the ones used on our build machines).
CANDIDATE_DIRS = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)

AWS_PROVIDER = Path("registry.terraform.io/hashicorp/aws")


def has_aws_provider(root: Path) -> bool:
    """True when `root` holds at least one unpacked hashicorp/aws build."""
    provider_dir = root / AWS_PROVIDER
    return provider_dir.is_dir() and any(provider_dir.glob("*/*/terraform-provider-aws*"))


def find_mirror(environ: dict[str, str] | None = None) -> Path | None:
    """The plugin mirror root to pass to `terraform init -plugin-dir`, or None."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(ENV_VAR)
    if explicit:
        root = Path(explicit).expanduser()
        if not has_aws_provider(root):
            from harness import HarnessError

            raise HarnessError(
                f"{ENV_VAR}={explicit} holds no registry.terraform.io/hashicorp/aws provider; "
                "point it at a filesystem mirror or unset it to use the registry"
            )
        return root
    for candidate in CANDIDATE_DIRS:
        root = Path(candidate).expanduser()
        if has_aws_provider(root):
            return root
    return None
