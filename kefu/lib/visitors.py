"""Pure rules about widget visitors: who counts as returning, whom to invite to chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


def is_returning(first_seen_at: datetime, last_seen_at: datetime, tz: ZoneInfo) -> bool:
    """A visitor is returning when first seen on an earlier day (in the shop's time zone)
    than now: a second page in the same visit does not make anyone a regular."""
    return first_seen_at.astimezone(tz).date() < last_seen_at.astimezone(tz).date()


@dataclass(frozen=True, slots=True)
class InvitationRule:
    """A shop's rule for inviting a visitor to chat: every condition set must hold.

    ``product_page_seconds``: at least this long on a product page; ``cart_above_cents``:
    a cart worth more than this; ``returning_only``: only visitors seen on an earlier day."""

    message: str
    id: str = ""
    product_page_seconds: int | None = None
    cart_above_cents: int | None = None
    returning_only: bool = False


@dataclass(frozen=True, slots=True)
class VisitorState:
    """What the invitation rules look at: the visitor's page, cart and history."""

    on_product_page: bool
    seconds_on_page: int
    cart_value_cents: int | None
    returning: bool


def _rule_holds(rule: InvitationRule, visitor: VisitorState) -> bool:
    if rule.product_page_seconds is not None and not (
        visitor.on_product_page and visitor.seconds_on_page >= rule.product_page_seconds
    ):
        return False
    if (
        rule.cart_above_cents is not None
        and (visitor.cart_value_cents or 0) <= rule.cart_above_cents
    ):
        return False
    return visitor.returning or not rule.returning_only


def matching_rule(rules: Sequence[InvitationRule], visitor: VisitorState) -> InvitationRule | None:
    """The first rule the visitor meets (the shop orders its rules by priority), or None:
    no invitation. A rule with no condition at all never fires, so an empty rule cannot
    pester every visitor."""
    for rule in rules:
        has_condition = (
            rule.product_page_seconds is not None
            or rule.cart_above_cents is not None
            or rule.returning_only
        )
        if has_condition and _rule_holds(rule, visitor):
            return rule
    return None


def invitation_for(rules: Sequence[InvitationRule], visitor: VisitorState) -> str | None:
    """The message of the rule the visitor meets (see ``matching_rule``), or None."""
    rule = matching_rule(rules, visitor)
    return None if rule is None else rule.message
