"""The knowledge base through the API: writing, versions, search, import and export."""

from __future__ import annotations

import json

CSV = {"Content-Type": "text/csv"}
JSON = {"Content-Type": "application/json"}

RETURNS = {
    "question": "怎么退货？",
    "similar": ["退货流程是什么", "不喜欢可以退吗", "7天无理由退货怎么操作"],
    "answer": "亲爱的{客户昵称}，本店支持7天无理由退货：在订单{订单号}里点「申请售后」即可～",
    "category": "售后",
    "stage": "aftersale",
}


async def test_supervisors_write_agents_read_and_every_edit_keeps_a_version(client, carol, alice):
    created = await client.as_(carol).post("/api/v1/kb/faqs", json=RETURNS)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert (entry["version"], entry["enabled"], entry["channel"]) == (1, True, None)

    refused = await client.as_(alice).post("/api/v1/kb/faqs", json=RETURNS | {"question": "x"})
    assert refused.status_code == 403
    assert [e["question"] for e in (await client.as_(alice).get("/api/v1/kb/faqs")).json()] == [
        "怎么退货？"
    ]

    path = f"/api/v1/kb/faqs/{entry['id']}"
    changed = await client.as_(carol).patch(
        path, json={"answer": "支持7天无理由退货，运费险可抵扣运费。"}
    )
    assert changed.json()["version"] == 2
    same = await client.as_(carol).patch(path, json={"category": "售后"})
    assert same.json()["version"] == 2  # nothing changed: no new version
    versions = (await client.as_(alice).get(f"{path}/versions")).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["content"]["answer"] == RETURNS["answer"]
    assert versions[0]["author"] == versions[1]["author"]

    restored = await client.as_(carol).post(f"{path}/restore", json={"version": 1})
    assert (restored.json()["version"], restored.json()["answer"]) == (3, RETURNS["answer"])
    missing = await client.as_(carol).post(f"{path}/restore", json={"version": 9})
    assert missing.status_code == 422

    assert (await client.as_(alice).delete(path)).status_code == 403
    assert (await client.as_(carol).delete(path)).status_code == 204
    assert (await client.as_(alice).get(path)).status_code == 404


async def test_bad_entries_are_refused_with_the_field(client, carol):
    api = client.as_(carol)
    typo = await api.post("/api/v1/kb/faqs", json=RETURNS | {"answer": "您好{客户名}"})
    assert (typo.status_code, typo.json()["error"]["field"]) == (422, "answer")
    period = await api.post(
        "/api/v1/kb/faqs",
        json=RETURNS | {"valid_from": "2026-11-12T00:00:00+08:00", "valid_until": "2026-11-11"},
    )
    assert (period.status_code, period.json()["error"]["field"]) == (422, "valid_until")
    empty = await api.post("/api/v1/kb/faqs", json=RETURNS | {"similar": ["  "]})
    assert empty.status_code == 422


async def test_search_ranks_paraphrases_and_traditional_characters(client, carol, alice):
    api = client.as_(carol)
    await api.post("/api/v1/kb/faqs", json=RETURNS)
    await api.post(
        "/api/v1/kb/faqs",
        json={
            "question": "可以开发票吗",
            "similar": ["发票怎么开"],
            "answer": "可以开具电子发票。",
        },
    )
    hits = (
        await client.as_(alice).post("/api/v1/kb/search", json={"question": "請問怎麼退貨"})
    ).json()
    assert hits[0]["faq"]["question"] == "怎么退货？"
    assert hits[0]["score"] >= 0.6
    words = (await client.as_(alice).get("/api/v1/kb/faqs", params={"q": "电子发票"})).json()
    assert [e["question"] for e in words] == ["可以开发票吗"]


CSV_GOOD = (
    "question,similar,answer,category,stage,enabled\n"
    "什么时候发货,多久发货|几天能发,下单后48小时内发货。,物流,insale,true\n"
    "支持哪些快递,发什么快递,默认中通，可补差价发顺丰。,物流,insale,是\n"
)


async def test_csv_import_is_all_or_nothing_and_lists_every_bad_row(client, carol, alice):
    api = client.as_(carol)
    bad = (
        "question,similar,answer,stage\n"
        "什么时候发货,,下单后48小时内发货。,insale\n"
        ",,没有问题的答案,insale\n"
        "怎么退货,,{客户名}您好,售后\n"
    )
    refused = await api.post("/api/v1/kb/faqs/import", content=bad.encode(), headers=CSV)
    assert refused.status_code == 422, refused.text
    rows = refused.json()["error"]["rows"]
    assert [(r["row"], r["field"]) for r in rows] == [(3, "question"), (4, "answer")]
    assert (await api.get("/api/v1/kb/faqs")).json() == []  # nothing imported

    done = await api.post("/api/v1/kb/faqs/import", content=CSV_GOOD.encode(), headers=CSV)
    assert done.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = await api.post("/api/v1/kb/faqs/import", content=CSV_GOOD.encode(), headers=CSV)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}

    exported = await client.as_(alice).get("/api/v1/kb/faqs/export")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "多久发货|几天能发" in exported.text
    round_trip = await api.post(
        "/api/v1/kb/faqs/import",
        content=exported.content,
        headers=CSV,
    )
    assert round_trip.json()["unchanged"] == 2


async def test_json_import_updates_by_question_and_refuses_other_files(client, carol):
    api = client.as_(carol)
    entries = [
        {"question": "能开发票吗", "similar": ["发票怎么开"], "answer": "可以开电子发票。"},
        {"question": "有优惠券吗", "answer": "关注店铺领5元券。", "channel": "web"},
    ]
    data = json.dumps(entries, ensure_ascii=False).encode()
    first = await api.post("/api/v1/kb/faqs/import", content=data, headers=JSON)
    assert first.json()["created"] == 2
    entries[0]["answer"] = "可以开电子发票，也可以开专票。"
    data = json.dumps({"faqs": entries}, ensure_ascii=False).encode()
    second = await api.post("/api/v1/kb/faqs/import", content=data, headers=JSON)
    assert second.json() == {"created": 0, "updated": 1, "unchanged": 1}
    exported = (await api.get("/api/v1/kb/faqs/export", params={"format": "json"})).json()
    assert {e["question"]: e["channel"] for e in exported} == {
        "能开发票吗": None,
        "有优惠券吗": "web",
    }

    broken = await api.post("/api/v1/kb/faqs/import", content=b"[{", headers=JSON)
    assert broken.status_code == 422
    wrong = json.dumps([{"question": "a", "answer": "b", "colour": "red"}]).encode()
    unknown = await api.post("/api/v1/kb/faqs/import", content=wrong, headers=JSON)
    assert unknown.json()["error"]["rows"] == [
        {"row": 1, "field": "colour", "message": "unknown column"}
    ]


async def test_an_edit_reaches_the_search_at_once(client, carol, alice):
    api = client.as_(carol)
    entry = (await api.post("/api/v1/kb/faqs", json=RETURNS)).json()
    asked = {"question": "收据能不能开"}
    before = (await client.as_(alice).post("/api/v1/kb/search", json=asked)).json()
    assert not before or before[0]["score"] < 0.5
    await api.patch(f"/api/v1/kb/faqs/{entry['id']}", json={"similar": ["能开收据吗"]})
    after = (await client.as_(alice).post("/api/v1/kb/search", json=asked)).json()
    assert (after[0]["faq"]["id"], after[0]["matched"]) == (entry["id"], "能开收据吗")
    await api.patch(f"/api/v1/kb/faqs/{entry['id']}", json={"enabled": False})
    assert (await client.as_(alice).post("/api/v1/kb/search", json=asked)).json() == []
