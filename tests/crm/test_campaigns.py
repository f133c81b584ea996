"""Campaigns on a real database: the audience of a segment or tag, opt-out, the monthly
cap across campaigns, quiet hours, de-duplication, the dry run, deterministic A/B
variants, conversions with their statistics (worked by hand), roles and shops."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kefu.access import Actor
from kefu.crm.campaigns import do_create_campaign, do_launch, variant_of
from kefu.crm.outreach import do_set_opt_out, quiet_until, send_due_messages
from kefu.crm.settings import crm_settings
from kefu.crm.stats import compare_rates
from kefu.models import CampaignMessage, Shop, Visitor, WebhookDelivery
from tests.crm.shop_orders import seed_shop

WINBACK = "亲爱的{客户昵称}，好久不见！{店铺名}为您准备了一张回归专享券，本周内有效～"
HOOK = {"url": "https://sms.example.com/kefu", "event_types": ["campaign.message"]}


@pytest.fixture
async def shop(client, owen) -> dict[str, int]:
    """acme with the hand-worked customers, segments of 21 March, a webhook for campaign
    messages, a cap of 2 and no quiet hours (the quiet-hour tests give their own times)."""
    api = client.as_(owen)
    names = await seed_shop(api)
    await api.post("/api/v1/rfm/refresh", json={"day": "2026-03-21"})
    settings = {"frequency_cap": 2, "quiet_hours": None}
    assert (await api.patch("/api/v1/shop/crm-settings", json=settings)).status_code == 200
    assert (await api.post("/api/v1/webhooks", json=HOOK)).status_code == 201
    return names


def _campaign(**audience) -> dict:
    return {
        "name": "会员回归关怀",
        "channel": "webhook",
        "variants": [{"text": WINBACK}],
    } | audience


async def _create(api, **audience) -> int:
    created = await api.post("/api/v1/campaigns", json=_campaign(**audience))
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def test_opt_out_cap_dedupe_and_the_dry_run(client, carol, owen, shop, session):
    api = client.as_(carol)
    members = await _create(api, tag="会员")  # 李雷, 赵敏
    opted = await api.put(f"/api/v1/customers/{shop['赵敏']}/opt-out", json={"opted_out": True})
    assert opted.status_code == 200 and opted.json()["opted_out_at"]
    dry = (await api.post(f"/api/v1/campaigns/{members}/dry-run")).json()
    assert (dry["audience"], dry["recipients"], dry["opted_out"], dry["capped"]) == (2, 1, 1, 0)
    assert dry["deferred"] == 0 and dry["no_webhook"] is False
    launched = await api.post(f"/api/v1/campaigns/{members}/launch")
    assert launched.status_code == 200, launched.text
    assert launched.json()["status"] == "launched" and launched.json()["counts"]["sent"] == 1
    # The message went to the SMS adapter, signed like every webhook, with the text filled.
    deliveries = (await session.scalars(select(WebhookDelivery))).all()
    assert [d.event for d in deliveries] == ["campaign.message"]
    payload = deliveries[0].payload
    assert payload["customer"]["external_id"] == "C-LL"
    shop_name = (await session.get(Shop, owen.shop_id)).name
    expected = f"亲爱的雷哥，好久不见！{shop_name}为您准备了一张回归专享券，本周内有效～"
    assert payload["text"] == expected
    # Never twice: the campaign is sent once, and the unique key guards each customer.
    again = await api.post(f"/api/v1/campaigns/{members}/launch")
    assert again.status_code == 409
    # A second campaign (fading: 李雷, 赵敏) reaches 李雷 again: 2 this month, the cap.
    fading = await _create(api, segment="fading")
    assert (await api.post(f"/api/v1/campaigns/{fading}/launch")).json()["counts"]["sent"] == 1
    # A third (老客: 王芳, 李雷): 李雷 is capped across campaigns, 王芳 gets it.
    regulars = await _create(api, tag="老客")
    dry = (await api.post(f"/api/v1/campaigns/{regulars}/dry-run")).json()
    assert (dry["audience"], dry["recipients"], dry["capped"], dry["opted_out"]) == (2, 1, 1, 0)
    # Opting back in counts at once.
    await api.put(f"/api/v1/customers/{shop['赵敏']}/opt-out", json={"opted_out": False})
    dry = (await api.post(f"/api/v1/campaigns/{regulars}/dry-run")).json()
    assert dry["recipients"] == 1
    members_again = await _create(api, tag="会员")
    dry = (await api.post(f"/api/v1/campaigns/{members_again}/dry-run")).json()
    assert (dry["recipients"], dry["capped"], dry["opted_out"]) == (1, 1, 0)
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    assert "campaign.launch" in {entry["action"] for entry in audit}


async def test_a_webhook_campaign_needs_an_endpoint(client, carol, shop, owen):
    hooks = (await client.as_(owen).get("/api/v1/webhooks")).json()
    await client.as_(owen).patch(f"/api/v1/webhooks/{hooks[0]['id']}", json={"active": False})
    campaign = await _create(client.as_(carol), segment="core")
    dry = (await client.as_(carol).post(f"/api/v1/campaigns/{campaign}/dry-run")).json()
    assert dry["no_webhook"] is True
    refused = await client.as_(carol).post(f"/api/v1/campaigns/{campaign}/launch")
    assert refused.status_code == 409 and "webhook" in refused.json()["error"]["message"]


def test_quiet_hours_wrap_past_midnight():
    shop = Shop(slug="s", name="s", timezone="Asia/Shanghai", widget_secret="x")
    settings = crm_settings({})
    local = lambda h, m, d=21: datetime(2026, 3, d, h, m, tzinfo=UTC) - timedelta(hours=8)  # noqa: E731
    assert quiet_until(settings, shop, local(21, 59)) is None
    assert quiet_until(settings, shop, local(22, 0)) == local(8, 0, 22)
    assert quiet_until(settings, shop, local(23, 30)) == local(8, 0, 22)
    assert quiet_until(settings, shop, local(7, 59)) == local(8, 0)
    assert quiet_until(settings, shop, local(8, 0)) is None
    assert quiet_until(crm_settings({"quiet_hours": None}), shop, local(23, 0)) is None
    daytime = crm_settings({"quiet_hours": ["12:00", "14:00"]})
    assert quiet_until(daytime, shop, local(13, 0)) == local(14, 0)


async def test_quiet_hours_defer_and_a_late_opt_out_still_counts(client, owen, shop, session):
    await client.as_(owen).patch(
        "/api/v1/shop/crm-settings", json={"quiet_hours": ["22:00", "08:00"]}
    )
    system = Actor.system(owen.shop_id)
    night = datetime(2026, 3, 21, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    morning = datetime(2026, 3, 22, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    campaign = await do_create_campaign(
        session,
        system,
        name="沉睡唤醒",
        channel="webhook",
        variants=[{"text": WINBACK}],
        tag="会员",
    )
    await do_launch(session, system, campaign.id, night)
    await session.commit()
    assert campaign.counts["deferred"] == 2 and campaign.counts["sent"] == 0
    assert (await session.scalars(select(WebhookDelivery))).all() == []
    await do_set_opt_out(session, system, shop["赵敏"], True, night + timedelta(minutes=5))
    assert await send_due_messages(session, morning - timedelta(minutes=1)) == 0
    assert await send_due_messages(session, morning) == 1
    await session.commit()
    await session.refresh(campaign)
    assert (campaign.counts["sent"], campaign.counts["deferred"]) == (1, 0)
    assert campaign.counts["opted_out"] == 1
    deliveries = (await session.scalars(select(WebhookDelivery))).all()
    assert [d.payload["customer"]["external_id"] for d in deliveries] == ["C-LL"]


def test_variants_split_at_random_but_fixed_per_customer():
    split = Counter(variant_of(42, customer, 2) for customer in range(1, 10_001))
    assert abs(split[0] - 5_000) < 200  # 4 standard deviations of a fair coin
    assert [variant_of(42, 7, 2) for _ in range(3)] == [variant_of(42, 7, 2)] * 3
    assert Counter(variant_of(43, c, 3) for c in range(1, 3_001)).keys() == {0, 1, 2}


def test_two_proportion_statistics_against_hand_computed_values():
    # A: 20 of 200 (10 %), B: 35 of 200 (17.5 %). Pooled p = 55/400 = 0.1375;
    # SE0 = √(0.1375·0.8625·(1/200+1/200)) = 0.034437; z = 0.075/0.034437 = 2.1779;
    # p = 2·(1−Φ(2.1779)) = 0.02942. Unpooled SE = √(0.1·0.9/200 + 0.175·0.825/200)
    # = 0.034233; 95 % CI = 0.075 ± 1.96·0.034233 = [0.00791, 0.14209].
    compared = compare_rates(20, 200, 35, 200)
    assert compared.difference == pytest.approx(0.075)
    assert compared.z == pytest.approx(2.1779, abs=1e-4)
    assert compared.p_value == pytest.approx(0.02942, abs=1e-5)
    assert (compared.ci_low, compared.ci_high) == pytest.approx((0.00791, 0.14209), abs=1e-5)
    assert compare_rates(0, 0, 3, 10) is None
    none_convert = compare_rates(0, 50, 0, 50)
    assert none_convert.z is None and none_convert.p_value is None


async def test_conversions_per_variant(client, carol, owen, shop, session):
    api = client.as_(carol)
    body = _campaign(segment="fading") | {
        "variants": [
            {"name": "A", "text": WINBACK},
            {"name": "B", "text": "{客户昵称}，您常买的咖啡豆补货啦"},
        ],
        "conversion_days": 7,
    }
    campaign = (await api.post("/api/v1/campaigns", json=body)).json()
    launched = (await api.post(f"/api/v1/campaigns/{campaign['id']}/launch")).json()
    sent_at = datetime.fromisoformat(launched["launched_at"])
    # 李雷 orders 2 days after the message (converts); 赵敏 after 9 days (too late).
    orders = [
        ("E2001", "C-LL", sent_at + timedelta(days=2), 19900),
        ("E2002", "C-ZM", sent_at + timedelta(days=9), 9900),
    ]
    items = [
        {
            "external_id": number,
            "customer_external_id": customer,
            "status": "paid",
            "placed_at": at.isoformat(),
            "lines": [
                {"sku": "KF-1", "title": "挂耳咖啡", "quantity": 1, "unit_price_cents": cents}
            ],
        }
        for number, customer, at, cents in orders
    ]
    assert (
        await client.as_(owen).post("/api/v1/orders/bulk", json={"items": items})
    ).status_code == 200
    results = (await api.get(f"/api/v1/campaigns/{campaign['id']}/results")).json()
    lei = "AB"[variant_of(campaign["id"], shop["李雷"], 2)]
    by_name = {v["name"]: v for v in results["variants"]}
    assert sum(v["sent"] for v in by_name.values()) == 2
    assert by_name[lei]["converted"] == 1 and by_name[lei]["revenue_cents"] == 19900
    assert sum(v["converted"] for v in by_name.values()) == 1
    if all(v["sent"] for v in by_name.values()):
        (comparison,) = results["comparisons"]
        assert (comparison["variant"], comparison["against"]) == ("B", "A")


async def test_widget_messages_show_on_the_next_visit(client, carol, shop, session):
    from tests.chat.conftest import make_shopper

    api = client.as_(carol)
    body = _campaign(tag="老客") | {"channel": "widget"}
    campaign = (await api.post("/api/v1/campaigns", json=body)).json()
    assert (await api.post(f"/api/v1/campaigns/{campaign['id']}/launch")).status_code == 200
    shopper = await make_shopper(client)
    visitor = await session.scalar(select(Visitor).where(Visitor.public_id == shopper.public_id))
    visitor.customer_id = shop["王芳"]
    await session.commit()
    shown = await client.get("/api/v1/widget/campaign-messages", headers=shopper.headers)
    assert shown.status_code == 200 and shown.json()["messages"][0].startswith("亲爱的芳芳")
    again = await client.get("/api/v1/widget/campaign-messages", headers=shopper.headers)
    assert again.json()["messages"] == []
    rows = (await session.scalars(select(CampaignMessage))).all()
    assert {r.customer_id for r in rows if r.shown_at} == {shop["王芳"]}


async def test_agents_cannot_launch_and_other_shops_see_nothing(
    client, alice, carol, mallory, shop
):
    campaign = await _create(client.as_(carol), segment="core")
    for path in ("dry-run", "launch"):
        response = await client.as_(alice).post(f"/api/v1/campaigns/{campaign}/{path}")
        assert response.status_code == 403, path
    refused = await client.as_(alice).post("/api/v1/campaigns", json=_campaign(segment="core"))
    assert refused.status_code == 403
    assert (await client.as_(alice).get(f"/api/v1/campaigns/{campaign}")).status_code == 200
    outsider = client.as_(mallory)
    for method, path in (
        ("GET", f"/api/v1/campaigns/{campaign}"),
        ("GET", f"/api/v1/campaigns/{campaign}/results"),
        ("POST", f"/api/v1/campaigns/{campaign}/launch"),
        ("PUT", f"/api/v1/customers/{shop['王芳']}/opt-out"),
    ):
        response = await outsider.request(method, path, json={"opted_out": True})
        assert response.status_code == 404, (path, response.text)
    assert (await outsider.get("/api/v1/campaigns")).json()["items"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"segment": "vip"}, "segment"),
        ({"segment": None, "tag": None}, "segment"),
        ({"variants": []}, "variants"),
        ({"variants": [{"text": "亲，{客户名}您好"}]}, "variants.0.text"),
        ({"variants": [{"name": "A", "text": "一"}, {"name": "A", "text": "二"}]}, "variants"),
        ({"conversion_days": 0}, "conversion_days"),
    ],
)
async def test_bad_campaigns_are_refused(client, carol, change, field):
    body = _campaign(segment="sleeping") | change
    response = await client.as_(carol).post("/api/v1/campaigns", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
