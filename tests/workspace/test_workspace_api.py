"""The workspace's API: unread counts, Chinese search, filters, the customer panel,
verification, quick phrases with variables filled from the conversation."""

from __future__ import annotations

import uuid

from tests.chat.conftest import make_shopper
from tests.workspace.conftest import link_customer, say


async def test_unread_counts_follow_each_agents_read_position(client, shopper, alice, bob):
    await say(client, shopper, "你好，在吗？")
    second = await say(client, shopper, "这件衣服有XL码吗")

    async def unread(persona) -> int:
        listed = await client.as_(persona).get("/api/v1/inbox", params={"view": "unassigned"})
        (row,) = listed.json()["items"]
        return row["unread"]

    assert (await unread(alice), await unread(bob)) == (2, 2)
    url = f"/api/v1/conversations/{shopper.conversation_id}/read"
    marked = await client.as_(alice).post(url, json={})
    assert marked.json() == {
        "conversation_id": shopper.conversation_id,
        "last_read_message_id": second["id"],
        "agent_read_message_id": second["id"],
    }
    assert (await unread(alice), await unread(bob)) == (0, 2)
    await say(client, shopper, "急用，今天能发货吗")
    assert await unread(alice) == 1
    # A position never moves back.
    await client.as_(alice).post(url, json={"message_id": 1})
    assert await unread(alice) == 1


async def test_search_finds_chinese_words_inside_sentences(client, personas, alice):
    refund = await make_shopper(client)
    await say(client, refund, "我想退货怎么办")
    other = await make_shopper(client)
    await say(client, other, "请问什么时候发货？iPhone 手机壳")
    api = client.as_(alice)
    for query, expected in [
        ("退货", [refund.conversation_id]),
        ("怎么 退货", [refund.conversation_id]),
        ("发货", [other.conversation_id]),
        ("换货", []),
        ("IPHONE", [other.conversation_id]),
    ]:
        found = await api.get("/api/v1/inbox", params={"q": query})
        assert [r["conversation"]["id"] for r in found.json()["items"]] == expected, query
    punctuation = await api.get("/api/v1/inbox", params={"q": "，。"})
    assert punctuation.status_code == 422


async def test_filters_by_tag_and_skill_and_preview(client, personas, alice):
    tagged = await make_shopper(client, skill="aftersale")
    await say(client, tagged, "快递三天没动了")
    plain = await make_shopper(client, skill="presale")
    api = client.as_(alice)
    put = await api.put(
        f"/api/v1/conversations/{tagged.conversation_id}/tags", json={"tags": ["物流异常", "VIP"]}
    )
    assert put.json()["tags"] == ["物流异常", "VIP"]
    by_tag = await api.get("/api/v1/inbox", params={"tag": "物流异常"})
    (row,) = by_tag.json()["items"]
    assert row["conversation"]["id"] == tagged.conversation_id
    assert row["preview"] == "快递三天没动了"
    assert row["waiting_since"] is not None
    presale = await api.get("/api/v1/inbox", params={"skill": "presale"})
    assert [r["conversation"]["id"] for r in presale.json()["items"]] == [plain.conversation_id]


async def test_verification_is_recorded_on_the_conversation(client, shopper, alice):
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    recorded = await client.as_(alice).put(
        f"{url}/verification",
        json={"checks": {"address": True, "phone": True, "spec": False}, "note": "尺码待确认"},
    )
    assert recorded.status_code == 200, recorded.text
    result = recorded.json()["verification"]
    assert result["checks"] == {"address": True, "phone": True, "spec": False}
    assert (result["note"], result["complete"], result["by"]) == ("尺码待确认", False, "Alice")
    panel = await client.as_(alice).get(f"{url}/panel")
    assert panel.json()["conversation"]["verification"]["checks"]["address"] is True
    wrong = await client.as_(alice).put(f"{url}/verification", json={"checks": {"颜色": True}})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "checks"


async def test_panel_shows_orders_shipments_and_masked_contact(
    client, sessionmaker, shopper, alice, owen, acme_order
):
    await link_customer(sessionmaker, shopper.conversation_id, acme_order.customer_id)
    url = f"/api/v1/conversations/{shopper.conversation_id}/panel"
    panel = (await client.as_(alice).get(url)).json()
    assert panel["customer"]["phone"] != "13812345678"  # agents see it masked
    (order,) = panel["orders"]
    assert order["external_id"] == "2026110100001"
    assert order["lines"][0]["title"] == "纯棉短袖T恤 男款 白色 L"
    assert order["shipments"][0]["tracking_no"] == "SF1234567890"
    assert order["shipments"][0]["events"]
    assert panel["variables"]["订单号"] == "2026110100001"
    assert (await client.as_(owen).get(url)).json()["customer"]["phone"] == "13812345678"


