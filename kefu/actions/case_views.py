"""Saved views of the case list: an agent keeps a set of filters under a name, and a
supervisor may share one with the whole shop (like the shop's quick-phrase library).

Views belong to people: an API key has none. Another agent's private view is as
invisible as a missing one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import check_known, choice, clean_text
from kefu.errors import Conflict, Invalid, NotFound
from kefu.models import CaseView
from kefu.queries.access import fetch_owned
from kefu.queries.cases import VIEW_FIELDS, require_person

MAX_NAME = 100
MAX_VIEWS = 50  # per agent: a menu, not a database


def clean_view_filters(value: Any) -> dict[str, str]:
    """The filters of a view: known fields (``VIEW_FIELDS``), each one of its choices;
    empty ones are left out (no filter)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("filters must be an object", field="filters")
    check_known(value, VIEW_FIELDS)
    return {
        name: choice(VIEW_FIELDS[name], item, f"filters.{name}").value
        for name, item in value.items()
        if item not in (None, "")
    }


async def _own_view(session: AsyncSession, agent_id: int, name: str) -> CaseView | None:
    return await session.scalar(
        select(CaseView).where(CaseView.agent_id == agent_id, CaseView.name == name)
    )


async def do_save_case_view(
    session: AsyncSession, actor: Actor, *, name: Any, filters: Any, shared: Any = False
) -> CaseView:
    """Save the filters under ``name``; a name the agent already uses is replaced, so
    saving again updates the view. Only supervisors share a view with the shop."""
    agent_id = require_person(actor)
    if not isinstance(shared, bool):
        raise Invalid("shared must be true or false", field="shared")
    if shared:
        actor.require(Permission.SUPERVISE_CONVERSATIONS)
    clean_name = clean_text(name, "name", "the name", MAX_NAME)
    values = {"filters": clean_view_filters(filters), "shared": shared}
    view = await _own_view(session, agent_id, clean_name)
    if view is None:
        count = await session.scalar(
            select(func.count()).select_from(CaseView).where(CaseView.agent_id == agent_id)
        )
        if (count or 0) >= MAX_VIEWS:
            raise Conflict(f"an agent keeps at most {MAX_VIEWS} saved views", field="name")
        view = CaseView(shop_id=actor.shop_id, agent_id=agent_id, name=clean_name, **values)
        session.add(view)
    else:
        view.filters, view.shared = values["filters"], values["shared"]
    await session.flush()
    record_audit(session, actor, "case_view.save", "case_view", view.id, after=snapshot(view))
    return view


async def do_delete_case_view(session: AsyncSession, actor: Actor, view_id: int) -> None:
    """Delete one's own view; a supervisor may also delete a view shared with the shop."""
    view = await fetch_owned(session, actor, CaseView, view_id, "case view")
    if view.agent_id != require_person(actor):
        if not view.shared:
            raise NotFound("case view")
        actor.require(Permission.SUPERVISE_CONVERSATIONS)
    record_audit(session, actor, "case_view.delete", "case_view", view.id, before=snapshot(view))
    await session.delete(view)
    await session.flush()
