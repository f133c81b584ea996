"""The case workflow: every move between two statuses is either allowed (and recorded on
the timeline) or refused with 409 naming both statuses."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import func, select, update

from kefu.access import Actor
from kefu.actions.cases import do_open_case, do_transition_case
from kefu.errors import Conflict
from kefu.lib.cases import TRANSITIONS, CaseStatus, transition_problem
from kefu.models import Case, CaseEvent, Role

LEGAL = {
    ("new", "accepted"),
    ("accepted", "investigating"),
    ("accepted", "resolved"),
    ("investigating", "waiting_customer"),
    ("investigating", "waiting_warehouse"),
    ("investigating", "waiting_carrier"),
    ("investigating", "resolved"),
    ("waiting_customer", "investigating"),
    ("waiting_customer", "resolved"),
    ("waiting_warehouse", "investigating"),
    ("waiting_warehouse", "resolved"),
    ("waiting_carrier", "investigating"),
    ("waiting_carrier", "resolved"),
    ("resolved", "closed"),
    ("resolved", "reopened"),
    ("closed", "reopened"),
    ("reopened", "accepted"),
    ("reopened", "investigating"),
}
PAIRS = list(itertools.product(CaseStatus, repeat=2))


def test_the_workflow_table_is_the_documented_one():
    table = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == LEGAL


@pytest.mark.parametrize(("current", "wanted"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_move_is_allowed_or_explained(current, wanted):
    problem = transition_problem(current, wanted)
    if (current.value, wanted.value) in LEGAL:
        assert problem is None
    else:
        assert f"from {current.value} to {wanted.value}" in problem


def _actor(persona) -> Actor:
    return Actor.agent(
        persona.shop_id,
        persona.agent_id,
        persona.name.title(),
        Role.AGENT,
        can_view_contact=False,
        user_id=persona.user_id,
    )


async def test_every_pair_of_statuses_through_the_action(sessionmaker, alice):
    """For each of the 81 pairs: put a case in the first status, ask for the second."""
    actor = _actor(alice)
    async with sessionmaker() as session:
        case = await do_open_case(session, actor, type="complaint", title="快递员态度恶劣")
        await session.commit()
    for current, wanted in PAIRS:
        async with sessionmaker() as session:
            await session.execute(update(Case).where(Case.id == case.id).values(status=current))
            await session.commit()
            if (current.value, wanted.value) in LEGAL:
                moved = await do_transition_case(session, actor, case.id, wanted.value)
                await session.commit()
                assert moved.status is wanted
            else:
                with pytest.raises(Conflict, match=f"from {current.value} to {wanted.value}"):
                    await do_transition_case(session, actor, case.id, wanted.value)
                await session.rollback()


async def test_resolving_closing_and_reopening_keep_their_times(client, alice):
    created = await client.as_(alice).post(
        "/api/v1/cases", json={"type": "consultation", "title": "七天无理由怎么算？"}
    )
    path = f"/api/v1/cases/{created.json()['id']}/transition"
    for status in ("accepted", "resolved"):
        answer = await client.as_(alice).post(path, json={"to": status})
    assert answer.json()["resolved_at"] is not None and answer.json()["closed_at"] is None
    closed = (await client.as_(alice).post(path, json={"to": "closed"})).json()
    assert closed["closed_at"] is not None
    reopened = (await client.as_(alice).post(path, json={"to": "reopened"})).json()
    assert (reopened["resolved_at"], reopened["closed_at"]) == (None, None)
    again = await client.as_(alice).post(path, json={"to": "reopened"})
    assert again.status_code == 409
    assert again.json()["error"]["message"].startswith("a case cannot go from reopened to reopened")


async def _accept(sessionmaker, actor: Actor, case_id: int) -> str:
    async with sessionmaker() as session:
        try:
            await do_transition_case(session, actor, case_id, "accepted")
            await session.commit()
        except Conflict:
            await session.rollback()
            return "refused"
    return "moved"


async def test_two_agents_accepting_at_once_move_the_case_once(sessionmaker, alice, bob):
    """Fired together from separate connections: one accepts, the other is told the case
    is no longer new, and the timeline shows one move."""
    async with sessionmaker() as session:
        case = await do_open_case(session, _actor(alice), type="complaint", title="少发了赠品")
        await session.commit()
    results = await asyncio.gather(
        *(_accept(sessionmaker, _actor(who), case.id) for who in (alice, bob, alice, bob))
    )
    assert sorted(results) == ["moved"] + ["refused"] * 3
    async with sessionmaker() as session:
        moves = await session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "status_changed")
        )
    assert moves == 1
