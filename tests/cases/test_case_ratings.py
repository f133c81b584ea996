"""Case CSAT: a shopper rates a resolved or closed case once (1–5 and a comment), in the
widget (signed in, own cases only) or through the link of the progress mail, received on
a real SMTP peer; agents see the rating on the case, supervisors per agent in the case
CSAT report and on the team growth page."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy import select

from kefu.actions.mail import do_receive_mail
from kefu.lib.links import RATE_CASE, sign_link
from kefu.lib.mail import read_mail
from kefu.lib.tokens import customer_signature
from kefu.models import CaseRating, Conversation, Customer, Mailbox, Shop
from kefu.models.base import utcnow
from kefu.worker import Worker
from tests.cases.conftest import ok, open_case
from tests.cases.test_progress_mail import add_mailbox, move
from tests.chat.conftest import make_shopper

ZHANG, LI = "C-8801", "C-8802"
LINK = re.compile(r"https?://\S+/rate/case/\S+")


async def customer_id(client, sessionmaker, owen, external_id: str, email: str | None) -> int:
    async with sessionmaker() as session:
        customer = Customer(
            shop_id=owen.shop_id, external_id=external_id, nickname="张伟", email=email, tags=[]
        )
        session.add(customer)
        await session.commit()
        return customer.id


async def signed_in(client, sessionmaker, shop_id: int, external_id: str) -> dict[str, str]:
    """A widget visitor the storefront signed in as the customer ``external_id``."""
    async with sessionmaker() as session:
        secret = (await session.get(Shop, shop_id)).widget_secret
    body = {
        "customer_id": external_id,
        "customer_signature": customer_signature(secret, external_id),
    }
    issued = await ok(await client.post("/api/v1/widget/acme/visitors", json=body))
    return {"X-Visitor-Token": issued["token"]}


async def resolved_case(client, owen, alice, customer: int) -> dict:
    """A case of ``customer`` that alice holds and resolved."""
    case = await open_case(
        client,
        owen,
        type="consultation",
        title="杯子的颜色和图片不一样",
        customer_id=customer,
        assigned_agent_id=alice.agent_id,
    )
    await move(client, alice, case["id"], "accepted")
    await move(client, alice, case["id"], "resolved")
    return case


def widget_case(found: dict, case_id: int) -> dict:
    return next(c for c in found["cases"] if c["id"] == case_id)


async def test_the_shopper_rates_a_finished_case_once_in_the_widget(
    client, sessionmaker, owen, alice, carol
):
    zhang_id = await customer_id(client, sessionmaker, owen, ZHANG, None)
    await customer_id(client, sessionmaker, owen, LI, None)
    zhang = await signed_in(client, sessionmaker, owen.shop_id, ZHANG)
    li = await signed_in(client, sessionmaker, owen.shop_id, LI)
    case = await open_case(
        client,
        owen,
        type="consultation",
        title="发票",
        customer_id=zhang_id,
        assigned_agent_id=alice.agent_id,
    )
    rate = f"/api/v1/widget/cases/{case['id']}/rating"
    early = await client.post(rate, json={"rating": 5}, headers=zhang)
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_finished"
    found = await ok(await client.get("/api/v1/widget/cases", headers=zhang))
    assert widget_case(found, case["id"])["can_rate"] is False

    await move(client, alice, case["id"], "accepted")
    await move(client, alice, case["id"], "resolved")
    found = await ok(await client.get("/api/v1/widget/cases", headers=zhang))
    assert widget_case(found, case["id"])["can_rate"] is True
    for bad in (0, 6, "五"):
        refused = await client.post(rate, json={"rating": bad}, headers=zhang)
        assert refused.status_code == 422, refused.text
    other = await client.post(rate, json={"rating": 1}, headers=li)  # not 李娜's case
    assert other.status_code == 404

    comment = "<b>很快</b>就解决了"
    rated = await ok(await client.post(rate, json={"rating": 4, "comment": comment}, headers=zhang))
    assert rated["rating"]["rating"] == 4 and rated["can_rate"] is False
    again = await client.post(rate, json={"rating": 1}, headers=zhang)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    assert "already rated" in again.json()["error"]["message"]
    found = await ok(await client.get("/api/v1/widget/cases", headers=zhang))
    assert widget_case(found, case["id"])["rating"]["comment"] == comment

    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{case['id']}"))
    assert detail["rating"]["rating"] == 4 and detail["rating"]["channel"] == "widget"
    assert detail["rating"]["agent_id"] == alice.agent_id
    assert detail["timeline"][-1]["kind"] == "rated"
    page = await client.as_(alice).get(f"/cases/{case['id']}")
    assert "顾客评价" in page.text and "4/5" in page.text
    assert "&lt;b&gt;很快&lt;/b&gt;" in page.text and "<b>很快</b>" not in page.text

    report = await ok(await client.as_(carol).get("/api/v1/reports/case-csat"))
    assert report["items"] == [
        {"agent_id": alice.agent_id, "ratings": 1, "average": 4.0, "good_share": 1.0}
    ]
    assert (await client.as_(alice).get("/api/v1/reports/case-csat")).status_code == 403
    team = await client.as_(carol).get("/agents/growth")
    assert "售后满意度" in team.text and "4.0 ★" in team.text


async def test_the_rating_link_in_the_resolved_mail_round_trip(
    client, sessionmaker, settings, owen, alice, mallory, inbox, smtp_port
):
    worker = Worker(sessionmaker, settings)
    await add_mailbox(sessionmaker, owen.shop_id, smtp_port)
    customer = await customer_id(client, sessionmaker, owen, ZHANG, "zhang@shopper.test")
    case = await resolved_case(client, owen, alice, customer)
    assert await worker.send_mail() == 2
    accepted, resolved = (r.message.get_content() for r in inbox.received)
    assert not LINK.search(accepted)  # only a finished case invites a rating
    assert "对我们的处理满意吗？欢迎为本次服务打分" in resolved
    [link] = LINK.findall(resolved)
    assert link.startswith(f"{settings.effective_public_url}/rate/case/")
    path = urlsplit(link).path

    page = await client.get(path)
    assert page.status_code == 200
    assert f"售后单 C-{case['number']}" in page.text and "杯子的颜色和图片不一样" in page.text
    wrong = await client.post(path, data={"rating": "9"})
    assert wrong.status_code == 422 and "请给出 1 到 5 的评分。" in wrong.text
    sent = await client.post(path, data={"rating": "2", "comment": "<script>x</script>太慢"})
    assert sent.status_code == 303
    thanks = await client.get(path)
    assert "感谢您的评价" in thanks.text and "&lt;script&gt;x&lt;/script&gt;太慢" in thanks.text
    async with sessionmaker() as session:
        [stored] = (await session.scalars(select(CaseRating))).all()
    assert (stored.rating, stored.channel.value, stored.agent_id) == (2, "email", alice.agent_id)
    twice = await client.post(path, data={"rating": "5"})
    assert twice.status_code == 409 and "已经评价过了" in twice.text

    # Rated: the closing mail carries no link any more.
    await move(client, alice, case["id"], "closed")
    assert await worker.send_mail() == 1
    assert not LINK.search(inbox.received[-1].message.get_content())

    # A bad, cut-short or foreign token: a 404 page that says why.
    for token in (
        "nonsense",
        path.rsplit("/", 1)[1][:-3],
        sign_link(settings.secret_key, "unsubscribe", {"shop": owen.shop_id, "case": case["id"]}),
        sign_link(settings.secret_key, RATE_CASE, {"shop": mallory.shop_id, "case": case["id"]}),
    ):
        bad = await client.get(f"/rate/case/{token}")
        assert bad.status_code == 404 and "评价链接无效" in bad.text
        posted = await client.post(f"/rate/case/{token}", data={"rating": "1"})
        assert posted.status_code == 404


async def test_the_rating_page_speaks_english_for_an_english_shop(
    client, sessionmaker, settings, owen, alice
):
    customer = await customer_id(client, sessionmaker, owen, ZHANG, None)
    case = await resolved_case(client, owen, alice, customer)
    async with sessionmaker() as session:
        (await session.get(Shop, owen.shop_id)).locale = "en"
        await session.commit()
    token = sign_link(settings.secret_key, RATE_CASE, {"shop": owen.shop_id, "case": case["id"]})
    page = await client.get(f"/rate/case/{token}")
    assert f"Case C-{case['number']}" in page.text and "Send rating" in page.text


async def test_a_closed_email_conversation_is_rated_through_the_mailed_link(
    client, sessionmaker, settings, owen, alice, inbox, smtp_port
):
    worker = Worker(sessionmaker, settings)
    await add_mailbox(sessionmaker, owen.shop_id, smtp_port)
    message = EmailMessage()
    message["From"] = "小明 <xiaoming@work.test>"
    message["To"] = "service@acme.test"
    message["Subject"] = "发票抬头写错了"
    message["Message-ID"] = "<first.2@work.test>"
    message.set_content("请帮我改一下发票抬头。")
    async with sessionmaker() as session:
        mailbox = await session.scalar(select(Mailbox))
        received = read_mail(bytes(message), own_address=mailbox.from_address, max_attachment=10**6)
        await do_receive_mail(session, mailbox, received, uid_validity=1, uid=1, now=utcnow())
        await session.commit()
        conversation = await session.scalar(select(Conversation))
    assert await worker.send_mail() == 1  # the acknowledgement

    chat = await make_shopper(client)  # a widget chat closes without any mail
    for conversation_id in (chat.conversation_id, conversation.id):
        url = f"/api/v1/conversations/{conversation_id}"
        await ok(await client.as_(alice).post(f"{url}/assign", json={"agent_id": alice.agent_id}))
        await ok(await client.as_(alice).post(f"{url}/close", json={"disposition": "resolved"}))
    assert await worker.send_mail() == 1
    request = inbox.received[-1]
    assert request.rcpt_tos == ["xiaoming@work.test"]
    assert request.message["In-Reply-To"] == "<first.2@work.test>"
    assert request.message["Subject"].startswith("Re: 发票抬头写错了 [#C-")
    assert request.message["Auto-Submitted"] == "auto-generated"
    words = request.message.get_content()
    assert "本次咨询已结束" in words
    [link] = re.findall(r"https?://\S+/rate/conversation/\S+", words)
    path = urlsplit(link).path

    page = await client.get(path)
    assert page.status_code == 200 and "您的邮件咨询" in page.text and "发票抬头写错了" in page.text
    assert (await client.post(path, data={"rating": "5", "comment": "很好"})).status_code == 303
    assert "感谢您的评价" in (await client.get(path)).text
    rated = await ok(await client.as_(alice).get(f"/api/v1/conversations/{conversation.id}"))
    assert (rated["rating"], rated["rating_comment"]) == (5, "很好")
    again = await client.post(path, data={"rating": "1"})
    assert again.status_code == 409
    case_token = path.rsplit("/", 1)[1]
    assert (await client.get(f"/rate/case/{case_token}")).status_code == 404  # wrong purpose
