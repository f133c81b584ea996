"""The e-mail channel: the shop's mailbox settings (``manage_mailbox``: owners and
supervisors) and the attachments of received mail (docs/email.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Response
from pydantic import Field

from kefu.actions.mail_resend import do_resend_mail
from kefu.actions.mailbox import do_save_mailbox, get_mailbox
from kefu.models import Mail, Mailbox, MailDirection, MailKind, MailSecurity, MailState
from kefu.models.base import utcnow
from kefu.queries.mail import conversation_mails, failed_mails, load_attachment
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["email"], responses=ERROR_RESPONSES)
SECURITY_HELP = "tls (from the first byte), starttls (upgraded) or none (same machine only)"
# Shown inline by a browser only when it is a picture; everything else downloads.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class EmailSettingsIn(ApiModel):
    from_address: str = Field(description="The shop's address replies come from")
    from_name: str | None = Field(None, description="Sender name, e.g. the shop's name")
    imap_host: str
    imap_port: int = Field(993, description="993 with tls, 143 with starttls")
    imap_security: MailSecurity = Field(MailSecurity.TLS, description=SECURITY_HELP)
    imap_username: str
    imap_password: str | None = Field(
        None, description="Write-only; null or absent keeps the stored one (required at first)"
    )
    imap_folder: str = Field("INBOX", description="The folder polled for new mail")
    smtp_host: str
    smtp_port: int = Field(587, description="587 with starttls, 465 with tls")
    smtp_security: MailSecurity = Field(MailSecurity.STARTTLS, description=SECURITY_HELP)
    smtp_username: str = Field("", description="Empty: send without logging in")
    smtp_password: str | None = Field(None, description="Write-only; null keeps the stored one")
    acknowledge: bool = Field(True, description="Answer a new thread with its case number")
    auto_reply: bool = Field(True, description="Answer outside business hours (once a day)")
    active: bool = Field(True, description="Poll the mailbox and send replies")


class EmailSettingsOut(ApiModel):
    configured: bool = Field(description="false until the mailbox is set up (the rest is null)")
    from_address: str | None = None
    from_name: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: MailSecurity | None = None
    imap_username: str | None = None
    imap_password_set: bool = Field(False, description="Whether a password is stored (never shown)")
    imap_folder: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: MailSecurity | None = None
    smtp_username: str | None = None
    smtp_password_set: bool = False
    acknowledge: bool | None = None
    auto_reply: bool | None = None
    active: bool | None = None
    last_polled_at: datetime | None = Field(
        None, description="The last poll that reached the server"
    )
    last_error: str | None = Field(
        None, description="Why the last poll failed; null when it worked"
    )

    @classmethod
    def of(cls, mailbox: Mailbox | None) -> EmailSettingsOut:
        if mailbox is None:
            return cls(configured=False)
        return cls.model_validate(
            {
                **{k: getattr(mailbox, k) for k in cls.model_fields if hasattr(mailbox, k)},
                "configured": True,
                "imap_password_set": bool(mailbox.imap_password),
                "smtp_password_set": bool(mailbox.smtp_password),
            }
        )


@router.get("/email-settings", summary="The shop's mailbox settings (passwords never shown)")
async def get_email_settings(session: SessionDep, actor: ActorDep) -> EmailSettingsOut:
    return EmailSettingsOut.of(await get_mailbox(session, actor))


@router.put("/email-settings", summary="Set up or change the shop's mailbox")
async def put_email_settings(
    body: EmailSettingsIn, session: SessionDep, actor: ActorDep
) -> EmailSettingsOut:
    mailbox = await do_save_mailbox(session, actor, **body.model_dump())
    await session.commit()
    return EmailSettingsOut.of(mailbox)


class MailAttachmentOut(ApiModel):
    id: int = Field(description="Download at /api/v1/mail-attachments/{id}")
    filename: str
    content_type: str
    size: int = Field(description="Bytes")


class MailOut(ApiModel):
    id: int
    direction: MailDirection
    kind: MailKind = Field(
        description="received, reply, acknowledgement, auto_reply, notice (a proactive "
        "notice) or campaign (a campaign's or journey step's mail)"
    )
    state: MailState = Field(description="received; or queued, sending, sent, failed")
    case_id: int | None
    message_id: str = Field(description="The Message-ID header, without <>")
    in_reply_to: str | None
    from_address: str
    from_name: str | None
    to_addresses: list[str]
    subject: str
    text_body: str
    html_body: str | None = Field(description="Sanitised when received: safe to show")
    notes: list[str] = Field(description="What was dropped, or why no automatic answer went")
    attempts: int
    next_attempt_at: datetime | None = Field(description="When an unsent mail is tried again")
    last_error: str | None = Field(description="Why the last attempt to send failed")
    sent_at: datetime | None
    created_at: datetime
    attachments: list[MailAttachmentOut]

    @classmethod
    def of(cls, mail: Mail, attachments: list[Any]) -> MailOut:
        values = {k: getattr(mail, k) for k in cls.model_fields if k != "attachments"}
        files = [MailAttachmentOut.model_validate(a) for a in attachments]
        return cls.model_validate(values | {"attachments": files})


@router.get(
    "/conversations/{conversation_id}/mails",
    summary="The e-mails of a conversation, oldest first, with their delivery state",
)
async def get_conversation_mails(
    conversation_id: IdPath, session: SessionDep, actor: ActorDep
) -> list[MailOut]:
    rows = await conversation_mails(session, actor, conversation_id)
    return [MailOut.of(mail, files) for mail, files in rows]


@router.get(
    "/failed-mails",
    summary="Outgoing mails that gave up after their last attempt, newest first (50 at most)",
    description="Owners and supervisors (manage_mailbox). ``last_error`` says why; once the "
    "cause is fixed, send one again with POST /api/v1/mails/{id}/resend.",
)
async def get_failed_mails(session: SessionDep, actor: ActorDep) -> list[MailOut]:
    return [MailOut.of(mail, []) for mail in await failed_mails(session, actor)]


@router.post(
    "/mails/{mail_id}/resend",
    summary="Queue a failed outgoing mail again, its attempts counted from 0",
    description="Owners and supervisors (manage_mailbox); audited as mail.resend. 409 when "
    "the mail is not an outgoing mail in the failed state; 404 for another shop's mail.",
)
async def resend_mail(mail_id: IdPath, session: SessionDep, actor: ActorDep) -> MailOut:
    mail = await do_resend_mail(session, actor, mail_id, utcnow())
    await session.commit()
    return MailOut.of(mail, [])


@router.get(
    "/mail-attachments/{attachment_id}",
    summary="Download a file a received e-mail carried",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def get_mail_attachment(
    attachment_id: IdPath, session: SessionDep, actor: ActorDep
) -> Response:
    attachment = await load_attachment(session, actor, attachment_id)
    inline = attachment.content_type in INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    return Response(
        attachment.content,
        media_type=attachment.content_type if inline else "application/octet-stream",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )
