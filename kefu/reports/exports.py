"""Reports as tables for export: the same figures the JSON routes answer, one row per
day, step, agent or conversation. Columns carry a key (the header's English name is
looked up by the web layer in the reader's language) and a unit (how a spreadsheet shows
the cell). Times are the shop's local wall-clock times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.errors import Invalid
from kefu.models import Conversation
from kefu.models.reports import ReportEvent, ReportKind
from kefu.reports.forecast import ForecastReport
from kefu.reports.intents import IntentsReport
from kefu.reports.kpis import KPIS, Kpi
from kefu.reports.overview import AgentRow, Overview
from kefu.reports.periods import Filters, Period
from kefu.reports.topics import TopicsReport
from kefu.reports.views import (
    VALUE_UNITS,
    FunnelStep,
    LiveNow,
    TrendPoint,
    agent_names,
    conversation_matching,
    drill_facts,
    drill_rows,
    shopper_names,
)

MAX_ROWS = 200_000  # conversations in one export; a longer period is refused, not cut


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    # text | count | decimal | seconds | ratio | cents | stars | score | date | datetime
    unit: str = "text"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: Sequence[Column]
    rows: list[tuple[Any, ...]]


def overview_table(overview: Overview) -> Table:
    """One row per KPI: this period's figure, the previous period's and the change."""
    columns = (
        Column("kpi"),
        Column("value", "number"),
        Column("previous_value", "number"),
        Column("change", "ratio"),
        Column("numerator", "number"),
        Column("denominator", "number"),
        Column("unit"),
    )
    rows = [
        (f.code, f.value, f.previous_value, f.change, f.numerator, f.denominator, f.unit)
        for f in overview.kpis
    ]
    return Table("overview", columns, rows)


def agents_table(board: Sequence[AgentRow]) -> Table:
    """The leaderboard: one row per agent, one column per KPI."""
    columns = (
        Column("agent"),
        Column("level"),
        *(Column(kpi.code, kpi.unit.value) for kpi in KPIS),
    )
    rows = [(row.name, row.level, *(row.kpis[kpi.code].value for kpi in KPIS)) for row in board]
    return Table("agents", columns, rows)


def trend_table(kpi: Kpi, points: Sequence[TrendPoint]) -> Table:
    columns = (
        Column("day", "date"),
        Column(kpi.code, kpi.unit.value),
        Column("numerator", "count"),
        Column("denominator", "count"),
    )
    rows = [(p.day, p.figure.value, p.figure.numerator, p.figure.denominator) for p in points]
    return Table(f"trend_{kpi.code}", columns, rows)


def funnel_table(steps: Sequence[FunnelStep]) -> Table:
    columns = (Column("step"), Column("count", "count"), Column("step_rate", "ratio"))
    return Table("funnel", columns, [(s.step, s.count, s.rate) for s in steps])


def heatmap_table(cells: Sequence[Sequence[int]]) -> Table:
    """Conversations opened: one row per weekday (0 = Monday), one column per hour."""
    columns = (Column("weekday"), *(Column(f"{hour:02d}:00", "count") for hour in range(24)))
    return Table("heatmap", columns, [(day, *counts) for day, counts in enumerate(cells)])


def _local(moment: datetime | None, period: Period) -> datetime | None:
    """A stored UTC time as the shop's wall-clock time (naive, as spreadsheets want)."""
    return moment.astimezone(period.zone).replace(tzinfo=None) if moment else None


def topics_table(report: TopicsReport) -> Table:
    """Rising topics, most rising first, with their words and one example message."""
    columns = (
        Column("terms"),
        Column("now", "count"),
        Column("before", "count"),
        Column("share_now", "ratio"),
        Column("share_before", "ratio"),
        Column("rising", "decimal"),
        Column("example"),
    )
    rows = [
        (
            "、".join(t.terms),
            t.now,
            t.before,
            t.share_now,
            t.share_before,
            round(t.rising, 2),
            t.examples[0].text if t.examples else "",
        )
        for t in report.topics
    ]
    return Table("topics", columns, rows)


def forecast_table(report: ForecastReport, period: Period) -> Table:
    """The next 168 hours: the seasonal model's forecast beside the same hour last week."""
    result = report.forecast
    columns = (Column("hour", "datetime"), Column("model", "decimal"), Column("naive", "decimal"))
    rows = [
        (
            _local(hour, period),
            round(result.model[i], 2) if result.model else None,
            round(result.naive[i], 2) if result.naive else None,
        )
        for i, hour in enumerate(report.hours())
    ]
    return Table("forecast", columns, rows)


