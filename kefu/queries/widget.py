"""What the chat widget reads: the shop's public widget profile (before any token), the
demo storefront's products, and uploaded images for those allowed to see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import NotFound
from kefu.knowledge.bot import may_answer, open_for_people
from kefu.lib.widget import expected_reply_minutes, widget_settings
from kefu.models import Conversation, Product, Shop, Upload
from kefu.queries.access import fetch_owned
from kefu.queries.people import any_agent_online
from kefu.queries.shops import calendar_of


@dataclass(frozen=True, slots=True)
class WidgetProfile:
    """What any visitor of the shop's site may know: nothing about people or customers."""

    shop_name: str
    announcements: list[str]
    greeting: str | None
    open_now: bool
    agents_online: bool
    reply_minutes: int
    bot: bool  # the FAQ bot answers now

    @property
    def online(self) -> bool:
        """Someone can answer now: the shop is open and an agent is online."""
        return self.open_now and self.agents_online


async def widget_profile(session: AsyncSession, shop: Shop, at: datetime) -> WidgetProfile:
    calendar = await calendar_of(session, shop)
    online_agents = await any_agent_online(session, shop.id)
    open_now = calendar.is_open(at)
    settings = widget_settings(shop.widget_settings)
    return WidgetProfile(
        shop_name=shop.name,
        announcements=settings["announcements"],
        greeting=settings["greeting"],
        open_now=open_now,
        agents_online=online_agents,
        reply_minutes=expected_reply_minutes(settings, calendar, at),
        bot=may_answer(
            shop.bot_settings, open_for_people(shop.bot_settings, open_now, online_agents)
        ),
    )


async def visitor_shop(session: AsyncSession, actor: Actor) -> Shop:
    """The shop whose widget the visitor uses."""
    shop = await session.get(Shop, actor.shop_id)
    if shop is None:
        raise NotFound("shop")
    return shop


async def get_upload(session: AsyncSession, actor: Actor, upload_id: int) -> Upload:
    """An image if the actor may see it: the shop's agents and keys any of the shop's,
    a visitor only those of their own conversations. Anything else is ``NotFound``."""
    permission = None if actor.is_visitor else Permission.READ_SHOP_DATA
    upload = await fetch_owned(session, actor, Upload, upload_id, "image", permission=permission)
    if actor.is_visitor:
        conversation = await session.get(Conversation, upload.conversation_id)
        if conversation is None or conversation.visitor_id != actor.id:
            raise NotFound("image")
    return upload


async def storefront_products(session: AsyncSession, shop: Shop) -> list[Product]:
    """The products a storefront shows, in catalogue order."""
    return list(
        await session.scalars(
            select(Product).where(Product.shop_id == shop.id).order_by(Product.id)
        )
    )
