"""The widget in a real browser on the demo storefront: a shopper talks with carol, the
conversation survives a reload, the chat is rated, and nothing a person types runs as code.

Debian's Chromium through Playwright; carol answers through the same server's REST API and
her agent socket, as the workspace does."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Page, WebSocketRoute, expect
from sqlalchemy import select, update

from kefu.models import (
    Agent,
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Customer,
    Product,
    Role,
    Shop,
    Visitor,
)
from tests.browser.conftest import (
    CHROMIUM,
    csp_violations,
    served,
    staff,
    telling_what_it_shows,
)
from tests.chat.wsclient import Socket
from tests.factories import Persona, make_person, make_shop
from tests.widget.conftest import ALWAYS_OPEN, png_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
GREETING = "您好，欢迎光临小鹿优选旗舰店！尺码、色号、物流都可以问我哦～"
WAIT = 10_000  # ms: the greeting's promise, and a safety net for the rest

XSS_PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '<svg onload="window.__xss = 3"></svg>',
    "<svg><script>window.__xss = 4</script></svg>",
    '<iframe src="javascript:window.parent.__xss = 5"></iframe>',
    '<a href="javascript:window.__xss = 6">点我领券</a>',
    '<body onload="window.__xss = 7">',
    '<details open ontoggle="window.__xss = 8">',
    '<input autofocus onfocus="window.__xss = 9">',
    '<video><source onerror="window.__xss = 10"></video>',
    '<audio src=x onerror="window.__xss = 11">',
    '<marquee onstart="window.__xss = 12">促销</marquee>',
    "&lt;img src=x onerror=window.__xss=13&gt;",
    "&#60;script&#62;window.__xss = 14&#60;/script&#62;",
    '"><img src=x onerror="window.__xss = 15">',
    "'><svg/onload='window.__xss = 16'>",
    "javascript:window.__xss = 17",
    "<style>@import 'javascript:window.__xss = 18';</style>",
    '<object data="javascript:window.__xss = 19"></object>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss = 20">',
    '<img src="x" onerror="alert(\'已中招\')">',
    "{{constructor.constructor('window.__xss = 22')()}}",
    "<scr<script>ipt>window.__xss = 23</scr</script>ipt>",
]


@pytest.fixture(scope="session")
def widget_server(settings) -> Iterator[str]:
    """Kefu in a subprocess in demo mode (the demo store), with widget rate limits high
    enough for one shopper to send the whole XSS corpus."""
    limits = {"KEFU_WIDGET_VISITOR_PER_MINUTE": "10000", "KEFU_WIDGET_IP_PER_MINUTE": "10000"}
    with served(settings, KEFU_DEMO_MODE="true", **limits) as url:
        yield url


@pytest.fixture
async def demo_carol(sessionmaker, widget_server) -> Persona:
    """The demo shop with two products and carol, its supervisor, online; open all day."""
    async with sessionmaker() as session:
        shop = await make_shop(session, "demo", "小鹿优选旗舰店")
        shop.widget_settings = {"greeting": GREETING, "announcements": ["全场满299元包邮"]}
        shop.business_hours = ALWAYS_OPEN
        for code, title, price in (
            ("DN01", "90白鸭绒轻薄羽绒服", 59900),
            ("EB01", "降噪蓝牙耳机", 39900),
        ):
            session.add(
                Product(
                    shop_id=shop.id,
                    external_id=code,
                    sku=f"XL{code}",
                    title=title,
                    category="服装",
                    price_cents=price,
                    stock=20,
                    attributes={},
                )
            )
        carol = await make_person(session, shop, "carol", Role.SUPERVISOR)
        await session.commit()
    async with staff(widget_server, carol) as c:
        assert (await c.put("/api/v1/me/presence", json={"presence": "online"})).is_success
    return carol


async def agent_socket(server: str, persona: Persona) -> Socket:
    return await Socket.open(
        f"ws://{server.removeprefix('http://')}/ws/agent",
        headers={"Cookie": f"kefu_session={persona.session_token}"},
    )


@pytest.fixture
async def shopper(chromium, widget_server) -> AsyncIterator[Page]:
    context = await chromium.new_context(
        base_url=widget_server, viewport={"width": 1366, "height": 860}, locale="zh-CN"
    )
    refused = csp_violations(context)
    page = await context.new_page()
    yield page
    await context.close()
    assert refused == [], "the storefront or the widget broke the Content-Security-Policy"


def widget(page: Page):
    return page.locator("#kefu-widget")


async def test_shopper_and_carol_hold_a_conversation(shopper: Page, demo_carol, widget_server):
    carol_socket = await agent_socket(widget_server, demo_carol)
    try:
        await shopper.goto("/demo/store")
        await shopper.get_by_role("button", name="联系客服").click()
        chat = widget(shopper)
        await expect(chat.get_by_text(GREETING)).to_be_visible(timeout=WAIT)
        await expect(chat.get_by_text("全场满299元包邮")).to_be_visible()
        await chat.get_by_role("textbox", name="输入消息").fill("请问羽绒服 M 码还有货吗？")
        await chat.get_by_role("textbox", name="输入消息").press("Enter")

        greeted = await carol_socket.expect(lambda f: f.get("name") == "message.created")
        assert (greeted["data"]["message"]["sender_kind"], greeted["data"]["message"]["body"]) == (
            "bot",
            GREETING,
        ), "carol reads the greeting the shopper saw"
        created = await carol_socket.expect(lambda f: f.get("name") == "message.created")
        question = created["data"]["message"]
        assert question["body"] == "请问羽绒服 M 码还有货吗？"
        conversation_id = created["data"]["conversation_id"]
        await expect(chat.get_by_text("未读")).to_be_visible()

        async with staff(widget_server, demo_carol) as carol:
            read = await carol.post(
                f"/api/v1/conversations/{conversation_id}/read",
                json={"message_id": question["id"]},
            )
            assert read.is_success
            await expect(chat.get_by_text("已读")).to_be_visible()
            await carol_socket.send(
                {"type": "typing", "conversation_id": conversation_id, "typing": True}
            )
            await expect(chat.get_by_text("客服正在输入…")).to_be_visible()
            reply = await carol.post(
                f"/api/v1/conversations/{conversation_id}/messages",
                json={
                    "client_id": "6f1c2b9e-1111-4c3a-9d7e-0a1b2c3d4e5f",
                    "body": "有货的亲，今天下单明天发顺丰 😊",
                },
            )
            assert reply.is_success
            await expect(chat.get_by_text("有货的亲，今天下单明天发顺丰 😊")).to_be_visible()
            await expect(chat.get_by_text("客服正在输入…")).to_be_hidden()

            box = chat.get_by_role("textbox", name="输入消息")
            await box.fill("好的")
            typing = await carol_socket.expect(lambda f: f["type"] == "typing")
            assert (typing["sender_kind"], typing["typing"]) == ("visitor", True)
            await chat.get_by_role("button", name="表情").click()
            await chat.get_by_role("button", name="👍").click()
            await expect(box).to_have_value("好的👍")
            await box.press("Enter")
            await expect(chat.get_by_text("好的👍")).to_be_visible()

            await chat.locator("input[type=file]").set_input_files(
                {"name": "尺码.exe", "mimeType": "application/octet-stream", "buffer": png_bytes()}
            )
            photo = await carol_socket.expect(
                lambda f: (
                    f.get("name") == "message.created" and f["data"]["message"]["kind"] == "image"
                )
            )
            upload_id = photo["data"]["message"]["payload"]["upload_id"]
            assert (await carol.get(f"/api/v1/images/{upload_id}")).content == png_bytes()
            thumbnail = chat.locator("img.pic")
            await expect(thumbnail).to_have_attribute("src", re.compile(r"^blob:"))
            assert await thumbnail.evaluate("img => img.naturalWidth") > 0

            await shopper.reload()
            await shopper.get_by_role("button", name="联系客服").click()
            await expect(chat.get_by_text("请问羽绒服 M 码还有货吗？")).to_be_visible()
            await expect(chat.get_by_text("有货的亲，今天下单明天发顺丰 😊")).to_be_visible()
            await expect(chat.get_by_text("已读")).to_be_visible()

            closed = await carol.post(
                f"/api/v1/conversations/{conversation_id}/close",
                json={"summary": "咨询羽绒服库存，已答复有货", "disposition": "resolved"},
            )
            assert closed.is_success
            await expect(chat.get_by_text("本次会话已结束")).to_be_visible()
            await chat.get_by_role("button", name="非常满意").click()
            await chat.get_by_role("textbox", name="说说您的感受").fill("回复很快，谢谢！")
            await chat.get_by_role("button", name="提交评价").click()
            await expect(chat.get_by_text("感谢您的评价！")).to_be_visible()
            rated = (await carol.get(f"/api/v1/conversations/{conversation_id}")).json()
            assert (rated["rating"], rated["rating_comment"]) == (5, "回复很快，谢谢！")
            # Then the recommend-us question (NPS), one tap.
            await expect(chat.get_by_text("您有多大可能把我们推荐给朋友？")).to_be_visible()
            await chat.get_by_role("button", name="9 分").click()
            await expect(chat.get_by_text("感谢您的反馈！")).to_be_visible()
            nps = (await carol.get("/api/v1/nps", params={"months": 1})).json()["total"]
            assert (nps["answers"], nps["promoters"], nps["nps"]) == (1, 1, 100.0)
    finally:
        await carol_socket.ws.close()


async def test_a_waiting_shopper_sees_her_place_in_the_queue(
    shopper: Page, demo_carol, sessionmaker, widget_server
):
    """carol has room for one chat and it is taken: the next shopper is told she is next
    in line, and the line goes away once carol closes the first chat and takes hers."""
    async with sessionmaker() as session:
        await session.execute(
            update(Agent).where(Agent.id == demo_carol.agent_id).values(max_concurrent_chats=1)
        )
        await session.commit()
    async with httpx.AsyncClient(base_url=widget_server, timeout=WAIT / 1000) as first:
        issued = await first.post("/api/v1/widget/demo/visitors", json={"page": "/demo/store"})
        started = await first.post(
            "/api/v1/widget/conversations",
            json={"skill": "presale"},
            headers={"X-Visitor-Token": issued.json()["token"]},
        )
        assert started.json()["queue_position"] is None
    await shopper.goto("/demo/store")
    await shopper.get_by_role("button", name="联系客服").click()
    chat = widget(shopper)
    await chat.get_by_role("textbox", name="输入消息").fill("羽绒服能便宜点吗？")
    await chat.get_by_role("textbox", name="输入消息").press("Enter")
    await expect(chat.get_by_text(re.compile("正在为您接入客服，您是下一位"))).to_be_visible(
        timeout=WAIT
    )
    async with staff(widget_server, demo_carol) as carol:
        closed = await carol.post(
            f"/api/v1/conversations/{started.json()['id']}/close",
            json={"summary": "已推荐尺码", "disposition": "resolved"},
        )
        assert closed.is_success, closed.text
    await expect(chat.get_by_text(re.compile("正在为您接入客服"))).to_be_hidden(timeout=WAIT)


async def test_nothing_a_shopper_or_agent_types_runs_in_the_widget(
    shopper: Page, demo_carol, widget_server
):
    dialogs: list[str] = []
    shopper.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    await shopper.goto("/demo/store")
    await shopper.get_by_role("button", name="联系客服").click()
    chat = widget(shopper)
    box = chat.get_by_role("textbox", name="输入消息")
    for payload in XSS_PAYLOADS:
        await box.fill(payload)
        await box.press("Enter")
    mine = chat.locator(".msg.mine .text")
    await expect(mine).to_have_count(len(XSS_PAYLOADS))
    await expect(chat.locator(".msg.mine .receipt", has_text="未读")).to_have_count(
        len(XSS_PAYLOADS), timeout=WAIT
    )
    assert await mine.all_text_contents() == XSS_PAYLOADS

    async with staff(widget_server, demo_carol) as carol:
        [conversation] = (await carol.get("/api/v1/conversations")).json()["items"]
        stored = (
            await carol.get(
                f"/api/v1/conversations/{conversation['id']}/messages", params={"limit": 100}
            )
        ).json()["items"]
        said = [m["body"] for m in stored if m["sender_kind"] == "visitor"]
        assert sorted(said) == sorted(XSS_PAYLOADS)
        for n, payload in enumerate(XSS_PAYLOADS[:5]):
            await carol.post(
                f"/api/v1/conversations/{conversation['id']}/messages",
                json={"client_id": f"00000000-0000-4000-8000-{n:012d}", "body": payload},
            )
        card = {
            "type": "product",
            "product": {
                "title": "<img src=x onerror=\"window.__xss = 'card'\">羽绒服",
                "price_cents": 59900,
                "url": "javascript:window.__xss = 'link'",
            },
        }
        await carol.post(
            f"/api/v1/conversations/{conversation['id']}/messages",
            json={
                "client_id": "00000000-0000-4000-8000-0000000000ca",
                "kind": "card",
                "body": "推荐商品",
                "payload": card,
            },
        )
    theirs = chat.locator(".msg.theirs .text")
    await expect(theirs).to_have_count(1 + 5)  # the greeting and carol's five
    assert (await theirs.all_text_contents())[1:] == XSS_PAYLOADS[:5]
    card_node = chat.locator(".card")
    await expect(card_node).to_contain_text("<img src=x onerror=\"window.__xss = 'card'\">羽绒服")
    assert await card_node.get_attribute("href") is None, "a javascript: link is never a link"
    await card_node.click()
    await shopper.reload()
    await shopper.get_by_role("button", name="联系客服").click()
    await expect(chat.locator(".msg.mine .text")).to_have_count(len(XSS_PAYLOADS))
    assert await shopper.evaluate("window.__xss") is None
    assert dialogs == []
    assert await chat.locator("img:not(.pic), script, iframe, object").count() == 0


async def test_on_a_phone_in_english_away_hours_offer_the_offline_form(
    chromium, demo_carol, widget_server, sessionmaker
):
    async with sessionmaker() as session:
        await session.execute(update(Shop).where(Shop.slug == "demo").values(business_hours={}))
        await session.commit()
    context = await chromium.new_context(
        base_url=widget_server,
        viewport={"width": 390, "height": 780},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    try:
        phone = await context.new_page()
        await phone.goto("/demo/store?lang=en")
        await phone.get_by_role("button", name="Chat").click()
        chat = widget(phone)
        panel = await chat.get_by_role("dialog").bounding_box()
        assert panel is not None and (panel["width"], panel["height"]) == (390, 780)
        await expect(chat.get_by_text("We will reply within 4 h")).to_be_visible()
        await chat.get_by_label("Your name").fill("Lin Mei")
        await chat.get_by_label("Phone / WeChat / e-mail").fill("lin.mei@example.com")
        await chat.get_by_label("Your message").fill("Do you ship the down jacket to Hong Kong?")
        await chat.get_by_role("button", name="Leave message").click()
        await expect(
            chat.get_by_text("Message received. We will reply within 4 h.")
        ).to_be_visible()
        await expect(chat.get_by_text("Do you ship the down jacket to Hong Kong?")).to_be_visible()
    finally:
        await context.close()
    async with staff(widget_server, demo_carol) as carol:
        [conversation] = (await carol.get("/api/v1/conversations")).json()["items"]
        assert conversation["tags"] == ["留言"]


async def open_chat_and_say(shopper: Page, text: str):
    """The shopper opens the chat on the demo store and sends ``text``; the widget and
    its message box."""
    await shopper.goto("/demo/store")
    await shopper.get_by_role("button", name="联系客服").click()
    chat = widget(shopper)
    box = chat.get_by_role("textbox", name="输入消息")
    await box.fill(text)
    await box.press("Enter")
    return chat, box


async def say_hello(shopper: Page):
    """The shopper opens the chat on the demo store and says 在吗？, which arrives."""
    chat, box = await open_chat_and_say(shopper, "在吗？")
    async with telling_what_it_shows(chat.locator(".msg")):
        await expect(chat.locator(".receipt", has_text="未读")).to_have_count(1, timeout=WAIT)
    return chat, box


async def stored_bodies(widget_server: str, persona: Persona) -> list[str]:
    """The bodies of the one conversation's messages as the shop stored them, newest first."""
    async with staff(widget_server, persona) as agent:
        [conversation] = (await agent.get("/api/v1/conversations")).json()["items"]
        path = f"/api/v1/conversations/{conversation['id']}/messages"
        return [m["body"] for m in (await agent.get(path)).json()["items"]]


