"""The check that a moto attribute an extension patches is still where it expects it.

Extensions that replace moto methods list them in a HOOKS table of (owner,
attribute, parameter names after self). A moto upgrade that moves or reshapes one
must fail a test whose message names the extension to update, not break quietly.
"""

from __future__ import annotations

import inspect

import pytest

Hook = tuple[type, str, tuple[str, ...]]


def each_hook(hooks: tuple[Hook, ...]) -> pytest.MarkDecorator:
    """Parametrize a test over a HOOKS table, one test id per Owner.attribute."""
    return pytest.mark.parametrize(
        "owner, name, parameters", hooks, ids=[f"{o.__name__}.{n}" for o, n, _ in hooks]
    )


def assert_hook_in_place(
    owner: type, name: str, parameters: tuple[str, ...], *, moved: str, changed: str
) -> None:
    """Fail when `owner.name` is gone (message + `moved`) or its parameters differ (+ `changed`)."""
    attribute = getattr(owner, name, None)
    assert callable(attribute), f"moto moved {owner.__module__}.{owner.__name__}.{name}{moved}"
    actual = tuple(inspect.signature(inspect.unwrap(attribute)).parameters)[1:]
    assert actual == parameters, (
        f"moto changed the signature of {owner.__name__}.{name}: expected {parameters}, "
        f"got {actual}; {changed}"
    )
