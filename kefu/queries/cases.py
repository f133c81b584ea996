"""Reading after-sales cases: the filtered list (newest first), one case with its timeline
and compensations, the compensations waiting for approval, and the list as CSV."""

from __future__ import annotations

import base64
import binascii
import csv
import enum
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Forbidden, Invalid
from kefu.lib.cases import FINISHED, CasePriority, CaseStatus, CaseType, CompensationKind
from kefu.lib.money import cents_to_decimal
from kefu.lib.sla import NEVER_DUE_TEXT, RUNNING, SETTLED, SlaState
from kefu.lib.tables import spreadsheet_text
from kefu.models import (
    Agent,
    Case,
    CaseEvent,
    CaseRating,
    CaseView,
    Compensation,
    CompensationStatus,
    Order,
    OrderLine,
    Shop,
    Team,
)
from kefu.models.base import MAX_ID, UTCDateTime, utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.pagination import MAX_LIMIT, Page, id_filter, paginate

E = TypeVar("E", bound=enum.StrEnum)

EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = (
    "id",
    "number",
    "type",
    "status",
    "priority",
    "title",
    "order_external_id",
    "line_no",
    "sku",
    "assignee",
    "team",
    "refunded",
    "created_at",
    "resolved_at",
    "closed_at",
)


class SlaFilter(enum.StrEnum):
    """Open cases by where their SLA stands: ``breached`` (a target overdue, or met
    late), ``at_risk`` (80 % of a target used), ``ok`` (neither)."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"


class FollowUpFilter(enum.StrEnum):
    """Follow-ups (回访) still waiting for their outcome: ``due`` all of them, ``overdue``
    those whose due time has passed."""

    DUE = "due"
    OVERDUE = "overdue"


class CaseSort(enum.StrEnum):
    NEWEST = "newest"
    DUE = "due"  # the nearest due time first (overdue first); cases without one last


class Assignee(enum.StrEnum):
    """Whose cases a list shows: everyone's, the viewer's own, or nobody's yet."""

    ALL = "all"
    MINE = "mine"
    UNASSIGNED = "unassigned"


# What a case list's filters are made of (the case page's form and saved views).
VIEW_FIELDS: dict[str, type[enum.StrEnum]] = {
    "status": CaseStatus,
    "type": CaseType,
    "priority": CasePriority,
    "assignee": Assignee,
    "sla": SlaFilter,
    "follow_up": FollowUpFilter,
    "sort": CaseSort,
}


@dataclass(frozen=True, slots=True)
class CaseFilters:
    status: CaseStatus | None = None
    type: CaseType | None = None
    priority: CasePriority | None = None
    assigned_agent_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    order_id: int | None = None
    sla: SlaFilter | None = None
    unassigned: bool = False  # only the cases nobody holds
    follow_up: FollowUpFilter | None = None


@dataclass(slots=True)
class CaseDetail:
    case: Case
    timeline: list[CaseEvent]
    compensations: list[Compensation]
    rating: CaseRating | None  # the shopper's CSAT, once the finished case was rated


def _pick(values: Mapping[str, Any], name: str, kind: type[E]) -> E | None:
    """The member of ``kind`` named by ``values[name]``; None when it names none."""
    value = values.get(name)
    return kind(value) if value in {m.value for m in kind} else None


def view_filters(values: Mapping[str, Any], agent_id: int | None) -> tuple[CaseFilters, CaseSort]:
    """The filters and order of a case list from its view fields (``VIEW_FIELDS``; a
    value that is not one of a field's choices is left out, the order defaults to the
    nearest due first); ``mine`` means ``agent_id``'s cases."""
    assignee = _pick(values, "assignee", Assignee)
    filters = CaseFilters(
        status=_pick(values, "status", CaseStatus),
        type=_pick(values, "type", CaseType),
        priority=_pick(values, "priority", CasePriority),
        assigned_agent_id=agent_id if assignee is Assignee.MINE else None,
        sla=_pick(values, "sla", SlaFilter),
        unassigned=assignee is Assignee.UNASSIGNED,
        follow_up=_pick(values, "follow_up", FollowUpFilter),
    )
    return filters, _pick(values, "sort", CaseSort) or CaseSort.DUE


