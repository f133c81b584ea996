"""The workspace page: rendered for the shop's people in their language, with the shop's
first-response thresholds and the transfer targets; a visitor is sent to sign in."""

from __future__ import annotations

import json
import re

from sqlalchemy import update

from kefu.models import Shop

CONFIG = re.compile(r'<script type="application/json" id="ws-config">(.*?)</script>', re.S)


def config_of(html: str) -> dict:
    found = CONFIG.search(html)
    assert found, "the page carries no workspace configuration"
    return json.loads(found.group(1))


async def test_agent_opens_the_workspace_in_chinese(as_, sessionmaker, alice, bob):
    async with sessionmaker() as s:
        await s.execute(
            update(Shop).where(Shop.id == alice.shop_id).values(response_warn_seconds=45)
        )
        await s.commit()
    page = await as_(alice).get("/workspace")
    assert page.status_code == 200
    for text in ("我的", "待分配", "搜索消息（Ctrl+K）", "内部备注", "转接", "记录总结", "工作台"):
        assert text in page.text, text
    config = config_of(page.text)
    assert (config["warn_seconds"], config["alert_seconds"]) == (45, 180)
    assert config["agent_id"] == alice.agent_id
    assert config["strings"]["verify_title"] == "信息核对"
    assert config["labels"]["folder"]["bargaining"] == "议价"
    assert f">{bob.name.title()}</option>" in page.text  # a transfer target


async def test_workspace_in_english(as_, carol):
    page = await as_(carol).get("/workspace?lang=en")
    assert "Unassigned" in page.text and "Internal note" in page.text
    assert config_of(page.text)["strings"]["verify_title"] == "Verification"


async def test_signed_out_visitor_is_sent_to_sign_in(browser):
    page = await browser.get("/workspace")
    assert page.status_code in (302, 303, 401)
    if page.status_code != 401:
        assert page.headers["location"].startswith("/login")
