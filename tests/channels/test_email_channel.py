"""The e-mail channel end to end against real servers on loopback: Dovecot for IMAP
(tests/channels/dovecot.py) and aiosmtpd for SMTP (tests/reports/smtp.py).

A shopper's mail becomes a conversation and an after-sales case and is acknowledged with
the case number; the agent's reply goes out threaded; the shopper's answer lands in the
same case, by its headers or by the case tag alone; nothing is stored or answered twice;
loop guards hold; a bad certificate or a down SMTP server is retried, never lost."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import func, select, update

from kefu.lib.cases import CaseType
from kefu.models import (
    Case,
    CaseSource,
    Channel,
    Conversation,
    Customer,
    Mail,
    MailAttachment,
    Mailbox,
    MailKind,
    MailState,
    Message,
    Shop,
)
from kefu.models.base import utcnow
from tests.channels import dovecot

pytestmark = pytest.mark.skipif(
    not dovecot.available(), reason="needs Debian's dovecot-imapd and openssl"
)

SHOP_ADDRESS = "service@acme.test"
SHOP_PASSWORD = "imap-pw-4812"
SHOPPER = "xiaoming@shopper.test"
OPEN_ALL_WEEK = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CLOSED_ALL_WEEK = {d: [] for d in OPEN_ALL_WEEK}


MAILBOX_LOGIN = "service@acme.test"


@pytest.fixture(scope="module")
def imap_server():
    server = dovecot.Dovecot().start()
    server.add_user(MAILBOX_LOGIN, SHOP_PASSWORD)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mailbox_login(imap_server):
    """The shop's IMAP account, emptied for each test (tests share the server, not mail)."""
    imap_server.deliver(MAILBOX_LOGIN, b"Subject: warm-up\r\n\r\n.\r\n")  # makes INBOX
    imap_server.empty(MAILBOX_LOGIN)
    return MAILBOX_LOGIN


@pytest.fixture
def mail_settings(settings, imap_server):
    return settings.model_copy(
        update={"mail_ca_file": str(imap_server.ca_file), "mail_retry_base_seconds": 60}
    )


@pytest.fixture
def worker(sessionmaker, mail_settings):
    from kefu.worker import Worker

    return Worker(sessionmaker, mail_settings)


async def set_up_mailbox(client, owen, imap_server, login, smtp_port, **changes):
    settings = {
        "from_address": SHOP_ADDRESS,
        "from_name": "Acme 客服",
        "imap_host": "127.0.0.1",
        "imap_port": imap_server.imaps_port,
        "imap_security": "tls",
        "imap_username": login,
        "imap_password": SHOP_PASSWORD,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "smtp_username": "",
    } | changes
    answer = await client.as_(owen).put("/api/v1/email-settings", json=settings)
    assert answer.status_code == 200, answer.text


async def set_hours(sessionmaker, hours):
    async with sessionmaker() as session:
        await session.execute(update(Shop).values(business_hours=hours))
        await session.commit()


def shopper_mail(subject: str, text: str, **headers: str) -> tuple[str, bytes]:
    message = EmailMessage()
    message["From"] = f"小明 <{SHOPPER}>"
    message["To"] = SHOP_ADDRESS
    message["Subject"] = subject
    message_id = make_msgid(domain="shopper.test")
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message_id.strip("<>"), bytes(message)


