"""The shop's mailbox settings: owners and supervisors set them up, passwords go in and
never come out (not in the answer, not in the audit log), bad input names its field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kefu.models import AuditEntry, Mailbox

SETTINGS = {
    "from_address": "service@acme.example",
    "from_name": "Acme 客服",
    "imap_host": "imap.acme.example",
    "imap_port": 993,
    "imap_security": "tls",
    "imap_username": "service@acme.example",
    "imap_password": "imap-Secret-1",
    "smtp_host": "smtp.acme.example",
    "smtp_port": 587,
    "smtp_security": "starttls",
    "smtp_username": "service@acme.example",
    "smtp_password": "smtp-Secret-2",
}


async def test_an_owner_sets_up_the_mailbox_and_never_sees_a_password_again(client, session, owen):
    owner = client.as_(owen)
    assert (await owner.get("/api/v1/email-settings")).json()["configured"] is False
    saved = await owner.put("/api/v1/email-settings", json=SETTINGS)
    assert saved.status_code == 200, saved.text
    shown = (await owner.get("/api/v1/email-settings")).json()
    assert shown["imap_host"] == "imap.acme.example"
    assert shown["imap_password_set"] is True and shown["smtp_password_set"] is True
    assert shown["acknowledge"] is True and shown["auto_reply"] is True
    assert "Secret" not in saved.text and "Secret" not in str(shown)

    # Saving without passwords keeps them.
    changed = {k: v for k, v in SETTINGS.items() if not k.endswith("password")}
    changed["imap_port"] = 143
    changed["imap_security"] = "starttls"
    assert (await owner.put("/api/v1/email-settings", json=changed)).status_code == 200
    mailbox = await session.scalar(select(Mailbox))
    assert (mailbox.imap_port, mailbox.imap_password) == (143, "imap-Secret-1")
    assert mailbox.smtp_password == "smtp-Secret-2"

    entries = (await session.scalars(select(AuditEntry.after))).all()
    assert entries and all("Secret" not in str(after) for after in entries)


async def test_supervisors_may_agents_may_not_and_other_shops_see_nothing(
    client, owen, carol, alice, mallory
):
    assert (await client.as_(carol).put("/api/v1/email-settings", json=SETTINGS)).status_code == 200
    refused = await client.as_(alice).put("/api/v1/email-settings", json=SETTINGS)
    assert refused.status_code == 403
    assert (await client.as_(alice).get("/api/v1/email-settings")).status_code == 403
    assert (await client.as_(mallory).get("/api/v1/email-settings")).json() == {
        "configured": False,
        "from_address": None,
        "from_name": None,
        "imap_host": None,
        "imap_port": None,
        "imap_security": None,
        "imap_username": None,
        "imap_password_set": False,
        "imap_folder": None,
        "smtp_host": None,
        "smtp_port": None,
        "smtp_security": None,
        "smtp_username": None,
        "smtp_password_set": False,
        "acknowledge": None,
        "auto_reply": None,
        "active": None,
        "last_polled_at": None,
        "last_error": None,
    }


async def test_the_first_setup_needs_the_imap_password(client, owen):
    missing = {k: v for k, v in SETTINGS.items() if k != "imap_password"}
    answer = await client.as_(owen).put("/api/v1/email-settings", json=missing)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "imap_password"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"imap_host": "imap example.com"}, "imap_host"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"from_address": "not-an-address"}, "from_address"),
        ({"smtp_security": "ssl3"}, "smtp_security"),
        ({"imap_password": "two\nlines"}, "imap_password"),
    ],
)
async def test_bad_settings_name_the_field(client, owen, change, field):
    answer = await client.as_(owen).put("/api/v1/email-settings", json=SETTINGS | change)
    assert answer.status_code == 422
    assert field in str(answer.json()["error"])
