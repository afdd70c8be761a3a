"""The harness finds an offline copy of the AWS provider, or lets Terraform use the registry."""

import pytest

from harness import HarnessError
from harness.stack import provider_mirror


def make_mirror(root):
    build = root / "registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"
    build.mkdir(parents=True)
    (build / "terraform-provider-aws_v5.100.0_x5").write_text("")
    return root


def test_environment_variable_wins(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    assert provider_mirror.find_mirror({"TF_PLUGIN_MIRROR": str(mirror)}) == mirror


def test_environment_variable_without_a_provider_is_an_error(tmp_path):
    with pytest.raises(HarnessError, match="holds no registry.terraform.io/hashicorp/aws"):
        provider_mirror.find_mirror({"TF_PLUGIN_MIRROR": str(tmp_path)})


def test_conventional_places_are_searched(tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path / "plugins")
    monkeypatch.setattr(provider_mirror, "CANDIDATE_DIRS", (str(tmp_path / "none"), str(mirror)))
    assert provider_mirror.find_mirror({}) == mirror


def test_no_mirror_means_the_registry(tmp_path, monkeypatch):
    monkeypatch.setattr(provider_mirror, "CANDIDATE_DIRS", (str(tmp_path),))
    assert provider_mirror.find_mirror({}) is None
