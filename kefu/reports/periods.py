"""Report periods: whole days in the shop's time zone, turned into the whole UTC hours
that rollups are kept in, and the period just before for period-over-period figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.errors import Invalid
from kefu.models.shops import Shop
from kefu.reports.totals import Scope

MAX_DAYS = 400
DEFAULT_DAYS = 30
SHOP_ZONE = "Asia/Shanghai"


def shop_zone(name: str | None) -> ZoneInfo:
    """The shop's time zone; an unknown name falls back to China's."""
    try:
        return ZoneInfo(name or SHOP_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(SHOP_ZONE)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which agents, teams, channels, stages (售前/售中/售后/投诉), intents and customer
    segments a report counts (empty: all)."""

    agent_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    def scope(self, shop_id: int, start: datetime, end: datetime) -> Scope:
        """The facts of the shop from ``start`` to ``end`` these filters let through."""
        return Scope(shop_id, start, end, **asdict(self))


@dataclass(frozen=True, slots=True)
class Period:
    """From ``first_day`` to ``last_day``, both included, in ``zone``."""

    first_day: date
    last_day: date
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(SHOP_ZONE))

    @classmethod
    def ending_today(cls, zone: ZoneInfo, days: int = DEFAULT_DAYS) -> Period:
        """The last ``days`` days up to and including today in the shop's zone."""
        today = datetime.now(zone).date()
        return cls(today - timedelta(days=days - 1), today, zone)

    @classmethod
    def checked(cls, first_day: date, last_day: date, zone: ZoneInfo) -> Period:
        """A period a person asked for: refused when it is backwards or too long."""
        if last_day < first_day:
            raise Invalid("the period ends before it starts", field="end")
        if (last_day - first_day).days + 1 > MAX_DAYS:
            raise Invalid(f"a report covers at most {MAX_DAYS} days", field="start")
        return cls(first_day, last_day, zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC."""
        return datetime.combine(self.first_day, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day, in UTC (excluded)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), self.zone).astimezone(
            UTC
        )

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        length = timedelta(days=self.days)
        return Period(self.first_day - length, self.last_day - length, self.zone)

    def scope(self, shop_id: int, filters: Filters = Filters()) -> Scope:
        return filters.scope(shop_id, self.start, self.end)

    def local_day(self, moment: datetime) -> date:
        """The shop-local day a UTC moment (e.g. a rollup's hour) falls on."""
        return moment.astimezone(self.zone).date()


async def shop_period(
    session: AsyncSession, shop_id: int, first_day: date | None, last_day: date | None
) -> Period:
    """The period a person asked for in their shop's zone; without days, the last 30
    days; with only one of them, 30 days from or up to it."""
    zone = shop_zone(await session.scalar(select(Shop.timezone).where(Shop.id == shop_id)))
    if first_day is None and last_day is None:
        return Period.ending_today(zone)
    if first_day is None:
        first_day = last_day - timedelta(days=DEFAULT_DAYS - 1)  # type: ignore[operator]
    if last_day is None:
        last_day = first_day + timedelta(days=DEFAULT_DAYS - 1)
    return Period.checked(first_day, last_day, zone)
