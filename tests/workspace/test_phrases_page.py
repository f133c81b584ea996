"""The quick-phrase page: supervisors keep the shop's library, agents their own phrases,
refusals shown next to the field in Chinese."""

from __future__ import annotations

import re


def _ids(html: str) -> list[str]:
    return re.findall(r'action="/workspace/phrases/(\d+)/delete"', html)


async def test_supervisor_adds_to_the_shop_library(as_, carol, alice):
    supervisor = as_(carol)
    added = await supervisor.submit(
        "/workspace/phrases",
        {
            "shortcut": "/wl",
            "folder": "logistics",
            "body": "亲，订单{订单号}已发货～",
            "customer_type": "fussy",
            "scope": "shop",
        },
    )
    assert added.status_code == 303
    page = await supervisor.get("/workspace/phrases")
    assert "快捷短语已添加" in page.text and "/wl" in page.text and "物流" in page.text
    assert '<span class="badge badge-gray">麻烦型</span>' in page.text
    # An agent sees the shop's phrase but cannot delete it.
    agent_view = await as_(alice).get("/workspace/phrases")
    assert "亲，订单{订单号}已发货～" in agent_view.text
    assert _ids(agent_view.text) == []


async def test_agent_keeps_her_own_phrases(as_, alice, bob):
    agent = as_(alice)
    await agent.submit("/workspace/phrases", {"shortcut": "hi", "body": "您好{客户昵称}～"})
    page = await agent.get("/workspace/phrases")
    (phrase_id,) = _ids(page.text)
    assert "您好{客户昵称}～" not in (await as_(bob).get("/workspace/phrases")).text
    refused = await as_(bob).submit(f"/workspace/phrases/{phrase_id}/delete")
    assert refused.status_code == 404
    deleted = await agent.submit(f"/workspace/phrases/{phrase_id}/delete")
    assert deleted.status_code == 303
    assert _ids((await agent.get("/workspace/phrases")).text) == []


async def test_refusals_are_shown_next_to_the_field_in_chinese(as_, alice):
    agent = as_(alice)
    typo = await agent.submit("/workspace/phrases", {"shortcut": "t", "body": "{客户名}您好"})
    assert typo.status_code == 422
    assert "未知变量 {客户名}" in typo.text
    spaced = await agent.submit("/workspace/phrases", {"shortcut": "a b", "body": "好的"})
    assert "快捷键" in spaced.text and spaced.status_code == 422
    await agent.submit("/workspace/phrases", {"shortcut": "ok", "body": "好的"})
    again = await agent.submit("/workspace/phrases", {"shortcut": "ok", "body": "好的呢"})
    assert again.status_code == 422 and "/ok" in again.text


async def test_supervisor_tests_a_phrase_and_promotes_the_winner(as_, carol, alice):
    supervisor = as_(carol)
    body = "亲，这款今天下单包邮哦～"
    await supervisor.submit(
        "/workspace/phrases",
        {"shortcut": "by", "folder": "bargaining", "body": body, "scope": "shop"},
    )
    (phrase_id,) = _ids((await supervisor.get("/workspace/phrases")).text)
    same = await supervisor.submit(
        "/workspace/phrases/tests", {"phrase_id": phrase_id, "variant": body}
    )
    assert same.status_code == 422 and "每条内容都须与短语现有内容及其他版本不同" in same.text
    insured = "亲，今天下单包邮，还送运费险～"
    started = await supervisor.submit(
        "/workspace/phrases/tests", {"phrase_id": phrase_id, "variant": insured}
    )
    assert started.status_code == 303
    page = await supervisor.get("/workspace/phrases")
    assert "话术 A/B 测试" in page.text and "进行中" in page.text and insured in page.text
    (promote,) = set(re.findall(r'action="(/workspace/phrases/tests/\d+/promote)"', page.text))
    assert promote not in (await as_(alice).get("/workspace/phrases")).text
    assert (await as_(alice).submit(promote, {"variant": "1"})).status_code == 403
    promoted = await supervisor.submit(promote, {"variant": "1"})
    assert promoted.status_code == 303
    after = await supervisor.get("/workspace/phrases")
    assert "已采用胜出版本" in after.text and "胜出" in after.text and "已结束" in after.text
    assert f"<td>{insured}</td>" in after.text  # the phrase's text is now the winner's
