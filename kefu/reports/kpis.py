"""The KPIs of PRODUCT P8, each defined once (docs/kpis.md) as a ratio of report-fact
totals: a dashboard, the leaderboard, an export and an agent's growth page all compute a
figure here, from the same totals, so they can never disagree."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kefu.models.reports import ReportKind as K
from kefu.reports.totals import Total


class Unit(enum.StrEnum):
    SECONDS = "seconds"
    RATIO = "ratio"  # 0–1; shown as a percentage
    CENTS = "cents"
    STARS = "stars"
    SCORE = "score"  # 0–100
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class Costs:
    """What an hour of an agent online and one conversation cost the shop, in cents
    (the shop's reporting settings); both 0 when the shop has not said."""

    per_agent_hour_cents: int = 0
    per_conversation_cents: int = 0


@dataclass(frozen=True, slots=True)
class KpiValue:
    """A figure and what it is made of: ``value`` is None when the denominator is 0
    (no ratings means no CSAT, not a CSAT of 0)."""

    value: float | None
    numerator: float
    denominator: float


Totals = Mapping[str, Total]


def _count(totals: Totals, kind: K) -> int:
    found = totals.get(kind.value)
    return found.count if found else 0


def _sum(totals: Totals, kind: K) -> int:
    found = totals.get(kind.value)
    return found.total if found else 0


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> KpiValue:
    value = scale * numerator / denominator if denominator else None
    return KpiValue(value, numerator, denominator)


def _mean(kind: K) -> Callable[[Totals, Costs], KpiValue]:
    return lambda t, _c: _ratio(_sum(t, kind), _count(t, kind))


def _share(part: K, whole: K) -> Callable[[Totals, Costs], KpiValue]:
    return lambda t, _c: _ratio(_count(t, part), _count(t, whole))


def _volume(kind: K) -> Callable[[Totals, Costs], KpiValue]:
    return lambda t, _c: KpiValue(float(_count(t, kind)), _count(t, kind), 1)


def _fcr(t: Totals, _c: Costs) -> KpiValue:
    resolved = _count(t, K.RESOLVED)
    return _ratio(max(resolved - _count(t, K.REPEAT_CONTACT), 0), resolved)


def _recovery(t: Totals, _c: Costs) -> KpiValue:
    """Recovered among the shoppers to win back: the complaints, and the bad ratings
    outside a complaint (RATING_BAD's value: 1 for those, kefu.reports.chat_facts)."""
    return _ratio(_count(t, K.RECOVERED), _count(t, K.COMPLAINT) + _sum(t, K.RATING_BAD))


def _unit_cost(t: Totals, c: Costs) -> KpiValue:
    conversations = _count(t, K.CONVERSATION_OPENED)
    spent = (
        _sum(t, K.AGENT_ONLINE) * c.per_agent_hour_cents / 3600
        + conversations * c.per_conversation_cents
    )
    return _ratio(spent, conversations)


def _revenue(t: Totals, _c: Costs) -> KpiValue:
    return KpiValue(float(_sum(t, K.CONVERSION)), _sum(t, K.CONVERSION), 1)


def _sla(t: Totals, _c: Costs) -> KpiValue:
    met = _count(t, K.SLA_MET)
    return _ratio(met, met + _count(t, K.SLA_BREACHED))


def _containment(t: Totals, _c: Costs) -> KpiValue:
    answered = _count(t, K.BOT_CONVERSATION)
    return _ratio(max(answered - _count(t, K.BOT_HANDOFF), 0), answered)


def _qa_score(t: Totals, _c: Costs) -> KpiValue:
    inspected = _count(t, K.QA_REPLY)
    return _ratio(inspected - _count(t, K.QA_FLAGGED), inspected, scale=100.0)


@dataclass(frozen=True, slots=True)
class Kpi:
    code: str
    unit: Unit
    compute: Callable[[Totals, Costs], KpiValue]
    # True when a smaller figure is the better one (response times, complaint rate …).
    lower_is_better: bool = False


KPIS: tuple[Kpi, ...] = (
    Kpi("conversations", Unit.COUNT, _volume(K.CONVERSATION_OPENED)),
    Kpi("first_response_seconds", Unit.SECONDS, _mean(K.FIRST_RESPONSE), True),
    Kpi("response_seconds", Unit.SECONDS, _mean(K.RESPONSE), True),
    Kpi("fast_response_rate", Unit.RATIO, _share(K.FIRST_RESPONSE_FAST, K.FIRST_RESPONSE)),
    Kpi("fcr_rate", Unit.RATIO, _fcr),
    Kpi("csat", Unit.RATIO, _share(K.RATING_GOOD, K.RATING)),
    Kpi("average_rating", Unit.STARS, _mean(K.RATING)),
    Kpi("recovery_rate", Unit.RATIO, _recovery),
    Kpi("unit_cost_cents", Unit.CENTS, _unit_cost, True),
    Kpi("conversion_rate", Unit.RATIO, _share(K.CONVERSION, K.INQUIRY)),
    Kpi("revenue_cents", Unit.CENTS, _revenue),
    Kpi("complaint_rate", Unit.RATIO, _share(K.COMPLAINT, K.CONVERSATION_OPENED), True),
    Kpi("negative_review_rate", Unit.RATIO, _share(K.RATING_BAD, K.RATING), True),
    Kpi("repurchase_rate", Unit.RATIO, _share(K.REPEAT_ORDER, K.ORDER_PAID)),
    Kpi("sla_attainment", Unit.RATIO, _sla),
    Kpi("bot_containment", Unit.RATIO, _containment),
    Kpi("qa_score", Unit.SCORE, _qa_score),
)
KPI_BY_CODE = {kpi.code: kpi for kpi in KPIS}


def compute_kpis(totals: Totals, costs: Costs = Costs()) -> dict[str, KpiValue]:
    """Every KPI from totals keyed by report kind (``read_totals(…, group_by=("kind",))``
    with the keys' 1-tuples unpacked)."""
    return {kpi.code: kpi.compute(totals, costs) for kpi in KPIS}


def by_kind(totals: Mapping[tuple, Total]) -> dict[str, Total]:
    """``read_totals`` grouped by kind alone → totals keyed by the kind itself."""
    return {key[0]: total for key, total in totals.items()}
