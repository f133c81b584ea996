"""Reading received mail (kefu.lib.mail): what an agent may safely see of a hostile HTML
body, which headers thread a mail, the case tag, and which mails get no automatic answer."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.lib.mail import case_number, read_mail, reply_subject, sanitise_html, tagged

OWN = "service@acme.test"


def raw(headers: dict[str, str], text: str = "你好", html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "小明 <xiaoming@shopper.test>")
    message["To"] = OWN
    message["Subject"] = headers.pop("Subject", "问题")
    for name, value in headers.items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def read(data: bytes, max_attachment: int = 1_000_000):
    return read_mail(data, own_address=OWN, max_attachment=max_attachment)


@pytest.mark.parametrize(
    ("hostile", "gone"),
    [
        ("<script>alert(1)</script>", "alert"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">点我</a>', "javascript"),
        ('<iframe src="https://evil.test"></iframe>', "iframe"),
        ("<style>body{display:none}</style>", "display"),
        ('<form action="https://evil.test"><input name="pw"></form>', "form"),
        ('<img src="https://tracker.test/open.gif">', "tracker.test"),
        ('<svg onload="alert(1)"></svg>', "onload"),
    ],
)
def test_hostile_html_is_defused(hostile, gone):
    cleaned = sanitise_html(f"<p>您好</p>{hostile}")
    assert gone not in cleaned
    assert "<p>您好</p>" in cleaned


def test_pictures_of_the_mail_itself_and_safe_links_stay():
    cleaned = sanitise_html('<img src="cid:photo1"><a href="https://shop.test/o/1">订单</a>')
    assert 'src="cid:photo1"' in cleaned
    assert 'href="https://shop.test/o/1"' in cleaned and "noopener" in cleaned


def test_a_mail_with_only_html_gets_a_readable_text():
    mail = EmailMessage()
    mail["From"] = "a@b.test"
    mail.set_content("<p>第一行</p><p>第二 &amp; 三</p><script>x()</script>", subtype="html")
    received = read(bytes(mail))
    assert received.text == "第一行\n第二 & 三"


def test_threading_headers_nearest_first():
    received = read(
        raw({"In-Reply-To": "<c@x>", "References": "<a@x> <b@x> <c@x>", "Message-ID": "<d@x>"})
    )
    assert received.message_id == "d@x"
    assert received.thread_ids == ["c@x", "b@x", "a@x"]


def test_a_subject_cannot_smuggle_a_header_line():
    received = read(raw({"Subject": "=?utf-8?q?hi=0D=0ABcc=3A_x=40evil=2Etest?="}))
    assert "\n" not in received.subject and "\r" not in received.subject


def test_an_attachment_over_the_limit_is_dropped_with_a_note():
    mail = EmailMessage()
    mail["From"] = "a@b.test"
    mail.set_content("见附件")
    mail.add_attachment(b"x" * 11, maintype="application", subtype="pdf", filename="big.pdf")
    mail.add_attachment(b"y" * 10, maintype="image", subtype="png", filename="ok.png")
    received = read(bytes(mail), max_attachment=10)
    assert [a.filename for a in received.attachments] == ["ok.png"]
    assert received.notes == ["attachment big.pdf dropped: 11 bytes, over the limit"]


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ({}, None),
        ({"Auto-Submitted": "no"}, None),
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"List-Unsubscribe": "<mailto:u@list.test>"}, "mailing list (List-Unsubscribe)"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress"),
        ({"Return-Path": "<>"}, "a bounce or delivery report"),
        ({"From": "MAILER-DAEMON@mx.test"}, "a machine sender"),
        ({"From": "noreply@shop.test"}, "a machine sender"),
        ({"From": f"Acme <{OWN.upper()}>"}, "our own address"),
    ],
)
def test_loop_guards(headers, automatic):
    assert read(raw(headers)).automatic == automatic


@given(st.integers(min_value=1, max_value=999_999_999), st.text(max_size=60))
def test_a_tagged_subject_names_its_case_once(number, subject):
    subject = subject.replace("[#C-", "")
    once = tagged(reply_subject(subject), number)
    assert case_number(once) == number
    assert tagged(once, number) == once
    assert reply_subject(once) == once
