"""E-mail campaigns and journeys against a real SMTP server on loopback (aiosmtpd,
tests/reports/smtp.py): the mail reaches the customers with an address, its variables
filled and the RFC 8058 unsubscribe headers; the link opts the customer out at once and
only for its own shop; the dry run counts who has no address; quiet hours and the
monthly cap hold for e-mail; a mail that gave up can be sent again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from kefu.access import Actor
from kefu.crm.campaigns import do_create_campaign, do_dry_run, do_launch
from kefu.crm.journey_runs import run_journey
from kefu.crm.journeys import do_create_journey
from kefu.crm.outreach import send_due_messages
from kefu.crm.unsubscribe import unsubscribe_url
from kefu.models import Customer, Journey, Mail, Mailbox, MailState, Shop
from kefu.worker import Worker
from tests.crm.shop_orders import seed_shop

PUBLIC = "https://kefu.example.com"
WINBACK = "亲爱的{客户昵称}，{店铺名}为您准备了一张回归专享券，本周内有效～"
ADDRESSES = {"李雷": "lilei@shopper.test", "王芳": "wangfang@shopper.test"}


@pytest.fixture
def worker(sessionmaker, settings) -> Worker:
    """A worker with a public URL for the links (and the app's secret: they must agree)."""
    return Worker(sessionmaker, settings.model_copy(update={"public_url": PUBLIC}))


async def _mailbox(client, persona, smtp_port: int) -> None:
    answer = await client.as_(persona).put(
        "/api/v1/email-settings",
        json={
            "from_address": "service@acme.test",
            "from_name": "Acme 客服",
            "imap_host": "127.0.0.1",
            "imap_username": "service",
            "imap_password": "unused",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
        },
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
async def shop(client, owen, sessionmaker, smtp_port) -> dict[str, int]:
    """acme's hand-worked customers (李雷 and 王芳 with an address), a cap of 2, no quiet
    hours, and a mailbox sending through the loopback SMTP server."""
    api = client.as_(owen)
    names = await seed_shop(api)
    await api.post("/api/v1/rfm/refresh", json={"day": "2026-03-21"})
    settings = {"frequency_cap": 2, "quiet_hours": None}
    assert (await api.patch("/api/v1/shop/crm-settings", json=settings)).status_code == 200
    async with sessionmaker() as session:
        for name, address in ADDRESSES.items():
            await session.execute(
                update(Customer).where(Customer.id == names[name]).values(email=address)
            )
        await session.commit()
    await _mailbox(client, owen, smtp_port)
    return names


async def _create(api, channel: str = "email", **audience) -> int:
    body = {"name": "会员回归关怀", "channel": channel, "variants": [{"text": WINBACK}]}
    created = await api.post("/api/v1/campaigns", json=body | audience)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _link(text: str) -> str:
    found = re.search(rf"{re.escape(PUBLIC)}(/unsubscribe/\S+)", text)
    assert found, text
    return found.group(1)


async def test_an_email_campaign_reaches_customers_with_an_address_and_unsubscribes_in_one_click(
    client, carol, owen, shop, inbox, worker, sessionmaker
):
    api = client.as_(carol)
    regulars = await _create(api, tag="老客")  # 王芳, 李雷: both have an address
    launched = await api.post(f"/api/v1/campaigns/{regulars}/launch")
    assert launched.status_code == 200, launched.text
    assert launched.json()["counts"]["sent"] == 2
    assert await worker.send_mail() == 2
    by_address = {r.rcpt_tos[0]: r.message for r in inbox.received}
    assert set(by_address) == set(ADDRESSES.values())
    mail = by_address["lilei@shopper.test"]
    async with sessionmaker() as session:
        shop_name = (await session.get(Shop, owen.shop_id)).name
    assert mail["Subject"] == "会员回归关怀"
    assert mail["From"] == "Acme 客服 <service@acme.test>"
    body = mail.get_content()
    assert body.startswith(f"亲爱的雷哥，{shop_name}为您准备了一张回归专享券")
    path = _link(body)
    assert mail["List-Unsubscribe"] == f"<{PUBLIC}{path}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _link(by_address["wangfang@shopper.test"].get_content()) != path

    # The page names the shop and asks; a mail program's one-click POST (no cookie, no
    # CSRF token) opts out at once; doing it again is harmless.
    page = await client.get(path)
    assert page.status_code == 200 and shop_name in page.text and "退订" in page.text
    one_click = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "您已退订" in one_click.text
    again = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    opted = (await client.as_(owen).get(f"/api/v1/customers/{shop['李雷']}")).json()
    assert opted["opted_out_at"] is not None
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    opt_outs = [e for e in audit if e["action"] == "customer.opt_out"]
    assert [(e["entity_id"], e["actor_label"]) for e in opt_outs] == [
        (str(shop["李雷"]), "unsubscribe link")
    ]

    # A later campaign and a journey step do not reach him; 王芳 still gets them.
    members = await _create(api, tag="会员")  # 李雷 (opted out), 赵敏 (no address)
    dry = (await api.post(f"/api/v1/campaigns/{members}/dry-run")).json()
    assert (dry["audience"], dry["recipients"], dry["opted_out"], dry["unreachable"]) == (
        2,
        0,
        1,
        1,
    )
    refused = await api.post(f"/api/v1/campaigns/{members}/launch")
    assert refused.status_code == 409
    # A recall 7 days after the last paid order: 王芳, 李雷, 韩梅梅 and 赵敏 lapse in the
    # window; 李雷 opted out, 韩梅梅 and 赵敏 have no address.
    started = datetime(2026, 3, 16, tzinfo=UTC)
    async with sessionmaker() as session:
        journey = await do_create_journey(
            session,
            Actor.system(owen.shop_id),
            started,
            name="召回",
            trigger="lapsed",
            lapse_days=7,
            steps=[{"delay_days": 0, "channel": "email", "template": "{客户昵称}，好久不见"}],
        )
        await session.commit()
        journey_id, seen = journey.id, journey.scanned_until
    async with sessionmaker() as session:
        assert await run_journey(session, journey_id, seen, datetime(2026, 4, 10, tzinfo=UTC)) == 1
        await session.commit()
        step = (await session.get_one(Journey, journey_id)).steps[0]
        assert (step.counts["opted_out"], step.counts["unreachable"]) == (1, 2)
    inbox.received.clear()
    assert await worker.send_mail() == 1
    assert [r.rcpt_tos for r in inbox.received] == [["wangfang@shopper.test"]]
    assert inbox.received[0].message.get_content().startswith("芳芳，好久不见")


async def test_an_opt_out_drops_the_campaign_mails_not_yet_sent(
    client, carol, owen, shop, inbox, worker, settings
):
    api = client.as_(carol)
    regulars = await _create(api, tag="老客")  # 王芳, 李雷
    assert (await api.post(f"/api/v1/campaigns/{regulars}/launch")).status_code == 200
    # Before the worker's round, 李雷 follows the link of an earlier mail.
    link = unsubscribe_url(settings.secret_key, "", owen.shop_id, shop["李雷"])
    assert (await client.post(link)).status_code == 200
    assert await worker.send_mail() == 1
    assert [r.rcpt_tos for r in inbox.received] == [["wangfang@shopper.test"]]


async def test_the_dry_run_counts_customers_without_an_address_and_a_mailbox_is_required(
    client, carol, owen, shop, sessionmaker
):
    api = client.as_(carol)
    everyone = await _create(api, segment="core")
    members = await _create(api, tag="会员")  # 李雷 has an address, 赵敏 none
    dry = (await api.post(f"/api/v1/campaigns/{members}/dry-run")).json()
    assert (dry["recipients"], dry["unreachable"], dry["no_mailbox"]) == (1, 1, False)
    # The same audience by webhook or widget: everybody is reachable.
    widget = await _create(api, channel="widget", tag="会员")
    dry = (await api.post(f"/api/v1/campaigns/{widget}/dry-run")).json()
    assert (dry["recipients"], dry["unreachable"]) == (2, 0)
    # A switched-off mailbox: the dry run says so and the launch is refused with why.
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(active=False))
        await session.commit()
    dry = (await api.post(f"/api/v1/campaigns/{everyone}/dry-run")).json()
    assert dry["no_mailbox"] is True
    refused = await api.post(f"/api/v1/campaigns/{members}/launch")
    assert refused.status_code == 409
    assert "mailbox" in refused.json()["error"]["message"]
    page = await client.as_(carol).get(f"/crm/campaigns/{members}")
    assert "没有邮箱地址" in page.text and "店铺没有启用的邮箱" in page.text
    async with sessionmaker() as session:
        await session.execute(update(Mailbox).values(active=True))
        await session.commit()
    launched = (await api.post(f"/api/v1/campaigns/{members}/launch")).json()
    assert (launched["counts"]["sent"], launched["counts"]["unreachable"]) == (1, 1)


async def test_quiet_hours_and_the_monthly_cap_hold_for_email(
    client, owen, shop, session, inbox, worker
):
    await client.as_(owen).patch(
        "/api/v1/shop/crm-settings", json={"quiet_hours": ["22:00", "08:00"]}
    )
    system = Actor.system(owen.shop_id)
    night = datetime(2026, 3, 21, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    morning = datetime(2026, 3, 22, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    campaigns = []
    for name in ("一月", "二月", "三月"):
        campaign = await do_create_campaign(
            session, system, name=name, channel="email", variants=[{"text": WINBACK}], tag="老客"
        )
        campaigns.append(campaign)
    first = await do_launch(session, system, campaigns[0].id, night)
    await session.commit()
    assert (first.counts["deferred"], first.counts["sent"]) == (2, 0)
    assert (await session.scalars(select(Mail))).all() == []  # nothing before 08:00
    # The mailbox switched off overnight: the mails are queued and wait for it.
    await session.execute(update(Mailbox).values(active=False))
    assert await send_due_messages(session, morning - timedelta(minutes=1)) == 0
    assert await send_due_messages(session, morning) == 2
    await session.commit()
    assert await worker.send_mail() == 0
    await session.execute(update(Mailbox).values(active=True))
    await session.commit()
    assert await worker.send_mail() == 2
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == sorted(ADDRESSES.values())
    second = await do_launch(session, system, campaigns[1].id, morning)
    await session.commit()
    assert second.counts["sent"] == 2
    # A cap of 2 a month: the third campaign reaches nobody.
    third = await do_dry_run(session, system, campaigns[2].id, morning + timedelta(hours=1))
    assert (third["recipients"], third["capped"]) == (0, 2)


async def test_the_link_of_a_mail_still_works_after_its_customer_was_merged(
    client, carol, owen, shop, inbox, worker
):
    api = client.as_(carol)
    members = await _create(api, tag="会员")  # 李雷
    assert (await api.post(f"/api/v1/campaigns/{members}/launch")).status_code == 200
    assert await worker.send_mail() == 1
    path = _link(inbox.received[0].message.get_content())
    # The shop folds 李雷's record into another one (the same person, as it found).
    survivor, duplicate = shop["王芳"], shop["李雷"]
    merged = await client.as_(owen).post(f"/api/v1/customers/{survivor}/merge/{duplicate}")
    assert merged.status_code == 200, merged.text
    done = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "您已退订" in done.text
    kept = (await client.as_(owen).get(f"/api/v1/customers/{survivor}")).json()
    assert kept["opted_out_at"] is not None


async def test_a_link_opts_out_only_its_own_shops_customer(
    client, owen, mallory, shop, settings, sessionmaker
):
    async with sessionmaker() as session:
        stranger = Customer(shop_id=mallory.shop_id, external_id="M-1", name="路人")
        session.add(stranger)
        await session.commit()
        stranger_id = stranger.id
    secret = settings.secret_key
    # A genuine token of acme naming mallory-mart's customer: refused.
    crossed = unsubscribe_url(secret, "", owen.shop_id, stranger_id)
    assert (await client.post(crossed)).status_code == 404
    # A token tampered with, cut short or signed with another key: refused too.
    own = unsubscribe_url(secret, "", owen.shop_id, shop["李雷"])
    for bad in (own[:-3], own.replace("/unsubscribe/", "/unsubscribe/x"), "/unsubscribe/x.y"):
        answer = await client.post(bad)
        assert answer.status_code == 404 and "这个退订链接无效" in answer.text
    forged = unsubscribe_url("another-secret-" * 4, "", mallory.shop_id, stranger_id)
    assert (await client.get(forged)).status_code == 404
    async with sessionmaker() as session:
        opted = await session.scalars(select(Customer).where(Customer.opted_out_at.is_not(None)))
        assert opted.all() == []
    # Mallory's own link works for her customer, in her shop's language.
    async with sessionmaker() as session:
        await session.execute(update(Shop).where(Shop.id == mallory.shop_id).values(locale="en"))
        await session.commit()
    theirs = unsubscribe_url(secret, "", mallory.shop_id, stranger_id)
    asked = await client.get(theirs)
    assert "Stop receiving offers and reminders from Mallory Mart?" in asked.text
    done = await client.post(theirs)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    async with sessionmaker() as session:
        opted = await session.scalars(select(Customer.id).where(Customer.opted_out_at.is_not(None)))
        assert opted.all() == [stranger_id]


async def test_a_failed_mail_is_listed_and_sent_again(
    client, owen, alice, mallory, carol, shop, inbox, sessionmaker, settings
):
    worker = Worker(sessionmaker, settings.model_copy(update={"mail_max_attempts": 1}))
    api = client.as_(carol)
    campaign = await _create(api, tag="会员")  # 李雷
    assert (await api.post(f"/api/v1/campaigns/{campaign}/launch")).status_code == 200
    inbox.refuse = "451 4.3.0 try again later"
    assert await worker.send_mail() == 0
    listed = await client.as_(owen).get("/api/v1/failed-mails")
    assert listed.status_code == 200
    [failed] = listed.json()
    assert (failed["state"], failed["kind"], failed["to_addresses"]) == (
        "failed",
        "campaign",
        ["lilei@shopper.test"],
    )
    assert "451" in failed["last_error"]
    page = await client.as_(owen).get("/settings/email")
    assert "发送失败的邮件" in page.text
    assert f"/settings/email/mails/{failed['id']}/resend" in page.text
    # Agents may not; another shop does not see it exist.
    assert (await client.as_(alice).get("/api/v1/failed-mails")).status_code == 403
    resend = f"/api/v1/mails/{failed['id']}/resend"
    assert (await client.as_(mallory).post(resend)).status_code == 404
    assert (await client.as_(alice).post(resend)).status_code == 403

    inbox.refuse = None
    again = await client.as_(owen).post(f"/settings/email/mails/{failed['id']}/resend")
    assert again.status_code == 303
    async with sessionmaker() as session:
        mail = await session.get_one(Mail, failed["id"])
        assert (mail.state, mail.attempts) == (MailState.QUEUED, 0)
    assert (await client.as_(owen).post(resend)).status_code == 409  # not failed now
    assert await worker.send_mail() == 1
    assert [r.rcpt_tos for r in inbox.received] == [["lilei@shopper.test"]]
    assert (await client.as_(owen).get("/api/v1/failed-mails")).json() == []
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    [entry] = [e for e in audit if e["action"] == "mail.resend"]
    assert entry["before"]["state"] == "failed" and entry["after"]["state"] == "queued"
