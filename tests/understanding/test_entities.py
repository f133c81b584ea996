"""Entities shoppers write into messages, in the order they appear."""

from __future__ import annotations

from kefu.understanding.entities import extract_entities


def kinds(text: str) -> list[tuple[str, object]]:
    return [(entity["type"], entity["value"]) for entity in extract_entities(text)]


def test_height_and_weight_in_jin_or_kilograms():
    assert kinds("我165cm 110斤穿什么码") == [("height", 165), ("weight", 55)]
    assert kinds("身高175 体重62.5公斤") == [("height", 175), ("weight", 62.5)]
    assert kinds("170厘米 65KG") == [("height", 170), ("weight", 65)]


def test_sizes_as_letters_or_numbers():
    assert kinds("平时穿M码，这件要拍XL吗") == [("size", "M"), ("size", "XL")]
    assert kinds("38码有货吗") == [("size", "38")]
    assert kinds("iPhone15 Pro能用吗 ok") == []


def test_phone_and_order_number():
    text = "订单号：E2024031500123 手机13812345678"
    assert kinds(text) == [("order_number", "E2024031500123"), ("phone", "13812345678")]
    assert kinds("帮我看下 240315123456789012 到哪了") == [("order_number", "240315123456789012")]
    assert kinds("电话12345678901") == [("order_number", "12345678901")]  # not a mobile number


def test_tracking_numbers_name_their_carrier():
    found = extract_entities("顺丰sf1234567890123 还有一个中通ZTO78901234567")
    assert [(e["value"], e["carrier"]) for e in found] == [
        ("SF1234567890123", "SF"),
        ("ZTO78901234567", "ZTO"),
    ]
    assert all(e["type"] == "tracking_number" for e in found)


def test_money_in_yuan_as_a_decimal_string():
    assert kinds("别人家才卖59元，你们￥89.90") == [("money", "59"), ("money", "89.90")]
    assert kinds("便宜10块我就拍了") == [("money", "10")]


def test_full_width_and_traditional_forms_are_read():
    assert kinds("訂單號：２０２４０３１５００１２３４，１６５ｃｍ") == [
        ("order_number", "20240315001234"),
        ("height", 165),
    ]


def test_entities_keep_the_text_they_were_read_from():
    (entity,) = extract_entities("我穿ｌ码")
    assert entity == {"type": "size", "value": "L", "text": "l码"}
