"""Rate limits on the widget's routes and socket: per visitor and per IP address."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import Request

from kefu.errors import TooManyRequests
from kefu.lib.ratelimit import RateLimiter
from kefu.settings import Settings
from kefu.web.deps import VISITOR_TOKEN_HEADER


@dataclass(slots=True)
class WidgetLimits:
    per_visitor: RateLimiter
    per_ip: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> WidgetLimits:
        return cls(
            RateLimiter(settings.widget_visitor_per_minute),
            RateLimiter(settings.widget_ip_per_minute),
        )

    def check(self, ip: str | None, visitor: str | None) -> None:
        """Refuse with 429 when the IP or the visitor has sent too much lately."""
        for limiter, key in ((self.per_ip, ip), (self.per_visitor, visitor)):
            wait = limiter.retry_after(key) if key else None
            if wait is not None:
                raise TooManyRequests(
                    f"too many requests; please wait {math.ceil(wait)} s and try again"
                )


async def limit_widget(request: Request) -> None:
    """Count a widget request against its IP and (by its token) its visitor."""
    limits: WidgetLimits = request.app.state.widget_limits
    limits.check(
        request.client.host if request.client else None,
        request.headers.get(VISITOR_TOKEN_HEADER),
    )