def _filtered(actor: Actor, filters: CaseFilters) -> Select[Any]:
    """The actor's shop's cases matching every filter given."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Case).where(Case.shop_id == actor.shop_id)
    for column, value in (
        (Case.status, filters.status),
        (Case.type, filters.type),
        (Case.priority, filters.priority),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    for column, field in (
        (Case.assigned_agent_id, "assigned_agent_id"),
        (Case.team_id, "team_id"),
        (Case.customer_id, "customer_id"),
        (Case.order_id, "order_id"),
    ):
        value = id_filter(getattr(filters, field), field)
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.unassigned:
        stmt = stmt.where(Case.assigned_agent_id.is_(None))
    if filters.sla is not None:
        stmt = stmt.where(_sla_condition(filters.sla, utcnow()))
    if filters.follow_up is not None:
        stmt = stmt.where(Case.follow_up_due_at.is_not(None), Case.outcome.is_(None))
        if filters.follow_up is FollowUpFilter.OVERDUE:
            stmt = stmt.where(Case.follow_up_due_at <= utcnow())
    return stmt


def _passed(state: Any, instant: Any, now: datetime) -> ColumnElement[bool]:
    """A running target of a case whose clock runs and whose ``instant`` has come."""
    return and_(state.in_(RUNNING), Case.sla_paused_at.is_(None), instant <= now)


def _sla_condition(wanted: SlaFilter, now: datetime) -> ColumnElement[bool]:
    breached = or_(
        Case.first_response_sla == SlaState.BREACHED,
        Case.resolve_sla == SlaState.BREACHED,
        _passed(Case.first_response_sla, Case.first_response_due_at, now),
        _passed(Case.resolve_sla, Case.resolve_due_at, now),
    )
    at_risk = or_(
        Case.first_response_sla == SlaState.WARNED,
        Case.resolve_sla == SlaState.WARNED,
        _passed(Case.first_response_sla, Case.first_response_warn_at, now),
        _passed(Case.resolve_sla, Case.resolve_warn_at, now),
    )
    condition = {
        SlaFilter.BREACHED: breached,
        SlaFilter.AT_RISK: and_(not_(breached), at_risk),
        SlaFilter.OK: and_(not_(breached), not_(at_risk)),
    }[wanted]
    return and_(Case.status.not_in(FINISHED), condition)


def _quoted(values: tuple[str, ...]) -> list[ColumnElement[Any]]:
    return [literal_column(f"'{value}'") for value in values]


# The instant a case is next due: none once it is settled, else its first response while
# that runs, else its resolution; cases without one sort last (kefu.lib.sla.NEXT_DUE_SQL).
# Its constants are written into the SQL, not bound: the index ix_cases_shop_due
# (migration 0037) holds this very expression, and neither database matches an indexed
# expression against one with parameters. So the list nearest due first reads the index
# in order and stops after a page, instead of sorting every case of the shop
# (``kefu bench cases``, bench/RESULTS.md).
NEXT_DUE = func.coalesce(
    when(
        (Case.status.in_(_quoted(SETTLED)), null()),
        (Case.first_response_sla.in_(_quoted(RUNNING)), Case.first_response_due_at),
        else_=Case.resolve_due_at,
    ),
    literal_column(f"'{NEVER_DUE_TEXT}'", UTCDateTime()),
)


def _due_cursor(due: datetime, case_id: int) -> str:
    raw = f"due:{due.astimezone(UTC).isoformat()}|{case_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_due_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        due, case_id = value.rsplit("|", 1)
        when_due = datetime.fromisoformat(due)
        if kind != "due" or when_due.tzinfo is None or not 0 < int(case_id) <= MAX_ID:
            raise ValueError(raw)
        return when_due, int(case_id)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Invalid("cursor is not one this API gave out", field="cursor") from exc


async def _page_by_due(
    session: AsyncSession, stmt: Select[Any], cursor: str | None, limit: int
) -> Page[Case]:
    """Keyset pages by (next due instant, id), so rows inserted meanwhile shift nothing."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    after: ColumnElement[bool] = true()
    if cursor:
        due, last = _read_due_cursor(cursor)
        after = tuple_(NEXT_DUE, Case.id) > tuple_(literal(due, UTCDateTime()), literal(last))
    rows = list(
        (
            await session.execute(
                stmt.add_columns(NEXT_DUE).where(after).order_by(NEXT_DUE, Case.id).limit(limit + 1)
            )
        ).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _due_cursor(rows[-1][1], rows[-1][0].id) if more and rows else None
    return Page([row[0] for row in rows], next_cursor)


async def list_cases(
    session: AsyncSession,
    actor: Actor,
    filters: CaseFilters,
    *,
    cursor: str | None = None,
    limit: int = 50,
    sort: CaseSort = CaseSort.NEWEST,
) -> Page[Case]:
    """Cases of the actor's shop, newest first, or the nearest due first (``due``)."""
    stmt = _filtered(actor, filters)
    if sort is CaseSort.DUE:
        return await _page_by_due(session, stmt, cursor, limit)
    return await paginate(session, stmt, Case.id, cursor=cursor, limit=limit, newest_first=True)


async def get_case(session: AsyncSession, actor: Actor, case_id: int) -> CaseDetail:
    """One case with its timeline (oldest first), its compensations and its rating."""
    case = await fetch_owned(session, actor, Case, case_id, "case")
    timeline = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    compensations = await session.scalars(
        select(Compensation).where(Compensation.case_id == case.id).order_by(Compensation.id)
    )
    rating = await session.scalar(select(CaseRating).where(CaseRating.case_id == case.id))
    return CaseDetail(case, list(timeline), list(compensations), rating)


async def list_compensations(
    session: AsyncSession,
    actor: Actor,
    *,
    status: CompensationStatus | None = None,
    case_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Compensation]:
    """Compensations of the actor's shop, newest first (``pending_approval``: the
    supervisors' approval queue)."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Compensation).where(Compensation.shop_id == actor.shop_id)
    if status is not None:
        stmt = stmt.where(Compensation.status == status)
    if id_filter(case_id, "case_id") is not None:
        stmt = stmt.where(Compensation.case_id == case_id)
    return await paginate(
        session, stmt, Compensation.id, cursor=cursor, limit=limit, newest_first=True
    )


async def case_numbers(session: AsyncSession, actor: Actor, case_ids: list[int]) -> dict[int, int]:
    """The shop's numbers of the cases named (ids of another shop's cases are left out)."""
    actor.require(Permission.READ_SHOP_DATA)
    rows = await session.execute(
        select(Case.id, Case.number).where(Case.shop_id == actor.shop_id, Case.id.in_(case_ids))
    )
    return {row.id: row.number for row in rows}


def require_person(actor: Actor) -> int:
    """The acting agent's id: saved views are kept per person, so a key is refused."""
    actor.require(Permission.READ_SHOP_DATA)
    if actor.kind != "agent" or actor.id is None:
        raise Forbidden("saved views belong to people; an API key has none")
    return actor.id


