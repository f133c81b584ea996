"""A/B statistics of campaign and script variants: the sticky split, the two-proportion
z-test and the 95 % confidence interval of the difference in rates (pure arithmetic, no
dependency)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def sticky_index(key: str, count: int) -> int:
    """A variant index for ``key``: uniform over keys, always the same for one key."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True, slots=True)
class Comparison:
    """Variant B against variant A: ``difference`` = rate B − rate A."""

    difference: float
    z: float | None  # None when neither or both variants always convert (no variance)
    p_value: float | None  # two-sided
    ci_low: float
    ci_high: float


def compare_rates(
    converted_a: int, sent_a: int, converted_b: int, sent_b: int
) -> Comparison | None:
    """Pooled two-proportion z-test (two-sided) and the unpooled (Wald) 95 % interval of
    the difference, the textbook pair; None when a variant reached nobody."""
    if sent_a == 0 or sent_b == 0:
        return None
    rate_a, rate_b = converted_a / sent_a, converted_b / sent_b
    difference = rate_b - rate_a
    pooled = (converted_a + converted_b) / (sent_a + sent_b)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / sent_a + 1 / sent_b))
    z = difference / pooled_se if pooled_se > 0 else None
    p_value = math.erfc(abs(z) / math.sqrt(2)) if z is not None else None
    se = math.sqrt(rate_a * (1 - rate_a) / sent_a + rate_b * (1 - rate_b) / sent_b)
    return Comparison(difference, z, p_value, difference - Z_95 * se, difference + Z_95 * se)
