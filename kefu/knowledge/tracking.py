"""The bot's order-status and parcel answers, apart from the database: which questions
are about an order, how an anonymous shopper proves an order is theirs (its number and
the last four digits of the phone it was placed with), when a parcel counts as stalled,
and the words of each answer.

A shopper the storefront signed in (a signed customer id) asks about their own orders
only; a visitor nobody signed must give the order number and the phone's last four
digits in one message, so nobody reads a stranger's order by guessing numbers (each
failed try counts as a miss, and the second hands the shopper to a person)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.catalogs import N_
from kefu.models import OrderStatus, ShipmentStatus
from kefu.understanding.normalize import fold

# The bot's sentences are message ids in English, said in the shop's language: every
# function writing one takes the shop's ``gettext`` (kefu.knowledge.bot.speech).
Translate = Callable[[str], str]

# What the intent classifier calls a question about an order or its parcel
# (../shared/taxonomy/intents.json).
ORDER_INTENTS = frozenset(
    {"insale.order_status", "insale.urge_shipment", "logistics.track", "logistics.delay"}
)
RETURN_INTENT = "aftersale.return"  # answered with the return deadline of a delivered order
STALL_DAYS = (1, 30)  # the bot setting's bounds; default 3
DEFAULT_STALL_DAYS = 3
# A parcel still moving towards the shopper: it may stall.
ON_THE_WAY = frozenset(
    {
        ShipmentStatus.PENDING,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.EXCEPTION,
    }
)
CHINA = ZoneInfo("Asia/Shanghai")

_ORDER_TOKEN = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9][A-Za-z0-9-]{5,31}(?![A-Za-z0-9-])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_FOUR = re.compile(r"(?<![A-Za-z0-9])\d{4}(?![A-Za-z0-9])")

SAY_ASK_ORDER = N_(
    "Please send your order number and the last four digits of the phone number you "
    "ordered with (for example: XL2026112000012 1234) and I will look it up right away."
)
SAY_NO_MATCH = N_(
    "Sorry, I found no order matching both that order number and those phone digits 😅 "
    'Please check them and send them again, or type "human" to talk to a person.'
)
SAY_NO_ORDERS = N_(
    "Sorry, I found no such order in your account. If anything is unclear, "
    'type "human" to talk to a person.'
)
ORDER_SAYS = {
    OrderStatus.PENDING_PAYMENT: N_(
        "Your order %(number)s is not paid yet; we will ship it as soon as it is paid."
    ),
    OrderStatus.PAID: N_(
        "Your order %(number)s is paid and waiting to leave the warehouse; once it has "
        "shipped, ask me where it is any time."
    ),
    OrderStatus.SHIPPED: N_("Your order %(number)s has shipped."),
    OrderStatus.DELIVERED: N_("Your order %(number)s has been delivered."),
    OrderStatus.COMPLETED: N_("Your order %(number)s is complete."),
    OrderStatus.CANCELLED: N_("Your order %(number)s was cancelled."),
    OrderStatus.REFUNDED: N_("Your order %(number)s was refunded."),
}
SHIPPED_NO_EVENT = N_("The parcel has left.")  # a parcel's movement before any scan


def order_numbers(text: str) -> list[str]:
    """Words of the message that could be an order number (six or more letters, digits
    or dashes with at least one digit), as written; the caller looks them up."""
    return [
        token
        for token in _ORDER_TOKEN.findall(fold(text))
        if any(ch.isdigit() for ch in token) and (not token.isdigit() or len(token) >= 10)
    ]


def phone_tail(text: str) -> str | None:
    """The last four digits of the phone the shopper gives: a whole mobile number's, or
    four digits standing alone (尾号1234)."""
    folded = fold(text)
    mobile = _MOBILE.search(folded)
    if mobile:
        return mobile.group(0)[-4:]
    four = _FOUR.search(folded)
    return four.group(0) if four else None


def tail_matches(tail: str | None, *phones: str | None) -> bool:
    """Whether ``tail`` ends one of the order's phones (its address's, its customer's)."""
    if not tail:
        return False
    digits = ["".join(ch for ch in phone if ch.isdigit()) for phone in phones if phone]
    return any(len(d) >= 4 and d.endswith(tail) for d in digits)


