"""Typed events. Actions create them; they leave only after the transaction commits.

No I/O here. ``payload`` is exactly what clients and webhooks receive; every event type is
documented in ``docs/events.md`` (checked by the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from kefu.lib.pickling import reduce_by_fields


@dataclass(frozen=True, slots=True)
class Event:
    name: ClassVar[str] = "event"

    shop_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    # Stream keys of who should see it live: "agent:12", "shop:3", "visitor:ab12…".
    recipients: frozenset[str] = frozenset()

    __reduce__ = reduce_by_fields  # sent to and from the SQLite writer process


@dataclass(frozen=True, slots=True)
class ShopDataChanged(Event):
    """Products, customers, orders or shipments were created or updated (API or import)."""

    name: ClassVar[str] = "shop_data.changed"


@dataclass(frozen=True, slots=True)
class AgentChanged(Event):
    """An agent was added, edited, deactivated, or changed presence."""

    name: ClassVar[str] = "agent.changed"


@dataclass(frozen=True, slots=True)
class ShopSettingsChanged(Event):
    """The shop profile, business hours or holidays changed."""

    name: ClassVar[str] = "shop.settings_changed"


@dataclass(frozen=True, slots=True)
class TeamChanged(Event):
    """A team was created, renamed, given another skill or members, or deleted."""

    name: ClassVar[str] = "team.changed"


@dataclass(frozen=True, slots=True)
class ConversationStarted(Event):
    """A shopper (or an integrator on the API channel) opened a conversation."""

    name: ClassVar[str] = "conversation.started"


@dataclass(frozen=True, slots=True)
class ConversationChanged(Event):
    """A conversation was assigned, transferred, snoozed, closed, rated or reopened."""

    name: ClassVar[str] = "conversation.changed"


@dataclass(frozen=True, slots=True)
class MessageCreated(Event):
    """A message was stored in a conversation (internal notes reach agents only)."""

    name: ClassVar[str] = "message.created"


@dataclass(frozen=True, slots=True)
class ReadReceipt(Event):
    """An agent read a conversation up to a message (the shopper's "已读")."""

    name: ClassVar[str] = "conversation.read"


@dataclass(frozen=True, slots=True)
class QueuePositionChanged(Event):
    """A waiting shopper's place in the queue (and the expected wait) changed."""

    name: ClassVar[str] = "queue.position_changed"


@dataclass(frozen=True, slots=True)
class CaseCreated(Event):
    """An after-sales case was opened (from a conversation, an order line or the API)."""

    name: ClassVar[str] = "case.created"


@dataclass(frozen=True, slots=True)
class CaseStatusChanged(Event):
    """A case moved along its workflow (accepted, waiting, resolved, closed, reopened)."""

    name: ClassVar[str] = "case.status_changed"


@dataclass(frozen=True, slots=True)
class CaseAssigned(Event):
    """A case was given to an agent or a team, or taken back from them."""

    name: ClassVar[str] = "case.assigned"


@dataclass(frozen=True, slots=True)
class CasePriorityChanged(Event):
    """A case's priority was changed by hand (one at a time or in bulk)."""

    name: ClassVar[str] = "case.priority_changed"


@dataclass(frozen=True, slots=True)
class CaseCommented(Event):
    """Someone added an internal comment to a case's timeline."""

    name: ClassVar[str] = "case.commented"


@dataclass(frozen=True, slots=True)
class CaseOutcomeRecorded(Event):
    """A follow-up (回访) ended recovered or not_recovered."""

    name: ClassVar[str] = "case.outcome_recorded"


@dataclass(frozen=True, slots=True)
class CaseSlaWarning(Event):
    """80 % of a case's first-response or resolution target is used (the assignee, or
    the supervisors when nobody is assigned, are told)."""

    name: ClassVar[str] = "case.sla_warning"


@dataclass(frozen=True, slots=True)
class CaseSlaBreached(Event):
    """A case's target passed unmet: escalated to the supervisors and the assignee."""

    name: ClassVar[str] = "case.sla_breached"


@dataclass(frozen=True, slots=True)
class CaseReassigned(Event):
    """A breach handed a case to another agent (its SLA policy's ``reassign``): the
    new assignee is told it is now theirs."""

    name: ClassVar[str] = "case.reassigned"


@dataclass(frozen=True, slots=True)
class CompensationCreated(Event):
    """A compensation was granted, or requested above the requester's limit."""

    name: ClassVar[str] = "compensation.created"


@dataclass(frozen=True, slots=True)
class CompensationDecided(Event):
    """A supervisor approved or declined a compensation waiting for approval."""

    name: ClassVar[str] = "compensation.decided"


class SessionEnded(Event):
    """A login of the agent may have ended (logged out, deactivated, password reset,
    switched shop): the agent's open sockets check their login again and close if it is
    gone."""

    name: ClassVar[str] = "agent.session_ended"


@dataclass(frozen=True, slots=True)
class CoachingCreated(Event):
    """A supervisor wrote a coaching note on an agent's scorecard (the agent is told)."""

    name: ClassVar[str] = "coaching.created"


@dataclass(frozen=True, slots=True)
class CoachingAcknowledged(Event):
    """The agent acknowledged a coaching note (its author is told)."""

    name: ClassVar[str] = "coaching.acknowledged"


@dataclass(frozen=True, slots=True)
class EmotionRed(Event):
    """A conversation's shopper turned red (三色法则): its agent and the supervisors are
    alerted."""

    name: ClassVar[str] = "emotion.red"


EVENT_TYPES: tuple[type[Event], ...] = (
    ShopDataChanged,
    AgentChanged,
    ShopSettingsChanged,
    TeamChanged,
    ConversationStarted,
    ConversationChanged,
    MessageCreated,
    ReadReceipt,
    QueuePositionChanged,
    CaseCreated,
    CaseStatusChanged,
    CaseAssigned,
    CasePriorityChanged,
    CaseCommented,
    CaseOutcomeRecorded,
    CaseSlaWarning,
    CaseSlaBreached,
    CaseReassigned,
    CompensationCreated,
    CompensationDecided,
    SessionEnded,
    CoachingCreated,
    CoachingAcknowledged,
    EmotionRed,
)


def shop_stream(shop_id: int) -> str:
    """Every agent of the shop: the conversation list, unassigned conversations' messages."""
    return f"shop:{shop_id}"


def agent_stream(agent_id: int) -> str:
    """One agent (all their tabs): messages of the conversations assigned to them."""
    return f"agent:{agent_id}"


def visitor_stream(public_id: str) -> str:
    """One widget visitor (all their tabs): their own conversations, never a note."""
    return f"visitor:{public_id}"
