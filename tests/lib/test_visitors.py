"""Returning visitors and proactive invitation rules (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kefu.lib.visitors import InvitationRule, VisitorState, invitation_for, is_returning

SHANGHAI = ZoneInfo("Asia/Shanghai")
LINGER = InvitationRule("亲，这款有什么想了解的吗？", product_page_seconds=30)
BIG_CART = InvitationRule("满299包邮，需要帮您凑单吗？", cart_above_cents=29900)
REGULAR = InvitationRule("欢迎回来！老顾客专享客服在线", returning_only=True)


def _state(**changes) -> VisitorState:
    base = {"on_product_page": True, "seconds_on_page": 0, "cart_value_cents": None}
    return VisitorState(**{**base, "returning": False, **changes})


def test_a_second_visit_the_same_shop_day_is_not_returning():
    # 23:00 and 01:00 UTC are 07:00 and 09:00 the same day in Shanghai.
    first = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert not is_returning(first, datetime(2026, 11, 25, 1, 0, tzinfo=UTC), SHANGHAI)
    assert is_returning(first, datetime(2026, 11, 25, 17, 0, tzinfo=UTC), SHANGHAI)


def test_lingering_on_a_product_page_invites_only_after_the_set_seconds():
    assert invitation_for([LINGER], _state(seconds_on_page=29)) is None
    assert invitation_for([LINGER], _state(seconds_on_page=30)) == LINGER.message
    assert invitation_for([LINGER], _state(on_product_page=False, seconds_on_page=90)) is None


def test_a_cart_must_be_worth_more_than_the_amount():
    assert invitation_for([BIG_CART], _state(cart_value_cents=29900)) is None
    assert invitation_for([BIG_CART], _state(cart_value_cents=29901)) == BIG_CART.message
    assert invitation_for([BIG_CART], _state()) is None


def test_the_first_rule_met_wins_and_every_condition_of_a_rule_must_hold():
    both = InvitationRule("老顾客购物车满减", cart_above_cents=10000, returning_only=True)
    rich_newcomer = _state(cart_value_cents=50000)
    assert invitation_for([both, BIG_CART], rich_newcomer) == BIG_CART.message
    assert invitation_for([both, REGULAR], _state(returning=True, cart_value_cents=50000)) == (
        both.message
    )


def test_a_rule_without_conditions_never_invites():
    assert invitation_for([InvitationRule("随便聊聊")], _state(returning=True)) is None
