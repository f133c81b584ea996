"""The shopper's emotion by the seeds' three-colour rule (三色法则) and the emotional
account (情感账户), read from the words of each message: pure, no database, no model.

The lexicon (red: anger, threats of complaints or bad reviews, insults, demands for money
back; yellow: impatience, urgency, disappointment) is the one the understanding module's
emotion classifier starts from (``kefu.understanding.emotion``); here it is read alone,
so the chat's send path pays a couple of regular-expression scans and never loads a
model. Every reading says which lexicon entries decided it, never the message.

A conversation's colour follows its shopper's messages (:func:`next_colour`): a red or
yellow message sets the colour; a positive one (thanks, praise) brings it back to green;
a neutral one calms it one step (red → yellow → green), as an answered worry does. The
emotional account moves by the seeds' rule: "每次优质互动增加1分,负面互动扣3分" —
-3 when a conversation turns red, +1 for a positive message (once until the next red)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kefu.quality.normalize import normalize

RED_WORDS = (
    "投诉", "差评", "消协", "消费者协会", "市场监管", "举报", "曝光",
    "找媒体", "骗子", "骗人", "欺骗", "欺诈", "诈骗", "黑店", "奸商", "无良",
    "坑人", "坑爹", "退钱", "还钱", "赔钱", "工商", "告你们", "封店",
    "纠纷", "卖假货", "报警", "律师", "起诉", "法院", "仲裁", "平台介入", "维权",
    "垃圾", "滚蛋", "给我滚", "滚吧", "受够了", "黑心", "气炸", "火大",
    "什么玩意", "智障", "有病吧", "恶劣", "极差", "失望透顶", "再也不买", "拉黑",
    "脑子有病", "欺负人", "妈的", "他妈", "傻逼", "混蛋", "去死", "王八", "恶心",
    "气死", "愤怒", "太过分", "忍无可忍", "什么破", "破玩意", "态度太差", "服务太差",
    "什么态度", "找你们领导", "叫你们领导", "店长出来", "不要脸", "耍我", "当我傻",
    "给个说法", "给我个说法", "给我一个说法", "要个说法", "要一个说法", "讨个说法",
    "个交代", "怎么交代", "还能信吗", "还能信么", "还能相信吗", "踢皮球", "推来推去",
    "互相推诿", "推卸责任",
    "😡", "🤬", "👿", "💢",
)  # fmt: skip

YELLOW_WORDS = (
    "怎么还", "还没", "还不发", "还不到", "还不给", "还不处理", "还不回", "到底",
    "究竟", "急", "赶紧", "快点", "尽快", "催", "等了", "好几天", "这么久",
    "太慢", "慢死", "失望", "无语", "不太满意", "还不退", "还没退", "还不换",
    "偏差", "糟心", "闹心", "郁闷", "烦死", "很烦", "心烦", "不满意", "不开心",
    "难受", "生气", "差劲", "太差", "很差", "再不", "一直", "没人", "不回", "敷衍",
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
# back (能退钱吗, 退钱会退到哪), other shoppers' reviews (看到差评说…), one's own review or
# complaint changed or withdrawn (差评已删, 投诉已经撤销了), asking how complaints or the
# platform's arbitration work, or complaining about the courier.
HARMLESS = re.compile(
    r"垃圾(?:袋|桶|篓|箱|分类|处理|收纳)|退钱(?=[吗么嘛呢不]|的话|会?退到|是原路)"
    r"|(?:有|看到|看了|看|好多|很多|那些|这些|别人的?)差评"
    r"|差评(?=说|里|区|能改|可以改|怎么改|改成|返现)"
    r"|(?:差评|投诉)(?=我?已经?(?:删|改|撤|追加))"
    r"|(?:有人说|如果要)投诉|投诉(?=入口|流程|渠道)|投诉(?:一下)?快递"
    r"|平台介入(?=是什么|是怎么|的?流程|怎么申请)"
)
SHOUTING = re.compile(r"[!?]{3,}")
RED_PATTERN = re.compile("|".join(map(re.escape, RED_WORDS)))  # one scan, not one per word
YELLOW_PATTERN = re.compile("|".join(map(re.escape, YELLOW_WORDS)))
RAISED = re.compile(r"[!?]{2}")

# Thanks and praise: a positive exchange (情感账户 +1) when nothing red or yellow is said.
POSITIVE_WORDS = (
    "谢谢", "感谢", "多谢", "谢啦", "谢了", "辛苦了", "辛苦啦", "满意", "好评", "五星",
    "太好了", "太棒了", "很棒", "真棒", "好棒", "给力", "点赞", "赞一个", "不错", "喜欢",
    "专业", "耐心", "贴心", "靠谱", "放心了", "解决了", "麻烦你了", "麻烦您了", "好人",
    "thx", "thanks", "thank you", "👍", "😊", "😄", "🥰", "❤", "🌹", "比心",
)  # fmt: skip
POSITIVE_PATTERN = re.compile("|".join(map(re.escape, POSITIVE_WORDS)))
# Praise words negated or asked about: 不满意, 不太喜欢, 不专业, 满意吗.
NOT_POSITIVE = re.compile(
    r"(?:不|没|没有|不太|不是很|不怎么|一点也不|一点都不)(?:太)?"
    r"(?:满意|喜欢|专业|耐心|贴心|靠谱|给力|不错)|(?:满意|好评|五星)(?:吗|么|嘛|\?)"
)

COLOURS = ("green", "yellow", "red")
POSITIVE_DELTA, NEGATIVE_DELTA = 1, -3


@dataclass(frozen=True, slots=True)
class Reading:
    """One shopper message: its colour, whether it is positive (thanks, praise, only
    ever green), and the lexicon entries (or rule names) that decided it."""

    colour: str
    positive: bool
    words: tuple[str, ...]


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    return list(dict.fromkeys(match.group(0) for match in pattern.finditer(text)))


def read_message(text: str) -> Reading:
    """The colour of one shopper message by the lexicon and punctuation rules."""
    folded = HARMLESS.sub("", NEGATED.sub("", normalize(text)))
    red = _found(RED_PATTERN, folded) + _found(RED_TOKENS, folded)
    if SHOUTING.search(folded):
        red.append("!!!")
    if red:
        return Reading("red", False, tuple(red))
    yellow = _found(YELLOW_PATTERN, folded)
    if RAISED.search(folded):
        yellow.append("!!")
    if yellow:
        return Reading("yellow", False, tuple(yellow))
    praise = _found(POSITIVE_PATTERN, NOT_POSITIVE.sub("", folded))
    return Reading("green", bool(praise), tuple(praise))


def next_colour(current: str, reading: Reading) -> str:
    """The conversation's colour after a message: red and yellow messages set it, a
    positive one brings it back to green, a neutral one calms it one step."""
    if reading.colour != "green" or reading.positive:
        return reading.colour
    return COLOURS[max(COLOURS.index(current) - 1, 0)]