async def test_a_message_sent_while_offline_arrives_once_after_reconnecting(
    shopper: Page, demo_carol, widget_server
):
    chat, box = await say_hello(shopper)

    await shopper.context.set_offline(True)
    await box.fill("我的订单什么时候发货？")
    await box.press("Enter")
    await expect(chat.locator(".receipt", has_text="发送中…")).to_have_count(1)
    await shopper.context.set_offline(False)
    async with telling_what_it_shows(chat.locator(".msg")):
        await expect(chat.locator(".receipt", has_text="未读")).to_have_count(2, timeout=20_000)

    assert await stored_bodies(widget_server, demo_carol) == [
        "我的订单什么时候发货？",
        "在吗？",
        GREETING,
    ], "each once"


async def test_a_shopper_who_types_before_the_widget_knows_her_gets_through(
    shopper: Page, demo_carol, widget_server
):
    """On a slow line the widget may not have identified the visitor yet when she sends
    her first message: it waits for that, instead of being refused without a token."""
    identifying = asyncio.Event()

    async def hold_until_she_has_sent(route) -> None:
        await identifying.wait()
        await route.continue_()

    await shopper.route("**/api/v1/widget/*/visitors", hold_until_she_has_sent)
    chat, _box = await open_chat_and_say(shopper, "在吗？急用")
    await expect(chat.locator(".receipt", has_text="发送中…")).to_have_count(1)
    identifying.set()
    async with telling_what_it_shows(chat.locator(".msg")):
        await expect(chat.locator(".receipt", has_text="未读")).to_have_count(1, timeout=WAIT)
    assert await stored_bodies(widget_server, demo_carol) == ["在吗？急用", GREETING]


