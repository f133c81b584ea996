"""Reading a shopper's message for the three colours and the emotional account, with the
seeds' words (投诉, 差评, 退款 …) and the look-alikes that are not anger."""

from __future__ import annotations

import pytest

from kefu.quality.emotion import next_colour, read_message


@pytest.mark.parametrize(
    ("text", "colour"),
    [
        ("我要投诉你们！", "red"),
        ("再不处理我就给差评", "red"),
        ("你们就是骗子，赶紧退钱", "red"),
        ("什么破玩意儿？？？", "red"),
        ("我很愤怒", "red"),
        ("有点生气", "yellow"),
        ("怎么还没发货", "yellow"),
        ("到底什么时候退款", "yellow"),
        ("快点啊!!", "yellow"),
        ("我想申请退款，怎么操作", "green"),  # a request, not anger
        ("放心，不会给差评的", "green"),
        ("买个垃圾袋", "green"),
        ("看到差评说会掉色，是真的吗", "green"),
        ("东西坏了半个月 今天必须给我个说法", "red"),  # a demand for an account
        ("售前售后互相踢皮球", "red"),
        ("上次的投诉我已经撤销了", "green"),  # withdrawn, not threatened
        ("平台介入是什么流程", "green"),
        ("第三次回购了", "green"),  # a repeat purchase is no repeated failure
        ("我要投訴", "red"),  # traditional characters
        ("ＳＢ客服", "red"),  # full-width letters
    ],
)
def test_colours(text, colour):
    assert read_message(text).colour == colour


def test_thanks_and_praise_are_positive_and_say_why():
    reading = read_message("谢谢，问题解决了，很满意👍")
    assert (reading.colour, reading.positive) == ("green", True)
    assert reading.words == ("谢谢", "解决了", "满意", "👍")
    assert not read_message("好的").positive
    assert not read_message("不太满意").positive  # yellow, not praise
    assert not read_message("谢谢你们的垃圾服务").positive  # red wins


def test_the_reasons_are_lexicon_entries_not_the_message():
    reading = read_message("我的订单123456789，你们是骗子，我要投诉")
    assert reading.colour == "red"
    assert set(reading.words) == {"骗子", "投诉"}


def test_a_conversation_calms_down_one_step_and_praise_makes_it_green():
    assert next_colour("green", read_message("我要投诉")) == "red"
    assert next_colour("red", read_message("好的")) == "yellow"
    assert next_colour("yellow", read_message("好的")) == "green"
    assert next_colour("red", read_message("谢谢，辛苦了")) == "green"
    assert next_colour("green", read_message("怎么还没到")) == "yellow"
    assert next_colour("red", read_message("怎么还没到")) == "yellow"
