"""The trained classifier and the full check (dictionary + classifier) on realistic
Chinese replies: paraphrases no dictionary entry covers, hard negatives, spans, floors
on reply sets it was never trained or tuned on."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from kefu.quality.checker import VETO, check_replies, check_reply
from kefu.quality.classifier import (
    CORPUS,
    QualityModel,
    clauses,
    compose,
    default_model,
    fit_pipeline,
    read_corpus,
)
from kefu.quality.dictionary import CODES
from kefu.quality.inspector import check, inspector_with
from tests.quality.conftest import reply_set, score

EXAMPLES = read_corpus()


def test_the_corpus_is_large_varied_and_about_half_good():
    assert len(EXAMPLES) >= 1500
    assert len({example.text for example in EXAMPLES}) == len(EXAMPLES)
    counts = Counter(code for example in EXAMPLES for code in example.codes)
    assert set(counts) == set(CODES) and min(counts.values()) >= 100, counts
    assert sum(len(example.codes) > 1 for example in EXAMPLES) >= 40
    good = sum(not example.codes for example in EXAMPLES) / len(EXAMPLES)
    assert 0.40 <= good <= 0.50


def test_no_evaluation_reply_is_in_the_corpus():
    written = {example.text for example in EXAMPLES}
    for name in (
        "tune.jsonl",
        "heldout.jsonl",
        "unseen.jsonl",
        "fresh.jsonl",
        "final.jsonl",
        "blind.jsonl",
        "blind2.jsonl",
        "blind3.jsonl",
        "blind4.jsonl",
    ):
        assert not written & {row["text"] for row in reply_set(name)}, name


def test_composed_replies_keep_their_codes_and_leave_template_tone_alone():
    examples = [e for e in EXAMPLES if len(e.codes) == 1][:200]
    composed = compose(examples)
    assert {e.codes for e in composed} <= {e.codes for e in examples}
    assert not any("templated" in e.codes for e in composed)
    assert compose(examples) == composed  # deterministic


def test_prediction_without_scikit_learn_equals_the_fitted_pipeline(tmp_path):
    pipeline = fit_pipeline(EXAMPLES[::5])
    model = QualityModel.from_pipeline(pipeline, [0.5] * len(CODES))
    texts = [e.text for e in EXAMPLES[1::7]] + ["", "   ", "ＸＬ碼 有嗎", "🙂🙂"]
    expected = pipeline.predict_proba(texts)
    assert np.abs(model.probabilities(texts) - expected).max() < 1e-9
    model.save(tmp_path)
    assert not (tmp_path / "model.joblib").exists()
    reloaded = QualityModel.load(tmp_path)
    assert np.abs(reloaded.probabilities(texts) - expected).max() < 1e-9


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # written for this test, none of them in the corpus or the dictionary
        ("您是头一回在网上买东西吧，退货按钮都找不到", "contempt"),
        ("这种问题您问问家里孩子，他们都会", "contempt"),
        ("我已经跟您解释过四五回了，您往上翻翻", "impatience"),
        ("快点定吧，我这边还有一堆人等着呢", "impatience"),
        ("这问题我前前后后答了好几遍了，您往上拉一拉聊天记录", "impatience"),
        ("您先把商品页从头到尾看一遍，看完还有不懂的再来问", "impatience"),
        ("这个要求我们这边满足不了", "negation"),
        ("开过封的一律不给退", "negation"),
        ("行啊，您有能耐就去消协告我们", "quarrel"),
        ("您要是不满意，尽管去平台告我们好了", "quarrel"),  # a dare in a polite condition
        ("您这么说就没意思了，又不是我们求着您买的", "quarrel"),
        ("这么点事犯不上发这么大脾气吧", "emotion_denial"),
        ("亲，您就是想太多啦，没啥好担心的", "emotion_denial"),
        ("亲亲~您的诉求这边已经登记了呢~请您耐心等待结果哦~", "templated"),
        ("亲，这边已经帮您记录了哦，感谢您的耐心呢~", "templated"),
        ("退款慢这个您得去问支付宝，我们这边管不着", "deflection"),
        ("这个是厂家那边的事，您打他们售后电话吧", "deflection"),
        ("您下单，我拍胸脯保证后天之前一定送到", "over_promise"),
        ("这款霜用完绝对一条皱纹都没有了", "over_promise"),
    ],
)
def test_paraphrases_the_dictionary_misses_are_found(text, code):
    result = check_reply(text)
    assert code in result.findings, result
    assert any(span.code == code for span in result.spans)


@pytest.mark.parametrize(
    "text",
    [
        "这个尺寸没有了，不过可以给您换成大一号的，版型偏小刚好合适",
        "退款没法走极速通道，但我已经帮您加急，今天下午一定处理",
        "商品有正品保证，每件都能在品牌官网查验",
        "我们的质量保证期是一年，期间坏了免费修",
        "您别担心，我马上帮您处理",
        "您先别着急，我这就去仓库核对，十分钟内回复您",
        "我理解您的心情，等了这么久确实让人着急",
        "非常抱歉给您添麻烦了，我现在就给您补发",
        "快递今天下午到您那边，中通的，单号ZT3344556677",
        "亲，您好，请问有什么可以帮您？",
        "亲，这款今天下单送一对杯垫，数量有限",
        "这个需要厂家检测，我帮您联系厂家，检测费我们承担",
        "就剩最后两件了，您需要的话建议今天拍下，明天可能就断码了",
        "刚才可能没讲明白，我换个说法：这款是预售，下周一统一发货",
    ],
)
def test_hard_negatives_stay_good(text):
    assert check_reply(text).findings == []


def test_a_long_reply_is_flagged_by_its_bad_clause_and_the_span_is_that_clause():
    text = "您好，您的订单已经发货了，单号是YT5566778899，您要是这点东西都不会查，那我也没辙"
    result = check_reply(text)
    assert result.findings
    for span in result.spans:
        assert text[span.start : span.end] == span.text
        assert span.start >= text.index("您要是")


def test_classifier_spans_name_the_clause_and_the_probability():
    result = check_reply("您好，单号发您了，您是第一次用手机购物吗")
    assert result.findings == ["contempt"]
    (span,) = result.spans
    assert span.text == "您是第一次用手机购物吗"
    assert span.rule.startswith("classifier:") and 0.0 < float(span.rule.split(":")[1]) <= 1


def test_dictionary_spans_are_kept_where_the_dictionary_finds_the_code():
    text = "ＯＫ。這都不懂嗎？您別生氣"
    assert check_reply(text).spans == check(text).spans


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("别担心，您的包裹没有丢，是分拣中心漏扫了一次，现在已经在派送车上了", "emotion_denial"),
        ("没办法直接改地址，得先取消再重新下单，我现在就教您操作", "negation"),
        ("能不能送上五楼我不敢打包票，我先让师傅给您打个电话确认", "over_promise"),
    ],
)
def test_the_classifier_overrules_a_built_in_phrase_the_rest_of_the_reply_answers(text, code):
    assert code in check(text).findings  # the dictionary alone reads only the words
    result = check_reply(text)
    assert code not in result.findings
    assert all(span.code != code for span in result.spans)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("您别着急，这有什么好急的", "emotion_denial"),
        ("这个没办法", "negation"),
        ("我给您打包票，明天一定到", "over_promise"),
    ],
)
def test_the_classifier_keeps_what_the_dictionary_rightly_found(text, code):
    assert code in check_reply(text).findings


def test_a_shops_own_phrase_is_never_overruled(tmp_path):
    own = tmp_path / "shop.json"
    own.write_text('{"codes": {"contempt": {"phrases": ["老铁"]}}}', encoding="utf-8")
    text = "老铁，这款今天下单明天发"
    model = default_model()
    probability = model.probabilities([text])[0, CODES.index("contempt")]
    assert probability < VETO * model.thresholds[CODES.index("contempt")]  # the model says no
    (result,) = check_replies([(text, None)], inspector_with([own]))
    assert result.findings == ["contempt"]
    assert [span.rule for span in result.spans] == ["phrase:老铁"]


def test_clauses_cut_at_punctuation_without_it():
    text = "好的，已经发货了！您看一下~谢谢"
    assert [text[s:e] for s, e in clauses(text)] == ["好的", "已经发货了", "您看一下", "谢谢"]
    assert clauses("") == [(0, 0)]


def test_a_batch_gives_the_same_findings_as_one_by_one():
    texts = [e.text for e in EXAMPLES[::40]]
    batch = check_replies([(text, None) for text in texts])
    assert [r.findings for r in batch] == [check_reply(text).findings for text in texts]


# Measured with the corpus of the `generalise` batches and the 1–2-gram model
# (docs/quality.md): micro-F1 / false alarms of the full check were heldout 0.97 / 0 %,
# unseen 0.92 / 3 %, fresh 0.91 / 0 % and final 0.83 / 6 %. The floors leave a margin of
# about 0.05 (heldout and fresh keep their earlier floors); a change that loses more is a
# regression. With the `generalise5` batches and the classifier arbitrating the built-in
# dictionary (2026-12-03): heldout 0.96, unseen 0.95, fresh 0.89, final 0.80 / 4 % (three
# replies fewer found of 96: its floor moved down to keep the margin), blind 0.86 / 1.8 %,
# blind2 0.88 / 0 %, blind3 0.89 / 2.0 %.
@pytest.mark.parametrize(
    ("name", "f1_floor", "false_alarm_ceiling"),
    [
        ("heldout.jsonl", 0.91, 0.08),
        ("unseen.jsonl", 0.88, 0.10),
        ("fresh.jsonl", 0.87, 0.08),
        ("final.jsonl", 0.75, 0.10),
        # Written by a session that never saw the corpus, dictionary or these tests (one
        # reply the corpus also holds, "嗯", left out); 0.80 and 5.5 % when first measured,
        # 0.83 and 6.1 % with the `generalise` batches (2026-12-02).
        ("blind.jsonl", 0.80, 0.08),
        # Written on 2026-12-03 by a session that read only the product brief, the taxonomy
        # and the seeds, never this repository: 240 replies, 110 good. 0.88 and 0.9 % when
        # first measured.
        ("blind2.jsonl", 0.83, 0.06),
        # Written on 2026-12-03 (evening) the same way, 300 replies, 152 good: 0.82 and
        # 7.2 % when first measured, before the `generalise5` batches (written by sessions
        # that never saw it) and the arbitration.
        ("blind3.jsonl", 0.84, 0.07),
        # Written after the arbitration's factors were chosen, by a session that saw only
        # the taxonomy and the seeds, in trades of its own choosing; scored once on the
        # frozen check: 0.82 and 8.0 % before this change, 0.89 and 2.0 % after.
        ("blind4.jsonl", 0.84, 0.07),
    ],
)
def test_the_full_check_reaches_its_floor_on_sets_it_never_trained_on(
    name, f1_floor, false_alarm_ceiling
):
    rows = reply_set(name)
    results = check_replies([(row["text"], row.get("context")) for row in rows])
    result = score(rows, [r.findings for r in results])
    assert result.micro_f1 >= f1_floor
    assert result.false_alarm_rate <= false_alarm_ceiling


def test_the_corpus_file_is_json_lines_with_known_codes():
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {"text", "codes", "batch"}
        assert set(row["codes"]) <= set(CODES)
