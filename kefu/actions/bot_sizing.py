"""The bot's size advice (kefu.knowledge.sizing) for the product the shopper means: the
product page they are on (the widget reports it), else a product of their own latest
order that has a size chart, else the shop's size chart when all its products share one
(a shop with one chart for its clothing). Otherwise the bot asks which product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.actions.bot_orders import signed_customer
from kefu.knowledge.sizing import (
    SAY_ASK_BODY,
    SAY_ASK_PRODUCT,
    advice_text,
    chart_line,
    chart_of,
    parse_chart,
    recommend,
)
from kefu.knowledge.tracking import Translate
from kefu.models import Conversation, Order, OrderLine, Product, Visitor

SHOP_CHART_SCAN = 500  # products looked at for "all share one chart"


@dataclass(frozen=True, slots=True)
class SizeReply:
    text: str
    found: bool  # a size was advised
    payload: dict[str, Any]

    @property
    def miss(self) -> bool:
        """No advice (no product with a chart to go by): a failed answer."""
        return not self.found


def measures(understood: dict[str, Any]) -> tuple[float | None, float | None]:
    """The height (cm) and weight (kg) among the message's entities."""
    values = {e["type"]: e["value"] for e in understood.get("entities") or ()}
    return values.get("height"), values.get("weight")


async def _page_product(session: AsyncSession, conversation: Conversation) -> Product | None:
    if conversation.visitor_id is None:
        return None
    external_id = await session.scalar(
        select(Visitor.product_external_id).where(
            Visitor.id == conversation.visitor_id, Visitor.shop_id == conversation.shop_id
        )
    )
    if not external_id:
        return None
    return await session.scalar(
        select(Product).where(
            Product.shop_id == conversation.shop_id, Product.external_id == external_id
        )
    )


async def _ordered_product(session: AsyncSession, conversation: Conversation) -> Product | None:
    customer_id = await signed_customer(session, conversation)
    if customer_id is None:
        return None
    products = await session.scalars(
        select(Product)
        .join(OrderLine, OrderLine.product_id == Product.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.shop_id == conversation.shop_id, Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), OrderLine.line_no)
        .limit(20)
    )
    return next((p for p in products if parse_chart(chart_of(p.attributes))), None)


async def _shop_chart(session: AsyncSession, shop_id: int) -> Product | None:
    """A product standing for the shop's one size chart, when all charts are the same."""
    products = await session.scalars(
        select(Product)
        .where(Product.shop_id == shop_id)
        .order_by(Product.id)
        .limit(SHOP_CHART_SCAN)
    )
    charted = [p for p in products if parse_chart(chart_of(p.attributes))]
    charts = {repr(chart_of(p.attributes)) for p in charted}
    return charted[0] if len(charts) == 1 else None


async def sized_product(session: AsyncSession, conversation: Conversation) -> Product | None:
    for find in (_page_product, _ordered_product):
        product = await find(session, conversation)
        if product is not None and parse_chart(chart_of(product.attributes)):
            return product
    return await _shop_chart(session, conversation.shop_id)


async def size_reply(
    session: AsyncSession, conversation: Conversation, understood: dict[str, Any], say: Translate
) -> SizeReply:
    """The size to pick, or what the bot still needs to know (the body, the product)."""
    height, weight = measures(understood)
    if height is None and weight is None:
        return SizeReply(say(SAY_ASK_BODY), False, {"ask_size": True})
    product = await sized_product(session, conversation)
    if product is None:
        return SizeReply(say(SAY_ASK_PRODUCT), False, {"ask_size": True})
    chart = chart_of(product.attributes)
    advice = recommend(parse_chart(chart), height, weight)
    if advice is None:  # a chart of widths only: nothing the body's figures map to
        return SizeReply(say(SAY_ASK_PRODUCT), False, {"ask_size": True})
    quoted = chart_line(chart, advice.size, say)
    text = advice_text(product.title, advice, height, weight, quoted, say)
    return SizeReply(text, True, {"size": advice.size, "product_id": product.id})
