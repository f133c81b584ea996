"""The dashboards' figures besides the KPI overview (PRODUCT P8): a KPI day by day, when
shoppers start chatting (weekday × hour, for staffing), the funnel from visit to repeat
order, the queue and agents right now, and the facts behind any figure (drill-down).

Every figure but the live one is read from report totals (rollups plus the unfolded
tail), never from messages; the live one reads the queue and the agents, which are small
sets. Days, weekdays and hours are the shop's, not UTC's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.errors import Invalid
from kefu.models import Agent, Conversation, Customer, Presence, TeamMember, Visitor
from kefu.models.base import utcnow
from kefu.models.reports import ReportEvent, ReportKind
from kefu.queries.pagination import Page, paginate
from kefu.queries.routing import open_chat_counts, queued_filter
from kefu.reports.kpis import KPI_BY_CODE, Kpi, KpiValue, compute_kpis
from kefu.reports.periods import Filters, Period
from kefu.reports.totals import FILTERED, Total, read_totals

# The funnel's steps in order, each the count of one kind of fact. "paid" is the paid
# orders among those the "order" step counts, not every paid order of the shop (most
# come without a chat): an inquiry's order is counted once paid (CONVERSION), so the two
# steps count the same facts until an unpaid order is recorded as a fact of its own.
FUNNEL: tuple[tuple[str, ReportKind], ...] = (
    ("visit", ReportKind.VISIT),
    ("chat", ReportKind.CONVERSATION_OPENED),
    ("inquiry", ReportKind.INQUIRY),
    ("order", ReportKind.CONVERSION),
    ("paid", ReportKind.CONVERSION),
    ("repurchase", ReportKind.REPEAT_ORDER),
)

# The facts to list when a KPI's figure is clicked: what its numerator or count counts.
KPI_DRILL: dict[str, ReportKind] = {
    "conversations": ReportKind.CONVERSATION_OPENED,
    "first_response_seconds": ReportKind.FIRST_RESPONSE,
    "response_seconds": ReportKind.RESPONSE,
    "fast_response_rate": ReportKind.FIRST_RESPONSE_FAST,
    "fcr_rate": ReportKind.REPEAT_CONTACT,
    "csat": ReportKind.RATING,
    "average_rating": ReportKind.RATING,
    "recovery_rate": ReportKind.RECOVERED,
    "unit_cost_cents": ReportKind.CONVERSATION_OPENED,
    "conversion_rate": ReportKind.CONVERSION,
    "revenue_cents": ReportKind.CONVERSION,
    "complaint_rate": ReportKind.COMPLAINT,
    "negative_review_rate": ReportKind.RATING_BAD,
    "repurchase_rate": ReportKind.REPEAT_ORDER,
    "sla_attainment": ReportKind.SLA_BREACHED,
    "bot_containment": ReportKind.BOT_HANDOFF,
    "qa_score": ReportKind.QA_FLAGGED,
}
# What a fact's ``value`` is, for the kinds whose value means something.
VALUE_UNITS: dict[str, str] = {
    ReportKind.FIRST_RESPONSE: "seconds",
    ReportKind.RESPONSE: "seconds",
    ReportKind.AGENT_ONLINE: "seconds",
    ReportKind.CONVERSION: "cents",
    ReportKind.ORDER_PAID: "cents",
    ReportKind.REPEAT_ORDER: "cents",
    ReportKind.CASE_SETTLED: "cents",
    ReportKind.RATING: "stars",
    ReportKind.QA_REPLY: "count",
}


def kpi_named(code: str) -> Kpi:
    """The KPI of ``code``; a 422 naming the known codes for anything else."""
    kpi = KPI_BY_CODE.get(code)
    if kpi is None:
        known = ", ".join(KPI_BY_CODE)
        raise Invalid(f"unknown KPI {code!r}; choose one of: {known}", field="kpi")
    return kpi


def _days(period: Period) -> list[date]:
    return [period.first_day + timedelta(days=n) for n in range(period.days)]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    day: date
    figure: KpiValue


async def kpi_trend(
    session: AsyncSession, shop_id: int, period: Period, filters: Filters, code: str
) -> tuple[Kpi, list[TrendPoint]]:
    """The KPI of each shop-local day of the period: one read of hourly totals, the
    hours bucketed into days and each day's KPI computed like the overview's."""
    kpi = kpi_named(code)
    hourly = await read_totals(session, period.scope(shop_id, filters), group_by=("hour", "kind"))
    per_day: dict[date, dict[str, Total]] = defaultdict(lambda: defaultdict(Total))
    for (hour, kind), total in hourly.items():
        per_day[period.local_day(hour)][kind].add(total.count, total.total)
    points = [
        TrendPoint(day, compute_kpis(per_day.get(day, {}))[kpi.code]) for day in _days(period)
    ]
    return kpi, points


async def opened_heatmap(
    session: AsyncSession, shop_id: int, period: Period, filters: Filters
) -> list[list[int]]:
    """Conversations opened per shop-local weekday (0 = Monday) and hour of the day:
    ``cells[weekday][hour]``, to staff the hours shoppers actually come."""
    hourly = await read_totals(
        session,
        period.scope(shop_id, filters),
        kinds=[ReportKind.CONVERSATION_OPENED],
        group_by=("hour",),
    )
    cells = [[0] * 24 for _ in range(7)]
    for (hour,), total in hourly.items():
        local = hour.astimezone(period.zone)
        cells[local.weekday()][local.hour] += total.count
    return cells


@dataclass(frozen=True, slots=True)
class FunnelStep:
    step: str
    kind: ReportKind
    count: int
    # This step's count over the previous step's (None for the first, or after a 0).
    rate: float | None


async def funnel(
    session: AsyncSession, shop_id: int, period: Period, filters: Filters
) -> list[FunnelStep]:
    """Visit → chat → inquiry → order → paid → repurchase, each with its step rate."""
    totals = await read_totals(
        session, period.scope(shop_id, filters), kinds=[kind for _, kind in FUNNEL]
    )
    steps: list[FunnelStep] = []
    previous: int | None = None
    for name, kind in FUNNEL:
        found = totals.get((kind.value,))
        count = found.count if found else 0
        rate = count / previous if previous else None
        steps.append(FunnelStep(name, kind, count, rate))
        previous = count
    return steps


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent_id: int
    name: str
    presence: Presence
    open_chats: int
    max_chats: int


@dataclass(frozen=True, slots=True)
class LiveNow:
    queued: int
    longest_wait_seconds: int
    agents_online: int
    agents: list[AgentLoad]


def wanted_agents(shop_id: int, filters: Filters) -> Any:
    """The active agents the filters name: those chosen, members of the chosen teams
    (all active agents when neither is chosen)."""
    wanted = Agent.active.is_(True)
    if filters.agent_ids:
        wanted = wanted & Agent.id.in_(filters.agent_ids)
    if filters.team_ids:
        members = select(TeamMember.agent_id).where(
            TeamMember.shop_id == shop_id, TeamMember.team_id.in_(filters.team_ids)
        )
        wanted = wanted & Agent.id.in_(members)
    return wanted


async def live_now(session: AsyncSession, shop_id: int, filters: Filters = Filters()) -> LiveNow:
    """The queue (open, unassigned conversations) and its longest wait; the agents who
    are online or still hold chats, with how many each holds. The filters narrow the
    queue by the conversations' team, channel, stage, intent and segment (a queued chat
    is no agent's), the agents to those chosen or in the chosen teams, and their chats
    by channel, stage, intent and segment."""
    queue = conversation_matching(replace(filters, agent_ids=()))
    queued, oldest = (
        await session.execute(
            select(func.count(), func.min(Conversation.queued_at)).where(
                queued_filter(shop_id), *queue
            )
        )
    ).one()
    wait = max(0, int((utcnow() - oldest).total_seconds())) if oldest else 0
    chats = conversation_matching(replace(filters, agent_ids=(), team_ids=()))
    counts = await open_chat_counts(session, shop_id, *chats)
    agents = await session.scalars(
        select(Agent)
        .where(Agent.shop_id == shop_id, wanted_agents(shop_id, filters))
        .order_by(Agent.display_name, Agent.id)
    )
    loads = [
        AgentLoad(a.id, a.display_name, a.presence, counts.get(a.id, 0), a.max_concurrent_chats)
        for a in agents
        if a.presence is not Presence.OFFLINE or counts.get(a.id)
    ]
    online = sum(1 for load in loads if load.presence is Presence.ONLINE)
    return LiveNow(int(queued), wait, online, loads)


@dataclass(frozen=True, slots=True)
class DrillRow:
    """One fact behind a figure, with the conversation it is about (when it is)."""

    id: int
    kind: str
    occurred_at: datetime
    value: int
    conversation_id: int | None
    case_id: int | None
    agent_id: int | None
    agent_name: str | None
    channel: str | None
    status: str | None
    customer_name: str | None


def matching(filters: Filters, **columns: Any) -> list:
    """Conditions for rows the filters let through, given which of their columns hold
    the agent, team, channel, stage, intent and segment (facts and conversations name
    them differently)."""
    return [
        columns[column].in_(wanted)
        for field, column in FILTERED
        if (wanted := getattr(filters, field))
    ]


def in_scope(period: Period, filters: Filters, *, at: Any, **columns: Any) -> list:
    """Conditions for rows of the period (``at`` holds their time) and the filters."""
    return [at >= period.start, at < period.end, *matching(filters, **columns)]


def conversation_matching(filters: Filters) -> list:
    """Conditions for the conversations the filters let through."""
    return matching(
        filters,
        agent_id=Conversation.assigned_agent_id,
        team_id=Conversation.team_id,
        channel=Conversation.channel,
        stage=Conversation.skill,
        intent=Conversation.intent,
        segment=Conversation.segment,
    )


async def shopper_names(session: AsyncSession, shop_id: int, conversations: list) -> dict:
    """What to call each conversation's shopper: the customer's name or nickname, else
    the name the visitor gave in the widget (None: anonymous)."""
    customer_ids = {c.customer_id for c in conversations if c.customer_id}
    visitor_ids = {c.visitor_id for c in conversations if c.visitor_id}
    customers = {
        row.id: row.name or row.nickname
        for row in await session.execute(
            select(Customer.id, Customer.name, Customer.nickname).where(
                Customer.shop_id == shop_id, Customer.id.in_(customer_ids)
            )
        )
    }
    visitors = dict(
        (
            await session.execute(
                select(Visitor.id, Visitor.display_name).where(
                    Visitor.shop_id == shop_id, Visitor.id.in_(visitor_ids)
                )
            )
        ).all()
    )
    return {c.id: customers.get(c.customer_id) or visitors.get(c.visitor_id) for c in conversations}


async def agent_names(session: AsyncSession, shop_id: int, agent_ids: set[int]) -> dict:
    rows = await session.execute(
        select(Agent.id, Agent.display_name).where(
            Agent.shop_id == shop_id, Agent.id.in_(agent_ids)
        )
    )
    return dict(rows.all())


def drill_facts(shop_id: int, period: Period, filters: Filters, kind: ReportKind) -> Any:
    """The query of the facts of ``kind`` a figure counts (the period and the filters)."""
    return select(ReportEvent).where(
        ReportEvent.shop_id == shop_id,
        ReportEvent.kind == kind.value,
        *in_scope(
            period,
            filters,
            at=ReportEvent.occurred_at,
            **{column: getattr(ReportEvent, column) for _, column in FILTERED},
        ),
    )


async def drill_rows(
    session: AsyncSession, shop_id: int, facts: list[ReportEvent]
) -> list[DrillRow]:
    """Each fact with its conversation's channel, status, agent and shopper."""
    conversation_ids = {f.conversation_id for f in facts if f.conversation_id}
    conversations = list(
        await session.scalars(
            select(Conversation).where(
                Conversation.shop_id == shop_id, Conversation.id.in_(conversation_ids)
            )
        )
    )
    by_id = {c.id: c for c in conversations}
    names = await shopper_names(session, shop_id, conversations)
    agent_ids = {f.agent_id for f in facts if f.agent_id}
    agent_ids |= {c.assigned_agent_id for c in conversations if c.assigned_agent_id}
    agents = await agent_names(session, shop_id, agent_ids)
    rows = []
    for fact in facts:
        conversation = by_id.get(fact.conversation_id or 0)
        agent_id = fact.agent_id or (conversation.assigned_agent_id if conversation else None)
        rows.append(
            DrillRow(
                id=fact.id,
                kind=fact.kind,
                occurred_at=fact.occurred_at,
                value=fact.value,
                conversation_id=fact.conversation_id,
                case_id=fact.case_id,
                agent_id=agent_id,
                agent_name=agents.get(agent_id) if agent_id else None,
                channel=fact.channel or (conversation.channel.value if conversation else None),
                status=conversation.status.value if conversation else None,
                customer_name=names.get(conversation.id) if conversation else None,
            )
        )
    return rows


async def drilldown(
    session: AsyncSession,
    shop_id: int,
    period: Period,
    filters: Filters,
    kind: ReportKind,
    *,
    cursor: str | None,
    limit: int,
) -> Page[DrillRow]:
    """The facts of ``kind`` a figure counts, newest first, each with its conversation's
    channel, status, agent and shopper; paginated by fact id."""
    page = await paginate(
        session,
        drill_facts(shop_id, period, filters, kind),
        ReportEvent.id,
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    return Page(await drill_rows(session, shop_id, list(page.items)), page.next_cursor)
