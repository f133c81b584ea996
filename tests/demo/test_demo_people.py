"""The demo shop's people as ``kefu demo`` leaves them: the weeks of generated chats read
by the agents who served them (no unread badges on 我的), levels held since believable
dates with training since, and one agent ready for promotion on the growth page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu.demo import staff
from kefu.lib.secrets import new_token, sha256_hex
from kefu.models import Agent, LoginSession, User
from kefu.models.base import utcnow


async def _signed_in(client, sessionmaker, person: staff.Person):
    """An API client acting as the demo person (a session as the login page makes)."""
    token, csrf = new_token(), new_token(24)
    async with sessionmaker() as session:
        user_id, agent_id, shop_id = (
            await session.execute(
                select(User.id, Agent.id, Agent.shop_id)
                .join(Agent, Agent.user_id == User.id)
                .where(User.email == person.email)
            )
        ).one()
        session.add(
            LoginSession(
                token_hash=sha256_hex(token),
                user_id=user_id,
                shop_id=shop_id,
                csrf_token=csrf,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        await session.commit()
    api = client.__class__(transport=client._transport, base_url=client.base_url)
    api.cookies.set("kefu_session", token)
    api.headers["X-CSRF-Token"] = csrf
    return api, agent_id


async def test_the_demo_history_is_read_and_someone_is_ready_for_promotion(
    client, sessionmaker, built_demo
):
    chen, chen_id = await _signed_in(client, sessionmaker, staff.AGENTS[0])
    mine = await chen.get("/api/v1/inbox", params={"view": "mine", "limit": 200})
    assert mine.status_code == 200, mine.text
    items = mine.json()["items"]
    assert len(items) > 20 and {i["conversation"]["status"] for i in items} == {"closed"}
    assert [i["conversation"]["id"] for i in items if i["unread"]] == []

    supervisor, _ = await _signed_in(client, sessionmaker, staff.SUPERVISOR)
    found = await supervisor.get("/api/v1/shop/levels/assessments")
    assert found.status_code == 200, found.text
    by_agent = {a["agent_id"]: a for a in found.json()}
    wang = by_agent[(await _signed_in(client, sessionmaker, staff.AGENTS[1]))[1]]
    assert (wang["level"], wang["next_level"], wang["eligible"]) == ("junior", "intermediate", True)
    assert wang["months_at_level"] >= 6 and wang["training_hours"] >= 16
    chen_figures = by_agent[chen_id]
    assert chen_figures["eligible"] is False and chen_figures["months_at_level"] < 6
    levels_since = {a["level_since"] for a in by_agent.values()}
    assert len(levels_since) == len(by_agent)  # each since their own day, not the build's
    trainings = await supervisor.get(f"/api/v1/agents/{chen_id}/trainings")
    assert [t["kind"] for t in trainings.json()] == ["onboarding"]
