"""What the widget tells a shopper before they write (announcements, greeting, whether
someone can answer), and the message they leave when nobody can."""

from __future__ import annotations

import uuid

from tests.chat.conftest import make_shopper
from tests.widget.conftest import ALWAYS_OPEN, NEVER_OPEN, go_online, set_hours

ANNOUNCEMENTS = [
    "双11全场满299减50",
    "顺丰包邮，48小时内发货",
    "7天无理由退换",
    "会员日积分翻倍",
    "新品羽绒服预售中",
]


async def profile(client, slug: str = "acme") -> dict:
    """What the widget shows a new visitor of the shop."""
    visitor = (await client.post(f"/api/v1/widget/{slug}/visitors", json={})).json()
    answer = await client.get(
        "/api/v1/widget/profile", headers={"X-Visitor-Token": visitor["token"]}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_owner_sets_announcements_and_greeting_the_widget_shows(client, owen):
    async with client.as_(owen) as c:
        changed = await c.patch(
            "/api/v1/shop/widget",
            json={"announcements": ANNOUNCEMENTS, "greeting": "您好，Acme 旗舰店客服在此～"},
        )
        assert changed.status_code == 200, changed.text
        assert (await c.get("/api/v1/shop/widget")).json() == {
            "announcements": ANNOUNCEMENTS,
            "greeting": "您好，Acme 旗舰店客服在此～",
            "reply_minutes_open": 60,
            "reply_minutes_closed": 240,
            "invitations": [],
        }
    shown = await profile(client)
    assert shown["announcements"] == ANNOUNCEMENTS
    assert shown["greeting"] == "您好，Acme 旗舰店客服在此～"
    assert shown["shop_name"] == "Acme 旗舰店"


async def test_at_most_five_announcement_lines(client, owen):
    async with client.as_(owen) as c:
        refused = await c.patch(
            "/api/v1/shop/widget", json={"announcements": [*ANNOUNCEMENTS, "第六条"]}
        )
        assert refused.status_code == 422
        assert refused.json()["error"] == {
            "code": "invalid",
            "message": "a shop has at most 5 announcement lines",
            "field": "announcements",
        }
        too_long = await c.patch("/api/v1/shop/widget", json={"announcements": ["很长" * 60]})
        assert too_long.status_code == 422
    assert (await profile(client))["announcements"] == []


async def test_only_the_owner_changes_the_widget_and_only_of_their_shop(client, alice, mallory):
    async with client.as_(alice) as c:
        refused = await c.patch("/api/v1/shop/widget", json={"greeting": "随便写写"})
        assert refused.status_code == 403
    async with client.as_(mallory) as c:
        mine = await c.patch("/api/v1/shop/widget", json={"announcements": ["Mallory 大促"]})
        assert mine.status_code == 200
    assert (await profile(client))["announcements"] == []
    assert (await profile(client, "mallory-mart"))["announcements"] == ["Mallory 大促"]


async def test_unknown_shop_has_no_widget(client, personas):
    answer = await client.post("/api/v1/widget/no-such-shop/visitors", json={})
    assert answer.status_code == 404
    assert (await client.get("/api/v1/widget/profile")).status_code == 401


async def test_online_only_when_open_and_an_agent_is_online(client, owen, alice):
    await set_hours(client, owen, ALWAYS_OPEN)
    assert (await profile(client)) | {"announcements": None, "greeting": None} == {
        "shop_name": "Acme 旗舰店",
        "announcements": None,
        "greeting": None,
        "online": False,
        "open_now": True,
        "reply_minutes": 60,
        "bot": False,  # off until the shop turns it on
    }
    await go_online(client, alice)
    assert (await profile(client))["online"] is True
    await set_hours(client, owen, NEVER_OPEN)
    closed = await profile(client)
    assert (closed["online"], closed["open_now"], closed["reply_minutes"]) == (False, False, 240)
    # With the FAQ bot on after hours, the closed shop still chats (with the bot).
    assert (
        await client.as_(owen).patch("/api/v1/shop/bot", json={"mode": "after_hours"})
    ).is_success
    assert (await profile(client))["bot"] is True


async def test_an_offline_message_becomes_a_conversation_for_the_agents(client, owen, carol):
    await set_hours(client, owen, NEVER_OPEN)
    async with client.as_(owen) as c:
        await c.patch("/api/v1/shop/widget", json={"reply_minutes_closed": 180})
    visitor = (await client.post("/api/v1/widget/acme/visitors", json={})).json()
    headers = {"X-Visitor-Token": visitor["token"]}
    form = {
        "name": "王女士",
        "contact": "13800138000",
        "body": "羽绒服M码什么时候补货？有货请联系我",
        "client_id": str(uuid.uuid4()),
        "greeting": "zh",  # the widget greeted the shopper before they left the message
    }
    left = await client.post("/api/v1/widget/offline-messages", json=form, headers=headers)
    assert left.status_code == 200, left.text
    answer = left.json()
    assert answer["reply_minutes"] == 180
    assert answer["conversation"]["status"] == "open"
    assert answer["message"]["body"] == "羽绒服M码什么时候补货？有货请联系我"
    again = await client.post("/api/v1/widget/offline-messages", json=form, headers=headers)
    assert again.json()["message"]["id"] == answer["message"]["id"], "a retry stores nothing new"
    async with client.as_(carol) as c:
        waiting = (await c.get("/api/v1/conversations", params={"view": "unassigned"})).json()
        [conversation] = waiting["items"]
        assert conversation["id"] == answer["conversation"]["id"]
        assert conversation["tags"] == ["留言"]
        history = await c.get(f"/api/v1/conversations/{conversation['id']}/messages")
        message, greeting = history.json()["items"]  # newest first
        assert message["payload"] == {"offline_form": {"name": "王女士", "contact": "13800138000"}}
        assert greeting["sender_kind"] == "bot" and greeting["payload"] == {"greeting": True}
        assert greeting["body"] == "您好，欢迎光临Acme 旗舰店！请问有什么可以帮您？"
        inbox = (await c.get("/api/v1/inbox", params={"view": "all"})).json()
        assert [item["name"] for item in inbox["items"]] == ["王女士"]


async def test_an_offline_message_needs_a_name_and_a_contact(client, personas):
    shopper = await make_shopper(client)
    refused = await client.post(
        "/api/v1/widget/offline-messages",
        json={
            "name": " ",
            "contact": "13800138000",
            "body": "在吗",
            "client_id": str(uuid.uuid4()),
        },
        headers=shopper.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "name"
    assert (
        await client.post(
            "/api/v1/widget/offline-messages",
            json={"name": "王", "contact": "1", "body": "在吗", "client_id": str(uuid.uuid4())},
        )
    ).status_code == 401
