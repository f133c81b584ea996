"""Counting proactive invitations: shown, accepted, converted.

The widget reports when it shows an invitation and when the shopper accepts it (opens the
chat from it). Both reports name the rule; the page view is the visitor's current page
and since when they are on it (``Visitor.page_since``, which a reload keeps), so a
reload or a retried report counts once.

Converted: the visitor's first message within ``CONVERSION_WINDOW`` after accepting; the
most recent such acceptance (not yet converted) gets the credit, once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor
from kefu.actions.kept import batch_cache
from kefu.errors import Conflict, Forbidden, NotFound
from kefu.lib.widget import widget_settings
from kefu.models import InvitationView, Shop, Visitor
from kefu.models.base import utcnow

# One visit, as web analytics count it: a message half an hour after accepting an
# invitation is a conversation the shopper would have started anyway.
CONVERSION_WINDOW = timedelta(minutes=30)


async def _own_visitor(session: AsyncSession, visitor: Actor) -> Visitor:
    if not visitor.is_visitor:
        raise Forbidden("only the widget reports invitations")
    row = await session.get(Visitor, visitor.id)
    if row is None or row.shop_id != visitor.shop_id:
        raise NotFound("visitor")
    return row


async def _check_rule(session: AsyncSession, shop_id: int, rule_id: str) -> None:
    """Only the shop's current rules are counted: made-up ids cannot pad the figures."""
    shop = await session.get(Shop, shop_id)
    rules = widget_settings(shop.widget_settings if shop else None)["invitations"]
    if not any(rule["id"] == rule_id for rule in rules):
        raise NotFound("invitation rule")


async def _view(
    session: AsyncSession, row: Visitor, rule_id: str, page_since: datetime
) -> InvitationView:
    """The page view's row for this rule, inserted once however often it is reported
    (two reports racing each other still leave one row)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(InvitationView)
        .values(
            shop_id=row.shop_id,
            visitor_id=row.id,
            rule_id=rule_id,
            page_since=page_since,
            shown_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["visitor_id", "rule_id", "page_since"])
    )
    view = await session.scalar(
        select(InvitationView)
        .where(
            InvitationView.visitor_id == row.id,
            InvitationView.rule_id == rule_id,
            InvitationView.page_since == page_since,
        )
        .execution_options(populate_existing=True)
    )
    assert view is not None  # inserted now or before
    return view


async def do_record_invitation(
    session: AsyncSession, visitor: Actor, rule_id: str, *, accepted: bool
) -> InvitationView:
    """The widget showed the rule's invitation on the visitor's current page (or the
    shopper accepted it: an acceptance counts as shown too, should that report be lost)."""
    row = await _own_visitor(session, visitor)
    await _check_rule(session, row.shop_id, rule_id)
    if row.page_since is None:
        raise Conflict("report the page view before its invitation")
    view = await _view(session, row, rule_id, row.page_since)
    if accepted and view.accepted_at is None:
        view.accepted_at = utcnow()
    await session.flush()
    return view


_OPEN_ACCEPTANCES = "kefu_open_acceptances"
# Built once: every shopper message asks, so the question skips the ORM.
_OPEN_ACCEPTANCES_OF = select(
    InvitationView.visitor_id, InvitationView.accepted_at, InvitationView.id
).where(
    InvitationView.visitor_id.in_(bindparam("visitor_ids", expanding=True)),
    InvitationView.accepted_at >= bindparam("since"),
    InvitationView.converted_at.is_(None),
)
_CONVERT = (
    update(InvitationView)
    .where(InvitationView.id == bindparam("view_id"))
    .values(converted_at=bindparam("at"), conversation_id=bindparam("conversation_id"))
)


def read_open_acceptances(session: Session, visitor_ids: Collection[int], at: datetime) -> None:
    """Read once, for a batch of messages, the acceptances these visitors' messages at
    ``at`` or later could convert (kept for the transaction)."""
    known = batch_cache(session, _OPEN_ACCEPTANCES)
    missing = [visitor_id for visitor_id in visitor_ids if visitor_id not in known]
    if not missing:
        return
    for visitor_id in missing:
        known[visitor_id] = []
    rows = session.connection().execute(
        _OPEN_ACCEPTANCES_OF, {"visitor_ids": missing, "since": at - CONVERSION_WINDOW}
    )
    for visitor_id, accepted_at, view_id in rows:
        known[visitor_id].append((accepted_at, view_id))


def note_conversion(session: Session, visitor_id: int, conversation_id: int, at: datetime) -> None:
    """A visitor's message at ``at``: it converts their latest acceptance within the
    window that has not converted yet (so one message converts at most one invitation)."""
    read_open_acceptances(session, [visitor_id], at)
    acceptances: list[tuple[datetime, int]] = batch_cache(session, _OPEN_ACCEPTANCES)[visitor_id]
    within = [entry for entry in acceptances if entry[0] >= at - CONVERSION_WINDOW]
    if within:
        latest = max(within)
        acceptances.remove(latest)
        session.connection().execute(
            _CONVERT, {"view_id": latest[1], "at": at, "conversation_id": conversation_id}
        )
