"""DynamoDB's number type, and sums that stay inside it exactly.

A DynamoDB number holds up to 38 significant digits; positive magnitudes run
from 1E-130 to 9.9999999999999999999999999999999999999E+125, negatives
likewise, and zero (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number).
Every aggregate is computed in CONTEXT, a decimal context with exactly that
precision and exponent range that raises instead of rounding: a running sum is
either exact and storable or the operation fails with NotStorable, which the
handler turns into a logged problem image. Python's default context (28 digits)
would round silently, and quantizing 1E+26 to two places in it raises
InvalidOperation.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DecimalException,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Subnormal,
)

PRECISION = 38
MAX_EXPONENT = 125  # adjusted exponent of the largest magnitude, 9.99...E+125
MIN_EXPONENT = -130  # adjusted exponent of the smallest non-zero magnitude, 1E-130

CONTEXT = Context(
    prec=PRECISION,
    Emax=MAX_EXPONENT,
    Emin=MIN_EXPONENT,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, Inexact, Rounded, Overflow, Subnormal],
)
# Wide enough that any sum or difference of DynamoDB numbers is exact (their
# digits span 1E-130 .. 1E+126), and a quotient rounds far below two places.
_WIDE = Context(prec=400, Emax=999, Emin=-999, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])
# Rounding to two places may round, but never past 38 digits (InvalidOperation).
_ROUNDING = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])


class NotStorable(ArithmeticError):
    """The exact result has more than 38 digits or lies outside DynamoDB's range."""


def storable(value: Decimal) -> bool:
    """True when DynamoDB can store `value` exactly (finite, <= 38 digits, in range)."""
    try:
        fit(value, "value")
    except NotStorable:
        return False
    return True


def fit(value: Decimal, name: str) -> Decimal:
    """`value` checked against CONTEXT and in its shortest form; NotStorable names `name`.

    The value is normalized first (1E+100 + 0 is written with 101 digits but
    holds one), then CONTEXT.plus raises for more than 38 significant digits
    (Rounded), a magnitude of 1E+126 or more (Overflow), or one below 1E-130
    (Subnormal).
    """
    try:
        if value.is_zero():
            return Decimal(0)
        return CONTEXT.plus(value.normalize(_WIDE))
    except DecimalException as error:
        raise NotStorable(
            f"{name} {value} cannot be stored in a DynamoDB number: {type(error).__name__}"
        ) from None


def replace(total: Decimal, old: Decimal, new: Decimal, name: str) -> Decimal:
    """total - old + new, exactly; NotStorable names `name` when it cannot be stored.

    The intermediate total - old is the aggregate without this item, itself a
    sum of stored items, so checking it too never rejects a storable history.
    """
    without = fit(_WIDE.subtract(total, old), name)
    return fit(_WIDE.add(without, new), name)


def average(total: Decimal, count: Decimal, places: Decimal, name: str) -> Decimal:
    """total / count rounded half-even to `places`; NotStorable if that needs > 38 digits."""
    try:
        result = _WIDE.divide(total, count).quantize(places, context=_ROUNDING)
    except DecimalException as error:
        raise NotStorable(
            f"{name} {total} / {count} to {places} cannot be stored: {type(error).__name__}"
        ) from None
    return fit(result, name)


def exact_sum(values) -> Decimal:
    """The exact sum of any DynamoDB numbers (never rounds: the range spans 256 digits)."""
    total = Decimal(0)
    for value in values:
        total = _WIDE.add(total, value)
    return total


def shortest(value: dict) -> dict:
    """A DynamoDB JSON attribute value with every number (N, NS, inside M and L) in its
    shortest exact form, which boto3's TypeDeserializer accepts.

    DynamoDB returns 9E+125 as 9 followed by 125 zeros; TypeDeserializer reads
    numbers in a 38-digit context that counts those zeros and raises
    decimal.Rounded (boto/boto3#2500), although the number holds one digit.
    """
    if "N" in value:
        return {"N": str(_exact_form(value["N"]))}
    if "NS" in value:
        return {"NS": [str(_exact_form(text)) for text in value["NS"]]}
    if "M" in value:
        return {"M": {name: shortest(inner) for name, inner in value["M"].items()}}
    if "L" in value:
        return {"L": [shortest(inner) for inner in value["L"]]}
    return value


def _exact_form(text: str) -> Decimal:
    number = Decimal(text)  # exact: Decimal(str) never rounds
    return Decimal(0) if number.is_zero() else number.normalize(_WIDE)
