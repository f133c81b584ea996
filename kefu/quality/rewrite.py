"""What the composer shows for a flagged reply: each finding's label, why it was made,
a tip, and a rewrite of the whole reply the agent can take with one click.

Rewrites follow the seeds' non-violent communication steps (observation, feeling, need,
request) spoken as "I" ("可能是我没讲清楚，我再详细说明一下～" rather than "这都不懂吗").
They come from a small table: a replacement for some well-known phrases, otherwise one
template per code. A clause (text between punctuation) holding a flagged phrase is
replaced as a whole, since a phrase cut out of its clause leaves a broken sentence; the
canned words of template tone are replaced where they stand ("这边" → "我", "哦" → "").
The result is inspected again, so a rewrite never carries a finding of its own."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kefu.quality.dictionary import CODES
from kefu.quality.inspector import Result, Span

# code → (中文, English): the zh labels of taxonomy/quality.json.
LABELS: dict[str, tuple[str, str]] = {
    "contempt": ("蔑视语", "contempt"),
    "impatience": ("烦躁语", "impatience"),
    "negation": ("否定语", "flat refusal"),
    "quarrel": ("斗气语", "arguing"),
    "emotion_denial": ("否定情绪", "denying feelings"),
    "templated": ("模板腔", "template tone"),
    "deflection": ("推诿", "deflection"),
    "over_promise": ("过度承诺", "over-promise"),
}

# code → (中文, English): how to say it instead, by the four steps and an I-statement.
TIPS: dict[str, tuple[str, str]] = {
    "contempt": (
        "把没讲清楚揽到自己身上（“可能是我没讲清楚”），再把答案讲一遍。",
        'Take the misunderstanding on yourself ("I may not have explained it well") '
        "and explain again.",
    ),
    "impatience": (
        "对方再问，说明还没弄明白：耐心再说明一次，不催促。",
        "A repeated question means it is still unclear: explain once more, calmly.",
    ),
    "negation": (
        "说明做不到什么，再给出一个可行的替代办法，请对方选择。",
        "Say what you cannot do, then offer an alternative and let the shopper choose.",
    ),
    "quarrel": (
        "不争对错：说出看到的情况和对方的感受，再提出下一步怎么解决。",
        "Do not argue: name what happened and how the shopper feels, then propose the next step.",
    ),
    "emotion_denial": (
        "承认对方的感受（“换作是我也会着急”），不要叫对方别生气。",
        'Acknowledge the feeling ("I would be worried too") instead of telling the shopper '
        "not to feel it.",
    ),
    "templated": (
        "少用套话，用“我”来说，直接回答对方的问题。",
        'Drop the canned phrases; speak as "I" and answer the question itself.',
    ),
    "deflection": (
        "用“我来帮您……”把问题接过来，说清下一步和什么时候回复。",
        'Take the problem on ("I will …"), say the next step and when you will report back.',
    ),
    "over_promise": (
        "只承诺自己能做到的（“我会尽力……”），说明不确定的部分。",
        'Promise only what you control ("I will do my best to …") and say what is uncertain.',
    ),
}

# code → the clause that replaces a flagged one when no phrase below matches.
TEMPLATES: dict[str, str] = {
    "contempt": "可能是我没讲清楚，我再详细说明一下～",
    "impatience": "我再跟您说明一下～",
    "negation": "这个我暂时没办法直接做到，不过我可以帮您想想别的办法，您看可以吗？",
    "quarrel": "我能理解您不满意，我也想把这件事处理好，您愿意跟我说说具体情况吗？",
    "emotion_denial": "遇到这种情况，换作是我也会着急，我理解您的感受。",
    "templated": "",
    "deflection": "我来帮您联系处理，有结果第一时间告诉您。",
    "over_promise": "我会尽力帮您争取，有进展第一时间告诉您。",
}
assert set(TEMPLATES) == set(LABELS) == set(TIPS) == set(CODES)

_SORRY_UNCLEAR = TEMPLATES["contempt"]
_CALL_THEM = TEMPLATES["deflection"]
_AFTER_HOURS = "我先帮您登记下来，售后同事上班后会优先处理，有结果我第一时间告诉您。"
_ESCALATE = "如果您对处理结果不满意，我很愿意先帮您把问题解决好，您看可以吗？"

# A dictionary entry or pattern name (a span's rule without its kind) → its clause.
PHRASES: dict[str, str] = {
    **dict.fromkeys(("这都不懂", "这都不会", "这都不知道", "这都看不懂"), _SORRY_UNCLEAR),
    **dict.fromkeys(
        ("买不起就别买", "买不起别买", "嫌贵就别买", "嫌贵别买", "没钱就别", "没钱别"),
        "如果觉得价格有点高，我可以帮您看看更合适的款式或者能用的优惠券～",
    ),
    **dict.fromkeys(("这也要问", "这还用问", "还用问吗"), "这个问题我来跟您说明一下～"),
    **dict.fromkeys(("不是说过了", "说过了吗", "说过了"), TEMPLATES["impatience"]),
    "自己看": "我把相关的说明截图发给您，您看一下，有不清楚的地方我再解释～",
    **dict.fromkeys(("别催了", "别催"), "我理解您着急，我正在帮您跟进，有进展马上告诉您。"),
    "不可能": "这个确实比较难做到，不过我可以帮您想想别的办法，您看可以吗？",
    "不是我们的问题": "我先帮您查一下原因，查清楚后给您一个处理方案。",
    "爱买不买": "您可以再考虑一下，有任何疑问我都可以帮您解答～",
    **dict.fromkeys(("有本事", "你去投诉"), _ESCALATE),
    "别生气": "我理解您现在很生气，换作是我也会不开心。",
    **dict.fromkeys(("别着急", "别急"), "我理解您很着急，我会尽快帮您跟进。"),
    "有什么好着急": "我理解您着急的心情，我这就帮您查一下。",
    "deflection.go_ask_them": _CALL_THEM,
    **dict.fromkeys(("下班了", "明天再说"), _AFTER_HOURS),
    "over_promise.guarantee": "我会尽量帮您加急，具体时效要看快递，有进展我第一时间告诉您。",
    "绝对不会": "正常使用一般不会有问题，万一遇到问题我会负责帮您处理。",
}

# Canned words of template tone → what stands in their place (absent: kept as written).
CANNED: dict[str, str] = {
    **dict.fromkeys(("亲亲", "亲", "亲~", "亲爱的", "哦", "呢", "哦~", "呢~", "哈~", "呀~"), ""),
    "的呢": "的",
    "您好呢": "您好",
    "这边建议您": "我建议您",
    "这边已经": "我已经",
    "这边": "我",
    # a clause of its own: the leading comma is dropped by _tidy where not needed
    "请耐心等待": "，我会一直跟进，有进展马上告诉您",
    "耐心等待": "，我会一直跟进",
    "感谢您的理解与支持": "谢谢您",
    "感谢您的支持与理解": "谢谢您",
}

CLAUSE_END = "，,。！!？?；;～~\n…"
WORD_RULES = ("phrase:", "stacked:")  # spans that name the words themselves
_CLAUSES = re.compile(f"[^{CLAUSE_END}]+[{CLAUSE_END}]*|[{CLAUSE_END}]+")
_PUNCT = re.compile(f"^[{CLAUSE_END}\\s、]+")
_REPEATED = re.compile(f"([{CLAUSE_END}、])[{CLAUSE_END}、]+")
PASSES = 2  # a rewrite is inspected again, and rewritten once more if it needs it


@dataclass(frozen=True, slots=True)
class Advice:
    """One finding as the composer shows it."""

    code: str
    label_zh: str
    label_en: str
    why_zh: str
    why_en: str
    tip_zh: str
    tip_en: str
    suggestion: str  # the clause the rewrite puts in place of a flagged one
    spans: tuple[Span, ...]


def entry(span: Span) -> str:
    """The dictionary entry or pattern name behind a span ("phrase:别生气" → "别生气")."""
    return span.rule.partition(":")[2]


def advise(result: Result) -> list[Advice]:
    """Label, reasons, tip and replacement clause of each finding, in the result's order."""
    advice = []
    for code in result.findings:
        spans = tuple(span for span in result.spans if span.code == code)
        zh, en = _why(spans)
        advice.append(
            Advice(
                code,
                *LABELS[code],
                why_zh=zh,
                why_en=en,
                tip_zh=TIPS[code][0],
                tip_en=TIPS[code][1],
                suggestion=_replacement(spans) if code != "templated" else "",
                spans=spans,
            )
        )
    return advice


