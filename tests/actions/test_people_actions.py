"""The people actions called directly, as the HTML pages call them with form values."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.actions.agents import do_create_agent, do_update_agent
from kefu.actions.shops import do_add_holiday
from kefu.actions.teams import do_create_team
from kefu.errors import Invalid, NotFound
from kefu.models import User
from kefu.queries.auth import agent_actor
from kefu.queries.people import members_by_team


async def _actor(session, persona):
    return await agent_actor(session, await session.get(User, persona.user_id), persona.shop_id)


async def test_form_strings_are_accepted_and_typed(session, carol, alice):
    actor = await _actor(session, carol)
    team = await do_create_team(session, actor, name="售前组", skill="presale", agent_ids=[])
    agent = await do_create_agent(
        session,
        actor,
        email=" Xiaoli@Acme.Example ",
        name=" 小李 ",
        password="chushi-mima-7",
        role="agent",
        level="senior",
        skills=["presale", "presale", "complaint"],
        max_concurrent_chats="6",
        team_ids=[str(team.id)],
    )
    await session.commit()
    assert (agent.display_name, agent.user.email) == ("小李", "xiaoli@acme.example")
    assert (agent.level.value, agent.skills, agent.max_concurrent_chats) == (
        "senior",
        ["complaint", "presale"],
        6,
    )
    assert (await members_by_team(session, actor))[team.id] == [agent.id]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"max_concurrent_chats": "很多"}, Invalid, "max_concurrent_chats"),
        ({"team_ids": ["abc"]}, Invalid, "team_ids"),
        ({"team_ids": [2**70]}, NotFound, "team_ids"),
        ({"presence": "online"}, Invalid, "presence"),
        ({"role": "boss"}, Invalid, "role"),
    ],
)
async def test_bad_form_values_name_the_field(session, owen, alice, changes, error, field):
    actor = await _actor(session, owen)
    with pytest.raises(error) as caught:
        await do_update_agent(session, actor, alice.agent_id, **changes)
    assert caught.value.field == field


async def test_a_holiday_from_a_form_date(session, owen):
    actor = await _actor(session, owen)
    holiday = await do_add_holiday(session, actor, day="2026-10-01", name="国庆节")
    assert holiday.day == date(2026, 10, 1)
    with pytest.raises(Invalid) as caught:
        await do_add_holiday(session, actor, day="10/02/2026", name="国庆节")
    assert caught.value.field == "day"
