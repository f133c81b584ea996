"""``kefu intent train`` and ``kefu intent eval``: a shop's own classifier, any labels."""

from __future__ import annotations

from pathlib import Path

from tests.understanding.conftest import jsonl


def scores(out: str) -> dict[str, float]:
    return {key: float(value) for key, value in (line.split() for line in out.splitlines())}


def test_a_model_trained_on_a_file_evaluates_on_another(kefu_intent, shop_examples, tmp_path):
    model = tmp_path / "model"
    code, _, err = kefu_intent(
        "train", "--data", str(shop_examples), "--text-field", "msg", "--label-field", "tag",
        "--out", str(model),
    )  # fmt: skip
    assert code == 0, err
    assert {p.name for p in model.iterdir()} == {"model.json", "model.joblib"}
    test = tmp_path / "test.jsonl"
    test.write_bytes(
        jsonl(
            [
                {"q": "沙发是什么皮的", "a": "材质"},
                {"q": "送到家要几天", "a": "配送"},
                {"q": "能用花呗分期吗", "a": "付款"},
                {"q": "能刷信用卡吗", "a": "付款"},
            ]
        )
    )
    code, out, err = kefu_intent(
        "eval", "--model", str(model), "--data", str(test), "--text-field", "q",
        "--label-field", "a",
    )  # fmt: skip
    assert code == 0, err
    assert scores(out) == {"accuracy": 1.0, "macro_f1": 1.0, "examples": 4.0}


def test_eval_reports_mistakes_in_accuracy_and_macro_f1(kefu_intent, shop_examples, tmp_path):
    model = tmp_path / "model"
    args = ["--text-field", "msg", "--label-field", "tag"]
    assert kefu_intent("train", "--data", str(shop_examples), *args, "--out", str(model))[0] == 0
    wrong = tmp_path / "wrong.jsonl"
    rows = [{"msg": "沙发是真皮吗", "tag": "配送"}, {"msg": "能分期吗", "tag": "付款"}]
    wrong.write_bytes(jsonl(rows))
    code, out, _ = kefu_intent("eval", "--model", str(model), "--data", str(wrong), *args)
    assert code == 0
    result = scores(out)
    assert result["accuracy"] == 0.5 and 0 < result["macro_f1"] < 1


def test_integer_labels_are_accepted(kefu_intent, tmp_path):
    data = tmp_path / "numbers.jsonl"
    rows = [{"sentence": t, "label": 57} for t in ["返现多少", "返现什么时候到", "返多少钱"]]
    rows += [{"sentence": t, "label": 16} for t in ["地址改一下", "改收货地址", "地址写错了"]]
    data.write_bytes(jsonl(rows))
    code, out, err = kefu_intent(
        "train", "--data", str(data), "--text-field", "sentence", "--out", str(tmp_path / "m")
    )
    assert code == 0, err
    assert "2 labels" in out


def test_bad_training_files_are_refused_with_the_line(kefu_intent, tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_bytes(jsonl([{"text": "在吗", "label": "a"}, {"text": "你好"}]))
    code, _, err = kefu_intent("train", "--data", str(data), "--out", str(tmp_path / "m"))
    assert code != 0 and 'line 2: "label" must be a string or an integer' in err
    data.write_bytes(jsonl([{"text": "在吗", "label": "a"}, {"text": "你好", "label": "a"}]))
    code, _, err = kefu_intent("train", "--data", str(data), "--out", str(tmp_path / "m"))
    assert code != 0 and "at least two different labels" in err
    assert not (tmp_path / "m").exists()
    code, _, err = kefu_intent("train", "--data", str(tmp_path / "none.jsonl"), "--out", "m")
    assert code != 0 and "cannot read" in err


def test_eval_needs_a_model_directory(kefu_intent, shop_examples, tmp_path: Path):
    code, _, err = kefu_intent(
        "eval", "--model", str(tmp_path / "missing"), "--data", str(shop_examples),
        "--text-field", "msg", "--label-field", "tag",
    )  # fmt: skip
    assert code != 0 and "is not a model directory" in err
