"""Conversations through the REST API: the widget's side and the agents' side."""

from __future__ import annotations

import uuid

from kefu.lib.tokens import customer_signature
from kefu.models import Shop
from tests.chat.conftest import make_shopper


async def test_a_full_conversation_over_rest(client, shopper, alice, carol):
    widget = {"headers": shopper.headers}
    sent = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "收到的鞋子尺码不对，想换货"},
        **widget,
    )
    assert sent.status_code == 200, sent.text
    unassigned = await client.as_(alice).get("/api/v1/conversations", params={"view": "unassigned"})
    assert [c["id"] for c in unassigned.json()["items"]] == [shopper.conversation_id]

    api = client.as_(alice)
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    assert (await api.post(f"{url}/assign", json={"agent_id": alice.agent_id})).status_code == 200
    mine = await api.get("/api/v1/conversations", params={"view": "mine", "status": "open"})
    assert [c["id"] for c in mine.json()["items"]] == [shopper.conversation_id]
    reply = await api.post(
        f"{url}/messages", json={"client_id": str(uuid.uuid4()), "body": "亲，可以换货的"}
    )
    note = await api.post(
        f"{url}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "已核对订单地址", "kind": "note"},
    )
    assert (reply.status_code, note.status_code) == (200, 200)

    staff_view = (await api.get(f"{url}/messages")).json()["items"]
    assert [m["body"] for m in staff_view] == [
        "已核对订单地址",
        "亲，可以换货的",
        "收到的鞋子尺码不对，想换货",
    ]
    shopper_view = await client.get(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages", **widget
    )
    assert [m["body"] for m in shopper_view.json()["items"]] == [
        "亲，可以换货的",
        "收到的鞋子尺码不对，想换货",
    ]
    conversation = (await api.get(url)).json()
    assert conversation["first_response_at"] is not None

    closed = await client.as_(carol).post(
        f"{url}/close", json={"summary": "尺码问题，已安排换货", "disposition": "exchanged"}
    )
    assert closed.json()["status"] == "closed"
    assert closed.json()["summary"] == "尺码问题，已安排换货"
    rated = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/rating",
        json={"rating": 5, "comment": "客服很耐心"},
        **widget,
    )
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert "summary" not in rated.json()
    again = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/rating",
        json={"rating": 1},
        **widget,
    )
    assert again.status_code == 409
    late = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "还有一个问题"},
        **widget,
    )
    assert late.status_code == 409


async def test_the_same_client_id_never_stores_twice(client, shopper):
    url = f"/api/v1/widget/conversations/{shopper.conversation_id}/messages"
    body = {"client_id": str(uuid.uuid4()), "body": "发票怎么开？"}
    first = await client.post(url, json=body, headers=shopper.headers)
    retry = await client.post(url, json=body, headers=shopper.headers)
    assert retry.json() == first.json()
    listed = await client.get(url, headers=shopper.headers)
    assert [m["body"] for m in listed.json()["items"]] == ["发票怎么开？"]
    other = await make_shopper(client)
    stolen = await client.post(
        f"/api/v1/widget/conversations/{other.conversation_id}/messages",
        json=body,
        headers=other.headers,
    )
    assert stolen.status_code == 409
    assert stolen.json()["error"]["field"] == "client_id"


async def test_opening_the_widget_again_keeps_the_visitor_and_conversation(client, shopper):
    again = await client.post(
        "/api/v1/widget/acme/visitors", json={"token": shopper.token, "page": "/cart"}
    )
    assert again.json()["visitor_id"] == shopper.public_id
    started = await client.post(
        "/api/v1/widget/conversations", json={}, headers={"X-Visitor-Token": again.json()["token"]}
    )
    assert started.json()["id"] == shopper.conversation_id
    elsewhere = await client.post(
        "/api/v1/widget/mallory-mart/visitors", json={"token": shopper.token}
    )
    assert elsewhere.json()["visitor_id"] != shopper.public_id
    unknown = await client.post("/api/v1/widget/no-such-shop/visitors", json={})
    assert unknown.status_code == 404


async def test_a_visitor_reads_only_their_own_conversation(client, shopper):
    other = await make_shopper(client)
    for path in ("", "/messages"):
        peek = await client.get(
            f"/api/v1/widget/conversations/{other.conversation_id}{path}", headers=shopper.headers
        )
        assert peek.status_code == 404
    for token in ("", "1.abc.def", shopper.token + "x"):
        refused = await client.get(
            f"/api/v1/widget/conversations/{shopper.conversation_id}",
            headers={"X-Visitor-Token": token},
        )
        assert refused.status_code == 401
    staff_only = await client.get(
        f"/api/v1/conversations/{shopper.conversation_id}", headers=shopper.headers
    )
    assert staff_only.status_code == 401


