"""Scorecards of closed conversations (docs/quality.md#scorecards): queued when a
conversation closes, scored by the worker with the shop's criteria, reviewed by a
supervisor, disputed by the agent scored, decided by a supervisor.

Closing only adds a ``pending`` row; reading the messages and scoring them happens in the
worker (:func:`score_pending`), never in the request that closed the conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import choice, clean_text
from kefu.errors import Conflict, Forbidden, Invalid
from kefu.models import Conversation, Message, MessageKind, Shop, Skill
from kefu.models.base import utcnow
from kefu.models.quality import Decision, Scorecard, ScorecardStatus
from kefu.quality.scorecard import (
    KEYS,
    RESULTS,
    Facts,
    Line,
    Outcome,
    criteria_of,
    score,
    scorecard_settings,
    weighted_score,
)
from kefu.queries.scorecards import load_scorecard

BATCH = 50
MAX_COMMENT = 1000
SCORED_KINDS = (MessageKind.TEXT, MessageKind.IMAGE, MessageKind.CARD)
OPEN_TO_REVIEW = (ScorecardStatus.AUTO, ScorecardStatus.REVIEWED)


async def queue_scorecard(
    session: AsyncSession, conversation: Conversation, closed_at: datetime
) -> None:
    """At close: a ``pending`` scorecard for the agent the conversation is assigned to (a
    conversation closed from the queue has nobody to score); closed again after a reopen,
    the earlier scorecard is scored anew."""
    if conversation.assigned_agent_id is None:
        return
    existing = await session.scalar(
        select(Scorecard).where(Scorecard.conversation_id == conversation.id)
    )
    if existing is None:
        existing = Scorecard(shop_id=conversation.shop_id, conversation_id=conversation.id)
        session.add(existing)
    existing.agent_id = conversation.assigned_agent_id
    existing.closed_at = closed_at
    existing.status = ScorecardStatus.PENDING


async def _facts(session: AsyncSession, conversation: Conversation) -> Facts:
    rows = await session.execute(
        select(Message.sender_kind, Message.created_at, Message.body, Message.findings)
        .where(Message.conversation_id == conversation.id, Message.kind.in_(SCORED_KINDS))
        .order_by(Message.id)
    )
    lines = [
        Line(sender.value, at, body or "", tuple(findings or ()))
        for sender, at, body, findings in rows
    ]
    return Facts(lines, conversation.verification, conversation.skill is Skill.COMPLAINT)


async def score_one(session: AsyncSession, card: Scorecard, now: datetime) -> bool:
    """Score one pending row; one without an agent reply is dropped. The update is a
    compare-and-swap on ``pending``: of two workers scoring it, one writes."""
    conversation = await session.get_one(Conversation, card.conversation_id)
    facts = await _facts(session, conversation)
    still_pending = (Scorecard.id == card.id, Scorecard.status == ScorecardStatus.PENDING)
    if not facts.agent_lines:
        await session.execute(delete(Scorecard).where(*still_pending))
        return False
    stored = await session.scalar(select(Shop.quality_settings).where(Shop.id == card.shop_id))
    settings = scorecard_settings((stored or {}).get("scorecard"))
    result = score(facts, criteria_of(settings), settings["finding_penalty"])
    await session.execute(
        update(Scorecard)
        .where(*still_pending)
        .values(
            status=ScorecardStatus.AUTO,
            scored_at=now,
            auto_score=result.score,
            score=result.score,
            criteria=[outcome.as_json() for outcome in result.outcomes],
            findings=result.findings,
            penalty=result.penalty,
            updated_at=now,
        )
    )
    return True


async def score_pending(session: AsyncSession, now: datetime) -> int:
    """The worker's round: score the pending scorecards a batch per transaction until
    none is left; returns how many were scored."""
    scored = 0
    while True:
        cards = list(
            await session.scalars(
                select(Scorecard)
                .where(Scorecard.status == ScorecardStatus.PENDING)
                .order_by(Scorecard.id)
                .limit(BATCH)
            )
        )
        if not cards:
            return scored
        for card in cards:
            scored += await score_one(session, card, now)
        await session.commit()
        session.expunge_all()


def _require_supervisor(actor: Actor) -> None:
    """Reviews and decisions are a person's (a supervisor or owner), named on the card."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    if actor.kind != "agent":
        raise Forbidden("a supervisor reviews scorecards, not an API key")


