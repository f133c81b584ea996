"""Workspace fixtures: shoppers from the chat tests, acme's order from the web tests."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from kefu.models import Conversation
from tests.chat.conftest import Shopper, make_shopper, shopper  # noqa: F401  (shared fixtures)
from tests.web.conftest import acme_order, as_, browser  # noqa: F401  (shared fixtures)


async def say(client, who: Shopper, body: str) -> dict:
    """The shopper sends ``body`` through the widget's REST API."""
    sent = await client.post(
        f"/api/v1/widget/conversations/{who.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": body},
        headers=who.headers,
    )
    assert sent.status_code == 200, sent.text
    return sent.json()


async def link_customer(sessionmaker, conversation_id: int, customer_id: int) -> None:
    """As if the storefront had passed the signed customer id to the widget."""
    async with sessionmaker() as s:
        await s.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(customer_id=customer_id)
        )
        await s.commit()
