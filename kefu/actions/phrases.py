"""Quick phrases (快捷短语): the shop's library, kept by supervisors, and each agent's own.

A shortcut is unique where an agent types it: among the shop's phrases, and among one
agent's own phrases (an agent's own phrase may share a shop phrase's shortcut; the
workspace offers both)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import check_known, choice
from kefu.errors import Conflict, Forbidden, Invalid, NotFound
from kefu.lib.phrases import VARIABLES, unknown_variables
from kefu.models import CustomerType, PhraseFolder, QuickPhrase
from kefu.queries.access import fetch_owned

MAX_PHRASE = 1000
_SHORTCUT = re.compile(r"^[\w-]{1,32}$")
EDITABLE = frozenset({"shortcut", "folder", "body", "customer_type"})


def clean_shortcut(value: Any) -> str:
    """Letters, digits, ``_`` or ``-`` (Chinese letters too), typed after ``/``."""
    shortcut = value.strip().lstrip("/") if isinstance(value, str) else ""
    if not _SHORTCUT.match(shortcut):
        raise Invalid(
            "a shortcut has 1 to 32 letters, digits, _ or - (no spaces)", field="shortcut"
        )
    return shortcut.lower()


def clean_template(value: Any, field: str, what: str, max_length: int) -> str:
    """A text with variables (a phrase, a FAQ answer): several lines allowed, only
    variables the workspace can fill."""
    body = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(body) <= max_length:
        raise Invalid(f"a {what} has 1 to {max_length} characters", field=field)
    if "\x00" in body:
        raise Invalid(f"the {what} contains a NUL character", field=field)
    unknown = unknown_variables(body)
    if unknown:
        known = "、".join(f"{{{v}}}" for v in VARIABLES)
        raise Invalid(f"unknown variable {{{unknown[0]}}}; use {known}", field=field)
    return body


def clean_phrase_body(value: Any) -> str:
    return clean_template(value, "body", "phrase", MAX_PHRASE)


def _customer_type(value: CustomerType | str | None) -> CustomerType | None:
    return None if value in (None, "") else choice(CustomerType, value, "customer_type")


def _check_may_edit(actor: Actor, phrase: QuickPhrase) -> None:
    """Supervisors keep the shop's library; an agent keeps only their own phrases, and
    another agent's phrase is as invisible as a missing one."""
    if phrase.agent_id is None:
        actor.require(Permission.SUPERVISE_CONVERSATIONS)
    elif actor.kind != "agent" or phrase.agent_id != actor.id:
        raise NotFound("quick phrase")


async def _check_unique(session: AsyncSession, actor: Actor, phrase: QuickPhrase) -> None:
    same = await session.scalar(
        select(QuickPhrase.id).where(
            QuickPhrase.shop_id == actor.shop_id,
            QuickPhrase.shortcut == phrase.shortcut,
            QuickPhrase.agent_id.is_(None)
            if phrase.agent_id is None
            else QuickPhrase.agent_id == phrase.agent_id,
            QuickPhrase.id != (phrase.id or 0),
        )
    )
    if same is not None:
        raise Conflict(f"the shortcut /{phrase.shortcut} is already used", field="shortcut")


async def do_create_quick_phrase(
    session: AsyncSession,
    actor: Actor,
    *,
    shortcut: Any,
    body: Any,
    folder: PhraseFolder | str = PhraseFolder.CONVERSATION,
    customer_type: CustomerType | str | None = None,
    personal: bool = False,
) -> QuickPhrase:
    """A phrase of the shop's library, or with ``personal`` the agent's own; with a
    customer type, a script for that kind of shopper."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    if personal and actor.kind != "agent":
        raise Forbidden("only an agent has phrases of their own")
    if not personal:
        actor.require(Permission.SUPERVISE_CONVERSATIONS)
    phrase = QuickPhrase(
        shop_id=actor.shop_id,
        agent_id=actor.id if personal else None,
        shortcut=clean_shortcut(shortcut),
        folder=choice(PhraseFolder, folder, "folder"),
        body=clean_phrase_body(body),
        customer_type=_customer_type(customer_type),
    )
    await _check_unique(session, actor, phrase)
    session.add(phrase)
    await session.flush()
    record_audit(
        session, actor, "quick_phrase.create", "quick_phrase", phrase.id, after=snapshot(phrase)
    )
    return phrase


async def _load(session: AsyncSession, actor: Actor, phrase_id: int) -> QuickPhrase:
    phrase = await fetch_owned(
        session, actor, QuickPhrase, phrase_id, "quick phrase", permission=None
    )
    actor.require(Permission.HANDLE_CONVERSATIONS)
    _check_may_edit(actor, phrase)
    return phrase


async def do_update_quick_phrase(
    session: AsyncSession, actor: Actor, phrase_id: int, **changes: Any
) -> QuickPhrase:
    """Change a phrase's shortcut, folder or text."""
    check_known(changes, EDITABLE)
    phrase = await _load(session, actor, phrase_id)
    before = snapshot(phrase)
    if changes.get("shortcut") is not None:
        phrase.shortcut = clean_shortcut(changes["shortcut"])
        await _check_unique(session, actor, phrase)
    if changes.get("folder") is not None:
        phrase.folder = choice(PhraseFolder, changes["folder"], "folder")
    if changes.get("body") is not None:
        phrase.body = clean_phrase_body(changes["body"])
    if "customer_type" in changes:
        phrase.customer_type = _customer_type(changes["customer_type"])
    await session.flush()
    record_audit(
        session,
        actor,
        "quick_phrase.update",
        "quick_phrase",
        phrase.id,
        before=before,
        after=snapshot(phrase),
    )
    return phrase


async def do_delete_quick_phrase(session: AsyncSession, actor: Actor, phrase_id: int) -> None:
    phrase = await _load(session, actor, phrase_id)
    record_audit(
        session, actor, "quick_phrase.delete", "quick_phrase", phrase.id, before=snapshot(phrase)
    )
    await session.delete(phrase)
    await session.flush()
