"""The rules of after-sales cases that need no database: the workflow, the evidence each
type requires, and the compensation limits of agent levels."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class CaseType(enum.StrEnum):
    RETURN = "return"  # 退货
    EXCHANGE = "exchange"  # 换货
    REFUND_ONLY = "refund_only"  # 仅退款
    RESHIP = "reship"  # 补发 (missing item)
    WRONG_ITEM = "wrong_item"  # 发错货
    DAMAGED = "damaged"  # 破损
    QUALITY = "quality"  # 质量问题
    LOGISTICS = "logistics"  # 物流延误/丢件
    INVOICE = "invoice"  # 发票
    CUSTOMS = "customs"  # 跨境
    CONSULTATION = "consultation"  # 售后咨询
    COMPLAINT = "complaint"  # 投诉
    REVIEW_FOLLOWUP = "review_followup"  # 差评回访


class CaseStatus(enum.StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    INVESTIGATING = "investigating"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_WAREHOUSE = "waiting_warehouse"
    WAITING_CARRIER = "waiting_carrier"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class CasePriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CompensationKind(enum.StrEnum):
    REFUND = "refund"  # 退款: money back, never above what was paid
    COUPON = "coupon"  # 优惠券
    RESHIP = "reship"  # 补发
    REPLACEMENT = "replacement"  # 换新
    EXCHANGE = "exchange"  # 换货


class Outcome(enum.StrEnum):
    """How a follow-up (回访) of a complaint or a bad review ended, said by the agent."""

    RECOVERED = "recovered"  # the shopper is won back (服务补救成功)
    NOT_RECOVERED = "not_recovered"


# The cases that are follow-ups: they fall due (``Case.follow_up_due_at``) and end with an
# explicit ``Outcome``, which the service-recovery KPI counts (docs/kpis.md).
FOLLOW_UP_TYPES = frozenset({CaseType.COMPLAINT, CaseType.REVIEW_FOLLOWUP})
# A rating of this many stars or fewer is a bad review: it opens a review follow-up.
BAD_RATING = 2
# Hours after a follow-up opens within which the shopper is called back (the seeds: answer
# a complaint within 24 h); shops change it in their case settings.
DEFAULT_FOLLOW_UP_HOURS = 24
MAX_FOLLOW_UP_HOURS = 24 * 30

WAITING = (CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_WAREHOUSE, CaseStatus.WAITING_CARRIER)

# Where each status may go next; anything else is refused with 409.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.ACCEPTED}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.INVESTIGATING, CaseStatus.RESOLVED}),
    CaseStatus.INVESTIGATING: frozenset({*WAITING, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_CUSTOMER: frozenset({CaseStatus.INVESTIGATING, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_WAREHOUSE: frozenset({CaseStatus.INVESTIGATING, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_CARRIER: frozenset({CaseStatus.INVESTIGATING, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.REOPENED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.REOPENED}),
    CaseStatus.REOPENED: frozenset({CaseStatus.ACCEPTED, CaseStatus.INVESTIGATING}),
}
assert set(TRANSITIONS) == set(CaseStatus)

# Statuses in which a case is finished with: no compensation is offered on it any more.
FINISHED = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


def transition_problem(current: CaseStatus, wanted: CaseStatus) -> str | None:
    """Why a case in ``current`` cannot move to ``wanted`` (None when it can)."""
    if wanted in TRANSITIONS[current]:
        return None
    allowed = ", ".join(sorted(TRANSITIONS[current]))
    return (
        f"a case cannot go from {current.value} to {wanted.value} (from {current.value}: {allowed})"
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a case type needs before it can be opened."""

    order_line: bool = False  # about one line of an order (a product bought)
    order: bool = False  # about an order as a whole (its parcel, invoice, customs)
    photos: bool = False
    tracking_no: bool = False
    batch_no: bool = False
    customs_status: bool = False


