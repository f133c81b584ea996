"""The three-colour rule: red is serious, yellow a warning sign, green all is well."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.understanding.default import EMOTION_EXAMPLES, EXAMPLES, default_model
from kefu.understanding.emotion import emotion_colour
from kefu.understanding.jsonl import read_examples
from kefu.understanding.predict import understand

HERE = Path(__file__).resolve().parent
# Written apart from the lexicon: angry, impatient and calm messages (120).
EMOTION_HELDOUT = HERE / "emotion_heldout_zh.jsonl"
RED_RECALL_FLOOR = 0.93  # measured 1.0 (60 of 60; 58 with the lexicon alone)
# Written after the classifier's examples and thresholds were frozen, in situations the
# examples do not cover (flowers, glasses, fresh food, tickets, installation, customs…).
EMOTION_BLIND = HERE / "emotion_blind_zh.jsonl"
BLIND_RED_RECALL_FLOOR = 0.7  # measured 0.79 (19 of 24; 9 with the lexicon alone)
# No longer blind: docs/intent.md quoted its misses, and later examples (2026-12-03) cover
# those situations (24 of 24 since). The second set below is the blind one now.
#
# Written by a session that read only the product brief, the taxonomy and the seeds, never
# this repository (2026-12-03; 3 of its 240 lines, short ones our training files also
# hold, left out): 109 red, 60 yellow, 68 green. Measured on the model before that day's
# examples: red 91.8 %, calm → red 3.8 %; after them: 95.4 %, 3.9 %.
EMOTION_BLIND2 = HERE / "emotion_blind2_zh.jsonl"

RED = [
    "我要投诉你们",
    "再不处理我就给差评、打12315",
    "骗子店 退钱！",
    "到底什么时候发货？？？",
    "什么垃圾东西😡",
    "我要去消协告你们",
    "你們這是欺詐",
    "发货呢!!!!",
]
YELLOW = [
    "怎么还不发货",
    "急用，麻烦快点",
    "等了好几天了",
    "有点失望，跟图片差太多",
    "物流一直不动??",
    "杯子碎了",
]
GREEN = [
    "在吗",
    "这款有白色吗",
    "好的谢谢😊",
    "放心，我不会给差评的",
    "这个垃圾袋是加厚的吗",
    "不喜欢的话能退钱吗",
    "看到有差评说会起球 是真的吗",
    "差评能改成好评吗",
    "usb接口是type-c吗",
    "麻烦帮我查下物流",
    "质量还不错",
    "订单号2024031512315678",
    "投诉渠道在哪 我先了解一下",
    "我没想给差评 就是说一下",
    "我想退款 不喜欢这个颜色",
]


@pytest.mark.parametrize("text", RED)
def test_anger_threats_and_shouting_are_red(text):
    assert emotion_colour(text) == "red"


@pytest.mark.parametrize("text", YELLOW)
def test_impatience_and_disappointment_are_yellow(text):
    assert emotion_colour(text) == "yellow"


@pytest.mark.parametrize("text", GREEN)
def test_calm_messages_are_green(text):
    assert emotion_colour(text) == "green"


def test_full_width_punctuation_counts_like_half_width():
    assert emotion_colour("怎么回事！！！") == "red"


def predicted_pairs(path: Path) -> list[tuple[str, str]]:
    """(wanted, found) colours of a labelled file as ``kefu intent predict`` colours them
    (default model: complaints are red too)."""
    texts, colours = read_examples(path, "text", "emotion")
    answers = understand([{"text": t} for t in texts], default_model(), default=True)
    return list(zip(colours, [answer["emotion"] for answer in answers], strict=True))


def share(pairs: list[tuple[str, str]], wanted: set[str], found: str) -> float:
    chosen = [got for want, got in pairs if want in wanted]
    return chosen.count(found) / len(chosen)


def test_held_out_angry_messages_are_red_and_calm_ones_are_not():
    pairs = predicted_pairs(EMOTION_HELDOUT)
    assert len(pairs) == 120
    assert share(pairs, {"red"}, "red") >= RED_RECALL_FLOOR
    assert share(pairs, {"yellow", "green"}, "red") <= 0.05  # measured 0
    assert share(pairs, {"yellow"}, "yellow") >= 0.9  # measured 1.0


def test_anger_in_new_situations_is_mostly_red_and_calm_is_never():
    """Blind messages: anger without the lexicon's words (rhetorical questions, demands
    for compensation, ruined occasions) is the classifier's to catch."""
    pairs = predicted_pairs(EMOTION_BLIND)
    assert len(pairs) == 60
    assert share(pairs, {"red"}, "red") >= BLIND_RED_RECALL_FLOOR
    assert share(pairs, {"yellow", "green"}, "red") <= 0.05  # measured 0 of 36
    assert share(pairs, {"yellow"}, "yellow") >= 0.85  # measured 18 of 18


def test_messages_written_by_someone_who_never_saw_the_examples_are_coloured_right():
    pairs = predicted_pairs(EMOTION_BLIND2)
    assert len(pairs) == 237
    assert share(pairs, {"red"}, "red") >= 0.88  # measured 104 of 109
    assert share(pairs, {"yellow", "green"}, "red") <= 0.06  # measured 5 of 128
    assert share(pairs, {"yellow"}, "yellow") >= 0.85  # measured 56 of 60


def test_no_blind_message_is_among_the_training_examples():
    """A blind set measures only while nothing of it is trained on."""
    trained = set(read_examples(EMOTION_EXAMPLES, "text", "emotion")[0])
    trained |= set(read_examples(EXAMPLES, "text", "intent")[0])
    assert not trained & set(read_examples(EMOTION_BLIND2, "text", "emotion")[0])
