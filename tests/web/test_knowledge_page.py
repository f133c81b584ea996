"""The knowledge base page: supervisors write, version and import FAQ entries (every bad
row of a file listed), everyone reads and searches them, the owner sets the bot; what
people typed is escaped, forms carry the CSRF token, another shop sees nothing."""

from __future__ import annotations

import re

from kefu.knowledge.transfer import write_xlsx

ENTRY = {
    "question": "怎么退货",
    "similar": "能退货吗\n退货流程是什么",
    "answer": "亲爱的{客户昵称}，本店支持7天无理由退货<script>alert(1)</script>",
    "category": "售后",
    "stage": "aftersale",
    "channel": "",
    "valid_from": "2026-11-11T00:00",
    "valid_until": "",
    "enabled": "on",
}


async def _create(browser, **changes: str) -> int:
    created = await browser.submit("/knowledge", ENTRY | changes)
    assert created.status_code == 303, created.text
    return int(re.search(r"/knowledge/(\d+)$", created.headers["location"]).group(1))


async def _upload(browser, name: str, data: bytes):
    return await browser.post(
        "/knowledge/import", data={"csrf_token": browser.csrf}, files={"file": (name, data)}
    )


async def test_a_supervisor_writes_edits_and_restores_an_entry(as_, carol, alice):
    supervisor = as_(carol)
    faq_id = await _create(supervisor)
    page = await supervisor.get(f"/knowledge/{faq_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'value="2026-11-11T00:00"' in page.text  # China's time, as typed
    edited = await supervisor.submit(
        f"/knowledge/{faq_id}", ENTRY | {"answer": "亲，收到货7天内可以无理由退货哦"}
    )
    assert edited.status_code == 303
    page = await supervisor.get(f"/knowledge/{faq_id}")
    assert "v2" in page.text and "收到货7天内" in page.text
    restored = await supervisor.submit(f"/knowledge/{faq_id}/restore", {"version": "1"})
    assert restored.status_code == 303
    history = (await supervisor.get(f"/knowledge/{faq_id}")).text
    assert history.count(f'action="/knowledge/{faq_id}/restore"') == 2  # v1, v2; v3 current
    assert "本店支持7天无理由退货&lt;script&gt;" in history
    listed = (await as_(alice).get("/knowledge")).text
    assert "怎么退货" in listed and "<script>alert" not in listed
    assert 'href="/knowledge/new"' not in listed  # agents read only
    assert 'action="/knowledge/import"' not in listed


async def test_refusals_show_next_to_the_field_and_agents_cannot_write(as_, carol, alice):
    supervisor = as_(carol)
    typo = await supervisor.submit("/knowledge", ENTRY | {"answer": "{客户名}您好"})
    assert typo.status_code == 422 and "{客户名}" in typo.text
    backwards = await supervisor.submit(
        "/knowledge", ENTRY | {"valid_from": "2026-11-12T00:00", "valid_until": "2026-11-11T00:00"}
    )
    assert backwards.status_code == 422
    assert (await as_(alice).submit("/knowledge", ENTRY)).status_code == 403
    faq_id = await _create(supervisor)
    assert (await as_(alice).submit(f"/knowledge/{faq_id}/delete")).status_code == 403
    assert (await as_(alice).get("/knowledge/new")).status_code == 403
    deleted = await supervisor.submit(f"/knowledge/{faq_id}/delete")
    assert deleted.status_code == 303
    assert (await supervisor.get(f"/knowledge/{faq_id}")).status_code == 404


async def test_search_ranks_entries_for_a_shoppers_words(as_, carol):
    supervisor = as_(carol)
    await _create(supervisor)
    await _create(
        supervisor,
        question="能开发票吗",
        similar="",
        answer="亲，可以开具电子发票",
        stage="insale",
        category="发票",
    )
    found = await supervisor.get("/knowledge", params={"q": "衣服不喜欢想退货"})
    assert found.status_code == 200
    ranked = re.findall(r'href="/knowledge/\d+">([^<]+)</a>', found.text)
    assert ranked[0] == "怎么退货"
    by_category = await supervisor.get("/knowledge", params={"category": "售后"})
    assert "怎么退货" in by_category.text and "能开发票吗" not in by_category.text


async def test_import_lists_every_bad_row_and_imports_nothing(as_, carol):
    supervisor = as_(carol)
    bad = (
        "question,answer,stage\n"
        "包邮吗,亲，全场满99元包邮,insale\n"
        ",没有问题的答案,\n"
        "几天发货,亲，48小时内发货,someday\n"
    ).encode()
    refused = await _upload(supervisor, "faq.csv", bad)
    assert refused.status_code == 422
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", refused.text)
    assert rows == [("3", "question"), ("4", "stage")]
    assert "包邮吗" not in (await supervisor.get("/knowledge")).text
    good = "question,similar,answer\n包邮吗,包不包邮|免运费吗,亲，全场满99元包邮\n".encode()
    imported = await _upload(supervisor, "faq.csv", good)
    assert imported.status_code == 303
    assert "包邮吗" in (await supervisor.get("/knowledge")).text
    wrong_kind = await _upload(supervisor, "faq.txt", b"hello")
    assert wrong_kind.status_code == 422 and 'id="e-file"' in wrong_kind.text


async def test_export_and_an_excel_file_that_imports_again(as_, carol, owen):
    supervisor = as_(carol)
    await _create(supervisor)
    csv_file = await supervisor.get("/knowledge/export", params={"format": "csv"})
    assert csv_file.status_code == 200 and "怎么退货" in csv_file.text
    json_file = await supervisor.get("/knowledge/export", params={"format": "json"})
    assert json_file.json()[0]["similar"] == ["能退货吗", "退货流程是什么"]
    xlsx = await supervisor.get("/knowledge/export", params={"format": "xlsx"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    again = await _upload(supervisor, "faq.xlsx", xlsx.content)
    assert again.status_code == 303  # the same entries: nothing changes
    workbook = write_xlsx(
        [{"question": "几天发货", "similar": ["什么时候发货"], "answer": "亲，48小时内发货"}]
    )
    assert (await _upload(supervisor, "新品.xlsx", workbook)).status_code == 303
    listed = (await as_(owen).get("/knowledge")).text
    assert "几天发货" in listed and "怎么退货" in listed
    assert (await supervisor.get("/knowledge/export?format=exe")).status_code == 422


async def test_the_owner_sets_the_bot_on_the_same_page(as_, owen, carol, client):
    owner = as_(owen)
    page = await owner.get("/knowledge")
    assert 'action="/knowledge/bot"' in page.text and "general.human" in page.text
    saved = await owner.submit(
        "/knowledge/bot",
        {
            "mode": "always",
            "idle_minutes": "45",
            "stall_days": "4",
            "intents_off": ["aftersale.refund"],
        },
    )
    assert saved.status_code == 303
    assert (await client.as_(owen).get("/api/v1/shop/bot")).json() == {
        "mode": "always",
        "intents_off": ["aftersale.refund"],
        "idle_minutes": 45,
        "stall_days": 4,
    }
    too_long = await owner.submit(
        "/knowledge/bot", {"mode": "always", "idle_minutes": "45", "stall_days": "31"}
    )
    assert too_long.status_code == 422 and "1 到 30" in too_long.text
    too_short = await owner.submit("/knowledge/bot", {"mode": "always", "idle_minutes": "2"})
    assert too_short.status_code == 422 and "5 到 1440" in too_short.text
    # A supervisor sees the settings but cannot change them.
    shown = await as_(carol).get("/knowledge")
    assert 'action="/knowledge/bot"' not in shown.text and "aftersale.refund" in shown.text
    assert (await as_(carol).submit("/knowledge/bot", {"mode": "off"})).status_code == 403


async def test_forms_need_the_csrf_token(as_, carol):
    supervisor = as_(carol)
    forged = await supervisor.post("/knowledge", data=ENTRY | {"csrf_token": "forged"})
    assert forged.status_code == 403
    assert "怎么退货" not in (await supervisor.get("/knowledge")).text


async def test_another_shops_owner_finds_nothing(as_, carol, mallory):
    faq_id = await _create(as_(carol))
    other = as_(mallory)
    assert (await other.get(f"/knowledge/{faq_id}")).status_code == 404
    assert (await other.submit(f"/knowledge/{faq_id}", ENTRY)).status_code == 404
    assert (await other.submit(f"/knowledge/{faq_id}/restore", {"version": "1"})).status_code == 404
    assert (await other.submit(f"/knowledge/{faq_id}/delete")).status_code == 404
    assert "怎么退货" not in (await other.get("/knowledge")).text
    assert "怎么退货" not in (await other.get("/knowledge/export")).text


async def test_odd_input_is_refused_never_a_server_error(as_, carol):
    supervisor = as_(carol)
    for path in ("/knowledge/99999999999999999999", "/knowledge/-1", "/knowledge/abc"):
        assert (await supervisor.get(path)).status_code in (404, 422)
    for q in ("？？！！", "🤖" * 50, "' OR 1=1 --"):
        assert (await supervisor.get("/knowledge", params={"q": q})).status_code == 200
    assert (await supervisor.get("/knowledge?q=%00")).status_code == 422
    empty = await supervisor.submit("/knowledge", {})
    assert empty.status_code == 422
    restore = await supervisor.submit("/knowledge/1/restore", {"version": "很多"})
    assert restore.status_code in (404, 422)


async def test_a_refused_edit_keeps_the_entry_as_it_was(as_, carol):
    supervisor = as_(carol)
    faq_id = await _create(supervisor)
    backwards = await supervisor.submit(
        f"/knowledge/{faq_id}",
        ENTRY | {"question": "退货怎么办", "valid_until": "2026-11-01T00:00"},
    )
    assert backwards.status_code == 422 and "失效时间必须晚于生效时间" in backwards.text
    assert 'value="退货怎么办"' in backwards.text  # what was typed, to fix
    page = await supervisor.get(f"/knowledge/{faq_id}")
    assert "<h1>怎么退货</h1>" in page.text and "v1" in page.text
    missing = await supervisor.submit(f"/knowledge/{faq_id}/restore", {"version": "9"})
    assert missing.status_code == 422 and "没有第 9 版" in missing.text
