"""Reading the e-mail channel: the attachments of received mail, for the shop's staff."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import MailAttachment
from kefu.queries.access import fetch_owned


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
