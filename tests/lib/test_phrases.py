from kefu.lib.phrases import fill, placeholders, unknown_variables
from kefu.lib.segment import search_terms


def test_fill_replaces_known_values_and_keeps_gaps_visible():
    template = "{客户昵称}您好，订单{订单号}的物流单号是{物流单号}"
    values = {"客户昵称": "小王", "订单号": "E2026001", "物流单号": None}
    assert fill(template, values) == "小王您好，订单E2026001的物流单号是{物流单号}"


def test_placeholders_and_typos():
    assert placeholders("{商品名}和{商品名}，{订单号}") == ["商品名", "订单号"]
    assert unknown_variables("{客户名}您好 {订单号}") == ["客户名"]
    assert fill("{ 不是变量 }", {}) == "{ 不是变量 }"


def test_search_terms_split_chinese_into_words():
    assert search_terms("怎么退货") == ["怎么", "退货"]
    assert search_terms("退货，尺码") == ["退货", "尺码"]
    assert search_terms("  ") == []