def intents_table(report: IntentsReport) -> Table:
    """Conversion by the intent of the conversation's first shopper message."""
    columns = (
        Column("intent"),
        Column("conversations", "count"),
        Column("converted", "count"),
        Column("rate", "ratio"),
    )
    rows = [(i.intent, i.conversations, i.converted, i.rate) for i in report.intents]
    return Table("intents", columns, rows)


async def conversations_table(
    session: AsyncSession, shop_id: int, period: Period, filters: Filters
) -> Table:
    """Every conversation opened in the period (filtered by its agent, team, channel,
    stage, intent and segment):
    when, where, who answered, how fast (the first-response fact's seconds, as the KPI
    counts them), its status, rating and when it was resolved."""
    where = [
        Conversation.shop_id == shop_id,
        Conversation.created_at >= period.start,
        Conversation.created_at < period.end,
        *conversation_matching(filters),
    ]
    found = await session.scalar(select(func.count()).select_from(Conversation).where(*where))
    _refuse_oversized(found, "conversations")
    first_responses = (
        select(ReportEvent.conversation_id, func.min(ReportEvent.value).label("seconds"))
        .where(
            ReportEvent.shop_id == shop_id,
            ReportEvent.kind == ReportKind.FIRST_RESPONSE.value,
            ReportEvent.conversation_id.is_not(None),
        )
        .group_by(ReportEvent.conversation_id)
        .subquery()
    )
    result = await session.execute(
        select(Conversation, first_responses.c.seconds)
        .outerjoin(first_responses, first_responses.c.conversation_id == Conversation.id)
        .where(*where)
        .order_by(Conversation.created_at, Conversation.id)
    )
    found_rows = result.all()
    conversations = [c for c, _ in found_rows]
    names = await shopper_names(session, shop_id, conversations)
    agents = await agent_names(
        session, shop_id, {c.assigned_agent_id for c in conversations if c.assigned_agent_id}
    )
    columns = (
        Column("id", "count"),
        Column("opened_at", "datetime"),
        Column("channel"),
        Column("customer"),
        Column("agent"),
        Column("first_response", "seconds"),
        Column("status"),
        Column("rating", "stars"),
        Column("resolved_at", "datetime"),
    )
    rows = [
        (
            c.id,
            _local(c.created_at, period),
            c.channel.value,
            names.get(c.id),
            agents.get(c.assigned_agent_id) if c.assigned_agent_id else None,
            seconds,
            c.status.value,
            c.rating,
            _local(c.closed_at, period),
        )
        for c, seconds in found_rows
    ]
    return Table("conversations", columns, rows)


def _refuse_oversized(found: int | None, what: str) -> None:
    """An export holds at most MAX_ROWS rows: a longer one is refused, never cut short."""
    if found and found > MAX_ROWS:
        raise Invalid(
            f"{found} {what} are more than one export holds ({MAX_ROWS}); choose a shorter period",
            field="start",
        )


async def drilldown_table(
    session: AsyncSession, shop_id: int, period: Period, filters: Filters, kind: ReportKind
) -> Table:
    """Every fact behind a figure (the drill-down's rows, all pages), newest first."""
    query = drill_facts(shop_id, period, filters, kind)
    found = await session.scalar(select(func.count()).select_from(query.subquery()))
    _refuse_oversized(found, "facts")
    facts = list(await session.scalars(query.order_by(ReportEvent.id.desc())))
    columns = (
        Column("occurred_at", "datetime"),
        Column("id", "count"),
        Column("case_id", "count"),
        Column("customer"),
        Column("agent"),
        Column("channel"),
        Column("status"),
        Column("fact_value", VALUE_UNITS.get(kind, "count")),
    )
    rows = [
        (
            _local(r.occurred_at, period),
            r.conversation_id,
            r.case_id,
            r.customer_name,
            r.agent_name,
            r.channel,
            r.status,
            r.value,
        )
        for r in await drill_rows(session, shop_id, facts)
    ]
    return Table(f"drilldown_{kind.value}", columns, rows)


def live_table(now: LiveNow, period: Period, at: datetime) -> Table:
    """The queue and the agents as they are at ``at``: one row per agent, each with the
    queue's figures beside it (one row without an agent when nobody is online)."""
    columns = (
        Column("taken_at", "datetime"),
        Column("agent"),
        Column("presence"),
        Column("open_chats", "count"),
        Column("max_chats", "count"),
        Column("queued", "count"),
        Column("longest_wait", "seconds"),
    )
    taken = _local(at, period)
    queue = (now.queued, now.longest_wait_seconds)
    rows = [
        (taken, a.name, a.presence.value, a.open_chats, a.max_chats, *queue) for a in now.agents
    ] or [(taken, None, None, None, None, *queue)]
    return Table("live", columns, rows)
