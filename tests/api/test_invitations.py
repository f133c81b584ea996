"""Proactive invitations counted: shown, accepted and converted, per rule, once per page
view however often the widget reports; the greeting stored once as the bot's first
message; the name from the offline form shown to agents.

Isolation from other shops and the role matrix: test_tenant_isolation.py (and the
mallory tests here, for the figures a shop would least like a rival to read)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from kefu.models import InvitationView
from kefu.models.base import utcnow

RULE = {"message": "亲，这款羽绒服有什么想了解的吗？", "product_page_seconds": 0}
PRODUCT_PAGE = {
    "page": "https://shop.example.com/p/DN01",
    "title": "90白鸭绒轻薄羽绒服",
    "product_id": "DN01",
}
STATS = "/api/v1/visitors/invitations/stats"


async def _rules(client, owner, *rules) -> list[dict]:
    saved = await client.as_(owner).patch("/api/v1/shop/widget", json={"invitations": rules})
    assert saved.status_code == 200, saved.text
    return saved.json()["invitations"]


async def _visitor(client, shop_slug: str = "acme", token: str | None = None) -> dict[str, str]:
    """The widget's sign-in on PRODUCT_PAGE; ``token`` kept from before: a reload."""
    body = {"page": PRODUCT_PAGE["page"], "token": token}
    issued = await client.post(f"/api/v1/widget/{shop_slug}/visitors", json=body)
    assert issued.status_code == 200, issued.text
    return {"X-Visitor-Token": issued.json()["token"]}


async def _invited(client, shopper, page=PRODUCT_PAGE) -> str:
    seen = await client.post("/api/v1/widget/page-views", json=page, headers=shopper)
    assert seen.status_code == 200, seen.text
    assert seen.json()["invitation"] == RULE["message"]
    return seen.json()["invitation_id"]


async def _report(client, shopper, rule_id: str, what: str):
    return await client.post(f"/api/v1/widget/invitations/{rule_id}/{what}", headers=shopper)


async def _say(client, shopper, words: str) -> None:
    started = await client.post(
        "/api/v1/widget/conversations", json={"greeting": "zh"}, headers=shopper
    )
    said = {"client_id": str(uuid.uuid4()), "body": words}
    path = f"/api/v1/widget/conversations/{started.json()['id']}/messages"
    assert (await client.post(path, json=said, headers=shopper)).status_code == 200


async def _counts(client, persona, **params) -> list[tuple]:
    stats = await client.as_(persona).get(STATS, params=params)
    assert stats.status_code == 200, stats.text
    return [
        (s["message"], s["shown"], s["accepted"], s["converted"], s["conversion_rate"])
        for s in stats.json()["items"]
    ]


async def test_shown_accepted_converted_each_count_once_per_page_view(client, owen, carol):
    [rule] = await _rules(client, owen, RULE)
    shopper = await _visitor(client)
    rule_id = await _invited(client, shopper)
    assert rule_id == rule["id"]
    assert (await _report(client, shopper, rule_id, "shown")).status_code == 200
    shopper = await _visitor(client, token=shopper["X-Visitor-Token"])  # a reload
    await _invited(client, shopper)
    assert (await _report(client, shopper, rule_id, "shown")).status_code == 200
    for _ in range(2):
        assert (await _report(client, shopper, rule_id, "accepted")).status_code == 200
    await _say(client, shopper, "这件羽绒服有M码吗？")
    await _say(client, shopper, "另外能发顺丰吗？")
    assert await _counts(client, carol) == [(RULE["message"], 1, 1, 1, 1.0)]


async def test_another_page_view_is_another_invitation(client, owen, alice):
    [rule] = await _rules(client, owen, RULE)
    shopper = await _visitor(client)
    await _invited(client, shopper)
    await _report(client, shopper, rule["id"], "shown")
    other = PRODUCT_PAGE | {"page": "https://shop.example.com/p/EB01", "product_id": "EB01"}
    await _invited(client, shopper, other)
    await _report(client, shopper, rule["id"], "shown")
    assert await _counts(client, alice) == [(RULE["message"], 2, 0, 0, 0.0)]


async def test_a_message_converts_only_an_invitation_accepted_in_the_last_30_minutes(
    client, owen, carol, sessionmaker
):
    [rule] = await _rules(client, owen, RULE)
    ignored, late = await _visitor(client), await _visitor(client)
    for shopper in (ignored, late):
        await _invited(client, shopper)
        await _report(client, shopper, rule["id"], "shown")
    await _report(client, late, rule["id"], "accepted")
    async with sessionmaker() as session:
        long_ago = utcnow() - timedelta(minutes=31)
        await session.execute(
            update(InvitationView)
            .where(InvitationView.accepted_at.is_not(None))
            .values(accepted_at=long_ago)
        )
        await session.commit()
    await _say(client, ignored, "在吗")
    await _say(client, late, "还在吗")
    assert await _counts(client, carol) == [(RULE["message"], 2, 1, 0, 0.0)]


async def test_an_offline_message_converts_too(client, owen, carol):
    [rule] = await _rules(client, owen, RULE)
    shopper = await _visitor(client)
    await _invited(client, shopper)
    await _report(client, shopper, rule["id"], "accepted")
    form = {"name": "李女士", "contact": "wx_lili88", "body": "想问下羽绒服会降价吗"}
    left = await client.post(
        "/api/v1/widget/offline-messages",
        json=form | {"client_id": str(uuid.uuid4())},
        headers=shopper,
    )
    assert left.status_code == 200, left.text
    assert await _counts(client, carol) == [(RULE["message"], 1, 1, 1, 1.0)]


