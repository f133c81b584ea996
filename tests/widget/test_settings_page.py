"""Settings → 聊天窗口: the owner writes the widget's texts and gets the tag to embed."""

from __future__ import annotations

from tests.widget.test_offline_and_settings import profile


async def test_owner_sets_the_widget_texts_on_the_settings_page(as_, owen, client):
    owner = as_(owen)
    page = await owner.get("/settings/widget")
    assert page.status_code == 200
    assert "聊天窗口" in page.text
    assert (
        "&lt;script src=&#34;http://kefu.test/widget.js&#34; data-shop=&#34;acme&#34;" in page.text
    )
    saved = await owner.submit(
        "/settings/widget",
        {
            "announcement": ["双11全场满299减50", "", "顺丰包邮"],
            "greeting": "您好，Acme 客服为您服务～",
            "reply_minutes_open": "30",
            "reply_minutes_closed": "120",
        },
    )
    assert saved.status_code == 303
    shown = await profile(client)
    assert shown["announcements"] == ["双11全场满299减50", "顺丰包邮"]
    assert shown["greeting"] == "您好，Acme 客服为您服务～"
    assert 'value="顺丰包邮"' in (await owner.get("/settings/widget")).text


async def test_a_bad_reply_time_is_shown_next_to_its_field(as_, owen, client):
    refused = await as_(owen).submit(
        "/settings/widget",
        {"announcement": ["新品上市"], "reply_minutes_open": "一小时", "reply_minutes_closed": "0"},
    )
    assert refused.status_code == 422
    assert "请输入整数。" in refused.text
    assert (await profile(client))["announcements"] == []
    too_long = await as_(owen).submit(
        "/settings/widget",
        {"announcement": ["x"], "reply_minutes_open": "60", "reply_minutes_closed": "99999"},
    )
    assert too_long.status_code == 422
    assert "请输入 1 到 10080 分钟。" in too_long.text


WIDGET_FORM = {"announcement": [""], "reply_minutes_open": "60", "reply_minutes_closed": "240"}


async def test_owner_writes_invitation_rules_and_sees_how_each_did(as_, owen, client):
    owner = as_(owen)
    saved = await owner.submit(
        "/settings/widget",
        WIDGET_FORM
        | {
            "rule-0-message": "亲，这款羽绒服有什么想了解的吗？",
            "rule-0-seconds": "30",
            "rule-1-message": "满299包邮，需要帮您凑单吗？",
            "rule-1-cart": "299.00",
            "rule-1-returning": "on",
        },
    )
    assert saved.status_code == 303, saved.text
    settings = (await client.as_(owen).get("/api/v1/shop/widget")).json()
    first, second = settings["invitations"]
    assert (first["product_page_seconds"], first["cart_above_cents"]) == (30, None)
    assert (second["cart_above_cents"], second["returning_only"]) == (29900, True)

    shopper = await client.post("/api/v1/widget/acme/visitors", json={"page": "/cart"})
    headers = {"X-Visitor-Token": shopper.json()["token"]}
    await client.post("/api/v1/widget/page-views", json={"page": "/cart"}, headers=headers)
    await client.post(f"/api/v1/widget/invitations/{second['id']}/shown", headers=headers)
    page = (await owner.get("/settings/widget")).text
    assert "主动邀请" in page
    assert 'value="299.00"' in page
    assert "展示 1 · 接受 0 · 转化 0" in page and "转化率 0.0%" in page

    reworded = await owner.submit(
        "/settings/widget",
        WIDGET_FORM
        | {
            "rule-0-id": second["id"],
            "rule-0-message": "满299包邮，今天下单送围巾",
            "rule-0-cart": "299",
            "rule-0-returning": "on",
        },
    )
    assert reworded.status_code == 303
    page = (await owner.get("/settings/widget")).text
    assert "满299包邮，今天下单送围巾" in page and "羽绒服" not in page
    assert "展示 1 · 接受 0 · 转化 0" in page, "a rule edited in place keeps its counts"


async def test_a_bad_invitation_rule_is_refused_next_to_the_rules(as_, owen, client):
    owner = as_(owen)
    no_condition = await owner.submit(
        "/settings/widget", WIDGET_FORM | {"rule-0-message": "随便聊聊"}
    )
    assert no_condition.status_code == 422
    assert "每条邀请规则至少要设置一个条件。" in no_condition.text
    assert 'value="随便聊聊"' in no_condition.text, "what was typed stays"
    bad_amount = await owner.submit(
        "/settings/widget", WIDGET_FORM | {"rule-0-message": "凑单吗", "rule-0-cart": "两百"}
    )
    assert bad_amount.status_code == 422
    assert "请输入金额（元）" in bad_amount.text
    assert (await client.as_(owen).get("/api/v1/shop/widget")).json()["invitations"] == []