@dataclass(frozen=True, slots=True)
class Movement:
    """A parcel's latest tracking event (or, with no events, when it was shipped)."""

    at: datetime
    location: str | None
    description: str


def stalled_days(status: ShipmentStatus, last: datetime | None, now: datetime, stall: int) -> int:
    """Whole days without tracking movement when a parcel on its way has not moved for
    ``stall`` days or more, else 0. A parcel not yet handed to a carrier (no event, no
    shipping time) is waiting for dispatch, not stalled."""
    if status not in ON_THE_WAY or last is None:
        return 0
    quiet = now - last
    return quiet.days if quiet >= timedelta(days=stall) else 0


def china_time(at: datetime, _: Translate) -> str:
    local = at.astimezone(CHINA)
    return _("%(month)s/%(day)s %(time)s") % {
        "month": local.strftime("%m"),
        "day": local.strftime("%d"),
        "time": local.strftime("%H:%M"),
    }


def order_line(number: str, status: OrderStatus, _: Translate) -> str:
    """The first line of an answer: where the order stands, before any parcel."""
    return _(ORDER_SAYS[status]) % {"number": number}


def parcel_line(
    carrier: str,
    tracking_no: str,
    delivered_at: datetime | None,
    latest: Movement | None,
    _: Translate,
) -> str:
    """The parcel: carrier, tracking number and its latest movement."""
    values = {"carrier": carrier, "tracking": tracking_no}
    if delivered_at is not None:
        said = _("%(carrier)s, tracking number %(tracking)s. Delivered on %(at)s.")
        return said % (values | {"at": china_time(delivered_at, _)})
    if latest is None:
        said = _(
            "%(carrier)s, tracking number %(tracking)s. The parcel is with the carrier; "
            "there is no tracking yet."
        )
        return said % values
    said = _(
        "%(carrier)s, tracking number %(tracking)s. Latest tracking (%(at)s): %(where)s%(what)s"
    )
    return said % (
        values
        | {
            "at": china_time(latest.at, _),
            "where": f"【{latest.location}】" if latest.location else "",
            "what": latest.description,
        }
    )


def stall_line(days: int, case_number: int | str, opened: bool, _: Translate) -> str:
    """What the shopper is told about a stalled parcel and the case following it."""
    if opened:
        said = _(
            "⚠️ Your parcel has had no new tracking for %(days)s days. We have registered a "
            "delivery problem (case %(case)s): a colleague will check with the carrier and "
            "get back to you as soon as possible."
        )
    else:
        said = _(
            "⚠️ Your parcel has had no new tracking for %(days)s days. We are following up "
            "the delivery problem (case %(case)s) and will tell you as soon as there is news."
        )
    return said % {"days": days, "case": case_number}


def more_orders_line(others: int, _: Translate) -> str:
    if not others:
        return ""
    return _("You have %(n)s more orders; send an order number to ask about another.") % {
        "n": others
    }


def return_days_left(delivered_at: datetime, window_days: int, now: datetime) -> int:
    """Days left to ask for a return, the last partial day counting as one (0: passed)."""
    left = delivered_at + timedelta(days=window_days) - now
    if left <= timedelta(0):
        return 0
    return math.ceil(left / timedelta(days=1))


def return_line(
    number: str, delivered_at: datetime, window_days: int, now: datetime, _: Translate
) -> str:
    """The return deadline of a delivered order, as the bot tells it."""
    left = return_days_left(delivered_at, window_days, now)
    values = {"number": number, "at": china_time(delivered_at, _), "days": left or window_days}
    if left:
        said = _(
            "Your order %(number)s was delivered on %(at)s; you have %(days)s days left to "
            "ask for a return."
        )
    else:
        said = _(
            "Your order %(number)s was delivered on %(at)s; the %(days)s-day return period "
            "has passed. For a quality problem, please contact a person."
        )
    return said % values


def join_lines(lines: Sequence[str]) -> str:
    return "\n".join(line for line in lines if line)