def _comment(value: Any, field: str, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid("say why in a comment", field=field)
        return None
    return clean_text(value, field, "comment", MAX_COMMENT)


def _changed(card: Scorecard, changes: Any, actor: Actor) -> list[dict[str, Any]]:
    """The criteria with ``changes`` (``[{"key", "result", "comment"}]``) applied; the
    automatic result is kept beside a changed one."""
    if not isinstance(changes, list) or not changes:
        raise Invalid("say which criteria to change", field="criteria")
    criteria = [dict(entry) for entry in card.criteria]
    by_key = {entry["key"]: entry for entry in criteria}
    for change in changes:
        key = change.get("key") if isinstance(change, dict) else None
        if key not in by_key:
            known = ", ".join(k for k in KEYS if k in by_key)
            raise Invalid(
                f"{key!r} is not a criterion of this scorecard; it has {known}", field="criteria"
            )
        entry = by_key[key]
        entry.setdefault("auto_result", entry["result"])
        if change.get("result") not in RESULTS:
            raise Invalid(f"a result is one of: {', '.join(RESULTS)}", field="criteria")
        entry["result"] = change["result"]
        entry["comment"] = _comment(change.get("comment"), "criteria", required=False)
        entry["by"] = actor.label
    return criteria


def _rescore(card: Scorecard, criteria: list[dict[str, Any]]) -> None:
    outcomes = [
        Outcome(e["key"], e["result"], e["weight"], e["reason_zh"], e["reason_en"])
        for e in criteria
    ]
    card.criteria = criteria
    card.score = weighted_score(outcomes, card.penalty)


async def _write(
    session: AsyncSession,
    actor: Actor,
    card: Scorecard,
    action: str,
    changed: list[dict[str, Any]] | None,
    **values: Any,
) -> Scorecard:
    """Apply checked changes (the score follows changed criteria), flush and audit.
    Callers refuse bad input before this, so a refusal never leaves a half-changed card."""
    before = snapshot(card)
    if changed:
        _rescore(card, changed)
    for key, value in values.items():
        setattr(card, key, value)
    await session.flush()
    record_audit(
        session,
        actor,
        f"scorecard.{action}",
        "scorecard",
        card.id,
        before=before,
        after=snapshot(card),
    )
    return card


async def do_review_scorecard(
    session: AsyncSession,
    actor: Actor,
    scorecard_id: int,
    *,
    criteria: Any = None,
    comment: Any = None,
) -> Scorecard:
    """A supervisor's review: results changed where the automatic check was wrong (or
    none changed, the card confirmed), with a comment; the score follows."""
    _require_supervisor(actor)
    card = await load_scorecard(session, actor, scorecard_id)
    if card.status not in OPEN_TO_REVIEW:
        raise Conflict(f"this scorecard is {card.status.value}; a review is no longer open")
    said = _comment(comment, "comment", required=not criteria)
    changed = _changed(card, criteria, actor) if criteria else None
    return await _write(
        session,
        actor,
        card,
        "reviewed",
        changed,
        review_comment=said,
        reviewer_id=actor.id,
        reviewed_at=utcnow(),
        status=ScorecardStatus.REVIEWED,
    )


async def do_dispute_scorecard(
    session: AsyncSession, actor: Actor, scorecard_id: int, *, comment: Any
) -> Scorecard:
    """The agent scored disputes the card, saying why; a supervisor then decides."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    if actor.kind != "agent":
        raise Forbidden("only the agent it scores may dispute a scorecard")
    card = await load_scorecard(session, actor, scorecard_id)
    if card.agent_id != actor.id:
        raise Forbidden("only the agent it scores may dispute a scorecard")
    if card.status not in OPEN_TO_REVIEW:
        raise Conflict(f"this scorecard is {card.status.value}; it cannot be disputed now")
    said = _comment(comment, "comment", required=True)
    return await _write(
        session,
        actor,
        card,
        "disputed",
        None,
        dispute_comment=said,
        disputed_at=utcnow(),
        status=ScorecardStatus.DISPUTED,
    )


async def do_decide_scorecard(
    session: AsyncSession,
    actor: Actor,
    scorecard_id: int,
    *,
    decision: Any,
    comment: Any = None,
    criteria: Any = None,
) -> Scorecard:
    """Calibration: a supervisor upholds the card as it stands or amends criteria, with
    a comment; the card is final afterwards. Usually it answers a dispute, but a
    supervisor may settle any card that is not yet decided."""
    _require_supervisor(actor)
    card = await load_scorecard(session, actor, scorecard_id)
    if card.status in (ScorecardStatus.PENDING, ScorecardStatus.DECIDED):
        raise Conflict(f"this scorecard is {card.status.value}; there is nothing to decide")
    chosen = choice(Decision, decision, "decision")
    if chosen is Decision.AMEND and not criteria:
        raise Invalid("an amendment says which criteria change", field="criteria")
    if chosen is Decision.UPHOLD and criteria:
        raise Invalid("upholding changes no criteria; amend instead", field="criteria")
    said = _comment(comment, "comment", required=card.dispute_comment is not None)
    changed = _changed(card, criteria, actor) if criteria else None
    return await _write(
        session,
        actor,
        card,
        "decided",
        changed,
        decision=chosen,
        decision_comment=said,
        decided_by_id=actor.id,
        decided_at=utcnow(),
        status=ScorecardStatus.DECIDED,
    )
