"""Exact conversion of decimal prices (text such as "2.55") to integer cents (分)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


def decimal_to_cents(text: str) -> int:
    """``"2.55"`` → 255. Raises ``ValueError`` with a readable reason for anything that is
    not an exact amount of cents (``"abc"``, ``"0.001"``); never goes through float."""
    cleaned = text.strip().replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{text!r} is not a number")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{text!r} has fractions of a cent")
    return int(cents)


def cents_to_decimal(cents: int) -> str:
    """255 → ``"2.55"``: the text form that ``decimal_to_cents`` reads back exactly."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def parse_decimal(text: str) -> Decimal:
    """``"2.55"``, ``"-3"``, ``"1,234.50"``, ``"1e-05"`` → the exact ``Decimal``.

    Commas are read only as thousands separators (``1,234``); ``"2,55"`` is refused rather
    than guessed to be a decimal comma. ``ValueError`` names the text otherwise."""
    cleaned = text.strip()
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return amount
