"""The token bucket behind the widget's rate limits."""

from __future__ import annotations

from kefu.lib.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_request_per_refill():
    clock = Clock()
    limiter = RateLimiter(60, burst=3, clock=clock)
    assert [limiter.retry_after("visitor-a") for _ in range(3)] == [None, None, None]
    assert limiter.retry_after("visitor-a") == 1.0
    assert limiter.retry_after("visitor-b") is None  # keys do not share a bucket
    clock.now = 1.0
    assert limiter.retry_after("visitor-a") is None


def test_many_keys_do_not_grow_memory_without_bound():
    clock = Clock()
    limiter = RateLimiter(60, max_keys=10, clock=clock)
    for n in range(25):
        clock.now += 60
        limiter.retry_after(f"ip-{n}")
    assert len(limiter) <= 10
