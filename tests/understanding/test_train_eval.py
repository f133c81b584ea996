"""``kefu intent train`` and ``kefu intent eval``: a shop's own classifier, any labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kefu.understanding.jsonl import read_examples
from kefu.understanding.model import IntentModel, new_pipeline, without_contradicted
from tests.understanding.conftest import HELDOUT, jsonl


def scores(out: str) -> dict[str, float]:
    return {key: float(value) for key, value in (line.split() for line in out.splitlines())}


def test_a_model_trained_on_a_file_evaluates_on_another(kefu_intent, shop_examples, tmp_path):
    model = tmp_path / "model"
    code, _, err = kefu_intent(
        "train", "--data", str(shop_examples), "--text-field", "msg", "--label-field", "tag",
        "--out", str(model),
    )  # fmt: skip
    assert code == 0, err
    assert {p.name for p in model.iterdir()} == {"model.json", "model.npz"}
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


def noisy_examples() -> tuple[list[str], list[str], list[int]]:
    """600 messages of two labels, with every 31st label flipped (as people mislabel)."""
    products = ["裙子", "外套", "手机壳", "耳机", "面霜", "保温杯", "拖鞋", "台灯", "背包", "围巾"]
    phrases = {
        "物流": ["到哪了", "的快递怎么还没到", "物流三天没动了", "显示在派送", "单号发我",
                 "什么时候能送到", "快递停在中转站", "物流信息查不到", "到我们市了吗",
                 "今天能送到吗", "快递员电话多少", "运输中好久了", "发的哪个快递",
                 "怎么还在路上", "包裹到哪个城市了", "派送太慢了", "物流没更新",
                 "快递站在哪", "能加急派送吗", "的包裹在哪里", "几号能到", "路上多久",
                 "中转好几次了", "快递显示异常", "送货上门吗", "驿站能取了吗",
                 "怎么没有物流", "快递到了吗", "物流停滞了", "查一下快递"],
        "退款": ["退款什么时候到", "的钱怎么还没退", "申请仅退款", "退款被拒了",
                 "退款到哪了", "能退差价吗", "退款多久到账", "退款进度怎么样",
                 "钱退到花呗了吗", "退款显示成功没收到", "少退了钱", "退款审核太慢",
                 "运费能退吗", "我要退款", "退款金额不对", "退款怎么申请",
                 "同意退款了吗", "退款还要等多久", "退回原账户吗", "部分退款可以吗",
                 "退款失败了", "退款怎么取消", "退款到银行卡了吗", "退款能快点吗",
                 "退款记录在哪", "退款没到账", "退款显示关闭", "退了多少",
                 "退款为什么驳回", "退款要几天"],
    }  # fmt: skip
    texts, labels, flipped = [], [], []
    for label, endings in phrases.items():
        for product in products:
            for ending in endings:
                texts.append(f"{product}{ending}")
                labels.append(label)
    for index in range(0, len(texts), 31):
        labels[index] = "退款" if labels[index] == "物流" else "物流"
        flipped.append(index)
    return texts, labels, flipped


def test_training_sets_aside_labels_cross_validation_contradicts(kefu_intent, tmp_path):
    texts, labels, flipped = noisy_examples()
    kept_texts, kept_labels = without_contradicted(texts, labels)
    assert set(kept_texts) == set(texts) - {texts[i] for i in flipped}
    assert len(kept_labels) == len(kept_texts)
    data = tmp_path / "noisy.jsonl"
    rows = [{"text": text, "label": label} for text, label in zip(texts, labels, strict=True)]
    data.write_bytes(jsonl(rows))
    code, out, err = kefu_intent("train", "--data", str(data), "--out", str(tmp_path / "m"))
    assert code == 0, err
    assert f"set aside {len(flipped)} examples" in out
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert 0.02 <= meta["temperature"] <= 2  # fitted to the cross-validated scores


def test_small_sets_are_kept_whole(shop_examples):
    texts, labels = read_examples(shop_examples, "msg", "tag")
    labels[0] = "配送"  # a mistake, but 12 examples are too few to judge
    assert without_contradicted(texts, labels) == (texts, labels)


def test_a_saved_model_scores_exactly_like_the_fitted_scikit_learn_pipeline(tmp_path):
    """Prediction reads plain arrays with numpy (no scikit-learn import at start-up); its
    scores are those of the pipeline it was taken from."""
    texts, labels = read_examples(HELDOUT, "text", "intent")
    pipeline = new_pipeline().fit(texts, labels)
    IntentModel.train(texts, labels).save(tmp_path)
    loaded = IntentModel.load(tmp_path)
    probe = [*texts[::3], "", "!!!", "订单号2024031500123 什么时候发货", "完全没见过的字"]
    expected = pipeline.decision_function(probe)
    assert np.allclose(loaded.linear.scores(probe), expected, atol=1e-4)
    assert loaded.predict(probe).labels == [str(label) for label in pipeline.predict(probe)]