async def count(sessionmaker, model, *where) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_new_mail_opens_a_case_is_acknowledged_and_the_reply_goes_out_threaded(
    client, sessionmaker, owen, alice, mallory, imap_server, mailbox_login, inbox, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    await set_hours(sessionmaker, OPEN_ALL_WEEK)
    message = EmailMessage()
    message["From"] = f"小明 <{SHOPPER}>"
    message["To"] = SHOP_ADDRESS
    message["Subject"] = "杯子收到时碎了"
    message["Message-ID"] = first_id = make_msgid(domain="shopper.test")
    message.set_content("你好，杯子收到就碎了，怎么办？")
    message.add_alternative(
        '<p onclick="steal()">你好，杯子<b>碎了</b><script>alert(1)</script>'
        '<img src="https://tracker.test/pixel.png"></p>',
        subtype="html",
    )
    message.add_attachment(
        b"\x89PNG fake photo", maintype="image", subtype="png", filename="碎片.png"
    )
    big = b"x" * (2 * 1024 * 1024)
    message.add_attachment(big, maintype="application", subtype="zip", filename="video.zip")
    imap_server.deliver(mailbox_login, bytes(message))

    worker.settings = worker.settings.model_copy(update={"mail_attachment_max_bytes": 1024 * 1024})
    assert await worker.poll_mail() == 1
    async with sessionmaker() as session:
        conversation = await session.scalar(select(Conversation))
        case = await session.scalar(select(Case))
        mail = await session.scalar(select(Mail).where(Mail.kind == MailKind.RECEIVED))
        chat = await session.scalar(select(Message).where(Message.sender_kind == "visitor"))
        customer = await session.get(Customer, conversation.customer_id)
    assert conversation.channel is Channel.EMAIL
    assert (case.type, case.source, case.number) == (CaseType.CONSULTATION, CaseSource.EMAIL, 1)
    assert case.title == "杯子收到时碎了" and case.conversation_id == conversation.id
    assert customer.email == SHOPPER and customer.name == "小明"
    assert chat.body == "你好，杯子收到就碎了，怎么办？"
    assert "<b>碎了</b>" in mail.html_body
    assert "script" not in mail.html_body and "onclick" not in mail.html_body
    assert "tracker.test" not in mail.html_body
    assert mail.notes == [f"attachment video.zip dropped: {len(big)} bytes, over the limit"]
    [photo] = chat.payload["email"]["attachments"]
    assert photo["filename"] == "碎片.png"

    got = await client.as_(alice).get(f"/api/v1/mail-attachments/{photo['id']}")
    assert got.status_code == 200 and got.content == b"\x89PNG fake photo"
    assert got.headers["x-content-type-options"] == "nosniff"
    other = await client.as_(mallory).get(f"/api/v1/mail-attachments/{photo['id']}")
    assert other.status_code == 404

    # The acknowledgement: to the shopper, threaded, tagged, marked automatic.
    assert await worker.send_mail() == 1
    [ack] = inbox.received
    assert ack.rcpt_tos == [SHOPPER]
    assert ack.message["Subject"] == "Re: 杯子收到时碎了 [#C-1]"
    assert ack.message["In-Reply-To"] == first_id
    assert ack.message["Auto-Submitted"] == "auto-replied"
    assert "C-1" in ack.message.get_content() and "24" in ack.message.get_content()

    # Polling again stores nothing twice.
    assert await worker.poll_mail() == 0
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(next_poll_at=utcnow()))
        await session.commit()
    assert await worker.poll_mail() == 0
    assert await count(sessionmaker, Mail, Mail.direction == "in") == 1

    # The agent answers in the workspace: the reply goes out by the shop's SMTP.
    sent = await client.as_(alice).post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "很抱歉！我们马上为您补发。"},
    )
    assert sent.status_code == 200, sent.text
    note = await client.as_(alice).post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "内部：查仓库", "kind": "note"},
    )
    assert note.status_code == 200
    assert await worker.send_mail() == 1
    reply = inbox.received[-1].message
    assert reply["Subject"] == "Re: 杯子收到时碎了 [#C-1]"
    assert reply["In-Reply-To"] == first_id
    assert first_id in reply["References"]
    assert reply["Auto-Submitted"] is None
    assert reply.get_content().strip() == "很抱歉！我们马上为您补发。"
    assert "内部" not in str(inbox.received)
    assert "Acme" in reply["From"] and SHOP_ADDRESS in reply["From"]

    # The shopper answers the reply: same conversation, same case, no new acknowledgement.
    _, answer = shopper_mail(
        "Re: 杯子收到时碎了 [#C-1]",
        "好的，谢谢！",
        In_Reply_To=reply["Message-ID"],
        References=f"{first_id} {reply['Message-ID']}",
    )
    imap_server.deliver(mailbox_login, answer)
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(next_poll_at=utcnow()))
        await session.commit()
    assert await worker.poll_mail() == 1
    assert await count(sessionmaker, Case) == 1
    assert await count(sessionmaker, Conversation) == 1
    assert await count(sessionmaker, Message, Message.conversation_id == conversation.id) == 4
    assert await worker.send_mail() == 0  # open now, and not a new thread: no automatic mail


async def test_a_case_tag_in_the_subject_threads_a_mail_without_headers(
    client, sessionmaker, owen, imap_server, mailbox_login, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    await set_hours(sessionmaker, OPEN_ALL_WEEK)
    _, first = shopper_mail("发票怎么开", "请问发票怎么开？")
    imap_server.deliver(mailbox_login, first)
    assert await worker.poll_mail() == 1
    _, again = shopper_mail("补充 [#C-1]", "抬头是某某公司。")  # a new mail, no In-Reply-To
    imap_server.deliver(mailbox_login, again)
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(next_poll_at=utcnow()))
        await session.commit()
    assert await worker.poll_mail() == 1
    assert await count(sessionmaker, Case) == 1
    async with sessionmaker() as session:
        cases = (await session.scalars(select(Mail.case_id))).all()
    assert len(set(cases)) == 1


