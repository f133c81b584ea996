"""Quality inspection where agents work (docs/quality.md): a reply is checked while it is
typed (findings, why, a rewrite) and again when it is sent, where its findings are
recorded on the message and a code the shop marks as blocking refuses it.

Both run the full check of ``kefu qa check`` (:func:`kefu.quality.checker.check_reply`:
the dictionary, and the trained classifier that finds paraphrases and arbitrates the
dictionary's ambiguous words), so what the composer warns about, what a shop blocks, what
is recorded and what scorecards count are the findings the CLI reports. It costs about
0.2 ms of CPU per agent reply; the model is loaded when the app starts. Only a reply with
findings reads the shop's blocking codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.actions.checks import check_known
from kefu.actions.shops import update_shop
from kefu.errors import Invalid
from kefu.models import Shop
from kefu.quality.checker import check_reply
from kefu.quality.dictionary import CODES
from kefu.quality.inspector import Result
from kefu.quality.rewrite import LABELS, Advice, advise, rewrite
from kefu.quality.scorecard import merged_settings, scorecard_settings

MAX_TEXT = 5000  # as long as a message may be


@dataclass(frozen=True, slots=True)
class Review:
    """What the composer shows for a draft reply."""

    findings: list[Advice]
    blocking: frozenset[str]  # the shop's blocking codes among the findings
    rewrite: str | None


def quality_settings(stored: dict[str, Any] | None) -> dict[str, Any]:
    """A shop's settings with defaults filled in: no code blocks sending; the scorecard's
    default criteria (docs/quality.md#scorecards)."""
    blocking = set((stored or {}).get("blocking", []))
    return {
        "blocking": [code for code in CODES if code in blocking],
        "scorecard": scorecard_settings((stored or {}).get("scorecard")),
    }


def _blocking(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise Invalid("blocking must be a list of finding codes", field="blocking")
    for code in value:
        if code not in CODES:
            raise Invalid(
                f"unknown finding code {code!r}; known: {', '.join(CODES)}", field="blocking"
            )
    return [code for code in CODES if code in value]


SETTINGS = ("blocking", "scorecard")


async def do_update_quality_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, Any]:
    """Choose the finding codes that stop a reply from being sent and the scorecard's
    criteria (owners); returns the complete settings."""
    actor.require(Permission.MANAGE_SHOP)
    check_known(changes, SETTINGS)
    shop = await session.get(Shop, actor.shop_id)
    current = quality_settings(shop.quality_settings if shop else None)
    after = dict(current)
    if "blocking" in changes:
        after["blocking"] = _blocking(changes["blocking"])
    if "scorecard" in changes:  # criteria fields not sent keep their values
        try:
            after["scorecard"] = merged_settings(current["scorecard"], changes["scorecard"])
        except ValueError as exc:
            raise Invalid(str(exc), field="scorecard") from exc
    shop = await update_shop(
        session, actor, "shop.update_quality", "quality", {"quality_settings": after}
    )
    return quality_settings(shop.quality_settings)


def blocking_codes(session: Session, shop_id: int) -> frozenset[str]:
    """The codes a shop blocks (one small read, done only for a reply with findings; on
    the connection, as the send path's other statements, so nothing is flushed for it)."""
    statement = select(Shop.quality_settings).where(Shop.id == shop_id)
    stored = session.connection().execute(statement).scalar()
    return frozenset(quality_settings(stored)["blocking"])


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text", field=field)
    if len(value) > MAX_TEXT:
        raise Invalid(f"a message has at most {MAX_TEXT} characters", field=field)
    if "\x00" in value:
        raise Invalid("the message contains a NUL character", field=field)
    return value


async def do_check_reply(
    session: AsyncSession, actor: Actor, text: Any, context: Any = None
) -> Review:
    """Findings of a draft reply with why, a tip and a rewrite; nothing is stored."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    text = _text(text, "text")
    context = None if context is None else _text(context, "context")
    result = check_reply(text, context)
    if not result.findings:
        return Review([], frozenset(), None)
    blocking = await session.run_sync(blocking_codes, actor.shop_id)
    return Review(advise(result), blocking & set(result.findings), rewrite(text, check_reply))


def reply_findings(session: Session, shop_id: int, body: str) -> list[str]:
    """The findings to record on an agent's reply; refused (422) when the shop blocks
    one of them, naming the code and the words."""
    result = check_reply(body)
    if result.findings:
        blocking = blocking_codes(session, shop_id)  # read once, not once per finding
        blocked = [code for code in result.findings if code in blocking]
        if blocked:
            raise Invalid(_blocked_message(result, blocked[0]), field="body", code="blocked_reply")
    return result.findings


def _blocked_message(result: Result, code: str) -> str:
    words = "、".join(f"“{span.text}”" for span in result.spans if span.code == code)
    zh, en = LABELS[code]
    return f"this shop blocks replies with {code} ({zh} / {en}): {words}; rephrase it first"
