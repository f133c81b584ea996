"""The routing rules as properties over any shop's agents, plus the cases a shop relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kefu.lib.routing import (
    AgentState,
    Choice,
    LevelRule,
    Needs,
    Policy,
    Reason,
    choose_agent,
    drain,
    expected_wait_seconds,
)

SKILLS = ("presale", "insale", "aftersale", "complaint")
LEVELS = ("junior", "intermediate", "senior")
T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
NO_PREFERENCE = Policy(level_rules={})


@st.composite
def agent_states(draw, agent_id: int) -> AgentState:
    max_chats = draw(st.integers(0, 4))
    idle = draw(st.none() | st.integers(0, 600).map(lambda s: T0 + timedelta(seconds=s)))
    return AgentState(
        id=agent_id,
        online=draw(st.booleans()),
        active=draw(st.booleans()),
        skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
        level=draw(st.sampled_from(LEVELS)),
        max_chats=max_chats,
        open_chats=draw(st.integers(0, 5)),
        last_assigned_at=idle,
        teams=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
    )


@st.composite
def shops(draw) -> list[AgentState]:
    size = draw(st.integers(0, 8))
    return [draw(agent_states(i)) for i in range(1, size + 1)]


needs = st.builds(
    Needs,
    skill=st.none() | st.sampled_from(SKILLS),
    previous_agent_id=st.none() | st.integers(1, 8),
    team_id=st.none() | st.integers(1, 3),
)
policies = st.builds(
    Policy,
    level_rules=st.dictionaries(
        st.sampled_from(SKILLS),
        st.builds(LevelRule, st.permutations(LEVELS).map(tuple), st.booleans()),
    ),
    overflow_team_id=st.none() | st.integers(1, 3),
)


def agent(agent_id: int, **values) -> AgentState:
    base = {
        "online": True,
        "active": True,
        "skills": frozenset({"presale"}),
        "level": "junior",
        "max_chats": 3,
        "open_chats": 0,
    }
    return AgentState(id=agent_id, **(base | values))


def eligible(a: AgentState, need: Needs, reason: Reason, policy: Policy) -> bool:
    if not a.available:
        return False
    if reason is Reason.OVERFLOW:
        return policy.overflow_team_id in a.teams
    if reason is Reason.TEAM:
        return need.team_id in a.teams
    return need.skill is None or need.skill in a.skills


@given(shops(), needs, policies)
def test_only_an_available_agent_who_fits_is_chosen(agents, need, policy):
    chosen = choose_agent(need, agents, policy)
    by_id = {a.id: a for a in agents}
    skilled = [
        a
        for a in agents
        if a.available
        and (need.skill is None or need.skill in a.skills)
        and (need.team_id is None or need.team_id in a.teams)
    ]
    if chosen is None:  # nobody of the skill, the conversation's team or the overflow team
        teams = {need.team_id, policy.overflow_team_id} - {None}
        assert skilled == []
        assert not [a for a in agents if a.available and a.teams & teams]
        return
    picked = by_id[chosen.agent_id]
    assert picked.available
    if chosen.reason is Reason.PREVIOUS_AGENT:
        assert picked.id == need.previous_agent_id
    else:
        assert eligible(picked, need, chosen.reason, policy)
    if skilled:  # the skill comes before any overflow
        assert chosen.reason in (Reason.SKILL, Reason.PREVIOUS_AGENT)
        assert picked in skilled


@given(shops(), needs, policies)
def test_the_previous_agent_wins_whenever_they_could_take_it(agents, need, policy):
    chosen = choose_agent(need, agents, policy)
    previous = next((a for a in agents if a.id == need.previous_agent_id), None)
    skilled_previous = (
        previous is not None
        and previous.available
        and (need.skill is None or need.skill in previous.skills)
        and (need.team_id is None or need.team_id in previous.teams)
    )
    if skilled_previous:
        assert chosen is not None and chosen.reason is Reason.PREVIOUS_AGENT


@given(shops(), needs.map(lambda n: Needs(skill=n.skill)))
def test_without_a_level_rule_the_least_loaded_then_the_longest_idle_wins(agents, need):
    chosen = choose_agent(need, agents, NO_PREFERENCE)
    if chosen is None:
        return
    picked = next(a for a in agents if a.id == chosen.agent_id)
    for other in agents:
        if other.available and (need.skill is None or need.skill in other.skills):
            assert picked.load <= other.load
            if other.load == picked.load and other.last_assigned_at is not None:
                assert (
                    picked.last_assigned_at is None
                    or picked.last_assigned_at <= other.last_assigned_at
                )


@given(shops(), needs, policies)
def test_the_choice_does_not_depend_on_the_order_agents_are_listed_in(agents, need, policy):
    assert choose_agent(need, agents, policy) == choose_agent(need, agents[::-1], policy)


@given(shops(), st.lists(needs, max_size=12), policies)
def test_draining_never_exceeds_anyones_capacity(agents, queue, policy):
    assigned = drain(list(enumerate(queue)), agents, policy, T0)
    extra: dict[int, int] = {}
    for _key, chosen in assigned:
        extra[chosen.agent_id] = extra.get(chosen.agent_id, 0) + 1
    for a in agents:
        if a.id in extra:
            assert a.available
            assert a.open_chats + extra[a.id] <= a.max_chats


@given(shops(), st.sampled_from(SKILLS), st.integers(1, 12))
def test_draining_serves_the_same_needs_first_come_first_served(agents, skill, waiting):
    queue = [(i, Needs(skill=skill)) for i in range(waiting)]
    served = [key for key, _ in drain(queue, agents, Policy(), T0)]
    assert served == list(range(len(served)))


def test_complaints_go_to_a_senior_agent_first_by_default():
    team = [
        agent(1, skills=frozenset({"complaint"}), level="junior"),
        agent(2, skills=frozenset({"complaint"}), level="senior", open_chats=2),
    ]
    assert choose_agent(Needs(skill="complaint"), team, Policy()) == Choice(2, Reason.SKILL)
    # Without the rule the idle junior would have it.
    assert choose_agent(Needs(skill="complaint"), team, NO_PREFERENCE).agent_id == 1


def test_a_tie_breaking_level_rule_only_decides_between_equal_loads():
    rule = Policy(level_rules={"presale": LevelRule(("senior",), before_load=False)})
    team = [agent(1), agent(2, level="senior"), agent(3, level="senior", open_chats=1)]
    assert choose_agent(Needs(skill="presale"), team, rule).agent_id == 2
    busy_senior = [agent(1), agent(2, level="senior", open_chats=1)]
    assert choose_agent(Needs(skill="presale"), busy_senior, rule).agent_id == 1


def test_overflow_goes_to_the_overflow_team_when_the_skill_is_full():
    team = [
        agent(1, skills=frozenset({"aftersale"}), open_chats=3),
        agent(2, skills=frozenset({"presale"}), teams=frozenset({9})),
    ]
    need = Needs(skill="aftersale")
    assert choose_agent(need, team, Policy()) is None
    assert choose_agent(need, team, Policy(overflow_team_id=9)) == Choice(2, Reason.OVERFLOW)


def test_the_expected_wait_grows_with_the_position_and_needs_someone_on():
    assert expected_wait_seconds(1, 10, 600) == 60
    assert expected_wait_seconds(3, 10, 600) == 180
    assert expected_wait_seconds(1, 0, 600) is None
