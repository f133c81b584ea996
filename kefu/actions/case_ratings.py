"""A shopper rates a finished case (CSAT 1–5, docs/cases.md#case-ratings): in the widget's
after-sales panel (signed in, own cases only) or through the signed link of a progress
mail. Callers prove who the shopper is; this module checks the case and the rating.

A case is rated once, when resolved or closed: a rating of a case still in progress
would judge work not done yet. The rating is credited to the case's assignee at that
moment (``CaseRating.agent_id``). The case row is locked while checking, so a double
click stores one rating and answers the second with 409."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.base import lock_row, record_audit
from kefu.actions.case_timeline import add_timeline
from kefu.actions.checks import clean_text
from kefu.errors import Conflict, Invalid
from kefu.lib.cases import FINISHED
from kefu.models import Case, CaseRating, RatingChannel
from kefu.models.base import utcnow

MAX_COMMENT = 1000


def checked_rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Invalid("rating must be a whole number from 1 to 5", field="rating")
    return value


async def do_rate_case(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    *,
    rating: Any,
    comment: Any = None,
    channel: RatingChannel,
) -> CaseRating:
    """Store the shopper's rating of ``case`` (already proven theirs by the caller)."""
    stars = checked_rating(rating)
    words = clean_text(comment, "comment", "comment", MAX_COMMENT, lines=True) if comment else None
    await lock_row(session, Case, case.id)
    await session.refresh(case)
    if case.status not in FINISHED:
        raise Conflict(
            "a case can be rated once it is resolved or closed", field="rating", code="not_finished"
        )
    rated = await session.scalar(select(CaseRating.rating).where(CaseRating.case_id == case.id))
    if rated is not None:
        raise Conflict(
            "this case was already rated: a case is rated once",
            field="rating",
            code="already_rated",
        )
    row = CaseRating(
        shop_id=case.shop_id,
        case_id=case.id,
        rating=stars,
        comment=words,
        agent_id=case.assigned_agent_id,
        channel=channel,
        rated_at=utcnow(),
    )
    session.add(row)
    add_timeline(session, actor, case, "rated", body=words, rating=stars)
    record_audit(
        session, actor, "case.rate", "case", case.id, after={"rating": stars, "channel": channel}
    )
    await session.flush()
    return row
