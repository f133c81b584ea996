"""Whom a breached case goes to (kefu.lib.sla.reassign_to): pure rules, no database."""

from __future__ import annotations

from kefu.lib.cases import CaseType
from kefu.lib.sla import Candidate, Reassign, case_skill, reassign_to


def agent(id: int, *, online: bool = True, boss: bool = False, skills: str = "aftersale",
          teams: tuple[int, ...] = (), cases: int = 0) -> Candidate:  # fmt: skip
    return Candidate(id, online, boss, frozenset(skills.split()), frozenset(teams), cases)


SHOP = [
    agent(1, cases=1),  # the assignee who let it slip
    agent(2, cases=4),
    agent(3, cases=2, teams=(7,)),
    agent(4, cases=0, online=False),
    agent(5, cases=9, boss=True, skills="aftersale complaint"),
    agent(6, cases=3, boss=True, online=False),
]


def to(mode: Reassign, *, current: int | None = 1, skill: str = "aftersale",
       team: int | None = None, named: int | None = None, shop=SHOP) -> int | None:  # fmt: skip
    return reassign_to(mode, named, shop, current=current, skill=skill, team_id=team)


def test_least_loaded_is_the_online_skilled_agent_with_fewest_open_cases():
    assert to(Reassign.LEAST_LOADED) == 3  # 4 has none but is offline; 1 is the assignee
    assert to(Reassign.LEAST_LOADED, current=3) == 1  # 1 case beats 4
    assert to(Reassign.LEAST_LOADED, skill="complaint") == 5
    assert to(Reassign.LEAST_LOADED, skill="complaint", current=5) is None


def test_least_loaded_stays_in_the_cases_team():
    assert to(Reassign.LEAST_LOADED, team=7, current=None) == 3
    assert to(Reassign.LEAST_LOADED, team=7, current=3) is None  # nobody else in the team
    assert to(Reassign.LEAST_LOADED, team=7, skill="complaint", current=None) == 3  # any member


def test_a_supervisor_online_first_then_any():
    assert to(Reassign.SUPERVISOR) == 5  # online beats fewer cases
    assert to(Reassign.SUPERVISOR, current=5) == 6
    assert to(Reassign.SUPERVISOR, shop=SHOP[:4]) is None


def test_the_named_agent_while_active_and_not_the_assignee():
    assert to(Reassign.AGENT, named=4) == 4  # offline does not matter: it is their case
    assert to(Reassign.AGENT, named=1) is None
    assert to(Reassign.AGENT, named=99) is None  # deactivated since
    assert to(Reassign.OFF, named=4) is None


def test_complaints_need_the_complaint_skill():
    assert case_skill(CaseType.COMPLAINT) == case_skill(CaseType.REVIEW_FOLLOWUP) == "complaint"
    assert case_skill(CaseType.DAMAGED) == "aftersale"
