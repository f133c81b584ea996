"""Shares fixtures of other packages: a real uvicorn server, a shopper with a
conversation, and a real HTTP receiver for webhooks."""

from __future__ import annotations

from tests.channels.conftest import receiver  # noqa: F401  (shared fixture)
from tests.chat.conftest import server, shopper  # noqa: F401  (shared fixtures)