async def test_a_message_the_server_fails_to_store_goes_again_by_itself(
    shopper: Page, demo_carol, widget_server
):
    """The socket stays up, but the server answers the message with an internal error:
    the widget sends it again on its own, and it is stored once."""
    welcomed, refused = asyncio.Event(), []

    def hiccup(route: WebSocketRoute) -> None:
        server = route.connect_to_server()

        def to_server(raw: str | bytes) -> None:
            frame = json.loads(raw)
            if frame.get("type") == "message" and welcomed.is_set() and not refused:
                refused.append(frame["client_id"])
                error = {"type": "error", "code": "internal", "client_id": frame["client_id"]}
                route.send(json.dumps({**error, "message": "something went wrong on our side"}))
                return
            server.send(raw)

        def to_page(raw: str | bytes) -> None:
            if json.loads(raw).get("type") == "welcome":
                welcomed.set()
            route.send(raw)

        route.on_message(to_server)
        server.on_message(to_page)

    await shopper.route_web_socket(re.compile(r"/ws/visitor"), hiccup)
    chat, box = await say_hello(shopper)
    await asyncio.wait_for(welcomed.wait(), WAIT / 1000)

    await box.fill("这件卫衣有XL码吗？")
    await box.press("Enter")
    await expect(chat.locator(".receipt", has_text="未读")).to_have_count(2, timeout=WAIT)

    assert len(refused) == 1
    assert await stored_bodies(widget_server, demo_carol) == [
        "这件卫衣有XL码吗？",
        "在吗？",
        GREETING,
    ], "each once"


