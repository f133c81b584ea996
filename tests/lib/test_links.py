"""Signed links in shoppers' mails: a token reads back only under its own purpose and
the server's secret; any change to it is refused."""

from __future__ import annotations

from kefu.lib.links import read_link, sign_link

SECRET = "s" * 48


def test_a_token_reads_back_its_payload():
    token = sign_link(SECRET, "rate-case", {"shop": 3, "case": 41})
    assert read_link(SECRET, "rate-case", token) == {"shop": 3, "case": 41}


def test_a_token_of_another_purpose_or_secret_is_refused():
    token = sign_link(SECRET, "rate-case", {"shop": 3, "case": 41})
    assert read_link(SECRET, "unsubscribe", token) is None
    assert read_link("t" * 48, "rate-case", token) is None


def test_an_altered_or_oversized_token_is_refused():
    token = sign_link(SECRET, "unsubscribe", {"shop": 3, "customer": 7})
    forged = sign_link(SECRET, "unsubscribe", {"shop": 3, "customer": 8})
    payload, signature = token.rsplit(".", 1)
    assert read_link(SECRET, "unsubscribe", f"{forged.rsplit('.', 1)[0]}.{signature}") is None
    assert read_link(SECRET, "unsubscribe", token[:-2]) is None
    assert read_link(SECRET, "unsubscribe", "") is None
    assert read_link(SECRET, "unsubscribe", payload + "." + "A" * 500) is None
