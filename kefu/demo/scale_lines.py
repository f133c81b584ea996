"""What the shoppers and agents of ``kefu demo --scale`` say: shopper lines are the
intent examples the intent model is trained on (``understanding/data/intents_zh.jsonl``),
so every generated question is one a real shopper wrote; agent lines are replies per
topic in the shop's voice (the demo's quick phrases among them)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from kefu.demo.phrases import PHRASES
from kefu.understanding.default import EXAMPLES


@dataclass(frozen=True, slots=True)
class Topic:
    """A kind of conversation: which intents the shopper's lines come from, which skill
    (and so team) serves it, what the agent answers, and how often it happens."""

    name: str
    skill: str
    intents: tuple[str, ...]
    weight: int
    replies: tuple[str, ...]


def _phrase(shortcut: str) -> str:
    body = next(body for key, _folder, _type, body in PHRASES if key == shortcut)
    return body.replace("{客户昵称}", "").replace("{订单号}", "").replace("{物流单号}", "")


TOPICS: tuple[Topic, ...] = (
    Topic(
        "presale",
        "presale",
        (
            "presale.product_info",
            "presale.size_advice",
            "presale.stock",
            "presale.compare",
            "presale.authenticity",
        ),
        34,
        (
            "亲，这款是纯棉面料的，亲肤透气，很多买家反馈穿着很舒服～",
            _phrase("cm"),
            "亲，按您的身高体重建议拿 M 码，喜欢宽松一点可以拿 L 哦",
            "这款目前有现货的，今天下单 48 小时内发货～",
            "亲，我们是品牌官方旗舰店，所有商品都是正品，支持专柜验货",
            "两款主要是面料不同，A 款更保暖，B 款更轻薄，看您平时穿着场景哦",
            "亲，这个颜色是实物拍摄的，可能因为屏幕有一点点色差～",
            "好的亲，我帮您看一下库存，请稍等～",
            "亲，这款敏感肌也可以用的，成分很温和，不含酒精香精",
        ),
    ),
    Topic(
        "promotion",
        "presale",
        ("presale.promotion", "presale.bargain", "presale.shipping"),
        14,
        (
            _phrase("yj"),
            "亲，现在领券满 299 减 50，还可以叠加店铺会员折扣哦",
            "全场满 299 包邮，偏远地区除外哦～",
            "亲，双十一当天 0 点开始有前 1 小时半价，可以先加购物车～",
            "亲，我们默认发顺丰，江浙沪一般次日达",
            "这个价格已经是最低了呢，给您备注优先发货可以吗？",
        ),
    ),
    Topic(
        "order",
        "insale",
        (
            "insale.modify_order",
            "insale.payment",
            "insale.cancel_order",
            "insale.invoice",
            "insale.order_status",
            "insale.urge_shipment",
        ),
        14,
        (
            "好的亲，已经帮您修改好地址了，您在订单页刷新一下就能看到～",
            _phrase("fk"),
            "亲，订单还没有发货，可以直接在订单页申请取消，系统会自动退款",
            "发票可以开的，麻烦提供一下抬头和税号，确认收货后开具电子发票",
            "亲，已经帮您催仓库了，今天下午会安排发出",
            "亲，订单已付款成功，仓库正在配货中～",
        ),
    ),
    Topic(
        "logistics",
        "insale",
        ("logistics.track", "logistics.delay", "logistics.not_received"),
        16,
        (
            _phrase("wl"),
            "亲，帮您查了一下，包裹已经到您所在城市的营业部了，今天会派送～",
            "非常抱歉让您久等了，最近快递量大有些延误，我这边帮您联系快递加急",
            "亲，显示已经签收在快递柜/驿站了，麻烦您去看一下哦",
            "我这边已经给快递公司提交了催件工单，24 小时内会有回复",
        ),
    ),
    Topic(
        "aftersale",
        "aftersale",
        (
            "aftersale.return",
            "aftersale.refund",
            "aftersale.exchange",
            "aftersale.quality",
            "aftersale.damaged",
            "aftersale.wrong_item",
            "aftersale.usage",
            "aftersale.warranty",
            "aftersale.review",
        ),
        18,
        (
            _phrase("th"),
            "非常抱歉给您带来不好的体验，麻烦拍一下商品问题的照片发给我看看",
            "亲，已经帮您登记换货了，新的一件今天就给您寄出",
            "退款已经提交，原路返回，一般 1-3 个工作日到账哦",
            "亲，质量问题运费由我们承担，您选择上门取件就可以",
            "发错货真的很抱歉，我们马上给您补发正确的，错发的那件不用寄回了",
            "这个产品保修一年，您把购买订单号发我，帮您登记保修",
            _phrase("hp"),
        ),
    ),
    Topic(
        "complaint",
        "complaint",
        ("aftersale.complaint",),
        4,
        (
            "非常抱歉，是我们的问题，给您添麻烦了，我马上帮您处理",
            "亲，您的心情我完全理解，这件事我会跟进到底，今天内给您答复",
            "已经为您升级处理了，主管会亲自跟进，另外给您申请了一张无门槛优惠券作为补偿",
            "真的很抱歉让您失望了，我们给您全额退款，商品不用退回",
        ),
    ),
)

GREETINGS_SHOPPER = ("在吗", "你好", "在不在", "亲在吗", "有人吗", "您好")
CLOSINGS_SHOPPER = ("好的谢谢", "好的 知道了", "谢谢亲", "嗯嗯 好的", "行 那我等等", "ok")
AGENT_OPENERS = (
    _phrase("hi"),
    _phrase("zai"),
    "您好，我是客服小鹿，很高兴为您服务～",
    "亲，在的，您请说～",
)
AGENT_CLOSING = _phrase("bye")
AGENT_FOLLOWUPS = (
    "好的亲，还有其他可以帮您的吗？",
    "亲，收到，我这边记录下来了",
    "嗯嗯，明白您的意思了，稍等我确认一下",
    "好的，给您备注好了～",
)
BOT_ANSWER = "【自动回复】您好，关于这个问题可以参考：{title}。如需人工服务请回复「人工」。"
BOT_TITLES = ("发货时间说明", "退换货政策", "尺码选择指南", "包邮规则", "发票开具说明")
HUMAN_PLEASE = ("人工", "转人工", "我要人工客服")
TRANSFER_NOTE = "会话已转接给 {name}"


def shopper_lines() -> dict[str, list[str]]:
    """The intent examples by topic name, read once."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            example = json.loads(line)
            by_intent[example["intent"]].append(example["text"])
    return {
        topic.name: [text for intent in topic.intents for text in by_intent[intent]]
        for topic in TOPICS
    }
