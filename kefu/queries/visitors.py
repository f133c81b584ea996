"""Who is on the shop's site right now, for agents who may want to start a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.lib.times import zone
from kefu.lib.visitors import InvitationRule, VisitorState, invitation_for, is_returning
from kefu.lib.widget import widget_settings
from kefu.models import Shop, Visitor
from kefu.models.base import utcnow

LIVE_LIMIT = 200  # a page of the busiest shops' visitors; agents skim, they do not page


@dataclass(frozen=True, slots=True)
class LiveVisitor:
    public_id: str
    current_page: str | None
    page_title: str | None
    product_external_id: str | None
    cart_value_cents: int | None
    page_since: datetime | None
    last_seen_at: datetime
    seconds_on_page: int | None
    returning: bool
    customer_id: int | None


async def list_live_visitors(
    session: AsyncSession, actor: Actor, minutes: int
) -> list[LiveVisitor]:
    """The actor's shop's visitors seen in the last ``minutes``, most recently active first."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    now = utcnow()
    shop_timezone = await session.execute(select(Shop.timezone).where(Shop.id == actor.shop_id))
    tz = zone(shop_timezone.scalar_one())
    rows = await session.scalars(
        select(Visitor)
        .where(
            Visitor.shop_id == actor.shop_id,
            Visitor.last_seen_at >= now - timedelta(minutes=minutes),
        )
        .order_by(Visitor.last_seen_at.desc(), Visitor.id.desc())
        .limit(LIVE_LIMIT)
    )
    return [
        LiveVisitor(
            public_id=v.public_id,
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
        for v in rows
    ]


async def invitation_now(session: AsyncSession, visitor: Actor, row: Visitor) -> str | None:
    """The invitation the shop's rules give this visitor on the page they just reported
    (the widget reports again while the shopper stays, so time-on-page rules can fire)."""
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
    return invitation_for(rules, state)
