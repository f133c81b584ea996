"""Emotion colour by the seeds' three-colour rule (三色法则): red is a serious problem
(anger, threats of complaints or bad reviews, insults, demands for money back), yellow
a potential one (impatience, urgency, disappointment), green everything else.

Two readers, the more alarmed one wins. A lexicon and punctuation rules on the
normalised text (the lexicon is ``kefu.quality.emotion``'s, which the chat's send path
reads alone) catch the explicit words (投诉, 差评, 骗子, !!!) and can be explained to an
agent; negated threats ("不会给差评") and harmless compounds (垃圾桶, 能退钱吗, 看到差评说…)
do not count. Anger without those words (这是抢钱吗, 你们怎么赔我, 第二次给我发错了,
凭什么拒绝我的退款) is left to a character n-gram classifier trained on the shipped
``data/emotion_zh.jsonl`` (``default.emotion_model``), trusted only when confident, and
never for red when the shopper promises not to complain."""

from __future__ import annotations

from collections.abc import Sequence

from kefu.quality.emotion import HARMLESS, NEGATED, RAISED, RED_TOKENS, SHOUTING
from kefu.quality.emotion import RED_PATTERN as _RED
from kefu.quality.emotion import YELLOW_PATTERN as _YELLOW
from kefu.understanding.default import emotion_model
from kefu.understanding.normalize import normalize

# How sure the classifier must be (its calibrated confidence) to raise a colour the
# lexicon did not: chosen by five-fold cross-validation on the examples (docs/intent.md),
# red the lowest that keeps calm messages coloured red under 5 % in each of five splits.
RED_CONFIDENCE = 0.63
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