async def test_carol_sees_the_shopper_browsing_the_store(shopper: Page, demo_carol, widget_server):
    await shopper.goto("/demo/store")
    await expect(shopper.get_by_role("button", name="联系客服")).to_be_visible(timeout=WAIT)
    async with staff(widget_server, demo_carol) as carol:
        for _ in range(50):  # the widget reports the page once it has its token
            live = (await carol.get("/api/v1/visitors/live")).json()["items"]
            if live:
                break
            await shopper.wait_for_timeout(200)
    [visitor] = live
    assert visitor["current_page"].endswith("/demo/store")
    assert visitor["returning"] is False


@pytest.fixture
async def carol_watching(chromium, widget_server, demo_carol) -> AsyncIterator[Page]:
    """Carol's live visitor list open in her own browser, its socket connected."""
    context = await chromium.new_context(
        base_url=widget_server, viewport={"width": 1366, "height": 860}, locale="zh-CN"
    )
    await context.add_cookies(
        [{"name": "kefu_session", "value": demo_carol.session_token, "url": widget_server}]
    )
    page = await context.new_page()
    await page.goto("/visitors")
    await expect(page.locator("#vs-live")).to_have_text("实时", timeout=WAIT)
    await expect(page.get_by_text("现在没有顾客在浏览您的网站。")).to_be_visible()
    yield page
    await context.close()


