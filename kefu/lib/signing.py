"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the endpoint's
secret. The timestamp is signed too so that a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Kefu-Signature"


def same_secret(expected: str, sent: str) -> bool:
    """Constant-time comparison of a secret with what a caller sent. Compared as UTF-8
    bytes: ``hmac.compare_digest`` refuses str with non-ASCII characters (a TypeError,
    so a 500), and what a caller sends may hold any character."""
    return hmac.compare_digest(expected.encode(), sent.encode(errors="surrogatepass"))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: ``t=<unix seconds>,v1=<hex digest>``."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: recompute, compare in constant time, refuse stale requests."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return same_secret(sign(secret, timestamp, body), header)
