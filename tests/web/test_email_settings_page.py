"""Settings → E-mail: owners and supervisors set up the shop's mailbox in Chinese, see a
refusal next to its field, never see a stored password again; agents do not get in."""

from __future__ import annotations

from sqlalchemy import select

from kefu.models import Mailbox

PAGE = "/settings/email"
FORM = {
    "from_address": "service@acme.example",
    "from_name": "Acme 客服",
    "imap_host": "imap.acme.example",
    "imap_port": "993",
    "imap_security": "tls",
    "imap_username": "service@acme.example",
    "imap_password": "imap-Secret-9",
    "imap_folder": "INBOX",
    "smtp_host": "smtp.acme.example",
    "smtp_port": "587",
    "smtp_security": "starttls",
    "smtp_username": "",
    "smtp_password": "",
    "acknowledge": "on",
    "active": "on",
}


async def test_a_supervisor_sets_up_the_mailbox_and_the_password_stays_hidden(
    as_, carol, sessionmaker
):
    supervisor = as_(carol)
    page = await supervisor.get(PAGE)
    assert page.status_code == 200 and "收信（IMAP）" in page.text
    sent = await supervisor.submit(PAGE, FORM)
    assert sent.status_code == 303, sent.text
    shown = (await supervisor.get(PAGE)).text
    assert "imap.acme.example" in shown and "imap-Secret-9" not in shown
    assert "留空则保留已保存的密码" in shown
    again = await supervisor.submit(PAGE, FORM | {"imap_password": "", "imap_port": "143"})
    assert again.status_code == 303
    async with sessionmaker() as s:
        mailbox = await s.scalar(select(Mailbox))
    assert (mailbox.imap_port, mailbox.imap_password) == (143, "imap-Secret-9")
    assert (mailbox.acknowledge, mailbox.auto_reply, mailbox.active) == (True, False, True)


async def test_a_bad_port_is_refused_next_to_the_field_in_chinese(as_, owen, sessionmaker):
    bad = await as_(owen).submit(PAGE, FORM | {"smtp_port": "70000"})
    assert bad.status_code == 422
    assert "请填写 1 到 65535 之间的端口。" in bad.text
    assert "imap.acme.example" in bad.text  # what was typed is kept
    async with sessionmaker() as s:
        assert await s.scalar(select(Mailbox)) is None


async def test_agents_do_not_get_in(as_, alice):
    assert (await as_(alice).get(PAGE)).status_code == 403
    assert (await as_(alice).submit(PAGE, FORM)).status_code == 403
