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

from kefu.errors import Invalid
from kefu.lib.cases import CaseType
from kefu.lib.phrases import unknown_variables

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


def checked_rules(value: Any) -> dict[str, dict[str, Any]]:
    """A change of the rules (rule → any of enabled, threshold, notice), checked: a clear
    422 names the field that is wrong."""
    if not isinstance(value, dict):
        raise Invalid("proactive must be an object of rule → settings", field="proactive")
    cleaned: dict[str, dict[str, Any]] = {}
    for name, change in value.items():
        field = f"proactive.{name}"
        if name not in Rule.__members__.values():
            known = ", ".join(rule.value for rule in Rule)
            raise Invalid(f"unknown proactive rule {name!r} (known: {known})", field=field)
        if not isinstance(change, dict):
            raise Invalid("a rule's settings must be an object", field=field)
        unknown = set(change) - {"enabled", "threshold", "notice"}
        if unknown:
            raise Invalid(f"unknown setting {sorted(unknown)[0]!r}", field=field)
        cleaned[name] = _rule(SPECS[Rule(name)], change, field)
    return cleaned


def _rule(spec: RuleSpec, change: dict[str, Any], field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "enabled" in change:
        if not isinstance(change["enabled"], bool):
            raise Invalid("enabled must be true or false", field=f"{field}.enabled")
        out["enabled"] = change["enabled"]
    if "threshold" in change:
        value = change["threshold"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(
                f"threshold must be a whole number ({spec.unit})", field=f"{field}.threshold"
            )
        if not spec.low <= value <= spec.high:
            raise Invalid(
                f"threshold must be {spec.low} to {spec.high} ({spec.unit})",
                field=f"{field}.threshold",
            )
        out["threshold"] = value
    if "notice" in change:
        notice = change["notice"]
        if not isinstance(notice, str) or len(notice) > MAX_NOTICE:
            raise Invalid(
                f"notice must be text of at most {MAX_NOTICE} characters", field=f"{field}.notice"
            )
        unknown = unknown_variables(notice)
        if unknown:
            raise Invalid(
                f"unknown variable {{{unknown[0]}}} in the notice", field=f"{field}.notice"
            )
        out["notice"] = notice.strip()
    return out
