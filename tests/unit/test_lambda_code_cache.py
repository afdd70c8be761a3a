"""The Lambda runtime's code cache: one unpacked folder per zip content."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from harness.emulator.lambda_runtime.code_cache import prune, unpacked


def zipped(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed timestamp: writestr(name) stamps the current second, so two zips
        # of the same text made across a second boundary would differ.
        archive.writestr(zipfile.ZipInfo("app.py", date_time=(2025, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def test_same_bytes_share_a_folder_and_new_bytes_get_their_own(tmp_path):
    first = unpacked(zipped("VERSION = 1\n"), tmp_path)
    again = unpacked(zipped("VERSION = 1\n"), tmp_path)
    updated = unpacked(zipped("VERSION = 2\n"), tmp_path)

    assert first == again != updated
    assert (first / "app.py").read_text() == "VERSION = 1\n"
    assert (updated / "app.py").read_text() == "VERSION = 2\n"


def test_a_broken_zip_raises_and_leaves_nothing_behind(tmp_path):
    with pytest.raises(zipfile.BadZipFile):
        unpacked(b"not a zip", tmp_path)

    assert list(tmp_path.iterdir()) == []


def test_prune_removes_only_long_unused_code(tmp_path):
    old = unpacked(zipped("old\n"), tmp_path)
    fresh = unpacked(zipped("fresh\n"), tmp_path)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))

    prune(tmp_path, unused_days=7)

    assert not old.exists() and fresh.exists()
