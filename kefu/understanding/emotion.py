"""Emotion colour by the seeds' three-colour rule (三色法则): red is a serious problem
(anger, threats of complaints or bad reviews, insults, demands for money back), yellow
a potential one (impatience, urgency, disappointment), green everything else.

Two readers, the more alarmed one wins. A lexicon and punctuation rules on the
normalised text catch the explicit words (投诉, 差评, 骗子, !!!) and can be explained to an
agent; negated threats ("不会给差评") and harmless compounds (垃圾桶, 能退钱吗, 看到差评说…)
do not count. Anger without those words (这是抢钱吗, 你们怎么赔我, 第二次给我发错了,
凭什么拒绝我的退款) is left to a character n-gram classifier trained on the shipped
``data/emotion_zh.jsonl`` (``default.emotion_model``), trusted only when confident, and
never for red when the shopper promises not to complain."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kefu.understanding.default import emotion_model
from kefu.understanding.normalize import normalize

RED_WORDS = (
    "投诉", "差评", "消协", "消费者协会", "市场监管", "举报", "曝光",
    "找媒体", "骗子", "骗人", "欺骗", "欺诈", "诈骗", "黑店", "奸商", "无良",
    "坑人", "坑爹", "退钱", "还钱", "赔钱", "工商", "告你们", "封店",
    "纠纷", "卖假货", "报警", "律师", "起诉", "法院", "仲裁", "平台介入", "维权",
    "垃圾", "滚蛋", "给我滚", "滚吧", "受够了", "黑心", "气炸", "火大",
    "什么玩意", "智障", "有病吧", "恶劣", "极差", "失望透顶", "再也不买", "拉黑",
    "脑子有病", "欺负人", "妈的", "他妈", "傻逼", "混蛋", "去死", "王八", "恶心",
    "气死", "太过分", "忍无可忍", "什么破", "破玩意", "态度太差", "服务太差",
    "什么态度", "找你们领导", "叫你们领导", "店长出来", "不要脸", "耍我", "当我傻",
    "😡", "🤬", "👿", "💢",
)  # fmt: skip

YELLOW_WORDS = (
    "怎么还", "还没", "还不发", "还不到", "还不给", "还不处理", "还不回", "到底",
    "究竟", "急", "赶紧", "快点", "尽快", "催", "等了", "好几天", "这么久",
    "太慢", "慢死", "失望", "无语", "不太满意", "还不退", "还没退", "还不换",
    "偏差", "糟心", "闹心", "郁闷", "烦死", "很烦", "心烦", "不满意", "不开心",
    "难受", "差劲", "太差", "很差", "再不", "一直", "没人", "不回", "敷衍",
    "算了", "唉", "哎", "怎么回事", "坏了", "破了", "碎了", "发错", "少发",
    "漏发", "不能用", "用不了", "没收到", "丢了", "搞什么", "拜托", "😞", "😔",
    "😢", "😭", "😤", "😠", "🙄", "😒", "💔",
)  # fmt: skip

# Latin and digit words count only standing alone ("usb" is no insult, an order number
# may contain 315).
RED_TOKENS = re.compile(r"(?<![a-z0-9])(?:12315|315|sb|tmd|nmd|wtf)(?![a-z0-9])")
NEGATED = re.compile(
    r"(?:不会|不给|不打|不想|没有|没|不是|不需要)(?:要|想)?给?(?:你们)?(?:差评|投诉|举报)"
)
# Words of the red lexicon inside calm phrases: products (垃圾袋), a question about money
# back (能退钱吗), other shoppers' reviews (看到差评说…), changing one's own review, asking
# how complaints work or complaining about the courier.
HARMLESS = re.compile(
    r"垃圾(?:袋|桶|篓|箱|分类|处理|收纳)|退钱(?=[吗么嘛呢不]|的话)"
    r"|(?:有|看到|看了|看|好多|很多|那些|这些|别人的?)差评"
    r"|差评(?=说|里|区|能改|可以改|怎么改|改成|返现|已删|我?已经改)"
    r"|(?:有人说|如果要)投诉|投诉(?=入口|流程|渠道)|投诉(?:一下)?快递"
)
SHOUTING = re.compile(r"[!?]{3,}")
_RED = re.compile("|".join(map(re.escape, RED_WORDS)))  # one scan instead of one per word
_YELLOW = re.compile("|".join(map(re.escape, YELLOW_WORDS)))
RAISED = re.compile(r"[!?]{2}")


# How sure the classifier must be (its calibrated confidence) to raise a colour the
# lexicon did not: chosen by five-fold cross-validation on the examples (docs/intent.md).
RED_CONFIDENCE = 0.6
YELLOW_CONFIDENCE = 0.55


def emotion_colours(texts: Sequence[str], complaints: Sequence[bool]) -> list[str]:
    """The colour of each message (see :func:`emotion_colour`), the classifier run once
    over the batch."""
    learned = emotion_model().predict(texts)
    return [
        _combined(text, complaint, label, confidence)
        for text, complaint, label, confidence in zip(
            texts, complaints, learned.labels, learned.confidences, strict=True
        )
    ]


def emotion_colour(text: str, *, complaint: bool = False) -> str:
    """``"red"``, ``"yellow"`` or ``"green"`` for one message. ``complaint``: the message
    was classified as a complaint, which the three-colour rule counts as serious (red),
    unless the shopper promises not to complain ("放心 不会给差评的")."""
    return emotion_colours([text], [complaint])[0]


def _combined(text: str, complaint: bool, learned: str, confidence: float) -> str:
    """The lexicon's colour, raised to the classifier's when it is confident."""
    lexicon = lexicon_colour(text, complaint=complaint)
    promised = NEGATED.search(normalize(text))  # "不会给差评": never red by the classifier
    if lexicon == "red" or (learned == "red" and confidence >= RED_CONFIDENCE and not promised):
        return "red"
    if lexicon == "yellow" or (learned != "green" and confidence >= YELLOW_CONFIDENCE):
        return "yellow"
    return "green"


def lexicon_colour(text: str, *, complaint: bool = False) -> str:
    """The colour by the lexicon and punctuation rules alone."""
    normalized = normalize(text)
    folded = HARMLESS.sub("", NEGATED.sub("", normalized))
    if SHOUTING.search(folded) or RED_TOKENS.search(folded) or _RED.search(folded):
        return "red"
    if complaint and not NEGATED.search(normalized):
        return "red"
    if RAISED.search(folded) or _YELLOW.search(folded):
        return "yellow"
    return "green"