async def list_case_views(session: AsyncSession, actor: Actor) -> list[CaseView]:
    """The agent's own saved views and those shared with the shop, by name."""
    agent_id = require_person(actor)
    rows = await session.scalars(
        select(CaseView)
        .where(
            CaseView.shop_id == actor.shop_id,
            or_(CaseView.agent_id == agent_id, CaseView.shared.is_(True)),
        )
        .order_by(CaseView.name, CaseView.id)
    )
    return list(rows)


def _local(value: Any, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if value else ""


async def export_cases_csv(session: AsyncSession, actor: Actor, filters: CaseFilters) -> str:
    """The filtered case list as CSV (UTF-8, header row; times in the shop's time zone,
    refunds granted as a decimal amount), newest first."""
    cases = _filtered(actor, filters).subquery()
    refunded = (
        select(Compensation.case_id, func.sum(Compensation.amount_cents).label("cents"))
        .where(
            Compensation.shop_id == actor.shop_id,
            Compensation.kind == CompensationKind.REFUND,
            Compensation.status == CompensationStatus.APPROVED,
        )
        .group_by(Compensation.case_id)
        .subquery()
    )
    stmt = (
        select(
            cases,
            Order.external_id,
            OrderLine.line_no,
            OrderLine.sku,
            Agent.display_name,
            Team.name,
            refunded.c.cents,
        )
        .outerjoin(Order, Order.id == cases.c.order_id)
        .outerjoin(OrderLine, OrderLine.id == cases.c.order_line_id)
        .outerjoin(Agent, Agent.id == cases.c.assigned_agent_id)
        .outerjoin(Team, Team.id == cases.c.team_id)
        .outerjoin(refunded, refunded.c.case_id == cases.c.id)
        .order_by(cases.c.id.desc())
        .limit(EXPORT_LIMIT)
    )
    shop = await session.get_one(Shop, actor.shop_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in await session.execute(stmt):
        writer.writerow(_export_row(row._mapping, shop.timezone))
    return out.getvalue()


def _export_row(row: Any, tz: str) -> list[Any]:
    return [
        row["id"],
        row["number"],
        row["type"].value,
        row["status"].value,
        row["priority"].value,
        spreadsheet_text(row["title"]),
        spreadsheet_text(row[Order.external_id]),
        row[OrderLine.line_no] or "",
        spreadsheet_text(row[OrderLine.sku]),
        spreadsheet_text(row[Agent.display_name]),
        spreadsheet_text(row[Team.name]),
        cents_to_decimal(row["cents"] or 0),
        _local(row["created_at"], tz),
        _local(row["resolved_at"], tz),
        _local(row["closed_at"], tz),
    ]
