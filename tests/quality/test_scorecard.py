"""Scorecards of realistic conversations: what a supervisor would mark by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kefu.quality.scorecard import Criterion, Facts, Line, default_criteria, score

T0 = datetime(2026, 11, 11, 20, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def conversation(*lines: tuple[str, float, str], **findings: tuple[str, ...]) -> list[Line]:
    """(sender, seconds after the start, text) triples; findings by line index ("l3")."""
    return [
        Line(sender, at(seconds), body, findings.get(f"l{index}", ()))
        for index, (sender, seconds, body) in enumerate(lines)
    ]


def outcomes(card) -> dict[str, str]:
    return {o.key: o.result for o in card.outcomes}


GOOD_PRESALE = conversation(
    ("visitor", 0, "在吗？这件卫衣有黑色L码吗"),
    ("agent", 6, "您好！很高兴为您服务，黑色L码有现货的"),
    ("visitor", 40, "今天下单什么时候发货"),
    ("agent", 70, "今天16点前下单当天发货哦"),
    ("visitor", 100, "好的，那我拍了"),
    ("agent", 120, "感谢您的支持，收到货满意的话麻烦给个五星评价，祝您生活愉快！"),
)


def test_a_good_presale_conversation_scores_full_marks():
    card = score(Facts(GOOD_PRESALE), default_criteria())
    assert outcomes(card) == {
        "greeting": "pass",
        "response_time": "pass",
        "fire": "na",
        "verification": "na",
        "closing": "pass",
        "rating_ask": "pass",
    }
    assert card.score == 100


def test_a_late_greeting_fails_and_says_how_late():
    lines = conversation(
        ("visitor", 0, "在嗎？請問這款還有貨嗎"),  # traditional characters
        ("agent", 25, "您好，有货的"),
        ("visitor", 60, "好的"),
        ("agent", 80, "感谢您的咨询，记得给我们评价哦，再见"),
    )
    card = score(Facts(lines), default_criteria())
    greeting = card.outcomes[0]
    assert greeting.result == "fail"
    assert "25 秒" in greeting.reason_zh
    # 15 of 60 weight points lost: greeting failed, the rest passed.
    assert card.score == 75


def test_a_first_reply_without_greeting_fails_even_when_fast():
    lines = conversation(("visitor", 0, "发什么快递"), ("agent", 3, "中通"))
    assert outcomes(score(Facts(lines), default_criteria()))["greeting"] == "fail"


def test_the_bot_handing_over_starts_the_greeting_clock():
    lines = conversation(
        ("visitor", 0, "我要转人工"),
        ("bot", 1, "正在为您转接人工客服"),
        ("agent", 8, "您好，我是客服小美，请问有什么可以帮您？"),
    )
    assert outcomes(score(Facts(lines), default_criteria()))["greeting"] == "pass"


def test_a_missing_closing_line_fails_and_a_slow_reply_breaks_the_three_minute_rule():
    lines = conversation(
        ("visitor", 0, "我的快递三天没动了"),
        ("agent", 5, "您好，我帮您查一下物流"),
        ("visitor", 30, "查到了吗"),
        ("agent", 300, "已经催促快递了，明天应该能到"),
        ("visitor", 320, "好吧"),
    )
    card = score(Facts(lines), default_criteria())
    result = outcomes(card)
    assert result["closing"] == "fail"
    assert result["response_time"] == "fail"
    assert "270 秒" in card.outcomes[1].reason_zh
    assert result["rating_ask"] == "fail"


def test_a_shop_with_a_five_minute_limit_accepts_that_reply():
    lines = conversation(
        ("visitor", 0, "查到了吗"),
        ("agent", 8, "您好，正在查"),
        ("visitor", 30, "好的"),
        ("agent", 290, "已经催促快递了"),
    )
    criteria = [
        Criterion("greeting", 15, True, 10),
        Criterion("response_time", 25, True, 300),
    ]
    assert outcomes(score(Facts(lines), criteria)) == {"greeting": "pass", "response_time": "pass"}


COMPLAINT_WITH_EMPATHY = conversation(
    ("visitor", 0, "你们发的衣服是破的！太过分了"),
    ("agent", 5, "您好，非常抱歉给您添麻烦了，理解您的心情"),
    ("agent", 20, "请问方便提供一下破损处的照片吗？"),
    ("visitor", 60, "[图片]"),
    ("agent", 80, "请您放心，马上为您补发一件新的，感谢您的耐心"),
)

COMPLAINT_WITHOUT_EMPATHY = conversation(
    ("visitor", 0, "你们发的衣服是破的！太过分了"),
    ("agent", 5, "您好"),
    ("agent", 20, "发照片"),
    ("visitor", 60, "[图片]"),
    ("agent", 80, "补发了"),
)


def test_a_complaint_handled_with_fire_passes():
    card = score(Facts(COMPLAINT_WITH_EMPATHY, complaint=True), default_criteria())
    assert outcomes(card)["fire"] == "pass"


def test_a_complaint_without_empathy_fails_fire_naming_what_was_missing():
    card = score(Facts(COMPLAINT_WITHOUT_EMPATHY, complaint=True), default_criteria())
    fire = next(o for o in card.outcomes if o.key == "fire")
    assert fire.result == "fail"
    assert "主动询问" in fire.reason_zh and "情感共鸣" in fire.reason_zh
    assert "安抚情绪" in fire.reason_zh
    assert "第一印象" not in fire.reason_zh  # 您好 made the first impression


def test_fire_does_not_apply_outside_complaints():
    card = score(Facts(COMPLAINT_WITHOUT_EMPATHY, complaint=False), default_criteria())
    assert outcomes(card)["fire"] == "na"


ADDRESS_CHANGE = conversation(
    ("visitor", 0, "您好，我想改地址，改到杭州市西湖区文三路100号"),
    ("agent", 5, "您好，好的"),
    ("agent", 60, "已经帮您修改地址了，感谢您的咨询"),
)


def test_an_address_change_without_verification_fails():
    card = score(Facts(ADDRESS_CHANGE, verification=None), default_criteria())
    verification = next(o for o in card.outcomes if o.key == "verification")
    assert verification.result == "fail"
    assert "地址" in verification.reason_zh and "电话" in verification.reason_zh


def test_an_address_change_verified_before_confirming_passes():
    checked = {"checks": {"address": True, "phone": True, "spec": False}, "at": at(30).isoformat()}
    card = score(Facts(ADDRESS_CHANGE, verification=checked), default_criteria())
    assert outcomes(card)["verification"] == "pass"


def test_verification_after_the_change_was_confirmed_fails():
    checked = {"checks": {"address": True, "phone": True}, "at": at(90).isoformat()}
    card = score(Facts(ADDRESS_CHANGE, verification=checked), default_criteria())
    verification = next(o for o in card.outcomes if o.key == "verification")
    assert verification.result == "fail"
    assert "晚于" in verification.reason_zh


def test_an_item_change_needs_the_size_checked():
    lines = conversation(
        ("visitor", 0, "能帮我换尺码吗，L换成XL"),
        ("agent", 4, "您好，可以的"),
    )
    address_only = {"checks": {"address": True, "phone": True}, "at": at(2).isoformat()}
    card = score(Facts(lines, verification=address_only), default_criteria())
    assert outcomes(card)["verification"] == "fail"


def test_findings_on_replies_take_points_off():
    lines = conversation(
        ("visitor", 0, "怎么还没发货"),
        (
            "agent",
            5,
            "您好，这都不懂吗？付款后48小时发",
        ),
        ("agent", 30, "爱买不买，感谢您的咨询，记得给个好评"),
        l1=("contempt",),
        l2=("quarrel",),
    )
    card = score(Facts(lines), default_criteria(), penalty=5)
    assert card.findings == {"contempt": 1, "quarrel": 1}
    assert card.penalty == 10
    assert card.score == 90


def test_disabled_criteria_are_left_out_and_weights_count():
    lines = conversation(("visitor", 0, "在吗"), ("agent", 20, "您好"))
    criteria = [
        Criterion("greeting", 30, True, 10),
        Criterion("closing", 10, True),
        Criterion("rating_ask", 10, False),
    ]
    card = score(Facts(lines), criteria)
    assert [o.key for o in card.outcomes] == ["greeting", "closing"]
    assert card.score == 0


def test_a_conversation_without_agent_replies_scores_nothing_applicable():
    lines = conversation(("visitor", 0, "在吗"), ("bot", 1, "您好，请问有什么可以帮您"))
    card = score(Facts(lines), default_criteria())
    assert {o.result for o in card.outcomes} == {"na"}
    assert card.score == 100


def test_reasons_never_quote_what_was_written():
    """A shopper's erasure replaces their messages; a scorecard keeps no copy."""
    lines = conversation(
        ("visitor", 0, "我的手机号是13812345678，地址写错了"),
        ("agent", 400, "收到 13812345678"),
    )
    card = score(Facts(lines), default_criteria())
    reasons = " ".join(o.reason_zh + o.reason_en for o in card.outcomes)
    assert "13812345678" not in reasons
    assert outcomes(card)["greeting"] == "fail" and outcomes(card)["response_time"] == "fail"
