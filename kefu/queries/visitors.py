"""Who is on the shop's site right now, for agents who may want to start a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import NotFound
from kefu.lib.times import zone
from kefu.lib.visitors import InvitationRule, VisitorState, is_returning, matching_rule
from kefu.lib.widget import widget_settings
from kefu.models import InvitationView, Shop, Visitor
from kefu.models.base import utcnow
from kefu.queries.audit import within_local_days

LIVE_LIMIT = 200  # a page of the busiest shops' visitors; agents skim, they do not page


@dataclass(frozen=True, slots=True)
class LiveVisitor:
    public_id: str
    name: str | None  # what the shopper typed as their name in the offline form
    current_page: str | None
    page_title: str | None
    product_external_id: str | None
    cart_value_cents: int | None
    page_since: datetime | None
    last_seen_at: datetime
    seconds_on_page: int | None
    returning: bool
    customer_id: int | None


def _live(v: Visitor, now: datetime, tz: ZoneInfo) -> LiveVisitor:
    return LiveVisitor(
        public_id=v.public_id,
        name=v.display_name,
        current_page=v.current_page,
        page_title=v.page_title,
        product_external_id=v.product_external_id,
        cart_value_cents=v.cart_value_cents,
        page_since=v.page_since,
        last_seen_at=v.last_seen_at,
        seconds_on_page=int((now - v.page_since).total_seconds()) if v.page_since else None,
        returning=is_returning(v.first_seen_at, v.last_seen_at, tz),
        customer_id=v.customer_id,
    )


async def _shop_zone(session: AsyncSession, shop_id: int) -> ZoneInfo:
    shop_timezone = await session.execute(select(Shop.timezone).where(Shop.id == shop_id))
    return zone(shop_timezone.scalar_one())


async def list_live_visitors(
    session: AsyncSession, actor: Actor, minutes: int
) -> list[LiveVisitor]:
    """The actor's shop's visitors seen in the last ``minutes``, most recently active first."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    now = utcnow()
    tz = await _shop_zone(session, actor.shop_id)
    rows = await session.scalars(
        select(Visitor)
        .where(
            Visitor.shop_id == actor.shop_id,
            Visitor.last_seen_at >= now - timedelta(minutes=minutes),
        )
        .order_by(Visitor.last_seen_at.desc(), Visitor.id.desc())
        .limit(LIVE_LIMIT)
    )
    return [_live(v, now, tz) for v in rows]


async def own_activity(session: AsyncSession, visitor: Actor, row: Visitor) -> LiveVisitor:
    """The visitor's own line of the live list, as their page view just left it (for the
    frame that updates the shop's agents' lists without a reload)."""
    if row.shop_id != visitor.shop_id or row.id != visitor.id:
        raise NotFound("visitor")
    return _live(row, utcnow(), await _shop_zone(session, row.shop_id))


async def invitation_now(
    session: AsyncSession, visitor: Actor, row: Visitor
) -> InvitationRule | None:
    """The invitation rule this visitor meets on the page they just reported (the widget
    reports again while the shopper stays, so time-on-page rules can fire)."""
    shop = await session.get(Shop, visitor.shop_id)
    if shop is None or row.shop_id != visitor.shop_id:
        return None
    rules = [
        InvitationRule(**rule) for rule in widget_settings(shop.widget_settings)["invitations"]
    ]
    if not rules:
        return None
    now = utcnow()
    state = VisitorState(
        on_product_page=row.product_external_id is not None,
        seconds_on_page=int((now - (row.page_since or now)).total_seconds()),
        cart_value_cents=row.cart_value_cents,
        returning=is_returning(row.first_seen_at, now, zone(shop.timezone)),
    )
    return matching_rule(rules, state)


@dataclass(frozen=True, slots=True)
class RuleCounts:
    """How one invitation rule did: ``message`` is None for a rule since removed."""

    rule_id: str
    message: str | None
    shown: int
    accepted: int
    converted: int

    @property
    def accept_rate(self) -> float | None:
        return round(self.accepted / self.shown, 4) if self.shown else None

    @property
    def conversion_rate(self) -> float | None:
        return round(self.converted / self.shown, 4) if self.shown else None


async def invitation_counts(
    session: AsyncSession, actor: Actor, date_from: date | None, date_to: date | None
) -> list[RuleCounts]:
    """Per rule, the invitations shown from ``date_from`` (inclusive) to ``date_to``
    (exclusive), local days of the shop, and how many of those were accepted and
    converted. The shop's current rules come first in their order, zeros included;
    rules since removed follow while they have counts."""
    actor.require(Permission.READ_SHOP_DATA)
    shop = await session.get(Shop, actor.shop_id)
    assert shop is not None  # the actor's own shop
    tz = zone(shop.timezone)
    stmt = (
        select(
            InvitationView.rule_id,
            func.count(),
            func.count(InvitationView.accepted_at),
            func.count(InvitationView.converted_at),
        )
        .where(InvitationView.shop_id == actor.shop_id)
        .group_by(InvitationView.rule_id)
        .order_by(InvitationView.rule_id)
    )
    stmt = within_local_days(stmt, InvitationView.shown_at, tz, date_from, date_to)
    counted = {rule_id: counts for rule_id, *counts in (await session.execute(stmt)).all()}
    rules = widget_settings(shop.widget_settings)["invitations"]
    current = [
        RuleCounts(rule["id"], rule["message"], *counted.pop(rule["id"], (0, 0, 0)))
        for rule in rules
    ]
    return current + [RuleCounts(rule_id, None, *counts) for rule_id, counts in counted.items()]
