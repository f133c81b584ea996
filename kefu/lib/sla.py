"""Service-level targets of after-sales cases, the rules that need no database.

A target is a number of business minutes (the shop's open time, see
kefu.lib.business_hours): how long until the first response, and until the case is
resolved. Defaults follow the seeds' after-sales promises: a reply within 1 h of working
time ("工作时间1小时内回复"), a refund settled within 24 business hours, a return,
exchange or damaged parcel within 48. Priority scales both: urgent a quarter, high a
half, low twice the normal target. A shop's own policies (per type and/or priority)
replace these; the most specific one wins."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kefu.lib.business_hours import ShopCalendar
from kefu.lib.cases import FINISHED, CasePriority, CaseType

HOUR = 60
MAX_TARGET_MINUTES = 60 * 24 * 90  # 90 days of round-the-clock time: beyond is a typo
WARN_PERCENT = 80  # a warning once this share of a target is used


class SlaState(enum.StrEnum):
    """Where one target of a case stands. The worker moves pending → warned → breached,
    each step once; the response or resolution settles it as met or breached."""

    PENDING = "pending"
    WARNED = "warned"
    BREACHED = "breached"
    MET = "met"


RUNNING = (SlaState.PENDING, SlaState.WARNED)
SETTLED = tuple(sorted(FINISHED))  # a settled case is due for nothing; sorted: one SQL text
# A case's next due instant in SQL (none once it is settled; else its first response
# while that runs, else its resolution; cases without one last), with its constants
# written in: the index ix_cases_shop_due holds it and kefu.queries.cases.NEXT_DUE
# renders exactly it, so the case list nearest due first reads the index in order
# (``kefu bench cases``).
NEVER_DUE_TEXT = "9999-12-31 00:00:00.000000"
NEXT_DUE_SQL = (
    "coalesce(CASE WHEN (status IN ("
    + ", ".join(f"'{status}'" for status in SETTLED)
    + ")) THEN NULL WHEN (first_response_sla IN ("
    + ", ".join(f"'{state}'" for state in RUNNING)
    + f")) THEN first_response_due_at ELSE resolve_due_at END, '{NEVER_DUE_TEXT}')"
)

FIRST_RESPONSE_MINUTES = 1 * HOUR
RESOLVE_MINUTES: dict[CaseType, int] = {
    CaseType.REFUND_ONLY: 24 * HOUR,
    CaseType.RETURN: 48 * HOUR,
    CaseType.EXCHANGE: 48 * HOUR,
    CaseType.RESHIP: 24 * HOUR,
    CaseType.WRONG_ITEM: 24 * HOUR,
    CaseType.DAMAGED: 24 * HOUR,
    CaseType.QUALITY: 48 * HOUR,
    CaseType.LOGISTICS: 48 * HOUR,
    CaseType.INVOICE: 24 * HOUR,
    CaseType.CUSTOMS: 72 * HOUR,
    CaseType.CONSULTATION: 8 * HOUR,
    CaseType.COMPLAINT: 24 * HOUR,
    CaseType.REVIEW_FOLLOWUP: 24 * HOUR,
}
assert set(RESOLVE_MINUTES) == set(CaseType)

# Target = normal target × numerator / denominator.
PRIORITY_SCALE: dict[CasePriority, tuple[int, int]] = {
    CasePriority.URGENT: (1, 4),
    CasePriority.HIGH: (1, 2),
    CasePriority.NORMAL: (1, 1),
    CasePriority.LOW: (2, 1),
}

# One step up on a breach (an urgent case stays urgent).
RAISED: dict[CasePriority, CasePriority] = {
    CasePriority.LOW: CasePriority.NORMAL,
    CasePriority.NORMAL: CasePriority.HIGH,
    CasePriority.HIGH: CasePriority.URGENT,
    CasePriority.URGENT: CasePriority.URGENT,
}


class Reassign(enum.StrEnum):
    """Who takes a case over when one of its targets is breached."""

    OFF = "off"  # it stays with its assignee (the supervisors are told all the same)
    LEAST_LOADED = "least_loaded"  # the online agent with the case's skill and fewest cases
    SUPERVISOR = "supervisor"  # a supervisor of the shop (online and least loaded first)
    AGENT = "agent"  # the agent the policy names (``reassign_agent_id``)


# The skill a case asks of the agent who takes it over (kefu.models.Skill values).
COMPLAINT_TYPES = frozenset({CaseType.COMPLAINT, CaseType.REVIEW_FOLLOWUP})


def case_skill(kind: CaseType) -> str:
    """Complaints and negative-review follow-ups go to the complaint desk (投诉), every
    other case to after-sales (售后)."""
    return "complaint" if kind in COMPLAINT_TYPES else "aftersale"


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a reassignment knows of one active agent of the shop."""

    id: int
    online: bool
    supervisor: bool  # a supervisor (or, failing any, an owner)
    skills: frozenset[str]
    teams: frozenset[int]
    open_cases: int


