"""RFM segments and a shop's score thresholds: what the groups are called and what to do
with each, without the computation (``kefu.crm.rfm``), so that settings, pages and campaigns
can name them without loading polars into every server process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HIGH_SCORE = 3  # a score of 3, 4 or 5 counts as high when choosing the segment


@dataclass(frozen=True, slots=True)
class Segment:
    slug: str  # what the ``segment`` column holds
    name_zh: str
    textbook: str  # the classic eight-group RFM name (重要价值客户 …)
    strategy: str
    strategy_zh: str


# Keyed by (R high, F high, M high).
SEGMENTS: dict[tuple[bool, bool, bool], Segment] = {
    (True, True, True): Segment(
        "core",
        "核心客户",
        "重要价值客户",
        "exclusive perks and personal care (birthday card, VIP)",
        "专属权益+情感关怀：VIP 服务、生日手写贺卡与专属折扣、新品优先体验",
    ),
    (True, False, True): Segment(
        "potential",
        "潜力客户",
        "重要发展客户",
        "content and needs discovery to win repeat orders",
        "深度内容+需求挖掘：推送所购商品的使用攻略与搭配，建立专业信任，促成复购",
    ),
    (False, True, True): Segment(
        "sleeping",
        "沉睡客户",
        "重要保持客户",
        "personalised recall based on past purchases",
        "个性化召回+场景唤醒：结合历史购买推送相关商品，由熟悉的客服发专属问候",
    ),
    (False, False, True): Segment(
        "at_risk",
        "重要挽留客户",
        "重要挽留客户",
        "a personal win-back offer before they are lost",
        "流失前的专属挽回：询问不满之处（价格、商品、服务），改进并给一张有分量的券",
    ),
    (True, True, False): Segment(
        "loyal",
        "忠诚客户",
        "一般价值客户",
        "bundles and upgrades to raise the basket",
        "提升客单价：组合套餐、升级款、满额包邮与会员积分",
    ),
    (True, False, False): Segment(
        "new",
        "新客户",
        "一般发展客户",
        "welcome, usage tips and a second-order incentive",
        "欢迎与上手：收货后发使用小贴士、二次购买优惠、邀请关注店铺",
    ),
    (False, True, False): Segment(
        "fading",
        "待唤醒客户",
        "一般保持客户",
        "a light reminder with a small coupon",
        "轻量提醒：补货提醒加一张小额券，控制成本",
    ),
    (False, False, False): Segment(
        "lost",
        "流失客户",
        "一般挽留客户",
        "low-cost mass campaigns only, or none",
        "只做低成本的大促群发，或不打扰；严格遵守频次上限",
    ),
}


BY_SLUG: dict[str, Segment] = {s.slug: s for s in SEGMENTS.values()}


def segment_of(r: int, f: int, m: int) -> Segment:
    """The segment for three scores: each is high when it is ``HIGH_SCORE`` or more."""
    return SEGMENTS[(r >= HIGH_SCORE, f >= HIGH_SCORE, m >= HIGH_SCORE)]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A shop's own cut points instead of quintiles, per measure (None: quintiles).

    Four values each, where scores 2, 3, 4 and 5 begin: recency in days, largest first
    (a customer whose last order is at most that many days ago reaches the score);
    frequency in orders and monetary in cents, smallest first (at least that much)."""

    recency_days: Sequence[int] | None = None
    frequency: Sequence[int] | None = None
    monetary_cents: Sequence[int] | None = None
