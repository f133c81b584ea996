"""Promotion criteria of the agent levels 初级 → 中级 → 高级 (the seeds' 客服岗位等级划分):
what a shop asks of an agent before the next level, and the check of one agent's figures
against it. Pure functions: the figures are read elsewhere (kefu/reports/growth.py).

A shop's criteria live in ``Shop.level_settings`` keyed by the level promoted *to*;
what it has not set takes ``DEFAULTS``. The seeds ask six months as 初级 before 中级
(坐满6个月以上), the ability to train new colleagues for 中级 and to lead a team for 高级;
the last two are a supervisor's judgement, so the numbers here are the measurable part:
time at the level, volume, KPIs over the last 90 days and training hours."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

from kefu.errors import Invalid
from kefu.models.agents import Level
from kefu.reports.kpis import KPI_BY_CODE, Unit

# The level an agent is promoted to from each level (高级 is the top).
NEXT_LEVEL: dict[Level, Level] = {
    Level.JUNIOR: Level.INTERMEDIATE,
    Level.INTERMEDIATE: Level.SENIOR,
}
# KPIs that measure one agent's own work, so a promotion may ask for them.
AGENT_KPIS = (
    "first_response_seconds",
    "response_seconds",
    "fast_response_rate",
    "fcr_rate",
    "csat",
    "average_rating",
    "recovery_rate",
    "conversion_rate",
    "revenue_cents",
    "complaint_rate",
    "negative_review_rate",
    "sla_attainment",
    "qa_score",
)
ASSESSMENT_DAYS = 90
DEFAULTS: dict[str, dict[str, Any]] = {
    Level.INTERMEDIATE.value: {
        "min_months": 6,
        "min_conversations": 300,
        "min_training_hours": 16,
        "kpis": {
            "first_response_seconds": 30,
            "fast_response_rate": 0.9,
            "csat": 0.85,
            "fcr_rate": 0.8,
            "qa_score": 90,
        },
    },
    Level.SENIOR.value: {
        "min_months": 12,
        "min_conversations": 1000,
        "min_training_hours": 40,
        "kpis": {
            "first_response_seconds": 20,
            "fast_response_rate": 0.95,
            "csat": 0.9,
            "fcr_rate": 0.85,
            "qa_score": 95,
            "conversion_rate": 0.3,
        },
    },
}
MAX_MONTHS = 120
MAX_CONVERSATIONS = 10_000_000
MAX_TRAINING_HOURS = 10_000
# The largest threshold that makes sense for a KPI of each unit (ratios are 0–1).
UNIT_MAXIMA = {
    Unit.RATIO: 1,
    Unit.SCORE: 100,
    Unit.STARS: 5,
    Unit.SECONDS: 86_400,
    Unit.CENTS: 10**12,
}
COUNTS = ("min_months", "min_conversations", "min_training_hours")


def level_settings(stored: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The criteria in force: per level, the fields the shop set over the defaults."""
    stored = stored or {}
    return {
        level: copy.deepcopy(defaults) | copy.deepcopy(stored.get(level, {}))
        for level, defaults in DEFAULTS.items()
    }


def _number(value: Any, field: str, maximum: float, *, whole: bool) -> int | float:
    kind = "a whole number" if whole else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not float(value).is_integer())
        or not 0 <= value <= maximum
    ):
        raise Invalid(f"{field} must be {kind} from 0 to {maximum:g}", field=field)
    return int(value) if whole else float(value)


def _kpis(value: Any, field: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise Invalid(f"{field} must map KPI codes to thresholds", field=field)
    cleaned = {}
    for code, threshold in value.items():
        if code not in AGENT_KPIS:
            raise Invalid(
                f"unknown KPI code {code!r}; known: {', '.join(AGENT_KPIS)}",
                field=f"{field}.{code}",
            )
        maximum = UNIT_MAXIMA[KPI_BY_CODE[code].unit]
        cleaned[code] = _number(threshold, f"{field}.{code}", maximum, whole=False)
    return cleaned


def clean_level_criteria(level: str, changes: Any) -> dict[str, Any]:
    """One level's changed fields, checked: whole months and conversations, hours and
    KPI thresholds within their unit's range, known KPI codes only."""
    if level not in DEFAULTS:
        raise Invalid(f"criteria exist for {', '.join(DEFAULTS)} only", field=level)
    if not isinstance(changes, dict):
        raise Invalid(f"{level} must be an object of criteria", field=level)
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        field = f"{level}.{key}"
        if key == "min_months":
            cleaned[key] = _number(value, field, MAX_MONTHS, whole=True)
        elif key == "min_conversations":
            cleaned[key] = _number(value, field, MAX_CONVERSATIONS, whole=True)
        elif key == "min_training_hours":
            cleaned[key] = _number(value, field, MAX_TRAINING_HOURS, whole=False)
        elif key == "kpis":
            cleaned[key] = _kpis(value, field)
        else:
            raise Invalid(f"{key} is not a promotion criterion", field=field)
    return cleaned


def months_between(since: date, today: date) -> int:
    """Whole calendar months from ``since`` to ``today`` (1 March → 31 August is 5,
    → 1 September is 6): the seeds' 坐满6个月."""
    months = (today.year - since.year) * 12 + today.month - since.month
    return max(months - (today.day < since.day), 0)


@dataclass(frozen=True, slots=True)
class Figures:
    """What an agent has done, as the criteria measure it."""

    months: int  # at the current level
    conversations: int  # resolved by them in the assessed period
    training_hours: float  # of training held since they reached the level
    kpis: dict[str, float | None]  # over the assessed period; None: no data


@dataclass(frozen=True, slots=True)
class Check:
    """One criterion: the agent's figure, the threshold, and whether it is met. A KPI
    where less is better (response times, complaint rate) has a maximum."""

    code: str  # "months", "conversations", "training_hours" or a KPI code
    figure: float | None
    threshold: float
    maximum: bool
    met: bool


def _check(code: str, figure: float | None, threshold: float, maximum: bool = False) -> Check:
    if figure is None:
        return Check(code, None, threshold, maximum, False)
    met = figure <= threshold if maximum else figure >= threshold
    return Check(code, figure, threshold, maximum, met)


def evaluate(criteria: dict[str, Any], figures: Figures) -> list[Check]:
    """Every criterion of one level checked against the figures, in a fixed order."""
    checks = [
        _check("months", figures.months, criteria["min_months"]),
        _check("conversations", figures.conversations, criteria["min_conversations"]),
        _check("training_hours", figures.training_hours, criteria["min_training_hours"]),
    ]
    for code in AGENT_KPIS:
        if code in criteria["kpis"]:
            kpi = KPI_BY_CODE[code]
            figure = figures.kpis.get(code)
            checks.append(_check(code, figure, criteria["kpis"][code], kpi.lower_is_better))
    return checks
