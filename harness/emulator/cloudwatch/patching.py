"""Replacing a moto (or emulator) method by a wrapper, idempotently across installs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def rewrap(owner: type, name: str, wrap: Callable[[Callable], Callable]) -> None:
    """Set owner.name to wrap(original), where original is the method before any rewrap.

    A second install (another emulator in the same process, a test) wraps the original
    again instead of wrapping the wrapper.
    """
    current: Any = getattr(owner, name)
    original = getattr(current, "__wrapped_original__", current)
    wrapped = wrap(original)
    wrapped.__wrapped_original__ = original
    setattr(owner, name, wrapped)
