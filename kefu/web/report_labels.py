"""The names of reports' figures in the reader's language: KPIs, funnel steps, export
columns and report facts. Msgids are marked with ``N_`` so ``pybabel extract`` finds
them; translate with ``gettext`` while the reader's locale is active (``localised`` does
so for an export)."""

from __future__ import annotations

from typing import Any

from kefu.models import Channel, ConversationStatus, Level, Presence
from kefu.models.reports import ReportKind
from kefu.reports.exports import Table
from kefu.web import i18n
from kefu.web.i18n import N_
from kefu.web.labels import WEEKDAYS, label

KPI_NAMES = {
    "conversations": N_("Conversations"),
    "first_response_seconds": N_("Average first response time"),
    "response_seconds": N_("Average response time"),
    "fast_response_rate": N_("3-minute response rate"),
    "fcr_rate": N_("First-contact resolution"),
    "csat": N_("Customer satisfaction (CSAT)"),
    "average_rating": N_("Average rating"),
    "recovery_rate": N_("Service recovery rate"),
    "unit_cost_cents": N_("Cost per conversation"),
    "conversion_rate": N_("Inquiry conversion rate"),
    "revenue_cents": N_("Revenue from inquiries"),
    "complaint_rate": N_("Complaint rate"),
    "negative_review_rate": N_("Negative review rate"),
    "repurchase_rate": N_("Repurchase rate"),
    "sla_attainment": N_("SLA attainment"),
    "bot_containment": N_("Bot containment"),
    "qa_score": N_("QA score"),
}

STEP_NAMES = {
    "visit": N_("Visits"),
    "chat": N_("Chats"),
    "inquiry": N_("Inquiries"),
    "order": N_("Ordered"),
    "paid": N_("Paid orders"),
    "repurchase": N_("Repeat orders"),
}

KIND_NAMES = {
    ReportKind.VISIT: N_("Visits"),
    ReportKind.CONVERSATION_OPENED: N_("Conversations opened"),
    ReportKind.INQUIRY: N_("Inquiries"),
    ReportKind.FIRST_RESPONSE: N_("First responses"),
    ReportKind.FIRST_RESPONSE_FAST: N_("First responses within 3 minutes"),
    ReportKind.RESPONSE: N_("Responses"),
    ReportKind.TRANSFER: N_("Transfers"),
    ReportKind.RESOLVED: N_("Resolved conversations"),
    ReportKind.REPEAT_CONTACT: N_("Repeat contacts"),
    ReportKind.RATING: N_("Ratings"),
    ReportKind.RATING_GOOD: N_("Good ratings"),
    ReportKind.RATING_BAD: N_("Bad ratings"),
    ReportKind.COMPLAINT: N_("Complaints"),
    ReportKind.CASE_OPENED: N_("Cases opened"),
    ReportKind.CASE_SETTLED: N_("Cases settled"),
    ReportKind.RECOVERED: N_("Recovered complaints"),
    ReportKind.SLA_MET: N_("SLA targets met"),
    ReportKind.SLA_BREACHED: N_("SLA targets breached"),
    ReportKind.BOT_CONVERSATION: N_("Bot conversations"),
    ReportKind.BOT_HANDOFF: N_("Bot handoffs"),
    ReportKind.CONVERSION: N_("Inquiries that ordered"),
    ReportKind.ORDER_PAID: N_("Paid orders"),
    ReportKind.REPEAT_ORDER: N_("Repeat orders"),
    ReportKind.QA_REPLY: N_("Inspected replies"),
    ReportKind.QA_FLAGGED: N_("Flagged replies"),
    ReportKind.AGENT_ONLINE: N_("Agent online time"),
}

COLUMN_NAMES = {
    "day": N_("Day"),
    "numerator": N_("Numerator"),
    "denominator": N_("Denominator"),
    "step": N_("Step"),
    "count": N_("Count"),
    "step_rate": N_("Step rate"),
    "id": N_("Conversation ID"),
    "opened_at": N_("Opened at"),
    "channel": N_("Channel"),
    "customer": N_("Customer"),
    "agent": N_("Agent"),
    "first_response": N_("First response (seconds)"),
    "status": N_("Status"),
    "rating": N_("Rating"),
    "resolved_at": N_("Resolved at"),
    "kpi": N_("KPI"),
    "value": N_("This period"),
    "previous_value": N_("Previous period"),
    "change": N_("Change"),
    "unit": N_("Unit"),
    "level": N_("Level"),
    "weekday": N_("Weekday"),
    "terms": N_("Topic words"),
    "now": N_("Last 7 days"),
    "before": N_("28 days before"),
    "share_now": N_("Share, last 7 days"),
    "share_before": N_("Share, 28 days before"),
    "rising": N_("Rise (standard deviations)"),
    "example": N_("Example message"),
    "hour": N_("Hour"),
    "model": N_("Forecast (seasonal model)"),
    "naive": N_("Same hour last week"),
    "intent": N_("Intent"),
    "converted": N_("Followed by an order"),
    "rate": N_("Conversion rate"),
    "occurred_at": N_("When"),
    "case_id": N_("Case ID"),
    "fact_value": N_("Value"),
    "taken_at": N_("Taken at"),
    "presence": N_("Presence"),
    "open_chats": N_("Open chats"),
    "max_chats": N_("Chat limit"),
    "queued": N_("Waiting in queue"),
    "longest_wait": N_("Longest wait (seconds)"),
    **{f"{hour:02d}:00": f"{hour:02d}:00" for hour in range(24)},
    **KPI_NAMES,
}

UNIT_NAMES = {
    "seconds": N_("seconds"),
    "ratio": N_("ratio"),
    "cents": N_("cents (fen)"),
    "stars": N_("stars"),
    "score": N_("score (0–100)"),
    "count": N_("count"),
}

# Export cells that hold a name for a person rather than a figure: column key → its words.
WORDS = {
    "step": lambda v: i18n.gettext(STEP_NAMES[v]),
    "kpi": lambda v: i18n.gettext(KPI_NAMES[v]),
    "unit": lambda v: i18n.gettext(UNIT_NAMES[v]),
    "level": lambda v: label(Level(v)),
    "channel": lambda v: label(Channel(v)),
    "status": lambda v: label(ConversationStatus(v)),
    "weekday": lambda v: i18n.gettext(WEEKDAYS[v][1]),
    "presence": lambda v: label(Presence(v)),
}


def localised(table: Table, locale: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """An export's headers and rows in ``locale``: column names, funnel steps, KPIs,
    levels, channels and statuses in words; figures untouched."""
    token = i18n.activate(locale)
    try:
        headers = [i18n.gettext(COLUMN_NAMES[c.key]) for c in table.columns]
        words = [WORDS.get(c.key) for c in table.columns]
        rows = [
            tuple(
                say(value) if say and value is not None else value
                for say, value in zip(words, row, strict=True)
            )
            for row in table.rows
        ]
    finally:
        i18n.deactivate(token)
    return headers, rows