async def test_out_of_hours_the_thread_gets_one_automatic_answer_a_day(
    client, sessionmaker, owen, imap_server, mailbox_login, inbox, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    await set_hours(sessionmaker, CLOSED_ALL_WEEK | {"mon": [["09:00", "18:00"]]})
    first_id, first = shopper_mail("物流太慢", "三天没动了")
    imap_server.deliver(mailbox_login, first)
    assert await worker.poll_mail() == 1
    assert await worker.send_mail() == 1
    [ack] = inbox.received
    assert "09:00" in ack.message.get_content()  # when the shop opens again
    # The acknowledgement went yesterday; today the shopper writes twice.
    async with sessionmaker() as session:
        await session.execute(update(Mail).values(created_at=utcnow() - timedelta(days=1)))
        await session.commit()
    for text in ("还没到", "到底什么时候到"):
        _, later = shopper_mail("Re: 物流太慢 [#C-1]", text, In_Reply_To=f"<{first_id}>")
        imap_server.deliver(mailbox_login, later)
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(next_poll_at=utcnow()))
        await session.commit()
    assert await worker.poll_mail() == 2
    assert await worker.send_mail() == 1
    auto = inbox.received[-1].message
    assert auto["Auto-Submitted"] == "auto-replied" and "[#C-1]" in auto["Subject"]
    assert await count(sessionmaker, Mail, Mail.kind == MailKind.AUTO_REPLY) == 1


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"List_Id": "<deals.shop.test>"}, "mailing list (List-Id)"),
        ({"Return_Path": "<>"}, "a bounce or delivery report"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
    ],
)
async def test_loop_guards_keep_automatic_answers_from_machines(
    client,
    sessionmaker,
    owen,
    imap_server,
    mailbox_login,
    inbox,
    smtp_port,
    worker,
    headers,
    reason,
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    _, mail = shopper_mail("Out of office", "I am away.", **headers)
    imap_server.deliver(mailbox_login, mail)
    assert await worker.poll_mail() == 1
    assert await worker.send_mail() == 0
    assert inbox.received == []
    async with sessionmaker() as session:
        stored = await session.scalar(select(Mail))
    assert stored.notes == [f"no automatic answer: {reason}"]


async def test_a_bounce_of_our_reply_is_never_answered(
    client, sessionmaker, owen, imap_server, mailbox_login, inbox, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    bounce = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.shopper.test>\r\n"
        b"To: service@acme.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.shopper.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n--b--\r\n"
    )
    imap_server.deliver(mailbox_login, bounce)
    assert await worker.poll_mail() == 1
    assert await worker.send_mail() == 0 and inbox.received == []


async def test_two_workers_polling_at_once_store_each_mail_once(
    client, sessionmaker, owen, imap_server, mailbox_login, smtp_port, mail_settings
):
    from kefu.worker import Worker

    await set_up_mailbox(
        client,
        owen,
        imap_server,
        mailbox_login,
        smtp_port,
        imap_port=imap_server.imap_port,
        imap_security="starttls",
    )
    for n in range(3):
        imap_server.deliver(mailbox_login, shopper_mail(f"问题 {n}", "你好")[1])
    workers = [Worker(sessionmaker, mail_settings, name=f"w{n}") for n in range(2)]
    stored = await asyncio.gather(*(w.poll_mail() for w in workers))
    assert sorted(stored) == [0, 3]
    assert await count(sessionmaker, Mail, Mail.direction == "in") == 3
    assert await count(sessionmaker, Case) == 3


async def test_an_untrusted_certificate_or_a_wrong_password_stops_the_poll_and_says_why(
    client, sessionmaker, owen, imap_server, mailbox_login, smtp_port, settings
):
    from kefu.worker import Worker

    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    imap_server.deliver(mailbox_login, shopper_mail("你好", "在吗")[1])
    untrusting = Worker(sessionmaker, settings)  # no KEFU_MAIL_CA_FILE: the test CA is unknown
    assert await untrusting.poll_mail() == 0
    shown = (await client.as_(owen).get("/api/v1/email-settings")).json()
    assert "CERTIFICATE_VERIFY_FAILED" in shown["last_error"]
    assert await count(sessionmaker, Mail) == 0

    await set_up_mailbox(
        client, owen, imap_server, mailbox_login, smtp_port, imap_password="wrong-pw-77"
    )
    trusting = Worker(
        sessionmaker, settings.model_copy(update={"mail_ca_file": str(imap_server.ca_file)})
    )
    assert await trusting.poll_mail() == 0
    shown = (await client.as_(owen).get("/api/v1/email-settings")).json()
    assert "AUTHENTICATIONFAILED" in shown["last_error"] or "auth" in shown["last_error"].lower()
    assert "wrong-pw-77" not in shown["last_error"]


async def test_an_smtp_failure_is_retried_with_backoff_and_then_sent(
    client, sessionmaker, owen, alice, imap_server, mailbox_login, inbox, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    imap_server.deliver(mailbox_login, shopper_mail("退货", "想退货")[1])
    assert await worker.poll_mail() == 1
    inbox.refuse = "451 4.3.0 try again later"
    assert await worker.send_mail() == 0
    async with sessionmaker() as session:
        ack = await session.scalar(select(Mail).where(Mail.direction == "out"))
    assert (ack.state, ack.attempts) == (MailState.QUEUED, 1)
    assert "451" in ack.last_error
    assert ack.next_attempt_at > utcnow() + timedelta(seconds=50)
    assert await worker.send_mail() == 0  # not due yet
    # The agent sees why in the conversation's mails.
    listed = await client.as_(alice).get(f"/api/v1/conversations/{ack.conversation_id}/mails")
    assert [(m["kind"], m["state"]) for m in listed.json()] == [
        ("received", "received"),
        ("acknowledgement", "queued"),
    ]
    assert "451" in listed.json()[1]["last_error"]

    inbox.refuse = None
    async with sessionmaker() as session:
        await session.execute(update(Mail).values(next_attempt_at=utcnow()))
        await session.commit()
    assert await worker.send_mail() == 1
    async with sessionmaker() as session:
        ack = await session.scalar(select(Mail).where(Mail.direction == "out"))
    assert (ack.state, ack.attempts, ack.last_error) == (MailState.SENT, 2, None)
    assert len(inbox.received) == 1


async def test_erasing_the_customer_empties_their_mails(
    client, sessionmaker, owen, imap_server, mailbox_login, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    message = EmailMessage()
    message["From"] = SHOPPER
    message["Subject"] = "我的地址是北京市某某路1号"
    message.set_content("电话 13800000000")
    message.add_attachment(b"photo", maintype="image", subtype="jpeg", filename="me.jpg")
    imap_server.deliver(mailbox_login, bytes(message))
    assert await worker.poll_mail() == 1
    async with sessionmaker() as session:
        customer = await session.scalar(select(Customer))
    erased = await client.as_(owen).post(
        f"/api/v1/customers/{customer.id}/erase",
        json={"confirm_external_id": customer.external_id},
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["mails"] == 2  # the mail and its queued acknowledgement
    async with sessionmaker() as session:
        mails = (await session.scalars(select(Mail))).all()
    assert all("13800000000" not in m.text_body and SHOPPER not in m.to_addresses for m in mails)
    assert all("北京" not in m.subject and m.from_address != SHOPPER for m in mails)
    assert {m.state for m in mails} == {MailState.RECEIVED, MailState.FAILED}
    assert await count(sessionmaker, MailAttachment) == 0
    # A reply after the erasure has nobody to go to: it stays in Kefu.
    sent = await client.as_(owen).post(
        f"/api/v1/conversations/{mails[0].conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "您好"},
    )
    assert sent.status_code == 200
    assert await count(sessionmaker, Mail) == 2


async def test_a_switched_off_mailbox_is_neither_polled_nor_sends_until_switched_on(
    client, sessionmaker, owen, imap_server, mailbox_login, inbox, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    imap_server.deliver(mailbox_login, shopper_mail("尺码问题", "M码偏小吗")[1])
    assert await worker.poll_mail() == 1  # its acknowledgement is queued
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port, active=False)
    imap_server.deliver(mailbox_login, shopper_mail("还有一个问题", "发什么快递")[1])
    assert (await worker.poll_mail(), await worker.send_mail()) == (0, 0)
    assert inbox.received == []
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port, active=True)
    assert await worker.poll_mail() == 1
    assert await worker.send_mail() == 2


async def test_a_mail_without_sender_subject_or_message_id_is_kept_and_not_answered(
    client, sessionmaker, owen, imap_server, mailbox_login, inbox, smtp_port, worker
):
    await set_up_mailbox(client, owen, imap_server, mailbox_login, smtp_port)
    imap_server.deliver(mailbox_login, b"To: service@acme.test\r\n\r\nhello\r\n")
    assert await worker.poll_mail() == 1
    assert await worker.poll_mail() == 0
    async with sessionmaker() as session:
        case = await session.scalar(select(Case))
        mail = await session.scalar(select(Mail))
    assert case.title == "(no subject)"
    assert mail.message_id.startswith("uid-") and mail.notes == [
        "no automatic answer: a machine sender"
    ]
    assert await worker.send_mail() == 0
