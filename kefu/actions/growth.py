"""Agent growth: the shop's promotion criteria and agents' training records. Both are
the business of whoever manages the agents (owners and supervisors); every change is
audited. Promotions themselves are ``do_change_level`` in kefu/actions/agents.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import check_known, choice, clean_text
from kefu.errors import Invalid, NotFound
from kefu.models import Agent, TrainingKind, TrainingRecord
from kefu.queries.access import fetch_owned
from kefu.queries.shops import get_shop
from kefu.reports.levels import DEFAULTS, clean_level_criteria, level_settings

MAX_TITLE = 200
MAX_NOTES = 2000
MAX_MINUTES = 1000 * 60  # a thousand hours in one record is surely a typo
TRAINING_FIELDS = frozenset({"title", "kind", "held_on", "hours", "score", "notes"})


async def do_update_level_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, dict[str, Any]]:
    """Change the promotion criteria of some levels (only the fields sent; ``kpis``
    replaces that level's KPI thresholds as a whole); returns the criteria in force."""
    actor.require(Permission.MANAGE_AGENTS)
    check_known(changes, DEFAULTS)
    shop = await get_shop(session, actor)
    stored = dict(shop.level_settings or {})
    for level, fields in changes.items():
        stored[level] = dict(stored.get(level, {})) | clean_level_criteria(level, fields)
    before = level_settings(shop.level_settings)
    shop.level_settings = stored
    after = level_settings(stored)
    if after != before:
        await session.flush()
        record_audit(
            session,
            actor,
            "shop.update_levels",
            "shop",
            shop.id,
            before={"level_settings": before},
            after={"level_settings": after},
        )
    return after


def _minutes(hours: Any) -> int:
    """Hours as whole minutes (1.5 → 90), more than none and at most ``MAX_MINUTES``."""
    number = isinstance(hours, int | float) and not isinstance(hours, bool)
    minutes = round(hours * 60) if number else 0
    if not 0 < minutes <= MAX_MINUTES:
        raise Invalid(f"hours must be more than 0 and at most {MAX_MINUTES // 60}", field="hours")
    return minutes


def _score(score: Any) -> int | None:
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise Invalid("score must be a whole number from 0 to 100", field="score")
    return score


def _held_on(value: Any) -> date:
    if not isinstance(value, date):
        raise Invalid("held_on must be a date such as 2026-11-02", field="held_on")
    return value


def _notes(value: Any) -> str:
    notes = value.strip() if isinstance(value, str) else ""
    if len(notes) > MAX_NOTES or "\x00" in notes:
        raise Invalid(f"notes may have at most {MAX_NOTES} characters", field="notes")
    return notes


CLEAN = {
    "title": lambda v: clean_text(v, "title", "title", MAX_TITLE),
    "kind": lambda v: choice(TrainingKind, v, "kind"),
    "held_on": _held_on,
    "hours": _minutes,
    "score": _score,
    "notes": _notes,
}


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """The checked fields as columns (hours are kept as minutes)."""
    check_known(fields, TRAINING_FIELDS)
    values = {key: CLEAN[key](value) for key, value in fields.items()}
    if "hours" in values:
        values["minutes"] = values.pop("hours")
    return values


async def load_training(
    session: AsyncSession, actor: Actor, agent_id: int, training_id: int
) -> TrainingRecord:
    """One of the agent's training records, for a person who manages agents (NotFound
    for another shop's or another agent's record)."""
    actor.require(Permission.MANAGE_AGENTS)
    record = await fetch_owned(
        session, actor, TrainingRecord, training_id, "training record", permission=None
    )
    if record.agent_id != agent_id:
        raise NotFound("training record")
    return record


async def do_add_training(
    session: AsyncSession, actor: Actor, agent_id: int, **fields: Any
) -> TrainingRecord:
    """Record a training the agent took (title, kind, held_on and hours required)."""
    agent = await fetch_owned(
        session, actor, Agent, agent_id, "agent", permission=Permission.MANAGE_AGENTS
    )
    missing = sorted({"title", "kind", "held_on", "hours"} - fields.keys())
    if missing:
        raise Invalid(f"{missing[0]} is required", field=missing[0])
    record = TrainingRecord(
        shop_id=actor.shop_id,
        agent_id=agent.id,
        created_by_agent_id=actor.id if actor.kind == "agent" else None,
        **({"notes": ""} | _columns(fields)),
    )
    session.add(record)
    await session.flush()
    record_audit(session, actor, "training.create", "training", record.id, after=snapshot(record))
    return record


async def do_update_training(
    session: AsyncSession, actor: Actor, agent_id: int, training_id: int, **fields: Any
) -> TrainingRecord:
    """Correct a training record; fields not given stay as they are."""
    record = await load_training(session, actor, agent_id, training_id)
    values = _columns(fields)
    before = snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    await session.flush()
    after = snapshot(record)
    if after != before:
        record_audit(
            session, actor, "training.update", "training", record.id, before=before, after=after
        )
    return record


async def do_delete_training(
    session: AsyncSession, actor: Actor, agent_id: int, training_id: int
) -> None:
    record = await load_training(session, actor, agent_id, training_id)
    record_audit(session, actor, "training.delete", "training", record.id, before=snapshot(record))
    await session.delete(record)
    await session.flush()
