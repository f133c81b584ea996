"""Human names of the domain's enum values, in the current UI language.

The msgids are marked with ``N_`` so ``pybabel extract`` finds them; ``label`` translates
at render time."""

from __future__ import annotations

import enum

from kefu.crm.profile import Behaviour
from kefu.knowledge.bot import BotMode
from kefu.lib.cases import CasePriority, CaseStatus, CaseType, CompensationKind, Outcome
from kefu.lib.sla import Reassign
from kefu.models import (
    Channel,
    CompensationStatus,
    ConversationStatus,
    CustomerType,
    Level,
    OrderStatus,
    PhraseFolder,
    PhraseTestStatus,
    Presence,
    Role,
    ShipmentStatus,
    Skill,
    TrainingKind,
)
from kefu.models.quality import Emotion
from kefu.models.webhooks import DeliveryState
from kefu.web.i18n import N_, gettext

# Keyed by class, then value: StrEnum members of different enums compare equal as text.
LABELS: dict[type[enum.Enum], dict[str, str]] = {
    OrderStatus: {
        "pending_payment": N_("Pending payment"),
        "paid": N_("Paid"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "completed": N_("Completed"),
        "cancelled": N_("Cancelled"),
        "refunded": N_("Refunded"),
    },
    ShipmentStatus: {
        "pending": N_("Awaiting pickup"),
        "in_transit": N_("In transit"),
        "out_for_delivery": N_("Out for delivery"),
        "delivered": N_("Delivered"),
        "exception": N_("Delivery problem"),
        "returned": N_("Returned"),
    },
    Role: {
        "owner": N_("Owner"),
        "supervisor": N_("Supervisor"),
        "agent": N_("Agent"),
        "analyst": N_("Analyst"),
    },
    Level: {
        "junior": N_("Junior"),
        "intermediate": N_("Intermediate"),
        "senior": N_("Senior"),
    },
    Skill: {
        "presale": N_("Pre-sale"),
        "insale": N_("In-sale"),
        "aftersale": N_("After-sale"),
        "complaint": N_("Complaints"),
    },
    TrainingKind: {
        "onboarding": N_("Onboarding training"),
        "advanced": N_("Advanced training"),
        "mentoring": N_("Mentoring"),
        "exam": N_("Assessment exam"),
    },
    Presence: {"online": N_("Online"), "away": N_("Away"), "offline": N_("Offline")},
    ConversationStatus: {
        "open": N_("Open"),
        "pending": N_("Waiting for customer"),
        "snoozed": N_("Snoozed"),
        "closed": N_("Ended"),
    },
    Channel: {"web": N_("Web widget"), "api": N_("API"), "email": N_("E-mail")},
    DeliveryState: {
        "queued": N_("Queued"),
        "running": N_("Sending"),
        "delivered": N_("Delivered"),
        "dead": N_("Dead letter"),
    },
    BotMode: {
        "off": N_("Off"),
        "after_hours": N_("Outside business hours"),
        "unstaffed": N_("Outside business hours, and while no agent is online"),
        "always": N_("Always, before the agents"),
    },
    PhraseFolder: {
        "greeting": N_("Greeting"),
        "conversation": N_("Conversation"),
        "bargaining": N_("Bargaining"),
        "payment": N_("Payment"),
        "logistics": N_("Logistics"),
        "aftersale": N_("After-sale"),
        "review": N_("Review"),
        "closing": N_("Closing"),
    },
    CaseStatus: {
        "new": N_("Newly opened"),
        "accepted": N_("Accepted"),
        "investigating": N_("Investigating"),
        "waiting_customer": N_("Waiting for the customer"),
        "waiting_warehouse": N_("Waiting for the warehouse"),
        "waiting_carrier": N_("Waiting for the carrier"),
        "resolved": N_("Resolved"),
        "closed": N_("Case closed"),
        "reopened": N_("Reopened"),
    },
    CaseType: {
        "return": N_("Return"),
        "exchange": N_("Exchange"),
        "refund_only": N_("Refund only"),
        "reship": N_("Reship missing item"),
        "wrong_item": N_("Wrong item sent"),
        "damaged": N_("Damaged"),
        "quality": N_("Quality problem"),
        "logistics": N_("Late or lost parcel"),
        "invoice": N_("Invoice"),
        "customs": N_("Customs (cross-border)"),
        "consultation": N_("After-sale question"),
        "complaint": N_("Complaint"),
        "review_followup": N_("Bad review follow-up"),
    },
    CasePriority: {
        "low": N_("Low"),
        "normal": N_("Normal"),
        "high": N_("High"),
        "urgent": N_("Urgent"),
    },
    CompensationKind: {
        "refund": N_("Refund"),
        "coupon": N_("Coupon"),
        "reship": N_("Reship"),
        "replacement": N_("Replacement"),
        "exchange": N_("Exchange"),
    },
    Outcome: {
        "recovered": N_("Recovered"),
        "not_recovered": N_("Not recovered"),
    },
    CompensationStatus: {
        "approved": N_("Approved"),
        "pending_approval": N_("Waiting for approval"),
        "declined": N_("Declined"),
    },
    CustomerType: {
        "decisive": N_("Decisive"),
        "cold": N_("Reserved"),
        "lively": N_("Lively"),
        "fussy": N_("Demanding"),
    },
    PhraseTestStatus: {"running": N_("Running"), "ended": N_("Ended")},
    Behaviour: {
        "bargainer": N_("Bargains"),
        "unpaid_orders": N_("Orders without paying"),
        "frequent_returns": N_("Returns often"),
        "complained": N_("Has complained"),
        "loyal": N_("Returning buyer"),
    },
    Reassign: {
        "off": N_("Keep the assignee"),
        "least_loaded": N_("Least-loaded online agent with the skill"),
        "supervisor": N_("A supervisor"),
        "agent": N_("A named agent"),
    },
    Emotion: {
        "green": N_("Green: satisfied"),
        "yellow": N_("Yellow: at risk"),
        "red": N_("Red: upset"),
    },
}

WEEKDAYS = (
    ("mon", N_("Monday")),
    ("tue", N_("Tuesday")),
    ("wed", N_("Wednesday")),
    ("thu", N_("Thursday")),
    ("fri", N_("Friday")),
    ("sat", N_("Saturday")),
    ("sun", N_("Sunday")),
)


def label(value: enum.Enum | None, kind: type[enum.Enum] | None = None) -> str:
    """The translated name of an enum member, or of its stored text given its ``kind``."""
    if value is None:
        return ""
    kind = kind or type(value)
    text = LABELS.get(kind, {}).get(str(getattr(value, "value", value)))
    return gettext(text) if text else str(getattr(value, "value", value))
