"""Scheduled e-mail reports, sent by the worker to a real SMTP server on loopback: the
right people get the shop's figures once per period, a refused or unreachable server
leaves the report owed (retried later, the reason recorded), and two workers never send
the same report twice."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from kefu.models import Shop
from kefu.models.base import utcnow
from kefu.models.reports import ReportKind, ReportSchedule
from kefu.reports.facts import record_fact
from kefu.settings import Settings
from kefu.worker import Worker
from kefu.worker.report_mail import claim
from tests.reports.smtp import Login, free_port, smtp_server

SHANGHAI = ZoneInfo("Asia/Shanghai")
K = ReportKind


def mail_settings(settings, port: int, **more):
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "mail_from": "客服报表 <reports@kefu.test>",
            "report_retry_base_seconds": 300,
        }
        | more
    )


def last_send_moment() -> datetime:
    """The latest 08:00 in Shanghai that has passed: a daily report sent then is due."""
    now = utcnow().astimezone(SHANGHAI)
    today = datetime.combine(now.date(), time(8), SHANGHAI)
    return (today if today <= now else today - timedelta(days=1)).astimezone(UTC)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


async def record_days(sessionmaker, shop_id: int, day: date, alice: int, bob: int) -> None:
    """The reported day: 4 conversations (one at its first minute; one at the next day's
    first minute does not count), first responses by alice of 40 s (fast) and 200 s and
    by bob of 100 s (fast), ratings 5, 4 and 2, two inquiries of which one ordered for
    ¥123.45. The day before: 2 conversations, alice's 60 s first response (fast), one
    inquiry that ordered for ¥50.00."""
    before = day - timedelta(days=1)
    facts = [
        (K.CONVERSATION_OPENED, 0, at(day, 0), None),
        (K.CONVERSATION_OPENED, 0, at(day, 9), None),
        (K.CONVERSATION_OPENED, 0, at(day, 10), None),
        (K.CONVERSATION_OPENED, 0, at(day, 23, 59), None),
        (K.CONVERSATION_OPENED, 0, at(day + timedelta(days=1), 0), None),
        (K.FIRST_RESPONSE, 40, at(day, 9, 1), alice),
        (K.FIRST_RESPONSE_FAST, 0, at(day, 9, 1), alice),
        (K.FIRST_RESPONSE, 200, at(day, 10, 5), alice),
        (K.FIRST_RESPONSE, 100, at(day, 10, 2), bob),
        (K.FIRST_RESPONSE_FAST, 0, at(day, 10, 2), bob),
        (K.RATING, 5, at(day, 11), alice),
        (K.RATING_GOOD, 0, at(day, 11), alice),
        (K.RATING, 4, at(day, 11), bob),
        (K.RATING_GOOD, 0, at(day, 11), bob),
        (K.RATING, 2, at(day, 12), alice),
        (K.RATING_BAD, 0, at(day, 12), alice),
        (K.INQUIRY, 0, at(day, 13), bob),
        (K.INQUIRY, 0, at(day, 14), alice),
        (K.CONVERSION, 12345, at(day, 15), bob),
        (K.CONVERSATION_OPENED, 0, at(before, 9), None),
        (K.CONVERSATION_OPENED, 0, at(before, 10), None),
        (K.FIRST_RESPONSE, 60, at(before, 9, 1), alice),
        (K.FIRST_RESPONSE_FAST, 0, at(before, 9, 1), alice),
        (K.INQUIRY, 0, at(before, 13), alice),
        (K.CONVERSION, 5000, at(before, 15), alice),
    ]
    async with sessionmaker() as session:
        for kind, value, when, agent in facts:
            record_fact(session, shop_id, kind, value=value, occurred_at=when, agent_id=agent)
        await session.commit()


async def schedule(client, owner, **body) -> dict:
    created = await client.as_(owner).post(
        "/api/v1/reports/schedules",
        json={"recipients": ["boss@xiaolu.example", "ops@xiaolu.example"], "frequency": "daily"}
        | body,
    )
    assert created.status_code == 201, created.text
    return created.json()


async def make_due(sessionmaker, schedule_id: int, slot: datetime) -> None:
    """The report of ``slot`` is owed and due now (as if the send hour had just come)."""
    async with sessionmaker() as session:
        await session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == schedule_id)
            .values(slot_at=slot, next_due_at=slot)
        )
        await session.commit()


async def read(sessionmaker, schedule_id: int) -> ReportSchedule:
    async with sessionmaker() as session:
        return await session.get_one(ReportSchedule, schedule_id)


@pytest.fixture
async def xiaolu(sessionmaker, owen):
    async with sessionmaker() as session:
        await session.execute(update(Shop).where(Shop.id == owen.shop_id).values(name="小鹿童装"))
        await session.commit()
    return owen


async def test_a_due_daily_report_is_sent_once_with_the_days_figures(
    sessionmaker, settings, client, xiaolu, alice, bob, mallory, inbox, smtp_port
):
    slot = last_send_moment()
    day = slot.astimezone(SHANGHAI).date() - timedelta(days=1)
    await record_days(sessionmaker, xiaolu.shop_id, day, alice.agent_id, bob.agent_id)
    await record_days(sessionmaker, mallory.shop_id, day, mallory.agent_id, mallory.agent_id)
    created = await schedule(client, xiaolu, attach_leaderboard=True)
    await make_due(sessionmaker, created["id"], slot)

    worker = Worker(sessionmaker, mail_settings(settings, smtp_port))
    assert await worker.send_reports() == 1
    assert await worker.send_reports() == 0, "a sent report is not sent again"

    [mail] = inbox.received
    assert mail.rcpt_tos == ["boss@xiaolu.example", "ops@xiaolu.example"]
    assert mail.mail_from == "reports@kefu.test"
    message = mail.message
    assert message["Subject"] == f"「小鹿童装」客服日报 {day.isoformat()}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # (40 + 200 + 100) / 3 = 113.3 s; the day before 60 s: +88.9 %.
    assert "平均首次响应时长: 1分53秒  (1分0秒, +88.9%)" in text
    # 2 of 3 first responses within 3 minutes; the day before 1 of 1: −33.3 points.
    assert "3分钟响应率: 66.7%  (100.0%, -33.3个百分点)" in text
    assert "会话: 4  (2, +100.0%)" in text
    assert "客户满意度 (CSAT): 66.7%  (—, —)" in text
    assert "询单转化率: 50.0%  (100.0%, -50.0个百分点)" in text
    assert "询单销售额: ¥123.45  (¥50.00, +146.9%)" in text
    assert "平均评分: 3.67  (—, —)" in text
    assert "1分53秒" in html and "¥123.45" in html and "<table" in html

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"agents-{day.isoformat()}.csv"
    assert attachment.get_content_type() == "text/csv"
    content = attachment.get_payload(decode=True).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [(r["客服"], r["首次响应数"], r["平均首次响应时长 (秒)"]) for r in rows] == [
        ("Alice", "2", "120.0"),
        ("Bob", "1", "100.0"),
        ("Carol", "0", ""),  # active agents without a figure are listed too
        ("Owen", "0", ""),
    ]
    assert [r["3分钟响应率 (%)"] for r in rows] == ["50.0", "100.0", "", ""]
    assert [r["询单销售额 (元)"] for r in rows] == ["0.00", "123.45", "0.00", "0.00"]

    sent = await read(sessionmaker, created["id"])
    assert sent.next_due_at == sent.slot_at == slot + timedelta(days=1)
    assert sent.next_due_at.astimezone(SHANGHAI).hour == 8
    assert sent.last_sent_at is not None and sent.last_error is None and sent.attempts == 0


async def test_two_workers_send_one_email(sessionmaker, settings, client, xiaolu, inbox, smtp_port):
    created = await schedule(client, xiaolu)
    await make_due(sessionmaker, created["id"], last_send_moment())
    mail = mail_settings(settings, smtp_port)
    first, second = Worker(sessionmaker, mail), Worker(sessionmaker, mail)
    counts = await asyncio.gather(first.send_reports(), second.send_reports())
    assert sorted(counts) == [0, 1]
    assert len(inbox.received) == 1


async def test_of_two_claims_on_the_same_due_row_one_wins(sessionmaker, client, xiaolu):
    """What two workers do when both read the row before either claims it."""
    created = await schedule(client, xiaolu)
    slot = last_send_moment()
    await make_due(sessionmaker, created["id"], slot)
    lease = utcnow() + timedelta(minutes=2)
    won = [await claim(sessionmaker, created["id"], slot, lease) for _ in range(2)]
    assert won == [True, False]
    assert (await read(sessionmaker, created["id"])).next_due_at == lease


async def test_a_refused_report_is_retried_later_and_then_sent(
    sessionmaker, settings, client, xiaolu, inbox, smtp_port
):
    slot = last_send_moment()
    day = slot.astimezone(SHANGHAI).date() - timedelta(days=1)
    created = await schedule(client, xiaolu)
    await make_due(sessionmaker, created["id"], slot)
    worker = Worker(sessionmaker, mail_settings(settings, smtp_port))

    inbox.refuse = "550 5.7.1 Message rejected as spam"
    tried_at = utcnow()
    assert await worker.send_reports() == 0
    failed = await read(sessionmaker, created["id"])
    assert "550" in failed.last_error and "rejected as spam" in failed.last_error
    assert failed.attempts == 1 and failed.slot_at == slot, "the report is still owed"
    assert tried_at + timedelta(seconds=300) <= failed.next_due_at
    assert failed.next_due_at <= utcnow() + timedelta(seconds=300)
    assert await worker.send_reports() == 0, "not retried before its time"
    await make_due_again(sessionmaker, created["id"])
    inbox.refuse = "451 4.3.0 Try again later"
    assert await worker.send_reports() == 0
    again = await read(sessionmaker, created["id"])
    assert again.attempts == 2 and "451" in again.last_error
    assert again.next_due_at >= utcnow() + timedelta(seconds=590), "the wait doubles"

    await make_due_again(sessionmaker, created["id"])
    inbox.refuse = None
    assert await worker.send_reports() == 1
    [mail] = inbox.received
    assert mail.message["Subject"] == f"「小鹿童装」客服日报 {day.isoformat()}"
    sent = await read(sessionmaker, created["id"])
    assert sent.attempts == 0 and sent.last_error is None
    assert sent.slot_at == slot + timedelta(days=1)


async def make_due_again(sessionmaker, schedule_id: int) -> None:
    """The retry's time has come."""
    async with sessionmaker() as session:
        await session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == schedule_id)
            .values(next_due_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()


async def test_a_server_that_is_down_leaves_the_report_owed(sessionmaker, settings, client, xiaolu):
    slot = last_send_moment()
    created = await schedule(client, xiaolu)
    await make_due(sessionmaker, created["id"], slot)
    worker = Worker(sessionmaker, mail_settings(settings, free_port(), smtp_timeout_seconds=5))
    assert await worker.send_reports() == 0
    failed = await read(sessionmaker, created["id"])
    assert failed.last_error and failed.attempts == 1 and failed.slot_at == slot
    assert failed.next_due_at > utcnow()


async def test_the_smtp_password_never_reaches_logs_or_errors(
    sessionmaker, settings, client, xiaolu, inbox, caplog
):
    login = Login("reports@xiaolu.example", "correct-horse-42")
    server = smtp_server(inbox, login)
    port = next(server)
    try:
        created = await schedule(client, xiaolu)
        await make_due(sessionmaker, created["id"], last_send_moment())
        wrong = "wr0ng-Pa55-秘密"
        bad = mail_settings(
            settings, port, smtp_username=login.username, smtp_password=SecretStr(wrong)
        )
        with caplog.at_level(logging.DEBUG):
            assert await Worker(sessionmaker, bad).send_reports() == 0
        failed = await read(sessionmaker, created["id"])
        assert failed.last_error and "535" in failed.last_error
        assert wrong not in failed.last_error and wrong not in caplog.text
        assert wrong not in repr(bad) and wrong not in str(bad.model_dump())

        await make_due_again(sessionmaker, created["id"])
        good = mail_settings(
            settings, port, smtp_username=login.username, smtp_password=SecretStr(login.password)
        )
        assert await Worker(sessionmaker, good).send_reports() == 1
        assert len(inbox.received) == 1
    finally:
        server.close()


async def test_names_are_escaped_in_the_html_and_the_csv(
    sessionmaker, settings, client, owen, alice, inbox, smtp_port
):
    async with sessionmaker() as session:
        await session.execute(
            update(Shop).where(Shop.id == owen.shop_id).values(name="<b>小鹿</b>", locale="en")
        )
        from kefu.models import Agent

        await session.execute(
            update(Agent).where(Agent.id == alice.agent_id).values(display_name="=HYPERLINK(1)")
        )
        await session.commit()
    slot = last_send_moment()
    day = slot.astimezone(SHANGHAI).date() - timedelta(days=1)
    async with sessionmaker() as session:
        record_fact(
            session,
            owen.shop_id,
            K.FIRST_RESPONSE,
            value=80,
            occurred_at=at(day, 9),
            agent_id=alice.agent_id,
        )
        await session.commit()
    created = await schedule(client, owen, attach_leaderboard=True)
    await make_due(sessionmaker, created["id"], slot)
    assert await Worker(sessionmaker, mail_settings(settings, smtp_port)).send_reports() == 1
    message = inbox.received[0].message
    assert message["Subject"] == f"<b>小鹿</b> daily service report {day.isoformat()}"
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;小鹿&lt;/b&gt;" in html and "<b>小鹿" not in html
    assert "Average first response time: 1 min 20 s" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert "'=HYPERLINK(1)" in attachment.get_payload(decode=True).decode("utf-8-sig")


async def test_a_monthly_report_compares_with_the_whole_month_before(
    sessionmaker, settings, client, xiaolu, inbox, smtp_port
):
    now = utcnow().astimezone(SHANGHAI)
    first = now.date().replace(day=1)
    slot = at(first, 8)
    if slot > utcnow():  # before 08:00 on the 1st: the month before's report is the latest
        first = (first - timedelta(days=1)).replace(day=1)
        slot = at(first, 8)
    last_month_end = first - timedelta(days=1)
    covered_start = last_month_end.replace(day=1)
    compared_start = (covered_start - timedelta(days=1)).replace(day=1)
    async with sessionmaker() as session:
        # One conversation in the reported month; three in the month before, one of them
        # on its first day (outside "the same number of days before" in a 30-day month).
        for day in (last_month_end, compared_start, compared_start, covered_start - timedelta(1)):
            record_fact(session, xiaolu.shop_id, K.CONVERSATION_OPENED, occurred_at=at(day, 12))
        await session.commit()
    created = await schedule(client, xiaolu, frequency="monthly", send_hour=8)
    await make_due(sessionmaker, created["id"], slot)
    assert await Worker(sessionmaker, mail_settings(settings, smtp_port)).send_reports() == 1
    message = inbox.received[0].message
    assert message["Subject"] == f"「小鹿童装」客服月报 {covered_start.strftime('%Y-%m')}"
    text = message.get_body(("plain",)).get_content()
    assert f"对比 {compared_start.strftime('%Y-%m')}" in text
    assert "会话: 1  (3, -66.7%)" in text
    sent = await read(sessionmaker, created["id"])
    following = (first + timedelta(days=32)).replace(day=1)
    assert sent.slot_at == at(following, 8)


async def test_without_an_smtp_server_reports_wait_unclaimed(
    sessionmaker, settings, client, xiaolu
):
    created = await schedule(client, xiaolu)
    slot = last_send_moment()
    await make_due(sessionmaker, created["id"], slot)
    assert settings.smtp_host == ""
    assert await Worker(sessionmaker, settings).send_reports() == 0
    waiting = await read(sessionmaker, created["id"])
    assert (waiting.next_due_at, waiting.attempts, waiting.last_error) == (slot, 0, None)


def test_the_smtp_password_may_come_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "smtp-password"
    secret.write_text("file-held-秘密\n", encoding="utf-8")
    monkeypatch.delenv("KEFU_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("KEFU_SMTP_PASSWORD_FILE", str(secret))
    loaded = Settings()
    assert loaded.smtp_password.get_secret_value() == "file-held-秘密"
    assert "file-held" not in repr(loaded)
