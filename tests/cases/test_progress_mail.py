"""Case progress by e-mail against a real SMTP peer (aiosmtpd, tests/reports/smtp.py): the
shopper reads each new status and each public reply in the shop's language, all in one
thread tagged with the case; internal notes and comments never leave the shop; nothing
goes out when the shop switched it off, has no active mailbox, or has no address."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update

from kefu.actions.mail import do_receive_mail
from kefu.lib.mail import read_mail
from kefu.models import Case, Customer, Mail, Mailbox, Shop
from kefu.worker import Worker
from tests.cases.conftest import ok, open_case

SHOPPER = "xiaowang@shopper.test"
SHOP_ADDRESS = "service@acme.test"


@pytest.fixture
def worker(sessionmaker, settings) -> Worker:
    return Worker(sessionmaker, settings)


async def add_mailbox(sessionmaker, shop_id: int, smtp_port: int) -> None:
    async with sessionmaker() as session:
        session.add(
            Mailbox(
                shop_id=shop_id,
                from_address=SHOP_ADDRESS,
                from_name="Acme 客服",
                imap_host="127.0.0.1",
                imap_username="service",
                imap_password="x",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                smtp_security="none",
                smtp_username="",
            )
        )
        await session.commit()


async def case_of_customer(client, sessionmaker, owen, email: str | None) -> dict:
    """A return case of a customer (with ``email``, or none) opened in the workspace."""
    async with sessionmaker() as session:
        customer = Customer(
            shop_id=owen.shop_id, external_id="C-77", nickname="小王", email=email, tags=[]
        )
        session.add(customer)
        await session.commit()
    return await open_case(
        client, owen, type="consultation", title="杯子的颜色和图片不一样", customer_id=customer.id
    )


async def move(client, persona, case_id: int, to: str, note: str | None = None) -> None:
    await ok(
        await client.as_(persona).post(
            f"/api/v1/cases/{case_id}/transition", json={"to": to, "note": note}
        )
    )


async def comment(client, persona, case_id: int, body: str, public: bool) -> None:
    await ok(
        await client.as_(persona).post(
            f"/api/v1/cases/{case_id}/comments", json={"body": body, "public": public}
        )
    )


async def test_the_shopper_reads_each_step_and_reply_in_one_thread(
    client, sessionmaker, owen, alice, inbox, smtp_port, worker
):
    await add_mailbox(sessionmaker, owen.shop_id, smtp_port)
    case = await case_of_customer(client, sessionmaker, owen, SHOPPER)
    number = case["number"]
    assert await worker.send_mail() == 0  # opening it is no news to the shopper

    await move(client, alice, case["id"], "accepted", note="内部：先查库存")
    await comment(client, alice, case["id"], "内部评论：仓库说有货", public=False)
    await comment(client, alice, case["id"], "您好，我们为您换一个白色的。", public=True)
    await move(client, alice, case["id"], "investigating")
    await move(client, alice, case["id"], "waiting_customer")
    assert await worker.send_mail() == 4

    accepted, reply, investigating, waiting = (r.message for r in inbox.received)
    assert {tuple(r.rcpt_tos) for r in inbox.received} == {(SHOPPER,)}
    assert accepted["Subject"] == f"您的售后单 C-{number} 有新进展 [#C-{number}]"
    assert accepted["Auto-Submitted"] == "auto-generated"
    assert "Acme 客服" in accepted["From"] and SHOP_ADDRESS in accepted["From"]
    words = accepted.get_content()
    assert f"您的售后单 C-{number}（售后咨询：杯子的颜色和图片不一样）有了新进展" in words
    assert "我们已受理您的申请" in words
    assert f"请保留主题中的 [#C-{number}]" in words and "Acme 旗舰店 客服" in words
    assert "您好，我们为您换一个白色的。" in reply.get_content()
    assert "需要您补充信息，请直接回复本邮件" in waiting.get_content()
    # One thread: each mail answers the one before and carries the case tag.
    for earlier, later in ((accepted, reply), (reply, investigating), (investigating, waiting)):
        assert later["In-Reply-To"] == earlier["Message-ID"]
        assert earlier["Message-ID"] in later["References"]
        assert f"[#C-{number}]" in later["Subject"]
    assert "内部" not in "".join(r.message.as_string() for r in inbox.received)


async def test_in_english_for_an_english_shop(client, sessionmaker, owen, inbox, smtp_port, worker):
    await add_mailbox(sessionmaker, owen.shop_id, smtp_port)
    async with sessionmaker() as session:
        await session.execute(update(Shop).where(Shop.id == owen.shop_id).values(locale="en"))
        await session.commit()
    case = await case_of_customer(client, sessionmaker, owen, SHOPPER)
    await move(client, owen, case["id"], "accepted")
    await move(client, owen, case["id"], "resolved")
    assert await worker.send_mail() == 2
    accepted, resolved = (r.message for r in inbox.received)
    assert accepted["Subject"].startswith(f"News on your case C-{case['number']}")
    assert "We have accepted your request" in accepted.get_content()
    assert "(After-sale question: 杯子的颜色和图片不一样)" in accepted.get_content()
    assert "Your case is resolved." in resolved.get_content()


async def test_a_case_opened_by_mail_is_answered_in_the_shoppers_thread(
    client, sessionmaker, owen, alice, inbox, smtp_port, worker
):
    await add_mailbox(sessionmaker, owen.shop_id, smtp_port)
    message = EmailMessage()
    message["From"] = "小明 <xiaoming@work.test>"
    message["To"] = SHOP_ADDRESS
    message["Subject"] = "发票抬头写错了"
    message["Message-ID"] = "<first.1@work.test>"
    message.set_content("请帮我改一下发票抬头。")
    async with sessionmaker() as session:
        mailbox = await session.scalar(select(Mailbox))
        received = read_mail(bytes(message), own_address=SHOP_ADDRESS, max_attachment=10**6)
        await do_receive_mail(
            session, mailbox, received, uid_validity=1, uid=1, now=datetime.now(UTC)
        )
        await session.commit()
        case = await session.scalar(select(Case))
    assert await worker.send_mail() == 1  # the acknowledgement
    ack = inbox.received[0].message

    await move(client, alice, case.id, "accepted")
    assert await worker.send_mail() == 1
    progress = inbox.received[1]
    assert progress.rcpt_tos == ["xiaoming@work.test"]
    assert progress.message["Subject"] == f"Re: 发票抬头写错了 [#C-{case.number}]"
    assert progress.message["In-Reply-To"] == ack["Message-ID"]
    assert "<first.1@work.test>" in progress.message["References"]


async def test_no_mail_when_switched_off_without_address_or_mailbox(
    client, sessionmaker, owen, alice, inbox, smtp_port, worker
):
    await add_mailbox(sessionmaker, owen.shop_id, smtp_port)
    switched = await client.as_(owen).patch(
        "/api/v1/shop/case-settings", json={"progress_mail": False}
    )
    assert switched.status_code == 200 and switched.json()["progress_mail"] is False
    refused = await client.as_(owen).patch(
        "/api/v1/shop/case-settings", json={"progress_mail": "maybe"}
    )
    assert refused.status_code == 422
    case = await case_of_customer(client, sessionmaker, owen, SHOPPER)
    await move(client, alice, case["id"], "accepted")
    await comment(client, alice, case["id"], "已为您补发。", public=True)
    assert await worker.send_mail() == 0

    await client.as_(owen).patch("/api/v1/shop/case-settings", json={"progress_mail": True})
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(active=False))
        await session.commit()
    await move(client, alice, case["id"], "resolved")
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(active=True))
        await session.commit()
    assert await worker.send_mail() == 0
    async with sessionmaker() as session:
        assert (await session.scalars(select(Mail))).all() == []

    nameless = await open_case(client, owen, type="consultation", title="没有邮箱的顾客")
    await move(client, alice, nameless["id"], "accepted")
    assert await worker.send_mail() == 0
    assert inbox.received == []
