"""The Lambda zip is deterministic, so Terraform redeploys only when the code changes."""

import io
import os
import time
import zipfile

from harness.stack import lambda_package


def write_source(root):
    (root / "pkg").mkdir(parents=True)
    (root / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    (root / "pkg" / "util.py").write_text("X = 1\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"junk")
    return root


def test_same_source_gives_identical_bytes_whatever_the_mtimes(tmp_path):
    source = write_source(tmp_path / "src")
    first = lambda_package.zip_bytes(source)
    later = time.time() + 3600
    for path in source.rglob("*.py"):
        os.utime(path, (later, later))
    assert lambda_package.zip_bytes(source) == first


def test_zip_holds_sorted_sources_without_bytecode(tmp_path):
    source = write_source(tmp_path / "src")
    names = zipfile.ZipFile(io.BytesIO(lambda_package.zip_bytes(source))).namelist()
    assert names == ["handler.py", "pkg/util.py"]


def test_changed_code_changes_the_zip_and_build_rewrites_only_then(tmp_path):
    source = write_source(tmp_path / "src")
    target = tmp_path / "out" / "lambda.zip"
    lambda_package.build(source, target)
    first_mtime = target.stat().st_mtime_ns
    lambda_package.build(source, target)
    assert target.stat().st_mtime_ns == first_mtime, "unchanged source must not rewrite the zip"
    (source / "handler.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    before = target.read_bytes()
    lambda_package.build(source, target)
    assert target.read_bytes() != before
