"""One-click unsubscribe from a shop's campaign and journey mails (docs/crm.md).

Every such mail carries a link ``{public URL}/unsubscribe/{token}``, the token signed
(kefu.lib.links, purpose ``unsubscribe``) over the shop's and the customer's ids: the
link is the shopper's proof, and since the shop is inside it, a link from one shop's mail
can never opt out a customer of another. Following it opts the customer out through the
same action as the shop's staff use (kefu.crm.outreach.do_set_opt_out): in force at once,
messages still waiting are dropped, audited as done by the unsubscribe link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.customer_merge import merged_aliases
from kefu.crm.outreach import do_set_opt_out
from kefu.errors import NotFound
from kefu.lib.links import read_link, sign_link
from kefu.models import Customer, Shop

PURPOSE = "unsubscribe"
ACTOR_LABEL = "unsubscribe link"


def unsubscribe_url(
    secret: str, public_url: str, shop_id: int, customer_id: int, external_id: str | None = None
) -> str:
    """The link for a customer's mails (``public_url`` without a trailing slash). With the
    customer's ``external_id`` the link still works after the customer is merged into
    another record (it then opts out the surviving one)."""
    payload: dict[str, int | str] = {"shop": shop_id, "customer": customer_id}
    if external_id is not None:
        payload["ref"] = external_id
    return f"{public_url}/unsubscribe/{sign_link(secret, PURPOSE, payload)}"


async def customer_of_link(session: AsyncSession, secret: str, token: str) -> tuple[Shop, Customer]:
    """The shop and customer a genuine token names, or the customer a merge folded it
    into; NotFound for anything else (forged, cut short, another purpose, or a customer
    erased meanwhile)."""
    payload = read_link(secret, PURPOSE, token) or {}
    shop_id, customer_id = payload.get("shop"), payload.get("customer")
    if not isinstance(shop_id, int) or not isinstance(customer_id, int):
        raise NotFound("unsubscribe link")
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop_id:
        customer = await _survivor(session, shop_id, payload.get("ref"))
    return await session.get_one(Shop, shop_id), customer


async def _survivor(session: AsyncSession, shop_id: int, external_id: object) -> Customer:
    """The customer a merged-away record now lives on (its external id is an alias)."""
    if not isinstance(external_id, str) or not external_id:
        raise NotFound("unsubscribe link")
    aliases = await merged_aliases(session, shop_id, [external_id])
    if external_id not in aliases:
        raise NotFound("unsubscribe link")
    return await session.get_one(Customer, aliases[external_id][0])


async def do_unsubscribe(
    session: AsyncSession, secret: str, token: str, now: datetime
) -> tuple[Shop, Customer]:
    """Opt the link's customer out at once; following a link again changes nothing."""
    shop, customer = await customer_of_link(session, secret, token)
    actor = Actor.system(shop.id, ACTOR_LABEL)
    return shop, await do_set_opt_out(session, actor, customer.id, True, now)
