"""The AI 起草 prompt: what the optional LLM (kefu.knowledge.llm) is told to draft a whole
reply for an agent, and the grounding it is given.

The grounding is the last words between the shopper and the shop, the facts of the
shopper's order and parcel as the bot would tell them, and the shop's own FAQ answers to
the last question; the model is told to use those facts and invent none. The words of
the conversation and the order facts leave Kefu for a third party, so every one of them
passes :func:`kefu.lib.masking.mask_text` here, in one place: phone numbers and e-mail
addresses come out masked as everywhere in Kefu (138****5678), house and room numbers
as ``**``. A reply needs none of them, and a shopper who types them means them for the
shop, not for the LLM's operator. Names are never part of the grounding. The FAQ answers
are the shop's own words (its hotline, its return address) and go as written."""

from __future__ import annotations

from dataclasses import dataclass, field

from kefu.lib.masking import mask_text

MAX_WORDS = 500  # characters of one message sent; a pasted essay need not go whole
SHOPPER, SHOP = "顾客", "客服"
DRAFT_PROMPT = (
    "你是电商店铺的客服写作助手，为人工客服起草下一条发给顾客的回复。"
    "语气礼貌、亲切、简洁，可以用“亲”称呼顾客；先回应顾客最后的问题，"
    "给出具体的信息和下一步（订单状态、物流进度、处理办法）。"
    "只使用下面给出的对话、订单物流信息和店铺知识库答案里的事实，"
    "不要编造订单号、运单号、时间、金额、优惠或承诺；信息不够时，礼貌地请顾客补充，或说明会为其核实。"
    "不要使用推诿、生硬或责怪顾客的说法（如“不知道”“不归我管”“你自己看”“这是规定”）。"
    "带星号的电话、邮箱和门牌号是为保护隐私隐去的，不要写出或猜测。"
    "用顾客使用的语言回复。只输出回复本身，不要解释。"
)


@dataclass(frozen=True, slots=True)
class Grounding:
    """What a draft is written from. ``exchange``: (who, words), oldest first, who being
    ``SHOPPER`` or ``SHOP``; ``order``: the order's and parcels' lines; ``answers``: the
    knowledge base's answers to the shopper's last question, best first."""

    exchange: list[tuple[str, str]]
    order: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


def draft_messages(grounding: Grounding) -> list[dict[str, str]]:
    """The prompt: the house style as the system message, the grounding (masked) as the
    user's."""
    parts = ["对话记录（从早到晚）："]
    parts += [f"{who}：{mask_text(words[:MAX_WORDS])}" for who, words in grounding.exchange]
    if grounding.order:
        parts += ["", "顾客的订单与物流（系统查询）："]
        parts += [mask_text(line) for line in grounding.order]
    if grounding.answers:
        parts += ["", "店铺知识库里可参考的答案："]
        parts += [f"{n}. {answer[:MAX_WORDS]}" for n, answer in enumerate(grounding.answers, 1)]
    parts += ["", "请起草客服的下一条回复。"]
    return [
        {"role": "system", "content": DRAFT_PROMPT},
        {"role": "user", "content": "\n".join(parts)},
    ]
