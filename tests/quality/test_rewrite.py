"""Rewrites of flagged replies (kefu/quality/rewrite.py): what the composer offers in
place of a reply with findings, and why it says a finding was made."""

from __future__ import annotations

import pytest

from kefu.quality.dictionary import CODES
from kefu.quality.inspector import check
from kefu.quality.rewrite import CANNED, LABELS, PHRASES, TEMPLATES, advise, rewrite


@pytest.mark.parametrize("replacement", sorted(set(TEMPLATES.values()) | set(PHRASES.values())))
def test_every_replacement_is_itself_a_good_reply(replacement):
    assert check(replacement).findings == []


@pytest.mark.parametrize("replacement", sorted(set(CANNED.values()) - {""}))
def test_canned_replacements_carry_no_finding_of_their_own(replacement):
    assert check(replacement).findings == []


@pytest.mark.parametrize(
    ("reply", "rewritten"),
    [
        ("这都不懂吗？", "可能是我没讲清楚，我再详细说明一下～"),
        (
            "刚才不是说过了吗，48小时内发货！",
            "我再跟您说明一下～48小时内发货！",
        ),
        (
            "收到的杯子有裂痕？这不是我们的问题，出库的时候都是好的",
            "收到的杯子有裂痕？我先帮您查一下原因，查清楚后给您一个处理方案。出库的时候都是好的",
        ),
        ("你爱买不买", "您可以再考虑一下，有任何疑问我都可以帮您解答～"),
        ("这有什么好着急的", "我理解您着急的心情，我这就帮您查一下。"),
        ("亲，这边建议您根据自身肤质酌情选择哦", "我建议您根据自身肤质酌情选择"),
        (
            "亲亲，您的问题我们已经收到了哦~请耐心等待哦~",
            "您的问题我们已经收到了，我会一直跟进，有进展马上告诉您",
        ),
        (
            "售后已经下班了，明天再说",
            "我先帮您登记下来，售后同事上班后会优先处理，有结果我第一时间告诉您。",
        ),
        ("保证明天一定到", "我会尽量帮您加急，具体时效要看快递，有进展我第一时间告诉您。"),
    ],
)
def test_a_flagged_clause_is_replaced_and_the_rest_kept(reply, rewritten):
    assert check(reply).findings
    assert rewrite(reply, check) == rewritten


@pytest.mark.parametrize(
    "reply",
    [
        "亲，您好呀，请问有什么可以帮您？",
        "质量保证的，收到不满意七天无理由退换",
        "这个没办法退，不过可以给您换货，您看可以吗？",
    ],
)
def test_a_good_reply_is_not_rewritten(reply):
    assert rewrite(reply, check) is None


@pytest.mark.parametrize(
    "reply",
    [
        "买不起就别买，拼多多便宜的多的是",
        "您自己联系快递吧，跟我们没关系",
        "有本事你去投诉啊，我不怕",
        "亲亲，这边是没有办法的呢",
        "質量問題請直接找廠家",
        "绝对不会有任何问题，我拿人格担保",
    ],
)
def test_every_rewrite_is_free_of_findings(reply):
    rewritten = rewrite(reply, check)
    assert rewritten is not None and rewritten != reply
    assert check(rewritten).findings == []


def test_advice_names_the_words_or_the_rule_in_both_languages():
    result = check("您自己联系快递吧，别生气")
    advice = {a.code: a for a in advise(result)}
    assert set(advice) == {"emotion_denial", "deflection"}
    assert "“别生气”" in advice["emotion_denial"].why_zh
    assert advice["emotion_denial"].why_en == "the words “别生气”"
    assert "deflection.go_ask_them" in advice["deflection"].why_zh
    assert advice["deflection"].why_en.startswith("the pattern deflection.go_ask_them")
    assert advice["deflection"].suggestion == TEMPLATES["deflection"]
    templated = advise(check("亲亲，请耐心等待哦~"))[0]
    assert (templated.code, templated.label_zh, templated.suggestion) == ("templated", "模板腔", "")
    assert templated.why_zh.startswith("套话叠加：") and "“亲亲”" in templated.why_zh


def test_every_code_has_a_label_tip_and_template():
    assert set(LABELS) == set(TEMPLATES) == set(CODES)
