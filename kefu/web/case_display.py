"""How a case's SLA reads on the case pages: "还剩 35 分钟", "超时 +1 小时 20 分".

The countdown runs to the case's next due time (its first response while nobody has
answered the shopper, then its resolution); a paused clock (waiting on the shopper) shows
the time that will be left when it runs again. Finished cases have no countdown."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kefu.lib.cases import FINISHED
from kefu.models import Case
from kefu.models.base import utcnow
from kefu.web.i18n import N_, gettext

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Countdown:
    target: str  # "first_response" or "resolve"
    due_at: datetime
    minutes: int  # left (or overdue, when ``overdue``), whole minutes
    overdue: bool
    paused: bool

    @property
    def tone(self) -> str:
        """The badge colour: red overdue, amber within the last hour, grey paused."""
        if self.overdue:
            return "red"
        if self.paused:
            return "gray"
        return "amber" if self.minutes <= 60 else "green"


def countdown(case: Case, now: datetime | None = None) -> Countdown | None:
    """Where the case's next due time stands (None: finished, or no clock)."""
    if case.status in FINISHED:
        return None
    target, due = "resolve", case.resolve_due_at
    if case.first_responded_at is None and case.first_response_due_at is not None:
        target, due = "first_response", case.first_response_due_at
    if due is None:
        return None
    paused = case.sla_paused_at is not None
    seconds = (due - (case.sla_paused_at or now or utcnow())).total_seconds()
    if seconds > 0:
        return Countdown(target, due, math.ceil(seconds / 60), False, paused)
    return Countdown(target, due, math.floor(-seconds / 60), True, paused)


def duration_text(minutes: int) -> str:
    """``35 分钟``, ``1 小时 20 分``, ``2 天 3 小时`` (in the current UI language)."""
    if minutes < 60:
        return gettext(N_("%(m)s min")) % {"m": minutes}
    if minutes < MINUTES_PER_DAY:
        hours, rest = divmod(minutes, 60)
        return gettext(N_("%(h)s h %(m)s min")) % {"h": hours, "m": rest}
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    return gettext(N_("%(d)s d %(h)s h")) % {"d": days, "h": rest // 60}


def countdown_text(clock: Countdown | None) -> str:
    """The countdown as a short phrase; an empty string when there is none."""
    if clock is None:
        return ""
    time = duration_text(clock.minutes)
    if clock.overdue:
        return gettext(N_("overdue +%(time)s")) % {"time": time}
    if clock.paused:
        return gettext(N_("paused, %(time)s left")) % {"time": time}
    return gettext(N_("%(time)s left")) % {"time": time}
