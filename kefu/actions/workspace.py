"""What an agent does in the workspace beyond talking: mark a conversation read, record
the details checked with the shopper (信息核对), tag a conversation.

Verification and tags are internal: they go to the shop's stream only, never to the
shopper's; reading is the one the shopper sees (已读)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import clean_text
from kefu.actions.conversations import load_for_staff, staff_stream, visitor_streams
from kefu.actions.streams import emit
from kefu.errors import Forbidden, Invalid, NotFound
from kefu.events import ConversationChanged, ReadReceipt, shop_stream
from kefu.models import Conversation, ConversationRead, Message
from kefu.models.base import utcnow
from kefu.queries.conversations import conversation_data

# What the agent checks with the shopper before an order ships or a return is booked.
VERIFICATION_ITEMS = ("address", "phone", "spec")
MAX_TAGS = 10


@dataclass(frozen=True, slots=True)
class ReadMarks:
    """Where reading stands after a mark: the caller's own position (unread counts) and
    the conversation's agent-read marker (the shopper's "已读")."""

    conversation: Conversation
    last_read_message_id: int


async def do_mark_read(
    session: AsyncSession, actor: Actor, conversation_id: int, *, message_id: int | None = None
) -> ReadMarks:
    """The agent has read the conversation up to ``message_id`` (default: the newest
    message): their own read position moves there, and so does the conversation's marker,
    which tells the shopper "已读". Neither ever moves back.

    Not audited: reading is like scrolling, it changes nothing but unread counts and the
    receipt."""
    if actor.kind != "agent" or actor.id is None:
        raise Forbidden("only an agent has a read position")
    conversation = await load_for_staff(session, actor, conversation_id)
    if message_id is None:
        message_id = await session.scalar(
            select(func.max(Message.id)).where(Message.conversation_id == conversation.id)
        )
    else:
        message = await session.get(Message, message_id)
        if message is None or message.conversation_id != conversation.id:
            raise NotFound("message", field="message_id")
    position = await _move_read_position(session, actor, conversation, message_id or 0)
    if message_id is not None:
        await _advance_receipt(session, conversation, message_id)
    return ReadMarks(conversation, position)


async def _move_read_position(
    session: AsyncSession, actor: Actor, conversation: Conversation, message_id: int
) -> int:
    """Upsert the agent's position, keeping the furthest; returns the stored one."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    furthest = func.max if dialect == "sqlite" else func.greatest
    stmt = insert(ConversationRead).values(
        shop_id=actor.shop_id,
        conversation_id=conversation.id,
        agent_id=actor.id,
        last_read_message_id=message_id,
        read_at=utcnow(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["conversation_id", "agent_id"],
        set_={
            "last_read_message_id": furthest(
                ConversationRead.last_read_message_id, stmt.excluded.last_read_message_id
            ),
            "read_at": stmt.excluded.read_at,
        },
    ).returning(ConversationRead.last_read_message_id)
    return (await session.execute(stmt)).scalar_one()


async def _advance_receipt(
    session: AsyncSession, conversation: Conversation, message_id: int
) -> None:
    """Move the conversation's agent-read marker forward and tell the shopper (and the
    shop's other screens)."""
    if (conversation.agent_read_message_id or 0) >= message_id:
        return
    conversation.agent_read_message_id = message_id
    await session.flush()
    recipients = {staff_stream(conversation)} | await visitor_streams(session, conversation)
    await emit(
        session,
        ReadReceipt(
            conversation.shop_id,
            {"conversation_id": conversation.id, "message_id": message_id},
            frozenset(recipients),
        ),
    )


def _clean_checks(checks: Any) -> dict[str, bool]:
    if not isinstance(checks, dict) or not checks:
        raise Invalid("say which details were checked", field="checks")
    unknown = sorted(set(checks) - set(VERIFICATION_ITEMS))
    if unknown:
        raise Invalid(
            f"{unknown[0]} is not a detail to check; use {', '.join(VERIFICATION_ITEMS)}",
            field="checks",
        )
    if not all(isinstance(v, bool) for v in checks.values()):
        raise Invalid("each check is true (confirmed) or false (not yet)", field="checks")
    return {item: checks[item] for item in VERIFICATION_ITEMS if item in checks}


async def _announce_internal(
    session: AsyncSession, conversation: Conversation, change: str
) -> None:
    data = conversation_data(conversation, for_visitor=False)
    payload = {"change": change, "conversation": data | {"verification": conversation.verification}}
    recipients = frozenset({shop_stream(conversation.shop_id)})
    await emit(session, ConversationChanged(conversation.shop_id, payload, recipients))


async def _record(
    session: AsyncSession, actor: Actor, conversation: Conversation, change: str, **values: Any
) -> Conversation:
    before = snapshot(conversation)
    for key, value in values.items():
        setattr(conversation, key, value)
    await session.flush()
    record_audit(
        session,
        actor,
        f"conversation.{change}",
        "conversation",
        conversation.id,
        before=before,
        after=snapshot(conversation),
    )
    await _announce_internal(session, conversation, change)
    return conversation


async def do_record_verification(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    *,
    checks: Any,
    note: str | None = None,
) -> Conversation:
    """Record which details (address, phone, model/size) the shopper confirmed, by whom
    and when, on the conversation; recording again replaces the earlier result."""
    conversation = await load_for_staff(session, actor, conversation_id)
    result = {
        "checks": _clean_checks(checks),
        "note": clean_text(note, "note", "note", 500) if note and note.strip() else None,
        "by": actor.label,
        "agent_id": actor.id if actor.kind == "agent" else None,
        "at": utcnow().isoformat(),
    }
    result["complete"] = len(result["checks"]) == len(VERIFICATION_ITEMS) and all(
        result["checks"].values()
    )
    return await _record(session, actor, conversation, "verified", verification=result)


async def do_tag_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int, *, tags: Any
) -> Conversation:
    """Replace a conversation's tags (for filtering the list and for reports)."""
    conversation = await load_for_staff(session, actor, conversation_id)
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise Invalid(f"give at most {MAX_TAGS} tags", field="tags")
    cleaned = list(dict.fromkeys(clean_text(t, "tags", "a tag", 32) for t in tags))
    return await _record(session, actor, conversation, "tagged", tags=cleaned)
