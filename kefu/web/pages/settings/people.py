"""Settings: agents (add, edit, deactivate, reset password) and teams.

Owners and supervisors manage them; the actions refuse what a supervisor may not do
(touch an owner, make someone owner)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.agents import (
    do_create_agent,
    do_deactivate_agent,
    do_reactivate_agent,
    do_reset_password,
    do_update_agent,
)
from kefu.actions.teams import do_create_team, do_delete_team, do_update_team
from kefu.errors import NotFound
from kefu.models import Agent, Level, Role, Skill, Team
from kefu.queries.access import fetch_owned
from kefu.queries.people import (
    get_agent,
    list_agents,
    list_teams,
    members_by_team,
    teams_by_agent,
)
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import (
    FormError,
    checked,
    errors_of,
    ids,
    text,
    texts,
    whole_number,
)

router = APIRouter(include_in_schema=False)

AGENTS_PAGE = 100
MSG_AGENT_ADDED = N_("Agent added.")
MSG_AGENT_SAVED = N_("Agent saved.")
MSG_AGENT_DEACTIVATED = N_("Agent deactivated; they can no longer sign in to this shop.")
MSG_AGENT_REACTIVATED = N_("Agent reactivated.")
MSG_TEAM_ADDED = N_("Team added.")
MSG_TEAM_SAVED = N_("Team saved.")
MSG_TEAM_DELETED = N_("Team deleted.")


def _roles_for(page: Page) -> list[Role]:
    """Only an owner may hand out the owner role."""
    return [r for r in Role if r != Role.OWNER or page.actor.role == Role.OWNER]


def _agent_values(form: FormData) -> dict[str, Any]:
    return {
        "display_name": text(form, "display_name"),
        "role": text(form, "role"),
        "level": text(form, "level"),
        "skills": texts(form, "skills"),
        "max_concurrent_chats": text(form, "max_concurrent_chats"),
        "can_view_contact": checked(form, "can_view_contact"),
        "team_ids": ids(form, "team_ids"),
    }


def _agent_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the action takes them (the chat limit as a number)."""
    chats = whole_number(values["max_concurrent_chats"], "max_concurrent_chats")
    return {**values, "max_concurrent_chats": chats}


def _values_of(agent: Agent, team_ids: list[int]) -> dict[str, Any]:
    return {
        "display_name": agent.display_name,
        "role": agent.role.value,
        "level": agent.level.value,
        "skills": list(agent.skills),
        "max_concurrent_chats": str(agent.max_concurrent_chats),
        "can_view_contact": agent.can_view_contact,
        "team_ids": team_ids,
    }


async def _agent_form(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    agent: Agent | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    new_password: str | None = None,
) -> Response:
    context = {
        "agent": agent,
        "values": values,
        "errors": errors,
        "roles": _roles_for(page),
        "levels": list(Level),
        "skills": list(Skill),
        "teams": await list_teams(session, page.actor),
        "new_password": new_password,
    }
    return render(request, "settings/agent_form.html", context, status_code=status)


@router.get("/settings/agents")
async def agents_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_AGENTS)
    agents = await list_agents(session, page.actor, limit=AGENTS_PAGE)
    teams = {t.id: t for t in await list_teams(session, page.actor)}
    memberships = await teams_by_agent(session, page.actor, (a.id for a in agents.items))
    context = {"agents": agents, "teams": teams, "memberships": memberships}
    return render(request, "settings/agents.html", context)


@router.get("/settings/agents/new")
async def agent_new(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_AGENTS)
    values = {"role": Role.AGENT.value, "level": Level.JUNIOR.value, "max_concurrent_chats": "5"}
    return await _agent_form(request, session, page, agent=None, values=values, errors={})


