"""Uploaded zips unpacked once per content hash, shared by every worker that runs them.

The folder name is the hex SHA-256 of the zip, the digest behind Lambda's CodeSha256, so a
new upload (UpdateFunctionCode) gets a new folder and a warm worker never sees half-replaced
code. Extraction goes to a temporary folder renamed into place, so concurrent cold starts of
the same code are safe.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

CACHE_DIR_VARIABLE = "EMULATOR_LAMBDA_CODE_DIR"
UNUSED_DAYS_BEFORE_PRUNE = 7


def default_cache_root() -> Path:
    """Where code is unpacked: $EMULATOR_LAMBDA_CODE_DIR, else a per-user temp folder."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"emulator-lambda-code-{os.getuid()}"


def unpacked(zip_bytes: bytes, cache_root: Path) -> Path:
    """The folder holding `zip_bytes` unpacked, extracting it on first use."""
    target = cache_root / hashlib.sha256(zip_bytes).hexdigest()
    if target.is_dir():
        os.utime(target)  # marks it used, so prune() keeps it
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_root, prefix=f".{target.name[:12]}-"))
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            archive.extractall(staging)  # zipfile drops absolute and ".." parts of names
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not target.is_dir():  # not merely a lost race with another cold start
            raise
    return target


def prune(cache_root: Path, unused_days: float = UNUSED_DAYS_BEFORE_PRUNE) -> None:
    """Remove unpacked code nobody started a worker from for `unused_days` (keeps /tmp small)."""
    if not cache_root.is_dir():
        return
    cutoff = time.time() - unused_days * 86400
    for entry in cache_root.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass
