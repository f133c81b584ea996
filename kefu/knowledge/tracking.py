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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.models import OrderStatus, ShipmentStatus
from kefu.understanding.normalize import fold

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

SAY_ASK_ORDER = (
    "请发送您的订单号和下单手机号的后四位（例如：XL2026112000012 1234），我马上帮您查询～"
)
SAY_NO_MATCH = (
    "抱歉，没有查到与这个订单号和手机号后四位都相符的订单😅 请核对后再发一次，"
    "或输入「转人工」联系人工客服。"
)
SAY_NO_ORDERS = "抱歉，没有查到您账号下的这个订单哦。如有疑问，可输入「转人工」联系人工客服。"


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


def china_time(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%m月%d日 %H:%M")


def order_line(number: str, status: OrderStatus) -> str:
    """The first line of an answer: where the order stands, before any parcel."""
    return {
        OrderStatus.PENDING_PAYMENT: f"您的订单 {number} 还未付款，付款后我们会尽快为您发货哦～",
        OrderStatus.PAID: (
            f"您的订单 {number} 已付款，正在等待仓库发货，发出后可以随时问我物流进度～"
        ),
        OrderStatus.SHIPPED: f"您的订单 {number} 已发货。",
        OrderStatus.DELIVERED: f"您的订单 {number} 已签收。",
        OrderStatus.COMPLETED: f"您的订单 {number} 已完成。",
        OrderStatus.CANCELLED: f"您的订单 {number} 已取消。",
        OrderStatus.REFUNDED: f"您的订单 {number} 已退款。",
    }[status]


def parcel_line(
    carrier: str, tracking_no: str, delivered_at: datetime | None, latest: Movement | None
) -> str:
    """The parcel: carrier, tracking number and its latest movement."""
    text = f"{carrier}，运单号 {tracking_no}。"
    if delivered_at is not None:
        return text + f"已于 {china_time(delivered_at)} 签收。"
    if latest is None:
        return text + "包裹已交给快递，暂时还没有物流信息。"
    where = f"【{latest.location}】" if latest.location else ""
    return text + f"最新物流（{china_time(latest.at)}）：{where}{latest.description}"


def stall_line(days: int, case_number: int | str, opened: bool) -> str:
    """What the shopper is told about a stalled parcel and the case following it."""
    if opened:
        return (
            f"⚠️ 您的包裹已经 {days} 天没有新的物流信息了，我们已为您登记物流异常"
            f"（工单 {case_number}），专员会联系快递公司核实，并尽快给您回复。"
        )
    return (
        f"⚠️ 您的包裹已经 {days} 天没有新的物流信息了，我们正在跟进物流异常"
        f"（工单 {case_number}），有进展会第一时间通知您。"
    )


def more_orders_line(others: int) -> str:
    return f"您还有 {others} 个订单，查询其他订单请发送订单号～" if others else ""


def return_days_left(delivered_at: datetime, window_days: int, now: datetime) -> int:
    """Days left to ask for a return, the last partial day counting as one (0: passed)."""
    left = delivered_at + timedelta(days=window_days) - now
    if left <= timedelta(0):
        return 0
    return math.ceil(left / timedelta(days=1))


def return_line(number: str, delivered_at: datetime, window_days: int, now: datetime) -> str:
    """The return deadline of a delivered order, as the bot tells it."""
    left = return_days_left(delivered_at, window_days, now)
    signed = f"您的订单 {number} 于 {china_time(delivered_at)} 签收，"
    if left:
        return signed + f"还剩{left}天可申请退货。"
    return signed + f"已超过{window_days}天的退货期，如有质量问题请联系人工客服处理。"


def join_lines(lines: Sequence[str]) -> str:
    return "\n".join(line for line in lines if line)
