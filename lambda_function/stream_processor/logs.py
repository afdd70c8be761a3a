"""Structured logs: one JSON object per line, so CloudWatch Logs Insights can query fields."""

from __future__ import annotations

import json
import sys
from decimal import Decimal


def log(level: str, message: str, **fields: object) -> None:
    """Print one JSON line; Decimals are written as numbers' text, never as floats."""
    line = {"level": level, "message": message, **fields}
    print(json.dumps(line, default=_plain, sort_keys=False), file=sys.stdout, flush=True)


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)
