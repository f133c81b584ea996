"""Proactive exceptions (主动异常): rules on the shop's own data that open an after-sales
case, and tell the shopper, before the shopper complains. What needs no database: the
rules, their default settings, and the check of a shop's changes (docs/cases.md).

A shop keeps them in its case settings under ``proactive``: per rule ``enabled``, its
``threshold`` and the ``notice`` sent to the shopper (a template with the quick-phrase
variables of kefu.lib.phrases; an empty notice sends none)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from kefu.lib.cases import CaseType

MAX_NOTICE = 1000


class Rule(enum.StrEnum):
    STALLED = "stalled"  # a shipment on its way with no tracking event for N days
    LATE = "late"  # the promised delivery time passed without delivery
    OUT_OF_STOCK = "out_of_stock"  # paid, not shipped, and a product's stock is ≤ 0
    PRICE_ERROR = "price_error"  # a line sold far below the product's price


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule's case type, what its threshold means and its bounds, and its defaults."""

    case_type: CaseType
    threshold: int
    low: int
    high: int
    unit: str
    notice: str


SPECS: dict[Rule, RuleSpec] = {
    Rule.STALLED: RuleSpec(
        CaseType.LOGISTICS,
        3,
        1,
        60,
        "days without a tracking event",
        "{客户昵称}您好，您的订单 {订单号}（运单号 {物流单号}）已经几天没有新的物流信息了。"
        "我们已主动登记物流异常，专员正在联系快递公司核实，有进展会第一时间通知您，"
        "给您添麻烦了～",
    ),
    Rule.LATE: RuleSpec(
        CaseType.LOGISTICS,
        0,
        0,
        30,
        "hours of grace after the promised delivery time",
        "{客户昵称}您好，非常抱歉，您的订单 {订单号}（运单号 {物流单号}）没能在承诺的时间内"
        "送达。我们已主动登记并催促快递公司加急派送，有进展会第一时间通知您～",
    ),
    Rule.OUT_OF_STOCK: RuleSpec(
        CaseType.CONSULTATION,
        0,
        -1000,
        1000,
        "stock at or below which a paid, unshipped order's product counts as out of stock",
        "{客户昵称}您好，非常抱歉，您订单 {订单号} 中的「{商品名}」暂时缺货。"
        "我们已为您登记，客服会尽快联系您确认补货时间，或为您办理退款～",
    ),
    Rule.PRICE_ERROR: RuleSpec(
        CaseType.CONSULTATION,
        50,
        1,
        100,
        "percent of the product's price below which a line's unit price is an error",
        # No notice by default: a price error is for the shop to review first; telling
        # the shopper before a person decided would promise or threaten too much.
        "",
    ),
}
assert set(SPECS) == set(Rule)


def proactive_settings(stored: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The shop's rules completed with the defaults: rule → {enabled, threshold, notice}.
    Every rule is on by default except the price check, whose threshold depends on how
    a shop discounts."""
    rules = stored.get("proactive", {})
    return {
        rule.value: {
            "enabled": rule is not Rule.PRICE_ERROR,
            "threshold": spec.threshold,
            "notice": spec.notice,
        }
        | rules.get(rule.value, {})
        for rule, spec in SPECS.items()
    }
