"""Size advice from a product's 尺码表 (size chart) and the height and weight a shopper
gives (我178cm 70kg 穿什么码), apart from the database.

A chart is what shops write in a product's attributes: ``{"S": "身高155-160cm，体重45-52kg",
…}`` as the demo has it, a value may also be an object (``{"身高": "155-160", "体重":
"45-52"}``), or the chart a list of rows with a ``尺码``/``size`` field. Weights in 斤 are
halved. The advice: the size whose height and weight ranges both hold the shopper's (the
larger of two when they sit on a shared edge, the smaller offered for a closer fit); when
height and weight point to different sizes, the larger one, as shop assistants advise;
outside the chart, its end size with a word of caution."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.catalogs import N_
from kefu.knowledge.tracking import Translate, join_lines
from kefu.understanding.normalize import fold

SIZE_INTENT = "presale.size_advice"
CHART_KEYS = ("尺码表", "size_chart")
_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = "cm|厘米|公分|kg|公斤|千克|斤"
_RANGE = rf"{_NUM}\s*(?:{_UNIT})?\s*(?:-|~|～|至|到|—)\s*{_NUM}\s*({_UNIT})?"
_HEIGHT = re.compile(rf"(?:身高|height)\D{{0,3}}?{_RANGE}", re.I)
_WEIGHT = re.compile(rf"(?:体重|weight)\D{{0,3}}?{_RANGE}", re.I)
_LABEL_KEYS = ("尺码", "size", "码数")

# Message ids, said in the shop's language (kefu.knowledge.bot.speech).
SAY_ASK_BODY = N_(
    "Tell me your height and weight (for example: 172cm 65kg) and I will suggest a size."
)
SAY_ASK_PRODUCT = N_(
    "Which product would you like a size for? Open the chat on its page and ask me "
    "again: I will go by that product's size chart."
)


@dataclass(frozen=True, slots=True)
class SizeRow:
    label: str
    height: tuple[float, float] | None  # cm
    weight: tuple[float, float] | None  # kg


@dataclass(frozen=True, slots=True)
class Advice:
    size: str
    closer: str | None  # a smaller size for a closer fit, when both fit
    mixed: bool  # height and weight pointed to different sizes
    outside: bool  # the shopper is outside the chart


def chart_of(attributes: Mapping[str, Any] | None) -> Any:
    """A product's size chart, if its attributes have one."""
    for key in CHART_KEYS:
        if attributes and attributes.get(key):
            return attributes[key]
    return None


def _range(pattern: re.Pattern[str], text: str) -> tuple[float, float] | None:
    match = pattern.search(text)
    if not match:
        return None
    low, high = sorted((float(match.group(1)), float(match.group(2))))
    if match.group(3) == "斤":
        low, high = low / 2, high / 2
    return low, high


def _row(label: Any, value: Any) -> SizeRow | None:
    if isinstance(value, Mapping):
        text = "，".join(f"{k}{v}" for k, v in value.items() if k not in _LABEL_KEYS)
    else:
        text = str(value)
    text = fold(text)
    row = SizeRow(str(label).strip(), _range(_HEIGHT, text), _range(_WEIGHT, text))
    return row if row.label and (row.height or row.weight) else None


def parse_chart(chart: Any) -> list[SizeRow]:
    """The chart's sizes with their ranges, smallest first; sizes without any height or
    weight range are left out (a chart of chest widths advises nothing here)."""
    rows: list[SizeRow | None] = []
    if isinstance(chart, Mapping):
        rows = [_row(label, value) for label, value in chart.items()]
    elif isinstance(chart, Sequence) and not isinstance(chart, str):
        for item in chart:
            if isinstance(item, Mapping):
                label = next((item[k] for k in _LABEL_KEYS if item.get(k)), None)
                rows.append(_row(label, item) if label else None)
    found = [row for row in rows if row is not None]
    return sorted(found, key=lambda r: (r.height or r.weight or (0, 0))[0])


def _fits(rows: list[SizeRow], value: float, dim: str) -> tuple[list[int], bool]:
    """Indexes of the sizes whose range holds ``value``; else the nearest one and True
    when the value lies beyond the chart's ends."""
    ranges = [(i, getattr(row, dim)) for i, row in enumerate(rows) if getattr(row, dim)]
    inside = [i for i, (low, high) in ranges if low <= value <= high]
    if inside:
        return inside, False
    nearest = min(ranges, key=lambda ir: min(abs(value - ir[1][0]), abs(value - ir[1][1])))
    beyond = value < min(r[0] for _, r in ranges) or value > max(r[1] for _, r in ranges)
    return [nearest[0]], beyond


def recommend(rows: list[SizeRow], height: float | None, weight: float | None) -> Advice | None:
    """The size for a shopper of ``height`` cm and ``weight`` kg (either may be missing,
    not both), or None when the chart gives nothing to go on."""
    fits: list[list[int]] = []
    outside = False
    for value, dim in ((height, "height"), (weight, "weight")):
        if value is not None and any(getattr(row, dim) for row in rows):
            found, beyond = _fits(rows, value, dim)
            fits.append(found)
            outside = outside or beyond
    if not fits:
        return None
    both = set(fits[0]).intersection(*fits[1:])
    if both:
        picked = max(both)
        closer = rows[min(both)].label if len(both) > 1 else None
        return Advice(rows[picked].label, closer, False, outside)
    return Advice(rows[max(max(f) for f in fits)].label, None, True, outside)


def _body(height: float | None, weight: float | None, _: Translate) -> str:
    if height is not None and weight is not None:
        return _("height %(cm)scm and weight %(kg)skg") % {"cm": f"{height:g}", "kg": f"{weight:g}"}
    if height is not None:
        return _("height %(cm)scm") % {"cm": f"{height:g}"}
    return _("weight %(kg)skg") % {"kg": f"{weight:g}"}


def advice_text(
    title: str,
    advice: Advice,
    height: float | None,
    weight: float | None,
    chart_line: str,
    _: Translate,
) -> str:
    """The bot's words, a remark a line: the size, why, and the chart's line for it."""
    lines = [
        _("By the size chart of “%(title)s”, for %(body)s we suggest size %(size)s (%(chart)s).")
        % {
            "title": title,
            "body": _body(height, weight, _),
            "size": advice.size,
            "chart": chart_line,
        }
    ]
    if advice.closer:
        lines.append(_("For a closer fit, size %(size)s works too.") % {"size": advice.closer})
    if advice.mixed:
        lines.append(
            _(
                "Your height and your weight point to different sizes: the larger one will "
                "be more comfortable."
            )
        )
    if advice.outside:
        lines.append(_("You are outside the size chart; please check with a person to be sure."))
    if height is None:
        lines.append(_("Tell me your height as well and I can suggest a size more precisely."))
    elif weight is None:
        lines.append(_("Tell me your weight as well and I can suggest a size more precisely."))
    return join_lines(lines)


def chart_line(chart: Any, label: str, _: Translate) -> str:
    """What the chart says about one size, for quoting."""
    if isinstance(chart, Mapping) and label in chart:
        value = chart[label]
        return value if isinstance(value, str) else "，".join(f"{k}{v}" for k, v in value.items())
    return _("size %(size)s") % {"size": label}
