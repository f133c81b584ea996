"""Conversation CSAT by e-mail (docs/email.md#sending): when an agent closes a conversation
of the e-mail channel, the shopper, who has no widget to rate it in, gets a mail asking
for a rating, with a signed link to the rating page (kefu.web.pages.rate). The rating is
the conversation's own (``conversations.rating``), as in the widget.

The mail answers the shopper's newest mail of the conversation (same thread, subject
tagged with its case). Its words are written by the worker when it sends the mail, in
the shop's language, because the link needs the server's public address and secret key,
which actions do not hold (the automatic answers are written the same way)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.actions.mail_out import queue_answer
from kefu.models import Channel, Conversation, Mail, Mailbox, MailDirection, MailKind


async def ask_for_rating(session: AsyncSession, conversation: Conversation) -> Mail | None:
    """Queue the rating request of a closed e-mail conversation not rated yet; None when
    none goes out (another channel, no active mailbox, no address to write to)."""
    if conversation.channel is not Channel.EMAIL or conversation.rating is not None:
        return None
    mailbox = await session.scalar(
        select(Mailbox).where(Mailbox.shop_id == conversation.shop_id, Mailbox.active.is_(True))
    )
    answered = await session.scalar(
        select(Mail)
        .where(Mail.conversation_id == conversation.id, Mail.direction == MailDirection.IN)
        .order_by(Mail.id.desc())
        .limit(1)
    )
    if mailbox is None or answered is None or "@" not in answered.from_address:
        return None
    return await session.run_sync(
        lambda sync: queue_answer(sync, mailbox, answered, MailKind.RATING)
    )