def _why(spans: tuple[Span, ...]) -> tuple[str, str]:
    """The words or rule behind a finding, in both languages."""
    words = "、".join(f"“{span.text}”" for span in spans if span.rule.startswith(WORD_RULES))
    patterns = [span for span in spans if span.rule.startswith("pattern:")]
    read = [span for span in spans if span.rule.startswith("classifier:")]
    if spans and spans[0].rule.startswith("stacked:"):
        return f"套话叠加：{words}", f"stacked canned phrases: {words}"
    zh = [f"用词{words}"] if words else []
    en = [f"the words {words}"] if words else []
    for span in patterns:
        zh.append(f"句式“{span.text}”（规则 {entry(span)}）")
        en.append(f"the pattern {entry(span)}: “{span.text}”")
    for span in read:
        zh.append(f"整句“{span.text}”读来如此（模型判断）")
        en.append(f"the clause “{span.text}” reads so (the trained model)")
    return "；".join(zh), "; ".join(en)


def _replacement(spans: tuple[Span, ...] | list[Span]) -> str:
    """The clause for flagged words: a known phrase's, else the first code's template."""
    for span in spans:
        if entry(span) in PHRASES:
            return PHRASES[entry(span)]
    return TEMPLATES[spans[0].code]


def rewrite(text: str, check: Callable[[str], Result]) -> str | None:
    """``text`` with every flagged clause replaced, checked again with ``check``; None
    when there is nothing to rewrite or nothing good is left."""
    result = check(text)
    current = text
    for _ in range(PASSES):
        if not result.findings:
            break
        current = _rewrite_once(current, result.spans)
        result = check(current)
    if current == text or not current.strip(" " + CLAUSE_END):
        return None
    return current