async def _invitation_counts(server: str, carol: Persona, expected: tuple[int, int, int]):
    """The stats once they reach ``expected`` (the widget reports in the background)."""
    async with staff(server, carol) as c:
        for _ in range(50):
            [rule] = (await c.get("/api/v1/visitors/invitations/stats")).json()["items"]
            counts = (rule["shown"], rule["accepted"], rule["converted"])
            if counts == expected:
                break
            await asyncio.sleep(0.2)
    return counts


async def test_an_invited_shopper_chats_and_carol_watches_it_live(
    shopper: Page, carol_watching: Page, demo_carol, widget_server, sessionmaker
):
    invitation = {"message": "亲，这款羽绒服有什么想了解的吗？", "product_page_seconds": 0}
    async with sessionmaker() as session:
        shop = await session.scalar(select(Shop).where(Shop.slug == "demo"))
        shop.widget_settings = {**shop.widget_settings, "invitations": [invitation]}
        product = await session.scalar(select(Product).where(Product.external_id == "DN01"))
        await session.commit()
    await shopper.goto(f"/demo/store/products/{product.id}")

    # Carol's list shows the shopper without a reload: the page view came over her socket.
    row = carol_watching.locator(".vs-row")
    await expect(row).to_have_count(1, timeout=WAIT)
    await expect(row).to_contain_text("90白鸭绒轻薄羽绒服")
    await expect(row).to_contain_text("DN01")
    await expect(row).to_contain_text("新访客")

    invite = widget(shopper).get_by_role("button", name=invitation["message"])
    await expect(invite).to_be_visible(timeout=WAIT)
    await invite.click()
    await expect(invite).to_be_hidden()
    chat = widget(shopper)
    await expect(chat.get_by_text(GREETING)).to_be_visible(timeout=WAIT)
    await chat.get_by_placeholder("输入消息，回车发送").fill("请问羽绒服M码还有货吗？")
    await chat.get_by_placeholder("输入消息，回车发送").press("Enter")
    await expect(chat.locator(".receipt", has_text="未读")).to_have_count(1, timeout=WAIT)
    assert await _invitation_counts(widget_server, demo_carol, (1, 1, 1)) == (1, 1, 1)

    # A reload: the greeting (now stored) shows once, no invitation to a chatting shopper,
    # and nothing is counted twice.
    await shopper.reload()
    await widget(shopper).get_by_role("button", name="联系客服").click()
    await expect(widget(shopper).get_by_text("请问羽绒服M码还有货吗？")).to_be_visible(timeout=WAIT)
    await expect(widget(shopper).get_by_text(GREETING)).to_have_count(1)
    await expect(invite).to_be_hidden()
    async with staff(widget_server, demo_carol) as c:
        [conversation] = (await c.get("/api/v1/conversations")).json()["items"]
        path = f"/api/v1/conversations/{conversation['id']}/messages"
        said = [(m["sender_kind"], m["body"]) for m in (await c.get(path)).json()["items"]]
    assert said == [("visitor", "请问羽绒服M码还有货吗？"), ("bot", GREETING)]
    assert await _invitation_counts(widget_server, demo_carol, (1, 1, 1)) == (1, 1, 1)

    # On to the store's front page: carol's row follows, still one row for one shopper.
    await shopper.goto("/demo/store")
    await expect(row).to_have_count(1)
    await expect(row).not_to_contain_text("DN01", timeout=WAIT)
    await expect(row).to_contain_text("/demo/store")


