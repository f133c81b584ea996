"""The demo shop's script library (话术库): quick phrases for every stage of a sale, some
written for one of the four shopper temperaments, and a running A/B test of the free
shipping offer (包邮 against 包邮且送运费险) with uses in past conversations.

Written by us from the ideas of the seeds (answer fast, handle objections such as "too
expensive" or "I'll think about it", close with a choice of two, apologise first after a
sale), not copied from them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.phrase_tests import do_start_phrase_test, variant_for
from kefu.actions.phrases import do_create_quick_phrase
from kefu.models import (
    Conversation,
    CustomerType,
    PhraseFolder,
    PhraseTest,
    PhraseUse,
    QuickPhrase,
    Skill,
)

F = PhraseFolder
T = CustomerType
PHRASES: tuple[tuple[str, PhraseFolder, CustomerType | None, str], ...] = (
    # 欢迎语
    ("hi", F.GREETING, None, "{客户昵称}您好～欢迎光临，我是您的专属客服，有什么可以帮您？"),
    ("hi-gc", F.GREETING, T.DECISIVE, "您好，我在。您说型号或需求，我直接帮您查库存和价格。"),
    ("hi-hp", F.GREETING, T.LIVELY, "哈喽{客户昵称}～终于等到您啦！今天想看点什么呀？😊"),
    ("hi-lm", F.GREETING, T.COLD, "您好，有需要随时叫我，看中哪款发链接给我就行。"),
    ("hi-hk", F.GREETING, None, "{客户昵称}，欢迎回来～上次的{商品名}穿着还合适吗？"),
    # 对话
    ("zai", F.CONVERSATION, None, "亲，在的哦，请问有什么可以帮您的呢？"),
    ("cm", F.CONVERSATION, None, "亲，麻烦告诉我您的身高和体重，我帮您推荐合适的尺码～"),
    ("tj", F.CONVERSATION, None, "这款和您看的{商品名}很搭，一起买还能凑满减，要不要给您看看？"),
    ("mf-nx", F.CONVERSATION, T.FUSSY, "亲别着急，您的问题我一条一条帮您确认，确认清楚了再下单～"),
    ("gc-zj", F.CONVERSATION, T.DECISIVE, "有货，今天16点前付款今天发，尺码按平时穿的拍就行。"),
    ("lm-wt", F.CONVERSATION, T.COLD, "亲，这款主要是自己穿还是送人呢？我按用途给您挑。"),
    ("zp", F.CONVERSATION, None, "亲，我们是品牌直营店，所有商品都是正品，支持验货后再确认收货。"),
    # 议价
    ("yj", F.BARGAINING, None, "亲，这款已经是活动价了哦，现在下单还送运费险～"),
    ("by", F.BARGAINING, None, "亲，这款今天下单包邮哦～"),
    (
        "tg",
        F.BARGAINING,
        None,
        "理解您的想法～一分钱一分货，这款面料和做工您收到一对比就知道值不值。",
    ),
    (
        "kl",
        F.BARGAINING,
        None,
        "好的亲，您慢慢考虑～不过活动今晚24点结束，库存也不多了，喜欢的话别错过哦。",
    ),
    (
        "bj",
        F.BARGAINING,
        T.FUSSY,
        "别家便宜的可能是不同面料，我们支持七天无理由，您收到不满意随时退。",
    ),
    ("ex", F.BARGAINING, None, "亲，白色和黑色都很百搭，您更喜欢哪一个？我先帮您留一件～"),
    # 支付
    ("fk", F.PAYMENT, None, "亲，订单{订单号}还未付款，库存有限，请尽快完成支付哦～"),
    ("fk-gc", F.PAYMENT, T.DECISIVE, "订单{订单号}已为您改好价，直接付款就能安排今天发货。"),
    ("dz", F.PAYMENT, None, "亲，付款前麻烦核对一下收货地址和电话，确认无误我们就安排发货～"),
    (
        "fk-sb",
        F.PAYMENT,
        T.FUSSY,
        "付款没成功不用担心，钱不会多扣；您换个支付方式再试一下，不行我帮您看。",
    ),
    # 物流
    ("wl", F.LOGISTICS, None, "亲，您的订单{订单号}已发货，物流单号{物流单号}，请注意查收～"),
    (
        "cf",
        F.LOGISTICS,
        None,
        "亲，已经帮您催仓库了，订单{订单号}今天一定发出，发出后第一时间告诉您。",
    ),
    (
        "wl-bd",
        F.LOGISTICS,
        None,
        "亲，物流{物流单号}这两天没更新，我已联系快递核实，有进展马上回复您，给您添麻烦了。",
    ),
    (
        "wl-hp",
        F.LOGISTICS,
        T.LIVELY,
        "您的宝贝{商品名}已经坐上快车啦🚚，单号{物流单号}，很快就到您手里～",
    ),
    # 售后
    (
        "th",
        F.AFTERSALE,
        None,
        "亲，{商品名}支持7天无理由退换，请在订单页申请退货，我们收到后尽快处理。",
    ),
    ("dq", F.AFTERSALE, None, "非常抱歉给您带来不好的体验！麻烦拍一下问题的照片，我马上帮您处理。"),
    (
        "dq-mf",
        F.AFTERSALE,
        T.FUSSY,
        "真的很抱歉让您跑来跑去，这件事由我负责到底，处理结果今天之内给您答复。",
    ),
    ("bf", F.AFTERSALE, None, "亲，少发的配件我们马上给您补寄，单独发顺丰，运费我们承担。"),
    ("hh", F.AFTERSALE, None, "亲，尺码不合适可以换，换货运费险会帮您报销，您放心申请～"),
    # 评价
    ("hp", F.REVIEW, None, "亲，收到商品满意的话，麻烦给个五星好评哦，感谢支持！"),
    (
        "hp-hp",
        F.REVIEW,
        T.LIVELY,
        "穿上{商品名}美美的话，记得晒图给我们看呀～好评还能领下次的优惠券哦🎁",
    ),
    (
        "cp",
        F.REVIEW,
        None,
        "看到您的评价了，真的很抱歉没让您满意，我们想帮您解决，方便说说具体问题吗？",
    ),
    # 结束语
    ("bye", F.CLOSING, None, "感谢您的咨询，祝您生活愉快，有问题随时找我们哦～"),
    ("bye-gc", F.CLOSING, T.DECISIVE, "好的，已为您安排，后续有问题直接留言，我看到马上回。"),
    ("bye-hp", F.CLOSING, T.LIVELY, "和您聊得好开心～收藏店铺上新第一时间通知您，拜拜啦👋"),
    ("bye-lm", F.CLOSING, T.COLD, "不打扰您啦，有需要随时找我。"),
)

TESTED = "by"  # the bargaining phrase under test: free shipping, or with return insurance
CHALLENGER = "亲，这款今天下单包邮，还送运费险，收到不合适退换也不花运费～"
TESTED_CONVERSATIONS = 160  # pre-sale conversations that used the tested phrase


async def seed_phrases(session: AsyncSession, actor: Actor) -> None:
    """Add the library's phrases the shop does not have yet (a refresh keeps edits)."""
    existing = set(
        await session.scalars(
            select(QuickPhrase.shortcut).where(
                QuickPhrase.shop_id == actor.shop_id, QuickPhrase.agent_id.is_(None)
            )
        )
    )
    for shortcut, folder, customer_type, body in PHRASES:
        if shortcut not in existing:
            await do_create_quick_phrase(
                session,
                actor,
                shortcut=shortcut,
                folder=folder,
                customer_type=customer_type,
                body=body,
            )


