"""Coaching notes (docs/quality.md#coaching): a supervisor coaches the agent a scorecard
scores, linking the note to what the card found; the agent is told live and acknowledges
it, optionally answering, and the note's author is told in turn.

Only a person coaches or acknowledges (an API key is nobody's supervisor), and only
within the actor's shop: another shop's scorecard or note is a 404."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import clean_text
from kefu.actions.streams import emit
from kefu.errors import Conflict, Forbidden, Invalid
from kefu.events import CoachingAcknowledged, CoachingCreated, agent_stream
from kefu.models.base import utcnow
from kefu.models.quality import CoachingNote, Scorecard, ScorecardStatus
from kefu.quality.dictionary import CODES
from kefu.queries.coaching import load_note
from kefu.queries.scorecards import load_scorecard

MAX_NOTE = 2000
MAX_REPLY = 1000
MAX_FOCUS = 14  # the six criteria and the eight finding codes


def note_payload(note: CoachingNote) -> dict[str, Any]:
    """A note as the events carry it (the API's ``CoachingNoteOut`` less the names)."""
    return {
        "id": note.id,
        "scorecard_id": note.scorecard_id,
        "agent_id": note.agent_id,
        "author_id": note.author_id,
        "body": note.body,
        "focus": list(note.focus),
        "created_at": note.created_at.isoformat(),
        "acknowledged_at": note.acknowledged_at.isoformat() if note.acknowledged_at else None,
    }


def _focus(card: Scorecard, value: Any) -> list[str]:
    """What the note is about: criterion keys of this card, or finding codes (those on
    the card's replies or any of the eight, a supervisor may coach ahead); each once."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        raise Invalid("focus is a list of criterion keys and finding codes", field="focus")
    known = [entry["key"] for entry in card.criteria] + list(CODES)
    unknown = [key for key in value if key not in known]
    if unknown:
        raise Invalid(
            f"{unknown[0]!r} is neither a criterion of this scorecard nor a finding code; "
            f"known: {', '.join(known)}",
            field="focus",
        )
    return [key for key in known if key in value][:MAX_FOCUS]


async def do_write_coaching(
    session: AsyncSession, actor: Actor, scorecard_id: int, *, body: Any, focus: Any = None
) -> CoachingNote:
    """A supervisor's (or owner's) coaching on a scored card, for the agent it scores.
    Coaching one's own card would be nobody's coaching, so it is refused."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    if actor.kind != "agent":
        raise Forbidden("a supervisor writes coaching notes, not an API key")
    card = await load_scorecard(session, actor, scorecard_id)
    if card.status is ScorecardStatus.PENDING or card.agent_id is None:
        raise Conflict("this scorecard has no scored agent to coach yet")
    if card.agent_id == actor.id:
        raise Forbidden("a coaching note is for another agent; ask a colleague to coach you")
    note = CoachingNote(
        shop_id=actor.shop_id,
        scorecard_id=card.id,
        agent_id=card.agent_id,
        author_id=actor.id,
        body=clean_text(body, "body", "a coaching note", MAX_NOTE, lines=True),
        focus=_focus(card, focus),
        created_at=utcnow(),
    )
    session.add(note)
    await session.flush()
    record_audit(session, actor, "coaching.created", "coaching_note", note.id, after=snapshot(note))
    payload = note_payload(note) | {"author": actor.label}
    await emit(
        session, CoachingCreated(actor.shop_id, payload, frozenset({agent_stream(card.agent_id)}))
    )
    return note


async def do_acknowledge_coaching(
    session: AsyncSession, actor: Actor, note_id: int, *, reply: Any = None
) -> CoachingNote:
    """The coached agent says they read the note (once), perhaps answering it."""
    if actor.kind != "agent":
        raise Forbidden("only the agent coached acknowledges a coaching note")
    note = await load_note(session, actor, note_id)
    if note.agent_id != actor.id:
        raise Forbidden("only the agent coached acknowledges a coaching note")
    if note.acknowledged_at is not None:
        raise Conflict("this coaching note is already acknowledged")
    said = None
    if isinstance(reply, str) and reply.strip():
        said = clean_text(reply, "reply", "a reply", MAX_REPLY, lines=True)
    elif reply is not None and not isinstance(reply, str):
        raise Invalid("a reply is text", field="reply")
    before = snapshot(note)
    note.acknowledged_at, note.reply = utcnow(), said
    await session.flush()
    record_audit(
        session,
        actor,
        "coaching.acknowledged",
        "coaching_note",
        note.id,
        before=before,
        after=snapshot(note),
    )
    if note.author_id is not None:
        payload = note_payload(note) | {"reply": said, "agent": actor.label}
        streams = frozenset({agent_stream(note.author_id)})
        await emit(session, CoachingAcknowledged(actor.shop_id, payload, streams))
    return note
