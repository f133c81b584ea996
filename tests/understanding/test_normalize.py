"""Traditional characters and full-width forms are read like their simplified, half-width
spelling, by the classifier as much as by the rules."""

from __future__ import annotations

from kefu.understanding.default import default_model
from kefu.understanding.normalize import fold, normalize


def test_fold_turns_traditional_and_full_width_into_one_spelling():
    assert fold("請問這件衣服還有貨嗎？") == "请问这件衣服还有货吗?"
    assert fold("ＸＬ碼　１２３") == "XL码 123"


def test_normalize_lowercases_and_stands_long_numbers_for_a_number_word():
    assert normalize("ＳＦ１２３４５６７８９０１２ 到哪了") == "单号 到哪了"
    assert normalize("M码  有吗") == "m码 有吗"


def test_the_default_model_reads_traditional_and_full_width_like_simplified():
    model = default_model()
    pairs = [
        ("發票抬頭寫錯了", "发票抬头写错了"),
        ("怎麼還不發貨", "怎么还不发货"),
        ("轉人工！", "转人工!"),
        ("ＸＬ碼還有貨嗎？", "XL码还有货吗?"),
    ]
    traditional = model.predict([a for a, _ in pairs])
    simplified = model.predict([b for _, b in pairs])
    assert traditional == simplified
    assert traditional.labels == [
        "insale.invoice",
        "insale.urge_shipment",
        "general.human",
        "presale.stock",
    ]