async def test_quick_phrases_crud_and_variables(
    client, sessionmaker, shopper, alice, carol, acme_order
):
    await link_customer(sessionmaker, shopper.conversation_id, acme_order.customer_id)
    shop_phrase = await client.as_(carol).post(
        "/api/v1/quick-phrases",
        json={
            "shortcut": "/wl",
            "folder": "logistics",
            "body": "亲，您的订单{订单号}已发出，物流单号{物流单号}，请注意查收～",
        },
    )
    assert shop_phrase.status_code == 200, shop_phrase.text
    assert shop_phrase.json()["shortcut"] == "wl"
    # Agents cannot change the shop's library but keep their own phrases.
    refused = await client.as_(alice).post(
        "/api/v1/quick-phrases", json={"shortcut": "x", "body": "好的"}
    )
    assert refused.status_code == 403
    own = await client.as_(alice).post(
        "/api/v1/quick-phrases",
        json={"shortcut": "hi", "body": "您好{客户昵称}，我是小艾～", "personal": True},
    )
    assert own.status_code == 200
    duplicate = await client.as_(carol).post(
        "/api/v1/quick-phrases", json={"shortcut": "wl", "body": "重复"}
    )
    assert (duplicate.status_code, duplicate.json()["error"]["field"]) == (409, "shortcut")
    typo = await client.as_(carol).post(
        "/api/v1/quick-phrases", json={"shortcut": "t", "body": "{客户名}你好"}
    )
    assert typo.status_code == 422

    listed = await client.as_(alice).get(
        "/api/v1/quick-phrases", params={"conversation_id": shopper.conversation_id}
    )
    filled = {p["shortcut"]: p["filled"] for p in listed.json()}
    assert filled["wl"] == "亲，您的订单2026110100001已发出，物流单号SF1234567890，请注意查收～"
    assert filled["hi"].startswith(
        "您好<script>"
    )  # the customer's name as stored; escaped when shown
    carol_sees = await client.as_(carol).get("/api/v1/quick-phrases")
    assert [p["shortcut"] for p in carol_sees.json()] == ["wl"]  # not alice's own

    phrase_id = own.json()["id"]
    changed = await client.as_(alice).patch(
        f"/api/v1/quick-phrases/{phrase_id}", json={"body": "您好，欢迎光临～"}
    )
    assert changed.json()["body"] == "您好，欢迎光临～"
    assert (await client.as_(carol).delete(f"/api/v1/quick-phrases/{phrase_id}")).status_code == 404
    assert (await client.as_(alice).delete(f"/api/v1/quick-phrases/{phrase_id}")).status_code == 204


async def test_a_card_message_carries_its_payload(client, shopper, alice):
    card = {"type": "order", "title": "订单 2026110100001", "order_id": 1, "status": "已发货"}
    sent = await client.as_(alice).post(
        f"/api/v1/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "kind": "card", "payload": card},
    )
    assert sent.status_code == 200, sent.text
    seen = await client.get(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages", headers=shopper.headers
    )
    assert seen.json()["items"][0]["payload"] == card


async def test_a_card_is_previewed_in_the_list_by_what_it_names(client, shopper, alice):
    """The workspace sends an order card with its number as the body; a card stored with
    only a title in its payload is previewed by that."""
    url = f"/api/v1/conversations/{shopper.conversation_id}/messages"
    for body, payload in (
        ("", {"type": "order", "title": "订单 2026110100001"}),
        ("XL2026120100218", {"type": "order", "order": {"order_no": "XL2026120100218"}}),
    ):
        sent = await client.as_(alice).post(
            url,
            json={"client_id": str(uuid.uuid4()), "kind": "card", "body": body, "payload": payload},
        )
        assert sent.status_code == 200, sent.text
        listed = await client.as_(alice).get("/api/v1/inbox", params={"view": "all"})
        (row,) = listed.json()["items"]
        assert row["preview"] == f"[卡片] {body or payload['title']}"
