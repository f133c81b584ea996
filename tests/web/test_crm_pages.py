"""/crm: a supervisor sees the segments with their strategies, sizes over time and moves,
creates an A/B campaign to sleeping customers, checks the dry run, launches it and reads
its results; agents are kept out. Chinese first."""

from __future__ import annotations

import re

from tests.crm.shop_orders import seed_shop

WINBACK = "亲爱的{客户昵称}，好久不见！{店铺名}为您准备了一张回归专享券～"


async def test_supervisor_sees_segments_and_runs_a_campaign(as_, client, carol, owen):
    await seed_shop(client.as_(owen))
    for day in ("2026-03-15", "2026-03-21"):
        await client.as_(owen).post("/api/v1/rfm/refresh", json={"day": day})
    await client.as_(owen).patch("/api/v1/shop/crm-settings", json={"quiet_hours": None})
    supervisor = as_(carol)
    page = (await supervisor.get("/crm")).text
    assert "客户分层" in page and "待唤醒客户" in page and "个性化召回" in page
    assert "03-15" in page and "03-21" in page  # sizes over time
    assert "重要挽留客户" in page  # 王芳 moved from it to core
    form = {
        "name": "会员唤醒 A/B",
        "segment": "",
        "tag": "会员",
        "channel": "widget",
        "variant_a": WINBACK,
        "variant_b": "{客户昵称}，您常买的咖啡豆补货啦",
        "conversion_days": "7",
    }
    bad = await supervisor.submit("/crm/campaigns", form | {"variant_a": "亲，{客户名}"})
    assert bad.status_code == 422 and "未知变量 {客户名}" in bad.text
    created = await supervisor.submit("/crm/campaigns", form)
    assert created.status_code == 303
    campaign = created.headers["location"]
    dry = (await supervisor.get(campaign)).text
    assert "试算" in dry and re.search(r"会收到</dt><dd>2<", dry)
    launched = await supervisor.submit(f"{campaign}/launch")
    assert launched.status_code == 303
    results = (await supervisor.get(campaign)).text
    assert "转化率" in results and "已发送 2" in results


async def test_agents_do_not_see_the_crm_page(as_, alice, carol):
    assert (await as_(alice).get("/crm")).status_code == 403
    assert "/crm" not in (await as_(alice).get("/")).text
    assert 'href="/crm"' in (await as_(carol).get("/")).text


async def test_supervisor_sees_journeys_with_counts_and_nps(as_, client, carol, owen, alice):
    api = client.as_(owen)
    journey = {
        "name": "签收关怀<script>",
        "trigger": "delivered",
        "steps": [
            {
                "delay_days": 3,
                "channel": "widget",
                "template": "{客户昵称}，{商品名}用得还顺手吗？",
            },
            {"delay_days": 7, "channel": "widget", "template": "{客户昵称}，麻烦给个评价～"},
        ],
    }
    created = (await api.post("/api/v1/journeys", json=journey)).json()
    for score in (10, 9, 7, 2):
        await api.post("/api/v1/nps/answers", json={"score": score})
    supervisor = as_(carol)
    assert "/crm/journeys" in (await supervisor.get("/crm")).text
    page = (await supervisor.get("/crm/journeys")).text
    assert "生命周期旅程" in page and "签收后按天触达" in page
    assert "签收关怀&lt;script&gt;" in page and "<script>" not in page.split("</head>")[1]
    assert "第 3 天" in page and "第 7 天" in page and "{客户昵称}，{商品名}用得还顺手吗？" in page
    # NPS of this month: 2 promoters, 1 passive, 1 detractor of 4 → 25.0
    assert "净推荐值" in page and "<td>25.0</td>" in page
    off = await supervisor.submit(f"/crm/journeys/{created['id']}/active", {"active": "off"})
    assert off.status_code == 303
    assert (await api.get(f"/api/v1/journeys/{created['id']}")).json()["active"] is False
    assert (await as_(alice).get("/crm/journeys")).status_code == 403
