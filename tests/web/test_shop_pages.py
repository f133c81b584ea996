"""Orders, customers and products pages: what agents see, escaped, in the shop's time."""

from __future__ import annotations

import re
from datetime import timedelta

from kefu.models import Customer, Order, Product
from tests.crm.test_customer_profile import haggling_returner
from tests.web.conftest import HOSTILE_NAME, HOSTILE_NOTE


async def test_order_page_shows_lines_amounts_address_and_tracking(as_, owen, acme_order):
    page = await as_(owen).get(f"/orders/{acme_order.id}")
    assert page.status_code == 200
    html = page.text
    assert "纯棉短袖T恤 男款 白色 L" in html and "¥79.00" in html and "¥258.00" in html
    assert "已发货" in html  # status badge
    assert "浙江省" in html and "文三路 90 号" in html
    # Tracking, newest first, in Asia/Shanghai time (UTC+8).
    assert html.index("快件已到达上海转运中心") < html.index("快件已揽收")
    assert "2026-11-02 09:15" in html and "2026-11-01 16:00" in html
    assert "下单于 2026-11-01 10:30" in html


async def test_hostile_names_and_notes_are_shown_as_text(as_, owen, acme_order):
    owner = as_(owen)
    pages = [
        await owner.get("/"),
        await owner.get("/orders"),
        await owner.get(f"/orders/{acme_order.id}"),
        await owner.get("/customers"),
        await owner.get(f"/customers/{acme_order.customer_id}"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert HOSTILE_NAME not in page.text
        assert HOSTILE_NOTE not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in pages[2].text


async def test_agents_see_masked_contact_details(as_, alice, owen, acme_order):
    agent_view = (await as_(alice).get(f"/orders/{acme_order.id}")).text
    assert "13812345678" not in agent_view
    assert "13812345678" in (await as_(owen).get(f"/orders/{acme_order.id}")).text


async def test_orders_filter_by_status_number_and_date(as_, owen, acme_order):
    owner = as_(owen)
    assert "2026110100001" in (await owner.get("/orders?status=shipped")).text
    assert "没有符合条件的订单" in (await owner.get("/orders?status=paid")).text
    assert "2026110100001" in (await owner.get("/orders?q=0100001")).text
    # Placed 2026-11-01 10:30 Shanghai time.
    same_day = await owner.get("/orders?date_from=2026-11-01&date_to=2026-11-01")
    assert "2026110100001" in same_day.text
    assert "2026110100001" not in (await owner.get("/orders?date_from=2026-11-02")).text
    bad = await owner.get("/orders?date_from=11/01/2026")
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.text


async def test_htmx_filter_answers_only_the_results(as_, owen, acme_order):
    response = await as_(owen).get("/orders?status=shipped", headers={"HX-Request": "true"})
    assert "2026110100001" in response.text
    assert "<html" not in response.text


async def test_mallory_cannot_open_acme_orders_or_customers(as_, mallory, acme_order):
    intruder = as_(mallory)
    for path in (f"/orders/{acme_order.id}", f"/customers/{acme_order.customer_id}"):
        response = await intruder.get(path)
        assert response.status_code == 404
        assert "页面不存在" in response.text
    assert "2026110100001" not in (await intruder.get("/orders")).text


async def test_products_list_with_search_and_empty_state(as_, owen, session):
    session.add(
        Product(
            shop_id=owen.shop_id,
            external_id="P-1001",
            sku="P-1001",
            title="纯棉短袖T恤 男款 白色",
            category="服装",
            price_cents=7900,
            stock=0,
        )
    )
    await session.commit()
    owner = as_(owen)
    listing = (await owner.get("/products?q=短袖")).text
    assert "纯棉短袖T恤 男款 白色" in listing and "¥79.00" in listing and "已售罄" in listing
    assert "没有找到商品" in (await owner.get("/products?q=羽绒服")).text


async def test_cursor_paging_walks_all_orders(as_, owen, acme_order, session):
    for n in range(30):
        session.add(
            Order(
                shop_id=owen.shop_id,
                external_id=f"A{n:04d}",
                total_cents=100,
                placed_at=acme_order.placed_at - timedelta(hours=n + 1),
            )
        )
    await session.commit()
    owner = as_(owen)
    first = (await owner.get("/orders")).text
    assert "下一页" in first
    next_link = re.search(r'href="(/orders\?cursor=[^"]+)"', first).group(1)
    second = (await owner.get(next_link.replace("&amp;", "&"))).text
    seen = set(re.findall(r">(A\d{4}|2026110100001)<", first + second))
    assert len(seen) == 31


async def test_status_from_the_user_menu_shows_on_the_overview(as_, alice):
    agent = as_(alice)
    online = '<span class="muted" style="font-size:15px"> / 4</span>'
    assert f"0{online}" in (await agent.get("/")).text
    response = await agent.submit("/account/presence", {"presence": "online", "next": "/orders"})
    assert response.headers["location"] == "/orders"
    home = (await agent.get("/")).text
    assert f"1{online}" in home and 'class="dot dot-online"' in home


async def test_ids_beyond_the_database_range_are_refused_not_a_server_error(as_, owen):
    owner = as_(owen)
    for path in ("/orders/99999999999999999999", "/settings/agents/99999999999999999999"):
        assert (await owner.get(path)).status_code == 422
    switched = await owner.submit("/shops/switch", {"shop_id": "99999999999999999999"})
    assert switched.status_code == 422


async def test_the_owner_erases_a_customer_from_their_page(as_, owen, carol, acme_order):
    page = f"/customers/{acme_order.customer_id}"
    assert "个人信息" not in (await as_(carol).get(page)).text, "owners only"
    owner = as_(owen)
    shown = await owner.get(page)
    assert f'href="/api/v1/customers/{acme_order.customer_id}/personal-data"' in shown.text
    mistyped = await owner.submit(f"{page}/erase", {"confirm_external_id": "C-9002"})
    assert mistyped.status_code == 422
    assert "请按所示准确输入顾客编号以确认删除。" in mistyped.text
    assert HOSTILE_NAME not in mistyped.text
    erased = await owner.submit(f"{page}/erase", {"confirm_external_id": "C-9001"})
    assert erased.status_code == 303
    after = await owner.get(erased.headers["location"])
    assert "该顾客的个人信息已删除。" in after.text
    assert "erased-" in after.text and "alert(1)" not in after.text
    refused = await as_(carol).submit(f"{page}/erase", {"confirm_external_id": "C-9001"})
    assert refused.status_code == 403


async def test_an_agent_notes_the_customers_type_and_tags_on_their_page(as_, alice, acme_order):
    page = f"/customers/{acme_order.customer_id}"
    agent = as_(alice)
    saved = await agent.submit(
        f"{page}/profile",
        {"customer_type": "fussy", "tags": "讲价型，VIP 讲价型", "note": "先说赠品"},
    )
    assert saved.status_code == 303
    shown = (await agent.get(saved.headers["location"])).text
    assert "客户资料已保存。" in shown and "麻烦型" in shown
    assert shown.count(">讲价型</span>") == 1 and ">VIP</span>" in shown
    too_long = await agent.submit(
        f"{page}/profile", {"tags": "这是一个非常非常非常非常非常非常长的标签名字"}
    )
    assert too_long.status_code == 422 and "最多输入 20 个字。" in too_long.text
    assert "合并到此客户" not in shown, "agents do not merge customers"


async def test_a_supervisor_merges_the_duplicate_shown_on_the_customers_page(
    as_, carol, acme_order, sessionmaker
):
    async with sessionmaker() as session:
        survivor = await session.get(Customer, acme_order.customer_id)
        twin = Customer(
            shop_id=survivor.shop_id, external_id="W-9001", phone=survivor.phone, tags=["敏感肌"]
        )
        session.add(twin)
        await session.commit()
    page = f"/customers/{acme_order.customer_id}"
    supervisor = as_(carol)
    shown = (await supervisor.get(page)).text
    assert "可能重复的客户" in shown and "W-9001" in shown
    merged = await supervisor.submit(f"{page}/merge/{twin.id}", {})
    assert merged.status_code == 303
    after = (await supervisor.get(merged.headers["location"])).text
    assert "重复的客户已合并到此客户。" in after and ">敏感肌</span>" in after
    assert "W-9001" in after, "the former id is listed among the identities"
    assert (await supervisor.get(f"/customers/{twin.id}")).status_code == 404
    itself = await supervisor.submit(f"{page}/merge/{acme_order.customer_id}", {})
    assert itself.status_code == 422 and "不能把客户合并到自己。" in itself.text


async def test_the_customer_page_shows_the_glance_and_every_contact(as_, alice, sessionmaker):
    customer_id = await haggling_returner(sessionmaker, alice.shop_id)
    page = (await as_(alice).get(f"/customers/{customer_id}")).text
    for shown in ("累计消费", "¥547.00", "讲价型", "拍下不买型", "退换货多", "投诉过", "回头客"):
        assert shown in page, shown
    assert "刘洋的工单 2" in page and 'href="/workspace?conversation=' in page
