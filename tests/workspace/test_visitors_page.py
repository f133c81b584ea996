"""The live visitor list page (/visitors): for the people who answer shoppers. The list
itself is filled by the browser (tests/widget/test_widget_in_chromium.py watches it)."""

from __future__ import annotations

from kefu.models import Role, Shop
from tests.factories import make_person


async def test_agents_and_supervisors_open_the_live_visitor_list(as_, alice, carol):
    for persona in (alice, carol):
        page = await as_(persona).get("/visitors")
        assert page.status_code == 200
        assert "实时访客" in page.text
        assert '<a href="/visitors"' in page.text, "in the sidebar"
        assert "/static/js/visitors.js" in page.text


async def test_an_analyst_has_no_visitor_list(as_, personas, sessionmaker):
    async with sessionmaker() as session:
        shop = await session.get(Shop, personas["owen"].shop_id)
        analyst = await make_person(session, shop, "anna", Role.ANALYST)
        await session.commit()
    browser = as_(analyst)
    assert (await browser.get("/visitors")).status_code == 403
    assert '<a href="/visitors"' not in (await browser.get("/")).text
