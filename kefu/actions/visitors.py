"""Widget visitors: recognising a returning browser, or welcoming a new one."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.customer_merge import merged_aliases
from kefu.errors import Forbidden, NotFound
from kefu.lib.tokens import customer_signature_ok
from kefu.models import Customer, Shop, Visitor
from kefu.models.base import utcnow
from kefu.reports.activity_facts import visit_facts

PUBLIC_ID_BYTES = 16  # 32 hex characters: unguessable, so a token names one browser


def _clip(value: str | None, length: int) -> str | None:
    """Browser-supplied text is informative only: keep what fits, drop control characters."""
    if not value:
        return None
    return "".join(ch for ch in value if ch.isprintable())[:length] or None


async def shop_by_slug(session: AsyncSession, slug: str) -> Shop:
    shop = await session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise NotFound("shop")
    return shop


async def _signed_customer(
    session: AsyncSession, shop: Shop, external_id: str, signature: str
) -> int | None:
    """The shop's customer the storefront vouched for (the survivor when that id was
    merged into another customer); None when not imported (yet)."""
    if not customer_signature_ok(shop.widget_secret, external_id, signature):
        raise Forbidden("the customer signature does not match", field="customer_signature")
    found = await session.scalar(
        select(Customer.id).where(Customer.shop_id == shop.id, Customer.external_id == external_id)
    )
    if found is None:
        aliases = await merged_aliases(session, shop.id, [external_id])
        found = aliases[external_id][0] if aliases else None
    return found


async def do_identify_visitor(
    session: AsyncSession,
    shop: Shop,
    *,
    public_id: str | None,
    user_agent: str | None,
    page: str | None,
    customer_external_id: str | None = None,
    customer_signature: str | None = None,
) -> Visitor:
    """The visitor a valid token names (seen again now), else a new one; linked to the
    shop's customer when the storefront signed the customer's id.

    Nobody is logged in here: the widget calls this before it has a token, so there is no
    actor, and nothing of the shop is revealed by it."""
    visitor = None
    if public_id is not None:
        visitor = await session.scalar(
            select(Visitor).where(Visitor.shop_id == shop.id, Visitor.public_id == public_id)
        )
    seen_before = None if visitor is None else visitor.last_seen_at
    if visitor is None:
        visitor = Visitor(shop_id=shop.id, public_id=secrets.token_hex(PUBLIC_ID_BYTES))
        session.add(visitor)
    visitor.last_seen_at = utcnow()
    visit_facts(session, visitor, seen_before, shop.timezone)
    visitor.user_agent = _clip(user_agent, 500) or visitor.user_agent
    page = _clip(page, 2000)
    if page is not None and visitor.current_page is None:
        # A first page; later ones come with page views, which restart the time on the
        # page when the page changes (and tell the agents).
        visitor.current_page, visitor.page_since = page, visitor.last_seen_at
    if customer_external_id is not None:
        visitor.customer_id = await _signed_customer(
            session, shop, customer_external_id, customer_signature or ""
        )
    await session.flush()
    return visitor


async def do_record_page_view(
    session: AsyncSession,
    visitor: Actor,
    *,
    page: str,
    title: str | None,
    product_external_id: str | None,
    cart_value_cents: int | None,
) -> tuple[Visitor, bool]:
    """The visitor (named by their own token) is now on ``page``: agents see it in the live
    list, and the time on the page restarts only when the page changes, so a reload or a
    second report of the same page keeps counting. Also says whether what agents see
    (page, title, product, cart) changed: the widget's repeated reports mostly do not."""
    if not visitor.is_visitor:
        raise Forbidden("only the widget reports page views")
    row = await session.get(Visitor, visitor.id)
    if row is None or row.shop_id != visitor.shop_id:
        raise NotFound("visitor")
    now = utcnow()
    page = _clip(page, 2000) or ""
    before = (row.current_page, row.page_title, row.product_external_id, row.cart_value_cents)
    if row.current_page != page or row.page_since is None:
        row.page_since = now
    row.current_page = page
    row.page_title = _clip(title, 300)
    row.product_external_id = _clip(product_external_id, 64)
    row.cart_value_cents = cart_value_cents
    row.last_seen_at = now
    await session.flush()
    after = (row.current_page, row.page_title, row.product_external_id, row.cart_value_cents)
    return row, after != before