async def _visitor_of(sessionmaker, shop_id: int) -> Visitor:
    """The shopper's visitor row, once the widget has signed in (it does so on load)."""
    for _ in range(100):
        async with sessionmaker() as session:
            found = await session.scalar(select(Visitor).where(Visitor.shop_id == shop_id))
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("the widget never signed in")


async def test_a_customer_sees_the_shops_campaign_message_on_the_next_visit(
    shopper: Page, demo_carol, widget_server, sessionmaker
):
    await shopper.goto("/demo/store")
    visitor = await _visitor_of(sessionmaker, demo_carol.shop_id)
    now = datetime.now(UTC)
    words = "亲爱的芳芳，好久不见～小鹿优选送您满199减30的回归券，7天内有效哦！"
    async with sessionmaker() as session:
        customer = Customer(
            shop_id=demo_carol.shop_id, external_id="C-WF", name="王芳", nickname="芳芳"
        )
        campaign = Campaign(
            shop_id=demo_carol.shop_id,
            name="沉睡客户唤醒",
            segment="sleeping",
            channel=CampaignChannel.WIDGET,
            variants=[{"name": "A", "text": "亲爱的{客户昵称}，好久不见～"}],
            status=CampaignStatus.LAUNCHED,
            counts={},
        )
        session.add_all([customer, campaign])
        await session.flush()
        await session.execute(
            update(Visitor).where(Visitor.id == visitor.id).values(customer_id=customer.id)
        )
        session.add(
            CampaignMessage(
                shop_id=demo_carol.shop_id,
                campaign_id=campaign.id,
                customer_id=customer.id,
                variant="A",
                body=words,
                send_at=now,
                sent_at=now,
            )
        )
        await session.commit()
    await shopper.get_by_role("button", name="联系客服").click()
    chat = widget(shopper)
    await expect(chat.get_by_text(GREETING)).to_be_visible(timeout=WAIT)
    await expect(chat.get_by_text(words)).to_be_visible(timeout=WAIT)
    async with sessionmaker() as session:
        shown = await session.scalar(select(CampaignMessage.shown_at))
    assert shown is not None, "the message counts as shown once the widget showed it"
