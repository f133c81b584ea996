"""Bulk changes to cases picked from the list: assign them, change their priority, or move
them along the workflow.

Each case goes through the same action as one at a time (kefu.actions.cases), so the
workflow and the shop boundary hold for every one. What applies to all of them (the
agent, the priority, the status, the note) is checked once, before anything changes: a
bad one refuses the whole request. What depends on a case (it is another shop's, it
cannot make that move) is reported for that case, and the others are still changed.
Every check a per-case action makes comes before its first write, so a refused case
leaves nothing half-done in the transaction the others commit in."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.cases import (
    assignee,
    do_assign_case,
    do_set_case_priority,
    do_transition_case,
    optional_text,
)
from kefu.actions.checks import choice
from kefu.errors import Conflict, Invalid, NotFound
from kefu.lib.cases import CasePriority, CaseStatus
from kefu.models import Case
from kefu.models.base import MAX_ID

MAX_BULK = 100


class BulkAction(enum.StrEnum):
    ASSIGN = "assign"
    PRIORITY = "priority"
    TRANSITION = "transition"


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What became of one case: changed (``case``), or refused (``code``, ``message``)."""

    case_id: int
    case: Case | None = None
    code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.case is not None


def _case_ids(value: Any) -> list[int]:
    """The ids given, each once, in the order given."""
    if not isinstance(value, list) or not value:
        raise Invalid("choose at least one case", field="case_ids")
    if len(value) > MAX_BULK:
        raise Invalid(f"choose at most {MAX_BULK} cases at once", field="case_ids")
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i <= MAX_ID for i in value):
        raise Invalid("case_ids must be case ids", field="case_ids")
    return list(dict.fromkeys(value))


async def do_bulk_cases(
    session: AsyncSession,
    actor: Actor,
    case_ids: Any,
    action: Any,
    *,
    agent_id: Any = None,
    team_id: Any = None,
    priority: Any = None,
    to: Any = None,
    note: Any = None,
) -> list[BulkOutcome]:
    """Apply ``action`` to each case of ``case_ids``; one outcome per case, in order."""
    actor.require(Permission.HANDLE_CASES)
    ids = _case_ids(case_ids)
    kind = choice(BulkAction, action, "action")
    if kind is BulkAction.ASSIGN:
        agent, team = await assignee(session, actor, agent_id, team_id)

        async def change(case_id: int) -> Case:
            return await do_assign_case(session, actor, case_id, agent_id=agent, team_id=team)

    elif kind is BulkAction.PRIORITY:
        wanted = choice(CasePriority, priority, "priority")

        async def change(case_id: int) -> Case:
            return await do_set_case_priority(session, actor, case_id, wanted)

    else:
        status = choice(CaseStatus, to, "to")
        text = optional_text(note, "note")

        async def change(case_id: int) -> Case:
            return await do_transition_case(session, actor, case_id, status, note=text)

    outcomes = []
    for case_id in ids:
        try:
            outcomes.append(BulkOutcome(case_id, case=await change(case_id)))
        except (NotFound, Conflict) as exc:
            outcomes.append(BulkOutcome(case_id, code=exc.code, message=exc.message))
    return outcomes