def reassign_to(
    mode: Reassign,
    named_agent_id: int | None,
    candidates: Iterable[Candidate],
    *,
    current: int | None,
    skill: str,
    team_id: int | None,
) -> int | None:
    """The agent a breached case goes to, or None (it stays where it is).

    ``least_loaded``: online agents with the skill, members of the case's team first
    when it has one (then any member of the team), fewest open cases first. ``supervisor``:
    online supervisors before the others, fewest open cases first. ``agent``: the named
    one while active. Never the current assignee: handing a case back to whoever let it
    slip changes nothing."""
    others = [c for c in candidates if c.id != current]
    if mode is Reassign.AGENT:
        return named_agent_id if any(c.id == named_agent_id for c in others) else None
    if mode is Reassign.SUPERVISOR:
        pools = [[c for c in others if c.supervisor]]
        key = lambda c: (not c.online, c.open_cases, c.id)  # noqa: E731
    elif mode is Reassign.LEAST_LOADED:
        online = [c for c in others if c.online]
        if team_id is None:
            pools = [[c for c in online if skill in c.skills]]
        else:
            in_team = [c for c in online if team_id in c.teams]
            pools = [[c for c in in_team if skill in c.skills], in_team]
        key = lambda c: (c.open_cases, c.id)  # noqa: E731
    else:
        return None
    for pool in pools:
        if pool:
            return min(pool, key=key).id
    return None


@dataclass(frozen=True, slots=True)
class Targets:
    """Business minutes to the first response and to resolution, and what a breach does
    besides telling the supervisors: raise the case's priority, hand it to someone else."""

    first_response_minutes: int
    resolve_minutes: int
    raise_priority: bool = True
    reassign: Reassign = Reassign.OFF
    reassign_agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A shop's policy as the matcher sees it: None matches any type or priority."""

    case_type: CaseType | None
    priority: CasePriority | None
    targets: Targets


def default_targets(kind: CaseType, priority: CasePriority) -> Targets:
    """The built-in targets of ``kind`` at ``priority``."""
    num, den = PRIORITY_SCALE[priority]
    return Targets(FIRST_RESPONSE_MINUTES * num // den, RESOLVE_MINUTES[kind] * num // den)


def targets_for(rules: Iterable[Rule], kind: CaseType, priority: CasePriority) -> Targets:
    """The most specific rule matching the case (type and priority, then type, then
    priority, then one for any case), else the defaults."""
    best: tuple[int, Targets] | None = None
    for rule in rules:
        if rule.case_type not in (None, kind) or rule.priority not in (None, priority):
            continue
        rank = 2 * (rule.case_type is not None) + (rule.priority is not None)
        if best is None or rank > best[0]:
            best = (rank, rule.targets)
    return best[1] if best else default_targets(kind, priority)


def target_problem(first_response_minutes: int, resolve_minutes: int) -> tuple[str, str] | None:
    """Why a pair of targets makes no sense, as (field, message), or None."""
    for field, value in (
        ("first_response_minutes", first_response_minutes),
        ("resolve_minutes", resolve_minutes),
    ):
        if not 1 <= value <= MAX_TARGET_MINUTES:
            return field, f"{field} must be 1 to {MAX_TARGET_MINUTES} business minutes"
    if first_response_minutes > resolve_minutes:
        return (
            "first_response_minutes",
            "the first response cannot be due after the resolution "
            f"({first_response_minutes} > {resolve_minutes} minutes)",
        )
    return None


@dataclass(frozen=True, slots=True)
class Clock:
    """When one target warns and falls due (None: the shop never opens again)."""

    warn_at: datetime | None
    due_at: datetime | None


def start_clock(calendar: ShopCalendar, start: datetime, minutes: int) -> Clock:
    """The warning (at WARN_PERCENT of the target) and due instants of a target of
    ``minutes`` business minutes starting at ``start``."""
    try:
        warn = calendar.add_business_seconds(start, minutes * 60 * WARN_PERCENT // 100)
        return Clock(warn, calendar.add_business_minutes(start, minutes))
    except ValueError:
        return Clock(None, None)


def resume(
    calendar: ShopCalendar, paused: datetime, now: datetime, at: datetime | None
) -> datetime | None:
    """Where instant ``at`` of a clock paused at ``paused`` moves when it runs again at
    ``now``: the business time that was left is left again. An instant already passed when
    the clock paused stays put (a breach is not undone by waiting on the shopper)."""
    if at is None or at <= paused:
        return at
    try:
        return calendar.add_business_time(now, calendar.business_time_between(paused, at))
    except ValueError:
        return None
