"""Reading the e-mail channel for the shop's staff: a conversation's mails, the
attachments of received mail, and the mails that failed to go out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import Conversation, Mail, MailAttachment, MailDirection, MailState
from kefu.queries.access import fetch_owned

MAX_FAILED_LISTED = 50


async def load_attachment(
    session: AsyncSession, actor: Actor, attachment_id: int
) -> MailAttachment:
    """An attachment of the actor's shop; anyone who answers conversations may open it."""
    return await fetch_owned(
        session,
        actor,
        MailAttachment,
        attachment_id,
        "attachment",
        permission=Permission.HANDLE_CONVERSATIONS,
    )


async def conversation_mails(
    session: AsyncSession, actor: Actor, conversation_id: int
) -> list[tuple[Mail, list[Row[Any]]]]:
    """The mails of a conversation, oldest first, each with its attachments' details (not
    their content): what an agent checks when a reply did not go out (``state``,
    ``last_error``) or wants the sanitised HTML of a shopper's mail."""
    await fetch_owned(
        session,
        actor,
        Conversation,
        conversation_id,
        "conversation",
        permission=Permission.HANDLE_CONVERSATIONS,
    )
    mails = list(
        await session.scalars(
            select(Mail)
            .where(Mail.shop_id == actor.shop_id, Mail.conversation_id == conversation_id)
            .order_by(Mail.id)
        )
    )
    files: dict[int, list[Row[Any]]] = {mail.id: [] for mail in mails}
    if mails:
        rows = await session.execute(
            select(
                MailAttachment.id,
                MailAttachment.mail_id,
                MailAttachment.filename,
                MailAttachment.content_type,
                MailAttachment.size,
            )
            .where(MailAttachment.mail_id.in_(list(files)))
            .order_by(MailAttachment.id)
        )
        for row in rows:
            files[row.mail_id].append(row)
    return [(mail, files[mail.id]) for mail in mails]


async def failed_mails(session: AsyncSession, actor: Actor) -> list[Mail]:
    """The shop's newest outbound mails that gave up (at most 50)."""
    actor.require(Permission.MANAGE_MAILBOX)
    rows = await session.scalars(
        select(Mail)
        .where(
            Mail.shop_id == actor.shop_id,
            Mail.direction == MailDirection.OUT,
            Mail.state == MailState.FAILED,
        )
        .order_by(Mail.id.desc())
        .limit(MAX_FAILED_LISTED)
    )
    return list(rows)