async def test_counts_by_local_day_and_for_removed_rules(client, owen, carol):
    [rule] = await _rules(client, owen, RULE)
    shopper = await _visitor(client)
    await _invited(client, shopper)
    await _report(client, shopper, rule["id"], "shown")
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert await _counts(client, carol, date_from=tomorrow) == [(RULE["message"], 0, 0, 0, None)]
    returning = {"message": "欢迎回来！老顾客专享客服在线", "returning_only": True}
    await _rules(client, owen, returning)
    assert await _counts(client, carol) == [
        (returning["message"], 0, 0, 0, None),
        (None, 1, 0, 0, 0.0),
    ]
    reversed_range = await client.as_(carol).get(
        STATS, params={"date_from": tomorrow, "date_to": tomorrow}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["error"]["field"] == "date_to"


async def test_an_edited_rule_keeps_its_counts_when_its_id_is_sent_back(client, owen, carol):
    [rule] = await _rules(client, owen, RULE)
    shopper = await _visitor(client)
    await _invited(client, shopper)
    await _report(client, shopper, rule["id"], "shown")
    assert await _rules(client, owen, RULE) == [rule], "the same rule again keeps its id"
    reworded = rule | {"message": "亲，羽绒服今天下单送围巾哦"}
    await _rules(client, owen, reworded)
    assert await _counts(client, carol) == [(reworded["message"], 1, 0, 0, 0.0)]
    twice = await client.as_(owen).patch(
        "/api/v1/shop/widget", json={"invitations": [reworded, reworded]}
    )
    assert twice.status_code == 422


async def test_reports_name_a_rule_of_the_shop_after_a_page_view(client, owen):
    [rule] = await _rules(client, owen, RULE)
    issued = await client.post("/api/v1/widget/acme/visitors", json={})
    shopper = {"X-Visitor-Token": issued.json()["token"]}
    early = await _report(client, shopper, rule["id"], "shown")
    assert early.status_code == 409, "no page known yet"
    await _invited(client, shopper)
    made_up = await _report(client, shopper, "abc123", "shown")
    assert made_up.status_code == 404
    bad = await _report(client, shopper, "../x", "shown")
    assert bad.status_code in (404, 422)


async def test_mallory_sees_neither_acmes_invitation_counts_nor_its_visitors(client, owen, mallory):
    [rule] = await _rules(client, owen, RULE)
    shopper = await _visitor(client)
    await _invited(client, shopper)
    await _report(client, shopper, rule["id"], "accepted")
    assert await _counts(client, mallory) == []
    live = await client.as_(mallory).get("/api/v1/visitors/live")
    assert live.json()["items"] == []
    hers = await _visitor(client, "mallory-mart")
    await client.post("/api/v1/widget/page-views", json=PRODUCT_PAGE, headers=hers)
    refused = await _report(client, hers, rule["id"], "shown")
    assert refused.status_code == 404, "acme's rule is not her shop's"
    assert await _counts(client, owen) == [(RULE["message"], 1, 1, 0, 0.0)]


async def test_the_greeting_is_stored_once_and_only_when_the_widget_showed_it(client, owen):
    await client.as_(owen).patch("/api/v1/shop/widget", json={"greeting": "亲，欢迎光临～"})
    shopper = await _visitor(client)
    for _ in range(2):  # a reload starts again and gets the open conversation
        started = await client.post(
            "/api/v1/widget/conversations", json={"greeting": "en"}, headers=shopper
        )
    path = f"/api/v1/widget/conversations/{started.json()['id']}/messages"
    [greeting] = (await client.get(path, headers=shopper)).json()["items"]
    assert (greeting["sender_kind"], greeting["body"]) == ("bot", "亲，欢迎光临～")
    conversation = await client.as_(owen).get(f"/api/v1/conversations/{started.json()['id']}")
    assert conversation.json()["first_response_at"] is None, "a greeting is no answer"

    silent = await _visitor(client)
    started = await client.post("/api/v1/widget/conversations", json={}, headers=silent)
    path = f"/api/v1/widget/conversations/{started.json()['id']}/messages"
    assert (await client.get(path, headers=silent)).json()["items"] == []


async def test_the_name_from_the_offline_form_is_how_agents_see_the_visitor(client, alice):
    shopper = await _visitor(client)
    await client.post("/api/v1/widget/page-views", json=PRODUCT_PAGE, headers=shopper)
    form = {"name": "王女士", "contact": "13800138000", "body": "羽绒服M码什么时候补货？"}
    left = await client.post(
        "/api/v1/widget/offline-messages",
        json=form | {"client_id": str(uuid.uuid4())},
        headers=shopper,
    )
    conversation_id = left.json()["conversation"]["id"]
    agent = client.as_(alice)
    [item] = (await agent.get("/api/v1/inbox", params={"view": "all"})).json()["items"]
    assert item["name"] == "王女士"
    panel = (await agent.get(f"/api/v1/conversations/{conversation_id}/panel")).json()
    assert panel["visitor_name"] == "王女士"
    assert panel["variables"]["客户昵称"] == "王女士"
    [live] = (await agent.get("/api/v1/visitors/live")).json()["items"]
    assert live["name"] == "王女士"
