"""Choosing the agent for a conversation, and draining a queue: pure rules, no I/O.

Skills and levels are their text values ("presale", "senior" …) so that this module
imports nothing of Kefu's. The rules, in order:

1. Only agents who are online, active and below their ``max_chats`` are considered.
2. Pools, first non-empty wins: agents with the conversation's skill (members of its team
   when it names one); then any member of its team; then any member of the shop's
   overflow team. No pool → the conversation waits in the queue.
3. Within the pool: a returning customer's previous agent first; then a shop's level
   preference where it ranks before load (complaints to senior agents); then least loaded
   (open / max); then a level preference that only breaks ties of load; then longest idle
   (never assigned counts as idlest); then the lowest id, so the choice is deterministic.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K")


class Reason(enum.StrEnum):
    """Why an agent was chosen (recorded in the audit log and events)."""

    PREVIOUS_AGENT = "previous_agent"  # a returning customer's agent
    SKILL = "skill"
    TEAM = "team"  # the conversation's team, outside the skill
    OVERFLOW = "overflow"  # the shop's overflow team


@dataclass(frozen=True, slots=True)
class AgentState:
    """What routing knows of one agent at one moment."""

    id: int
    online: bool
    active: bool
    skills: frozenset[str]
    level: str
    max_chats: int
    open_chats: int
    last_assigned_at: datetime | None = None
    teams: frozenset[int] = frozenset()

    @property
    def available(self) -> bool:
        return self.online and self.active and self.open_chats < self.max_chats

    @property
    def load(self) -> Fraction:
        return Fraction(self.open_chats, self.max_chats) if self.max_chats else Fraction(1)


@dataclass(frozen=True, slots=True)
class Needs:
    """What a conversation asks of its agent."""

    skill: str | None = None  # None: any agent will do
    previous_agent_id: int | None = None
    team_id: int | None = None


@dataclass(frozen=True, slots=True)
class LevelRule:
    """The order in which levels are preferred for one skill. ``before_load``: the level
    counts before load (a senior with room beats an idle junior); otherwise it only
    decides between equally loaded agents."""

    order: tuple[str, ...]
    before_load: bool = False

    def rank(self, level: str) -> int:
        return self.order.index(level) if level in self.order else len(self.order)


# The seeds' rule: complaints go to senior agents first.
DEFAULT_LEVEL_RULES: Mapping[str, LevelRule] = {
    "complaint": LevelRule(("senior", "intermediate", "junior"), before_load=True)
}


@dataclass(frozen=True, slots=True)
class Policy:
    """A shop's routing settings."""

    level_rules: Mapping[str, LevelRule] = field(default_factory=lambda: dict(DEFAULT_LEVEL_RULES))
    overflow_team_id: int | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    agent_id: int
    reason: Reason


def _pools(
    needs: Needs, available: list[AgentState], policy: Policy
) -> Iterable[tuple[Reason, list[AgentState]]]:
    def skilled(agent: AgentState) -> bool:
        return needs.skill is None or needs.skill in agent.skills

    def member(team_id: int | None) -> Callable[[AgentState], bool]:
        return lambda agent: team_id is not None and team_id in agent.teams

    in_team = member(needs.team_id)
    if needs.team_id is None:
        yield Reason.SKILL, [a for a in available if skilled(a)]
    else:
        yield Reason.SKILL, [a for a in available if skilled(a) and in_team(a)]
        yield Reason.TEAM, [a for a in available if in_team(a)]
    in_overflow = member(policy.overflow_team_id)
    yield Reason.OVERFLOW, [a for a in available if in_overflow(a)]


def _order_key(needs: Needs, policy: Policy) -> Callable[[AgentState], tuple[object, ...]]:
    rule = policy.level_rules.get(needs.skill) if needs.skill else None

    def key(agent: AgentState) -> tuple[object, ...]:
        rank = 0 if rule is None else rule.rank(agent.level)
        first, tie = (rank, 0) if rule is not None and rule.before_load else (0, rank)
        idle = -math.inf if agent.last_assigned_at is None else agent.last_assigned_at.timestamp()
        return (first, agent.load, tie, idle, agent.id)

    return key


def choose_agent(needs: Needs, agents: Iterable[AgentState], policy: Policy) -> Choice | None:
    """The agent to assign, or None when the conversation has to wait in the queue."""
    available = [a for a in agents if a.available]
    for reason, pool in _pools(needs, available, policy):
        if not pool:
            continue
        previous = [a for a in pool if a.id == needs.previous_agent_id]
        if previous:
            return Choice(previous[0].id, Reason.PREVIOUS_AGENT)
        return Choice(min(pool, key=_order_key(needs, policy)).id, reason)
    return None


def drain(
    queue: Sequence[tuple[K, Needs]],
    agents: Iterable[AgentState],
    policy: Policy,
    now: datetime,
) -> list[tuple[K, Choice]]:
    """Assign queued conversations oldest first (``queue`` is in FIFO order) for as long
    as anyone has room; each assignment counts against its agent for the next ones."""
    states = {a.id: a for a in agents}
    assigned: list[tuple[K, Choice]] = []
    for key, needs in queue:
        if not any(a.available for a in states.values()):
            break
        choice = choose_agent(needs, states.values(), policy)
        if choice is None:
            continue
        agent = states[choice.agent_id]
        states[agent.id] = replace(agent, open_chats=agent.open_chats + 1, last_assigned_at=now)
        assigned.append((key, choice))
    return assigned


def expected_wait_seconds(
    position: int, serving_slots: int, mean_handle_seconds: float
) -> int | None:
    """A rough wait for the ``position``-th in line: the agents who serve it free a slot
    every ``mean_handle_seconds / serving_slots`` on average. None when nobody serves it
    (the widget then shows the shop's reply-time commitment instead)."""
    if serving_slots <= 0 or position <= 0:
        return None
    return math.ceil(position * mean_handle_seconds / serving_slots)