def _rewrite_once(text: str, spans: list[Span]) -> str:
    pieces: list[str] = []
    for clause in _CLAUSES.finditer(text):
        start, end = clause.span()
        inside = [span for span in spans if start <= span.start < end]
        flagged = [span for span in inside if span.code != "templated"]
        if flagged:
            replacement = _replacement(flagged)
            if replacement not in pieces:  # two clauses of one finding: say it once
                pieces.append(replacement)
        else:
            pieces.append(_replace_canned(clause.group(), inside, start))
    return _tidy("".join(pieces))


def _replace_canned(clause: str, spans: list[Span], offset: int) -> str:
    """Canned words of template tone replaced in place, the rest of the clause kept."""
    out, at = [], 0
    for span in sorted(spans, key=lambda span: span.start):
        start, end = span.start - offset, span.end - offset
        if start < at:  # inside a longer canned phrase already replaced
            continue
        out.append(clause[at:start])
        out.append(CANNED.get(entry(span), span.text))
        at = end
    out.append(clause[at:])
    return "".join(out)


def _tidy(text: str) -> str:
    """No punctuation left leading or doubled where words were taken out."""
    return _REPEATED.sub(r"\1", _PUNCT.sub("", text)).strip()


__all__ = ["LABELS", "TIPS", "Advice", "advise", "rewrite"]
