"""Signed visitor tokens: the widget's proof of which visitor of which shop it is.

``<shop id>.<visitor public id>.<signature>``, signed with HMAC-SHA256 under the server's
secret key. There is nothing secret inside; the signature only stops a browser from
claiming another visitor's conversations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from kefu.lib.signing import same_secret

_PUBLIC_ID = re.compile(r"^[0-9a-f]{32}$")
_PURPOSE = b"kefu-visitor-token-v1:"


def _signature(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), _PURPOSE + message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_visitor_token(secret: str, shop_id: int, public_id: str) -> str:
    message = f"{shop_id}.{public_id}"
    return f"{message}.{_signature(secret, message)}"


def read_visitor_token(secret: str, token: str | None) -> tuple[int, str] | None:
    """(shop id, visitor public id) for a genuine token, else None."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not _PUBLIC_ID.match(parts[1]):
        return None
    expected = _signature(secret, f"{parts[0]}.{parts[1]}")
    if not same_secret(expected, parts[2]):
        return None
    return int(parts[0]), parts[1]


def customer_signature(shop_secret: str, external_id: str) -> str:
    """What a storefront sends beside a logged-in shopper's customer id so the widget can
    link the visitor to that customer: hex HMAC-SHA256 of the id under the shop's widget
    secret (Settings → widget)."""
    return hmac.new(shop_secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def customer_signature_ok(shop_secret: str, external_id: str, signature: str) -> bool:
    return same_secret(customer_signature(shop_secret, external_id), signature.lower())