async def seed_phrase_test(session: AsyncSession, actor: Actor) -> None:
    """The free-shipping A/B test, once, with the phrase used at the first reply of the
    latest pre-sale conversations: their replies, orders and stars give the figures."""
    phrase = await session.scalar(
        select(QuickPhrase).where(
            QuickPhrase.shop_id == actor.shop_id,
            QuickPhrase.agent_id.is_(None),
            QuickPhrase.shortcut == TESTED,
        )
    )
    if phrase is None or await session.scalar(
        select(PhraseTest.id).where(PhraseTest.phrase_id == phrase.id)
    ):
        return
    test = await do_start_phrase_test(session, actor, phrase.id, [CHALLENGER])
    conversations = await session.scalars(
        select(Conversation)
        .where(
            Conversation.shop_id == actor.shop_id,
            Conversation.skill == Skill.PRESALE,
            Conversation.first_response_at.is_not(None),
        )
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(TESTED_CONVERSATIONS)
    )
    for conversation in conversations:
        assert conversation.first_response_at is not None
        session.add(
            PhraseUse(
                shop_id=actor.shop_id,
                test_id=test.id,
                conversation_id=conversation.id,
                variant=variant_for(test.id, conversation.id, len(test.variants)),
                agent_id=conversation.assigned_agent_id,
                used_at=conversation.first_response_at,
            )
        )
    await session.flush()
