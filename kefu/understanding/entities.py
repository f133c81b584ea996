"""Entities a shopper writes into a message, found by regular expressions on the folded
text (full-width digits and traditional characters already folded): order number, phone,
tracking number, height, weight, clothing size and money.

Each entity is ``{"type", "value", "text"}``: ``text`` is the span as folded, ``value``
is what a program uses (an upper-cased tracking number, centimetres, kilograms, a size
label, a decimal string of yuan). They come back in the order they appear in the text."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kefu.understanding.normalize import fold

Entity = dict[str, Any]

_NUMBER = r"\d+(?:\.\d+)?"
_CARRIERS = "SF|YT|ZTO|STO|YD|JDVA|JDV|JD|JT|EMS|DPK|DBL|YZ"


def _number(text: str) -> int | float:
    """``"175"`` → 175, ``"52.5"`` → 52.5 (JSON numbers, not strings)."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _tracking(match: re.Match[str]) -> Entity:
    number = match.group(0).upper()
    carrier = match.group("carrier").upper()
    return {"type": "tracking_number", "value": number, "carrier": carrier}


def _order(match: re.Match[str]) -> Entity:
    return {"type": "order_number", "value": match.group("number")}


def _phone(match: re.Match[str]) -> Entity:
    return {"type": "phone", "value": match.group(0)}


def _height(match: re.Match[str]) -> Entity:
    return {"type": "height", "value": _number(match.group("n")), "unit": "cm"}


def _weight(match: re.Match[str]) -> Entity:
    """Kilograms whatever the shopper used: 斤 is half a kilogram."""
    amount = Decimal(match.group("n"))
    if match.group("unit") == "斤":
        amount /= 2
    return {"type": "weight", "value": _number(str(amount)), "unit": "kg"}


def _size(match: re.Match[str]) -> Entity:
    label = match.group("label") or match.group("number")
    return {"type": "size", "value": label.upper()}


def _money(match: re.Match[str]) -> Entity:
    amount = match.group("yen") or match.group("n")
    return {"type": "money", "value": str(Decimal(amount)), "unit": "CNY"}


_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9])"

# Earlier patterns win where spans overlap (a tracking number's digits are no order number).
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Entity]]] = [
    (
        re.compile(rf"{_NOT_ALNUM_BEFORE}(?P<carrier>{_CARRIERS})\d{{9,16}}(?!\d)", re.I),
        _tracking,
    ),
    (
        re.compile(r"订单(?:编号|号码|号)?\s*(?:是|为)?\s*[:#]?\s*(?P<number>[A-Za-z0-9-]{6,32})"),
        _order,
    ),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), _phone),
    (re.compile(rf"{_NOT_ALNUM_BEFORE}(?P<number>\d{{10,24}}){_NOT_ALNUM_AFTER}"), _order),
    (re.compile(rf"(?P<n>{_NUMBER})\s*(?:cm|厘米|公分)(?![A-Za-z])", re.I), _height),
    (re.compile(r"身高\s*(?P<n>1\d{2}|[5-9]\d)(?!\d)"), _height),
    (re.compile(rf"(?P<n>{_NUMBER})\s*(?P<unit>kg|公斤|千克|斤)(?![A-Za-z])", re.I), _weight),
    (
        re.compile(
            rf"{_NOT_ALNUM_BEFORE}(?:(?P<label>[2-6]?XL|XXXL|XXL|XS|S|M|L)(?:码|号)?"
            rf"|(?P<number>\d{{2}}(?:\.5)?)\s*(?:码|号码)){_NOT_ALNUM_AFTER}",
            re.I,
        ),
        _size,
    ),
    (
        re.compile(rf"¥\s*(?P<yen>{_NUMBER})|(?P<n>{_NUMBER})\s*(?:元|块钱|块|rmb)", re.I),
        _money,
    ),
]


def extract_entities(text: str) -> list[Entity]:
    """Every entity in ``text`` (raw or folded), in order of appearance, no two overlapping."""
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Entity]] = []
    for pattern, build in _PATTERNS:
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(start < stop and begin < end for begin, stop in taken):
                continue
            taken.append((start, end))
            found.append((start, {**build(match), "text": match.group(0)}))
    return [entity for _, entity in sorted(found, key=lambda item: item[0])]
