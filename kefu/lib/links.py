"""Signed links in mails to shoppers (rate a case, unsubscribe from campaigns): the link
itself is the shopper's proof, since a shopper reading a mail is signed in nowhere.

A link's token is ``itsdangerous``' URL-safe signed JSON under the server's secret key,
salted with its purpose, so a token made for one purpose is refused for another. The
ids inside are readable (they are signed, not encrypted): a link says nothing a shopper
does not already know about themselves."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

MAX_TOKEN = 400
RATE_CASE = "rate-case"  # payload: {"shop": shop id, "case": case id}
RATE_CONVERSATION = "rate-conversation"  # payload: {"shop": …, "conversation": …}


def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=f"kefu-link:{purpose}")


def sign_link(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    """A token carrying ``payload`` (small JSON: ids) for one purpose."""
    return _serializer(secret, purpose).dumps(payload)


def read_link(secret: str, purpose: str, token: str) -> dict[str, Any] | None:
    """The payload of a genuine token of this purpose, else None (forged, altered, cut
    short or made for another purpose)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        payload = _serializer(secret, purpose).loads(token)
    except BadSignature:
        return None
    return payload if isinstance(payload, dict) else None


def case_rating_link(public_url: str, secret: str, shop_id: int, case_id: int) -> str:
    """The page where a shopper rates a finished case (kefu.web.pages.rate)."""
    token = sign_link(secret, RATE_CASE, {"shop": shop_id, "case": case_id})
    return f"{public_url}/rate/case/{token}"


def conversation_rating_link(
    public_url: str, secret: str, shop_id: int, conversation_id: int
) -> str:
    """The page where a shopper rates a closed conversation (kefu.web.pages.rate)."""
    token = sign_link(secret, RATE_CONVERSATION, {"shop": shop_id, "conversation": conversation_id})
    return f"{public_url}/rate/conversation/{token}"
