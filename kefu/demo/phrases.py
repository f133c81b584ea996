"""The demo shop's starter library of quick phrases, one or two per stage."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.phrases import do_create_quick_phrase
from kefu.models import PhraseFolder, QuickPhrase

F = PhraseFolder
PHRASES: tuple[tuple[str, PhraseFolder, str], ...] = (
    ("hi", F.GREETING, "亲，您好{客户昵称}～欢迎光临，我是您的专属客服，有什么可以帮您？"),
    ("zai", F.CONVERSATION, "亲，在的哦，请问有什么可以帮您的呢？"),
    ("cm", F.CONVERSATION, "亲，麻烦告诉我您的身高和体重，我帮您推荐合适的尺码～"),
    ("yj", F.BARGAINING, "亲，这款已经是活动价了哦，现在下单还送运费险～"),
    ("fk", F.PAYMENT, "亲，订单{订单号}还未付款，库存有限，请尽快完成支付哦～"),
    ("wl", F.LOGISTICS, "亲，您的订单{订单号}已发货，物流单号{物流单号}，请注意查收～"),
    ("th", F.AFTERSALE, "亲，{商品名}支持7天无理由退换，请在订单页申请退货，我们收到后尽快处理。"),
    ("hp", F.REVIEW, "亲，收到商品满意的话，麻烦给个五星好评哦，感谢支持！"),
    ("bye", F.CLOSING, "感谢您的咨询，祝您生活愉快，有问题随时找我们哦～"),
)


async def seed_phrases(session: AsyncSession, actor: Actor) -> None:
    """Add the starter phrases the shop does not have yet (a refresh keeps edits)."""
    existing = set(
        await session.scalars(
            select(QuickPhrase.shortcut).where(
                QuickPhrase.shop_id == actor.shop_id, QuickPhrase.agent_id.is_(None)
            )
        )
    )
    for shortcut, folder, body in PHRASES:
        if shortcut not in existing:
            await do_create_quick_phrase(
                session, actor, shortcut=shortcut, folder=folder, body=body
            )