@router.post("/settings/agents/new")
async def agent_create(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    values = _agent_values(form) | {"email": text(form, "email")}
    try:
        changes = _agent_changes(values)
        await do_create_agent(
            session,
            page.actor,
            email=changes["email"],
            name=changes["display_name"],
            password=str(form.get("password") or ""),
            role=changes["role"],
            level=changes["level"],
            skills=changes["skills"],
            max_concurrent_chats=changes["max_concurrent_chats"],
            can_view_contact=changes["can_view_contact"],
            team_ids=changes["team_ids"],
        )
    except FormError as exc:
        errors = errors_of(exc, "email", renamed={"name": "display_name"})
        return await _agent_form(
            request, session, page, agent=None, values=values, errors=errors, status=422
        )
    await session.commit()
    return redirect("/settings/agents", flash=MSG_AGENT_ADDED, request=request)


async def _edit_form(
    request: Request,
    session: SessionDep,
    page: Page,
    agent_id: int,
    *,
    new_password: str | None = None,
) -> Response:
    agent = await get_agent(session, page.actor, agent_id)
    team_ids = (await teams_by_agent(session, page.actor, [agent.id])).get(agent.id, [])
    return await _agent_form(
        request,
        session,
        page,
        agent=agent,
        values=_values_of(agent, team_ids),
        errors={},
        new_password=new_password,
    )


@router.get("/settings/agents/{agent_id}")
async def agent_edit(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath
) -> Response:
    page.actor.require(Permission.MANAGE_AGENTS)
    return await _edit_form(request, session, page, agent_id)


@router.post("/settings/agents/{agent_id}")
async def agent_update(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath
) -> Response:
    values = _agent_values(await request.form())
    changes = {k: v for k, v in _agent_changes(values).items() if k != "level"}  # growth page's
    try:
        await do_update_agent(session, page.actor, agent_id, **changes)
    except FormError as exc:
        agent = await get_agent(session, page.actor, agent_id)
        return await _agent_form(
            request,
            session,
            page,
            agent=agent,
            values=values,
            errors=errors_of(exc, "display_name"),
            status=422,
        )
    await session.commit()
    return redirect("/settings/agents", flash=MSG_AGENT_SAVED, request=request)


@router.post("/settings/agents/{agent_id}/reset-password")
async def agent_reset_password(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath
) -> Response:
    """Answer with the page itself (no redirect): the temporary password is shown once."""
    password = await do_reset_password(session, page.actor, agent_id)
    await session.commit()
    response = await _edit_form(request, session, page, agent_id, new_password=password)
    response.headers["Cache-Control"] = "no-store"
    return response


# Switching an agent on or off: the action and the notice shown afterwards. Registered
# after reset-password so that its path is matched first.
ACTIVATION = {
    "deactivate": (do_deactivate_agent, MSG_AGENT_DEACTIVATED),
    "reactivate": (do_reactivate_agent, MSG_AGENT_REACTIVATED),
}


@router.post("/settings/agents/{agent_id}/{verb}")
async def agent_activation(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath, verb: str
) -> Response:
    if verb not in ACTIVATION:
        raise NotFound("page")
    action, notice = ACTIVATION[verb]
    await action(session, page.actor, agent_id)
    await session.commit()
    return redirect("/settings/agents", flash=notice, request=request)


async def _teams_page(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    editing: int | None = None,
    status: int = 200,
) -> Response:
    page.actor.require(Permission.MANAGE_AGENTS)
    agents = await list_agents(session, page.actor, active=True, limit=AGENTS_PAGE)
    context = {
        "teams": await list_teams(session, page.actor),
        "members": await members_by_team(session, page.actor),
        "agents": {a.id: a for a in agents.items},
        "skills": list(Skill),
        "values": values or {"agent_ids": []},
        "errors": errors or {},
        "editing": editing,
    }
    return render(request, "settings/teams.html", context, status_code=status)


def _team_values(form: FormData) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "skill": text(form, "skill") or None,
        "agent_ids": ids(form, "agent_ids"),
    }


@router.get("/settings/teams")
async def teams_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _teams_page(request, session, page)


@router.post("/settings/teams")
async def team_create(request: Request, session: SessionDep, page: PageDep) -> Response:
    values = _team_values(await request.form())
    try:
        await do_create_team(session, page.actor, **values)
    except FormError as exc:
        errors = errors_of(exc, "name")
        return await _teams_page(request, session, page, values=values, errors=errors, status=422)
    await session.commit()
    return redirect("/settings/teams", flash=MSG_TEAM_ADDED, request=request)


@router.get("/settings/teams/{team_id}")
async def team_edit(
    request: Request, session: SessionDep, page: PageDep, team_id: IdPath
) -> Response:
    team = await fetch_owned(
        session, page.actor, Team, team_id, "team", permission=Permission.MANAGE_AGENTS
    )
    members = (await members_by_team(session, page.actor)).get(team.id, [])
    values = {"name": team.name, "skill": team.skill.value if team.skill else None}
    return await _teams_page(
        request, session, page, values=values | {"agent_ids": members}, editing=team.id
    )


@router.post("/settings/teams/{team_id}")
async def team_update(
    request: Request, session: SessionDep, page: PageDep, team_id: IdPath
) -> Response:
    values = _team_values(await request.form())
    try:
        await do_update_team(session, page.actor, team_id, **values)
    except FormError as exc:
        errors = errors_of(exc, "name")
        return await _teams_page(
            request, session, page, values=values, errors=errors, editing=team_id, status=422
        )
    await session.commit()
    return redirect("/settings/teams", flash=MSG_TEAM_SAVED, request=request)


@router.post("/settings/teams/{team_id}/delete")
async def team_delete(
    request: Request, session: SessionDep, page: PageDep, team_id: IdPath
) -> Response:
    await do_delete_team(session, page.actor, team_id)
    await session.commit()
    return redirect("/settings/teams", flash=MSG_TEAM_DELETED, request=request)
