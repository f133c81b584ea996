"""``kefu intent predict``: the contract external evaluation relies on, byte for byte."""

from __future__ import annotations

import json

from tests.understanding.conftest import jsonl, kefu_process

CODES_OUT = {"intent", "confidence", "emotion", "entities"}


def test_every_line_comes_back_in_order_with_its_fields_and_the_four_added():
    rows = [
        {"id": 7, "text": "怎么还不发货", "shop": "acme", "meta": {"channel": "web"}},
        {"text": "我165cm 110斤穿什么码", "id": "b"},
        {"text": "在吗"},
        {"text": "", "id": None},
        {"id": 3, "text": "我要投诉你们 再不退钱就打12315"},
    ] * 20
    done = kefu_process("intent", "predict", stdin=jsonl(rows))
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(rows)
    for row, line in zip(rows, lines, strict=True):
        answer = json.loads(line)
        assert {key: answer[key] for key in row} == row
        assert set(answer) == set(row) | CODES_OUT
        assert isinstance(answer["intent"], str) and answer["intent"]
        assert 0 <= answer["confidence"] <= 1
        assert answer["emotion"] in {"green", "yellow", "red"}
        assert isinstance(answer["entities"], list)
    first = [json.loads(line) for line in lines[:5]]
    assert [a["intent"] for a in first] == [
        "insale.urge_shipment",
        "presale.size_advice",
        "general.greeting",
        first[3]["intent"],
        "aftersale.complaint",
    ]
    assert first[4]["emotion"] == "red" and first[2]["emotion"] == "green"


def test_chinese_stays_readable_utf8_whatever_the_locale():
    done = kefu_process("intent", "predict", stdin=jsonl([{"text": "物流三天没更新了"}]))
    assert done.returncode == 0, done.stderr.decode()
    assert "物流三天没更新了" in done.stdout.decode("utf-8")


def test_a_line_that_is_not_json_is_named_and_nothing_is_written():
    good = jsonl([{"text": "在吗"}, {"text": "帮我查下物流"}])
    data = good + b"{oops\n" + jsonl([{"text": "好"}])
    done = kefu_process("intent", "predict", stdin=data)
    assert done.returncode != 0
    assert done.stdout == b""
    assert b"line 3" in done.stderr and b"not valid JSON" in done.stderr
    assert b"Traceback" not in done.stderr


def test_a_line_without_text_is_named(kefu_intent):
    code, out, err = kefu_intent("predict", stdin=jsonl([{"text": "你好"}, {"msg": "在吗"}]))
    assert code != 0 and out == ""
    assert 'line 2: no "text" field' in err


def test_text_must_be_a_string_and_lines_must_be_objects(kefu_intent):
    code, out, err = kefu_intent("predict", stdin=jsonl([{"text": 12315}]))
    assert (code != 0, out) == (True, "") and 'line 1: "text" must be a string' in err
    code, out, err = kefu_intent("predict", stdin=b'{"text": "a"}\n["text"]\n')
    assert (code != 0, out) == (True, "") and "line 2: expected a JSON object" in err


def test_a_blank_line_inside_the_input_is_an_error_but_a_final_newline_is_not(kefu_intent):
    code, out, err = kefu_intent("predict", stdin=b'{"text": "a"}\n\n{"text": "b"}\n')
    assert code != 0 and out == "" and "line 2" in err
    code, out, _ = kefu_intent("predict", stdin=b'{"text": "a"}\n{"text": "b"}\n\n')
    assert code == 0 and len(out.splitlines()) == 2


def test_empty_input_gives_empty_output(kefu_intent):
    assert kefu_intent("predict", stdin=b"") == (0, "", "")


def test_a_field_named_like_an_added_one_is_replaced(kefu_intent):
    code, out, _ = kefu_intent("predict", stdin=jsonl([{"text": "转人工", "intent": "x"}]))
    assert code == 0
    assert json.loads(out)["intent"] == "general.human"


def test_model_option_uses_a_shops_own_labels(kefu_intent, shop_examples, tmp_path):
    model = tmp_path / "sofa-model"
    code, out, err = kefu_intent(
        "train", "--data", str(shop_examples), "--text-field", "msg", "--label-field", "tag",
        "--out", str(model),
    )  # fmt: skip
    assert code == 0, err
    assert "12 examples, 3 labels" in out
    code, out, err = kefu_intent(
        "predict", "--model", str(model), stdin=jsonl([{"text": "支持分期付款吗"}])
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["intent"] == "付款"
    assert answer["emotion"] == "green" and answer["entities"] == []


def test_model_option_refuses_a_directory_that_is_no_model(kefu_intent, tmp_path):
    code, out, err = kefu_intent("predict", "--model", str(tmp_path), stdin=jsonl([{"text": "a"}]))
    assert code != 0 and out == ""
    assert "is not a model directory" in err
