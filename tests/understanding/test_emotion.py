"""The three-colour rule: red is serious, yellow a warning sign, green all is well."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.understanding.default import default_model
from kefu.understanding.emotion import emotion_colour
from kefu.understanding.jsonl import read_examples
from kefu.understanding.predict import understand

# Written apart from the lexicon: angry, impatient and calm messages (120).
EMOTION_HELDOUT = Path(__file__).resolve().parent / "emotion_heldout_zh.jsonl"
RED_RECALL_FLOOR = 0.88  # measured 0.967 (58 of 60)

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


def test_held_out_angry_messages_are_red_and_calm_ones_are_not():
    """As ``kefu intent predict`` colours them (default model: complaints are red too)."""
    texts, colours = read_examples(EMOTION_HELDOUT, "text", "emotion")
    answers = understand([{"text": t} for t in texts], default_model(), default=True)
    found = [answer["emotion"] for answer in answers]
    pairs = list(zip(colours, found, strict=True))
    red = [got for want, got in pairs if want == "red"]
    calm = [got for want, got in pairs if want != "red"]
    assert len(red) >= 60 and len(calm) >= 60
    assert red.count("red") / len(red) >= RED_RECALL_FLOOR
    assert calm.count("red") / len(calm) <= 0.05
    yellow = [got for want, got in pairs if want == "yellow"]
    assert yellow.count("yellow") / len(yellow) >= 0.85