async def test_transfer_rules_and_the_handover_note(client, shopper, alice, bob, carol, owen):
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    grab = await client.as_(bob).post(f"{url}/assign", json={"agent_id": alice.agent_id})
    assert grab.status_code == 403  # an agent takes conversations for themself only
    await client.as_(alice).post(f"{url}/assign", json={"agent_id": alice.agent_id})
    handed = await client.as_(alice).post(
        f"{url}/assign", json={"agent_id": bob.agent_id, "note": "客户要退款，转售后"}
    )
    assert handed.json()["assigned_agent_id"] == bob.agent_id
    back = await client.as_(alice).post(f"{url}/assign", json={"agent_id": alice.agent_id})
    assert back.status_code == 403
    notes = (await client.as_(bob).get(f"{url}/messages")).json()["items"]
    assert [(m["kind"], m["body"]) for m in notes] == [("note", "客户要退款，转售后")]
    queued = await client.as_(carol).post(f"{url}/assign", json={"agent_id": None})
    assert queued.json()["assigned_agent_id"] is None
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    assert [e["action"] for e in audit].count("conversation.assign") == 3


async def test_snooze_then_the_shopper_writing_reopens(client, shopper, alice):
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    past = await client.as_(alice).post(f"{url}/snooze", json={"until": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422
    snoozed = await client.as_(alice).post(
        f"{url}/snooze", json={"until": "2099-01-01T08:00:00+08:00"}
    )
    assert snoozed.json()["status"] == "snoozed"
    await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "我回来了"},
        headers=shopper.headers,
    )
    reopened = (await client.as_(alice).get(url)).json()
    assert (reopened["status"], reopened["snoozed_until"]) == ("open", None)


async def test_agents_cannot_rate_and_filters_are_checked(client, shopper, alice):
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    assert (await client.as_(alice).post(f"{url}/rating", json={"rating": 5})).status_code == 403
    for params in ({"view": "everything"}, {"status": "lost"}, {"cursor": "bad"}):
        listed = await client.as_(alice).get("/api/v1/conversations", params=params)
        assert listed.status_code == 422


async def test_mallory_reaches_none_of_acmes_conversations(client, shopper, mallory):
    api = client.as_(mallory)
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    message = {"client_id": str(uuid.uuid4()), "body": "hi"}
    for response in (
        await api.get(url),
        await api.get(f"{url}/messages"),
        await api.post(f"{url}/messages", json=message),
        await api.post(f"{url}/assign", json={"agent_id": mallory.agent_id}),
        await api.post(f"{url}/snooze", json={"until": "2099-01-01T00:00:00Z"}),
        await api.post(f"{url}/close", json={}),
    ):
        assert response.status_code == 404, response.text
    assert (await api.get("/api/v1/conversations")).json()["items"] == []


async def test_a_storefront_links_the_visitor_to_its_customer(client, owen, sessionmaker):
    await client.as_(owen).post(
        "/api/v1/customers/bulk", json={"items": [{"external_id": "C-1001", "name": "王芳"}]}
    )
    async with sessionmaker() as session:
        secret = (await session.get(Shop, owen.shop_id)).widget_secret
    signed = {"customer_id": "C-1001", "customer_signature": customer_signature(secret, "C-1001")}
    issued = await client.post("/api/v1/widget/acme/visitors", json=signed)
    headers = {"X-Visitor-Token": issued.json()["token"]}
    started = await client.post("/api/v1/widget/conversations", json={}, headers=headers)
    seen = await client.as_(owen).get(f"/api/v1/conversations/{started.json()['id']}")
    customers = (await client.as_(owen).get("/api/v1/customers")).json()["items"]
    assert seen.json()["customer_id"] == customers[0]["id"]
    forged = await client.post(
        "/api/v1/widget/acme/visitors", json=signed | {"customer_id": "C-1002"}
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["field"] == "customer_signature"
    garbled = await client.post(
        "/api/v1/widget/acme/visitors", json=signed | {"customer_signature": "签名✓"}
    )
    assert garbled.status_code == 403, "a signature in any script is refused, not a 500"
    assert garbled.json()["error"]["field"] == "customer_signature"


async def test_the_widget_routes_answer_other_sites_and_nothing_else_does(client, shopper, alice):
    preflight = await client.options(
        "/api/v1/widget/conversations",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-visitor-token",
        },
    )
    assert preflight.status_code == 204
    assert "x-visitor-token" in preflight.headers["access-control-allow-headers"]
    own = await client.get(
        f"/api/v1/widget/conversations/{shopper.conversation_id}",
        headers=shopper.headers | {"Origin": "https://shop.example"},
    )
    assert own.headers["access-control-allow-origin"] == "*"
    staff = await client.as_(alice).get(
        "/api/v1/conversations", headers={"Origin": "https://shop.example"}
    )
    assert "access-control-allow-origin" not in staff.headers


async def test_a_visitor_sending_too_fast_is_told_to_wait(client, shopper, strict_widget_limits):
    url = f"/api/v1/widget/conversations/{shopper.conversation_id}/messages"
    statuses = [
        (
            await client.post(
                url,
                json={"client_id": str(uuid.uuid4()), "body": "刷屏"},
                headers=shopper.headers,
            )
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = await client.get(url, headers=shopper.headers)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "please wait" in refused.json()["error"]["message"]
