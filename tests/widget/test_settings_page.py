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
