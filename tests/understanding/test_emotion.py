"""The three-colour rule: red is serious, yellow a warning sign, green all is well."""

from __future__ import annotations

import pytest

from kefu.understanding.emotion import emotion_colour

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
