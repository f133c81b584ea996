"""Settings → Webhooks: owners add an endpoint (the secret shown once), switch it off and
on, ping it, delete it, and send dead letters again; nobody else gets in."""

from __future__ import annotations

import re

from sqlalchemy import select

from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint

PAGE = "/settings/webhooks"
EVENTS = ["message.created", "conversation.changed"]
ADAPTER = "https://adapter.acme.example/kefu?token=<b>x</b>"


async def _endpoint(sessionmaker, endpoint_id: int) -> WebhookEndpoint | None:
    async with sessionmaker() as s:
        return await s.get(WebhookEndpoint, endpoint_id)


async def _dead_letter(sessionmaker, endpoint_id: int, shop_id: int) -> int:
    """A delivery the worker gave up on after its last attempt."""
    async with sessionmaker() as s:
        delivery = WebhookDelivery(
            shop_id=shop_id,
            endpoint_id=endpoint_id,
            event="message.created",
            payload={"conversation_id": 1, "message": {"body": "您好，已为您登记退货"}},
            state=DeliveryState.DEAD,
            attempts=8,
            last_status=502,
            last_error="Bad Gateway",
        )
        s.add(delivery)
        await s.commit()
        return delivery.id


async def test_owner_adds_a_webhook_and_sees_its_secret_once(as_, owen, sessionmaker):
    owner = as_(owen)
    assert "还没有 Webhook" in (await owner.get(PAGE)).text
    created = await owner.submit(PAGE, {"url": ADAPTER, "event_types": EVENTS})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', created.text).group(1)
    endpoint_id = int(re.search(r"/settings/webhooks/(\d+)/test", created.text).group(1))
    stored = await _endpoint(sessionmaker, endpoint_id)
    assert (stored.secret, stored.url, stored.event_types) == (secret, ADAPTER, sorted(EVENTS))

    later = (await owner.get(PAGE)).text
    assert secret not in later
    assert "token=&lt;b&gt;x&lt;/b&gt;" in later and "<b>x</b>" not in later
    assert "已启用" in later


async def test_owner_switches_pings_and_deletes_a_webhook(as_, owen, sessionmaker):
    owner = as_(owen)
    created = await owner.submit(PAGE, {"url": ADAPTER, "event_types": EVENTS[:1]})
    endpoint_id = int(re.search(r"/settings/webhooks/(\d+)/test", created.text).group(1))

    off = await owner.submit(f"{PAGE}/{endpoint_id}/active", {"active": "false"})
    assert off.status_code == 303
    assert "Webhook 已停用" in (await owner.get(PAGE)).text
    assert (await _endpoint(sessionmaker, endpoint_id)).active is False
    await owner.submit(f"{PAGE}/{endpoint_id}/active", {"active": "true"})
    assert (await _endpoint(sessionmaker, endpoint_id)).active is True

    pinged = await owner.submit(f"{PAGE}/{endpoint_id}/test")
    assert pinged.status_code == 303
    listing = (await owner.get(PAGE)).text
    assert "测试事件已排队" in listing
    assert "webhook.test" in listing and "排队中" in listing

    deleted = await owner.submit(f"{PAGE}/{endpoint_id}/delete")
    assert deleted.status_code == 303
    assert "还没有 Webhook" in (await owner.get(PAGE)).text
    assert await _endpoint(sessionmaker, endpoint_id) is None
    audit = (await owner.get("/settings/audit?entity=webhook")).text
    for action in ("webhook.create", "webhook.update", "webhook.test", "webhook.delete"):
        assert action in audit


async def test_a_refused_webhook_is_explained_next_to_the_field(as_, owen):
    owner = as_(owen)
    wrong = await owner.submit(PAGE, {"url": "ftp://adapter.acme.example", "event_types": EVENTS})
    assert wrong.status_code == 422
    assert "请填写接收方完整的 http:// 或 https:// 地址。" in wrong.text
    assert 'value="ftp://adapter.acme.example"' in wrong.text
    nothing = await owner.submit(PAGE, {"url": ADAPTER})
    assert nothing.status_code == 422
    assert "请至少选择一种事件。" in nothing.text
    assert "还没有 Webhook" in nothing.text


async def test_owner_sends_a_dead_letter_again(as_, client, owen, sessionmaker):
    made = await client.as_(owen).post(
        "/api/v1/webhooks", json={"url": "https://adapter.acme.example/kefu", "event_types": EVENTS}
    )
    dead_id = await _dead_letter(sessionmaker, made.json()["id"], owen.shop_id)
    owner = as_(owen)
    dead = (await owner.get(f"{PAGE}?state=dead")).text
    assert "HTTP 502" in dead and "Bad Gateway" in dead and "死信" in dead

    replayed = await owner.submit(f"{PAGE}/deliveries/{dead_id}/replay")
    assert replayed.status_code == 303
    assert replayed.headers["location"] == f"{PAGE}?state=dead"
    after = (await owner.get(f"{PAGE}?state=dead")).text
    assert "已重新排队发送" in after and "没有死信" in after
    async with sessionmaker() as s:
        delivery = await s.get(WebhookDelivery, dead_id)
        assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 0)
    again = await owner.submit(f"{PAGE}/deliveries/{dead_id}/replay")
    assert again.status_code == 409
    assert "只有死信可以重新发送。" in again.text


async def test_supervisors_and_agents_cannot_use_the_page(as_, alice, carol, sessionmaker):
    for persona in (alice, carol):
        browser = as_(persona)
        assert (await browser.get(PAGE)).status_code == 403
        refused = await browser.submit(PAGE, {"url": ADAPTER, "event_types": EVENTS})
        assert refused.status_code == 403
    async with sessionmaker() as s:
        assert (await s.scalars(select(WebhookEndpoint))).all() == []


async def test_another_shops_owner_cannot_see_or_touch_acmes_webhooks(
    as_, client, owen, mallory, sessionmaker
):
    made = await client.as_(owen).post(
        "/api/v1/webhooks", json={"url": "https://adapter.acme.example/kefu", "event_types": EVENTS}
    )
    endpoint_id = made.json()["id"]
    dead_id = await _dead_letter(sessionmaker, endpoint_id, owen.shop_id)
    other = as_(mallory)
    page = (await other.get(f"{PAGE}?state=dead")).text
    assert "adapter.acme.example" not in page and "Bad Gateway" not in page
    for path in (
        f"{PAGE}/{endpoint_id}/delete",
        f"{PAGE}/{endpoint_id}/test",
        f"{PAGE}/{endpoint_id}/active",
        f"{PAGE}/deliveries/{dead_id}/replay",
    ):
        assert (await other.submit(path, {"active": "false"})).status_code == 404, path
    stored = await _endpoint(sessionmaker, endpoint_id)
    assert stored is not None and stored.active is True
    async with sessionmaker() as s:
        assert (await s.get(WebhookDelivery, dead_id)).state is DeliveryState.DEAD