REQUIRED: dict[CaseType, Evidence] = {
    CaseType.RETURN: Evidence(order_line=True),
    CaseType.EXCHANGE: Evidence(order_line=True),
    CaseType.REFUND_ONLY: Evidence(order_line=True),
    CaseType.RESHIP: Evidence(order_line=True),
    CaseType.WRONG_ITEM: Evidence(order_line=True, photos=True),
    CaseType.DAMAGED: Evidence(order_line=True, photos=True),
    CaseType.QUALITY: Evidence(order_line=True, photos=True, batch_no=True),
    CaseType.LOGISTICS: Evidence(order=True, tracking_no=True),
    CaseType.INVOICE: Evidence(order=True),
    CaseType.CUSTOMS: Evidence(order=True, customs_status=True),
    CaseType.CONSULTATION: Evidence(),
    CaseType.COMPLAINT: Evidence(),
    CaseType.REVIEW_FOLLOWUP: Evidence(),
}
assert set(REQUIRED) == set(CaseType)

# Evidence given as text, and their longest length.
TEXT_EVIDENCE = {"tracking_no": 64, "batch_no": 64, "customs_status": 100}
MAX_PHOTOS = 9

# Cents an agent of each level may grant per compensation without a supervisor's approval
# (a kind left out: always needs approval). Shops change them in their case settings.
DEFAULT_LIMITS: dict[str, dict[str, int]] = {
    "junior": {"coupon": 2000},
    "intermediate": {"coupon": 5000, "refund": 10000, "reship": 10000, "exchange": 10000},
    "senior": {
        "coupon": 10000,
        "refund": 50000,
        "reship": 50000,
        "replacement": 50000,
        "exchange": 50000,
    },
}


def within_limit(limits: dict[str, dict[str, int]], level: str, kind: str, cents: int) -> bool:
    """True when an agent of ``level`` may grant ``cents`` of ``kind`` on their own."""
    return cents <= limits.get(level, {}).get(kind, 0)


# Days after delivery a shopper may ask for a return, exchange or refund in the widget
# (the seeds' 7天无理由退货); shops change it in their case settings.
DEFAULT_RETURN_WINDOW_DAYS = 7
MAX_RETURN_WINDOW_DAYS = 365
SELF_SERVICE_TYPES = (CaseType.RETURN, CaseType.EXCHANGE, CaseType.REFUND_ONLY)
# The reasons a shopper picks from in the widget, as agents read them on the case.
RETURN_REASONS = {
    "no_longer_wanted": "不想要了（7天无理由）",
    "wrong_size": "尺码/规格不合适",
    "not_as_described": "与描述不符",
    "quality": "质量问题",
    "damaged": "商品破损",
    "other": "其他",
}


def case_settings(stored: dict[str, Any]) -> dict[str, Any]:
    """A shop's stored case settings completed with the defaults: ``custom_fields``
    (case type → JSON schema of its custom fields), ``limits`` (level → kind → cents) and
    ``return_window_days`` (the shopper's self-service window after delivery) and
    ``proactive`` (the proactive-exception rules, kefu.lib.proactive) and
    ``follow_up_hours`` (how soon a complaint or bad review is followed up) and
    ``progress_mail`` (shoppers get a mail when their case moves, kefu.actions.case_mail)."""
    from kefu.lib.proactive import proactive_settings  # it imports this module

    limits = {level: dict(kinds) for level, kinds in DEFAULT_LIMITS.items()}
    limits |= stored.get("limits", {})
    return {
        "custom_fields": dict(stored.get("custom_fields", {})),
        "limits": limits,
        "return_window_days": stored.get("return_window_days", DEFAULT_RETURN_WINDOW_DAYS),
        "proactive": proactive_settings(stored),
        "follow_up_hours": stored.get("follow_up_hours", DEFAULT_FOLLOW_UP_HOURS),
        "progress_mail": stored.get("progress_mail", True),
    }


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` cannot describe a case's custom fields (None when it can): it must be
    a valid JSON schema (draft 2020-12) for an object."""
    from jsonschema import Draft202012Validator  # at first use: ~8 MiB no socket needs
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict) or schema.get("type") != "object":
        return 'a custom-field schema must be a JSON schema with "type": "object"'
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"not a valid JSON schema: {exc.message}"
    return None


def custom_fields_problem(schema: dict[str, Any], value: Any) -> tuple[str, str] | None:
    """The first way ``value`` breaks ``schema`` as (field path, message), or None."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(value))
    if error is None:
        return None
    path = ".".join(str(part) for part in error.absolute_path)
    return ("custom_fields" + (f".{path}" if path else ""), error.message)
