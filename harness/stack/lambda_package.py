"""Build the Lambda's deployment zip deterministically.

There is no archive provider on offline machines, so the harness zips
`lambda_function/` itself. Sorted entries and fixed timestamps make the same
source produce the same bytes, so Terraform's `source_code_hash` only changes
when the code does.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
EXCLUDED_PARTS = {"__pycache__", ".pytest_cache", "tests"}


def source_files(source_dir: Path) -> list[Path]:
    """The files that belong in the zip, in a stable order."""
    files = [
        path
        for path in source_dir.rglob("*")
        if path.is_file()
        and not EXCLUDED_PARTS.intersection(path.relative_to(source_dir).parts)
        and path.suffix not in {".pyc", ".pyo"}
    ]
    return sorted(files, key=lambda p: p.relative_to(source_dir).as_posix())


def zip_bytes(source_dir: Path) -> bytes:
    """The zip archive of `source_dir` as bytes, identical for identical sources."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in source_files(source_dir):
            info = zipfile.ZipInfo(path.relative_to(source_dir).as_posix(), FIXED_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def build(source_dir: Path, destination: Path) -> Path:
    """Write the zip to `destination` (only if its bytes changed) and return the path."""
    data = zip_bytes(source_dir)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if not destination.exists() or destination.read_bytes() != data:
        destination.write_bytes(data)
    return destination
