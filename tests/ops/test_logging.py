"""Logs with request ids, and without secrets or personal data.

The caplog tests look at the raw records (before any formatter masks them): a login, an
API-key request and a shopper writing her phone number must not put the password, the
key, the session cookie or the number into any record, at DEBUG level and with the
server's logging set up as ``kefu serve`` sets it up."""

from __future__ import annotations

import io
import json
import logging
import uuid

import httpx
import pytest

from kefu.logs import JsonFormatter, TextFormatter, configure_logging, mask
from tests.chat.conftest import make_shopper

PHONE = "13912345678"


@pytest.fixture
def server_logging():
    """The logging of ``kefu serve`` at DEBUG, into a buffer; the test's own set-up after."""
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    configure_logging("debug", "json")
    buffer = io.StringIO()
    root.handlers[0].stream = buffer  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:], level = kept
    root.setLevel(level)


def all_text(records: list[logging.LogRecord]) -> str:
    parts = []
    for record in records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


async def test_login_api_key_and_chat_put_no_secret_in_any_record(
    server_logging, caplog, client, owen
):
    caplog.set_level(logging.DEBUG)
    page = await client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    login = await client.post(
        "/login", data={"email": owen.email, "password": owen.password, "csrf_token": csrf}
    )
    assert login.status_code == 303, login.text
    session_cookie = login.cookies["kefu_session"]
    wrong = await client.post(
        "/login", data={"email": owen.email, "password": "Wrong-pass-123", "csrf_token": csrf}
    )
    assert wrong.status_code in (401, 403)

    created = await client.as_(owen).post("/api/v1/api-keys", json={"name": "ERP 同步"})
    key = created.json()["key"]
    listed = await client.get("/api/v1/products", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200

    shopper = await make_shopper(client)
    said = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": f"我的手机号是 {PHONE}，请尽快联系我"},
        headers=shopper.headers,
    )
    assert said.status_code == 200

    logged = all_text(caplog.records) + server_logging.getvalue()
    assert "POST /login 303" in logged, "the access lines are there"
    for secret in (
        owen.password,
        "Wrong-pass-123",
        key,
        session_cookie,
        owen.session_token,
        owen.csrf_token,
        csrf,
        shopper.token,
        PHONE,
    ):
        assert secret not in logged


async def test_request_id_is_kept_or_made_and_in_every_line(server_logging, caplog, client):
    caplog.set_level(logging.DEBUG)
    sent = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert sent.headers["x-request-id"] == "lb-7f3a.42"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    for forged in ("a" * 129, "abc\tdef", "邮件".encode(), "x y", 'id";drop'):
        refused = await client.get("/healthz", headers={"X-Request-ID": forged})
        assert len(refused.headers["x-request-id"]) == 32  # a new one
    access = [r for r in caplog.records if r.name == "kefu.access"]
    assert [r.request_id for r in access[:2]] == ["lb-7f3a.42", made.headers["x-request-id"]]

    lines = [json.loads(line) for line in server_logging.getvalue().splitlines()]
    assert lines and all(line["request_id"] != "-" for line in lines)
    assert {"time", "level", "logger", "request_id", "message"} <= set(lines[0])


def test_masking_covers_secrets_and_personal_data():
    assert "abcdefghijklmnop" not in mask("Authorization: Bearer kefu_abcdefghijklmnop")
    assert mask("sent Bearer eyJhbGciOi.x.y") == "sent Bearer [redacted]"
    assert mask("calling with kefu_abcdefghijklmnop") == "calling with kefu_[redacted]"
    assert mask("GET /ws/visitor?token=v1.ab12.sig") == "GET /ws/visitor?token=[redacted]"
    assert mask('{"password": "Hunter2-xyz"}') == '{"password": "[redacted]"}'
    assert mask("cookie=kefu_session=abc") == "cookie=[redacted]"
    assert mask(f"请回电 {PHONE} 谢谢") == "请回电 139****5678 谢谢"
    assert mask("订单号 2026120213912345678") == "订单号 2026120213912345678"
    assert mask("mail zhang.wei@example.com") == "mail z***@example.com"


def test_text_and_json_formatters_mask_what_they_write():
    record = logging.LogRecord("kefu.test", logging.INFO, __file__, 1, "phone %s", (PHONE,), None)
    record.request_id = "req-1"
    assert TextFormatter().format(record).endswith("INFO kefu.test [req-1] phone 139****5678")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "phone 139****5678" and line["request_id"] == "req-1"


async def test_an_unexpected_error_is_logged_with_its_request_id(app_with, caplog):
    caplog.set_level(logging.INFO)
    app = app_with()

    async def broken() -> None:
        raise RuntimeError("the printer is on fire")

    app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as http:
        response = await http.get("/broken", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert "printer" not in response.text
    crash = next(r for r in caplog.records if r.getMessage().startswith("unhandled error"))
    assert crash.request_id == "boom-1" and crash.exc_info
    access = next(r for r in caplog.records if r.name == "kefu.access")
    assert access.getMessage().startswith("GET /broken 500") and access.request_id == "boom-1"
