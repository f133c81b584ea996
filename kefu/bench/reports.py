"""``kefu bench reports``: the 30-day overview of a shop with 1,000,000 conversations
(about 10,000,000 messages). Target: under 1 s on SQLite and on PostgreSQL.

The shop is ``kefu demo`` (with its own two months of service) plus ``kefu demo --scale
N``, built once and reused: a SQLite file under the user's cache directory per N, or the
database ``--database-url`` names (reused when its demo shop holds at least N
conversations, else the demo is built or refreshed there and N conversations added).
Timed, median of ``REPEATS`` runs:

- ours: what the overview reads (``kefu.reports.overview``): every KPI of the last 30
  shop-local days next to the 30 days before (``read_overview``: totals by kind over the
  hourly rollups, then ``compute_kpis``) and the agent leaderboard (``read_agent_board``).
- baseline, in the same run: the figures both share by a naive GROUP BY over the raw
  rows: conversations opened, first responses (each conversation's first agent message
  minus its first shopper message the FAQ bot had not answered, grouped over the shop's
  messages), their 3-minute rate, ratings and CSAT, resolved conversations (closed after
  a person answered), per-agent resolved and ratings.

Both must give the same figures (the bench stops otherwise). ``ratio`` = baseline
time / our time: how many times faster the overview is than the naive query."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.bench import BenchResult, note
from kefu.db import is_sqlite, make_engine, make_sessionmaker
from kefu.demo import staff
from kefu.errors import Invalid
from kefu.models import Conversation, Message, SenderKind, Shop
from kefu.models.conversations import ConversationStatus
from kefu.reports.overview import read_agent_board, read_overview
from kefu.reports.periods import Period, shop_zone

DEFAULT_CONVERSATIONS = 1_000_000
QUICK_CONVERSATIONS = 2_000
REPEATS = 7
BASELINE_REPEATS = 3
FAST_SECONDS = 180
Figures = dict[str, Any]


def cache_dir(conversations: int) -> Path:
    """Where the SQLite shop of ``conversations`` conversations is kept between runs."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "kefu" / "bench-reports" / str(conversations)


async def _shop(url: str) -> tuple[int | None, int]:
    """The demo shop's id (None without one) and how many conversations it holds."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            shop_id = await session.scalar(select(Shop.id).where(Shop.slug == staff.SLUG))
            if shop_id is None:
                return None, 0
            held = await session.scalar(select(func.count()).where(Conversation.shop_id == shop_id))
            return shop_id, held or 0
    finally:
        await engine.dispose()


def _build(url: str, data_dir: Path, conversations: int) -> float:
    """Migrate, build the demo shop and scale it; returns the seconds it took."""
    from kefu.demo.build import refresh_demo
    from kefu.demo.scale_store import scale_demo
    from kefu.schema import upgrade
    from kefu.settings import Settings

    started = time.perf_counter()
    upgrade(url)
    settings = Settings(database_url=url, data_dir=data_dir, demo_mode=True)
    asyncio.run(refresh_demo(settings))
    scaled = asyncio.run(scale_demo(url, conversations))
    note(f"  built in {time.perf_counter() - started:.1f} s ({scaled.rows})")
    return time.perf_counter() - started


def prepare(conversations: int, database_url: str | None) -> tuple[str, float | None]:
    """The database URL of a shop with ``conversations`` conversations, building it
    when needed; and the build's seconds (None when reused)."""
    if database_url is None:
        directory = cache_dir(conversations)
        url = f"sqlite+aiosqlite:///{directory / 'kefu.db'}"
        if (directory / "complete").exists():
            note(f"reusing the shop of {conversations:,} conversations in {directory}")
            from kefu.schema import upgrade

            upgrade(url)  # a shop cached by an older version
            return url, None
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        note(f"building a shop of {conversations:,} conversations in {directory} …")
        seconds = _build(url, directory, conversations)
        (directory / "complete").write_text(f"{conversations}\n")
        return url, seconds
    from kefu.schema import upgrade

    upgrade(database_url)
    _shop_id, held = asyncio.run(_shop(database_url))
    if held >= conversations:
        note(f"reusing the demo shop of {held:,} conversations in the given database")
        return database_url, None
    note(f"building a shop of {conversations:,} more conversations in the given database …")
    return database_url, _build(database_url, cache_dir(conversations), conversations)


async def ours(session: AsyncSession, shop_id: int, period: Period) -> Figures:
    """The overview page's reads: every KPI of the period next to the period before
    (``read_overview``) and the agent leaderboard (``read_agent_board``)."""
    actor = Actor.system(shop_id, "kefu bench reports")
    overview = await read_overview(session, actor, period)
    board = await read_agent_board(session, actor, period)
    kpis = {figure.code: figure for figure in overview.kpis}
    per_agent = {
        row.agent_id: (
            int(row.kpis["fcr_rate"].denominator),
            int(row.kpis["average_rating"].denominator),
            int(row.kpis["average_rating"].numerator),
        )
        for row in board
        if row.kpis["fcr_rate"].denominator
    }
    return {
        "conversations": int(kpis["conversations"].numerator),
        "first_responses": int(kpis["first_response_seconds"].denominator),
        "first_response_seconds_total": int(kpis["first_response_seconds"].numerator),
        "fast_first_responses": int(kpis["fast_response_rate"].numerator),
        "ratings": int(kpis["average_rating"].denominator),
        "rating_stars_total": int(kpis["average_rating"].numerator),
        "good_ratings": int(kpis["csat"].numerator),
        "resolved": int(kpis["fcr_rate"].denominator),
        "per_agent": dict(sorted(per_agent.items())),
    }


async def naive(session: AsyncSession, shop_id: int, period: Period) -> Figures:
    """The same figures straight from conversations and messages."""
    when = Message.created_at.type
    start, end = literal(period.start, when), literal(period.end, when)
    opened = await session.scalar(
        select(func.count()).where(
            Conversation.shop_id == shop_id,
            Conversation.created_at >= start,
            Conversation.created_at < end,
        )
    )
    # The shopper waits from their first message the FAQ bot has not answered: after the
    # bot's last answer (the bot never answers once a person has).
    bot = (
        select(Message.conversation_id, func.max(Message.created_at).label("answered"))
        .where(Message.shop_id == shop_id, Message.sender_kind == SenderKind.BOT)
        .group_by(Message.conversation_id)
        .subquery()
    )
    after_bot = or_(bot.c.answered.is_(None), Message.created_at > bot.c.answered)
    visitor = and_(Message.sender_kind == SenderKind.VISITOR, after_bot)
    firsts = (
        select(
            func.min(case((visitor, Message.created_at))).label("asked"),
            func.min(case((Message.sender_kind == SenderKind.AGENT, Message.created_at))).label(
                "answered"
            ),
        )
        .select_from(Message)
        .outerjoin(bot, bot.c.conversation_id == Message.conversation_id)
        .where(Message.shop_id == shop_id, Message.created_at < end)
        .group_by(Message.conversation_id)
        .subquery()
    )
    if is_sqlite(str(session.get_bind().url)):
        waited = cast(func.strftime("%s", firsts.c.answered), Integer) - cast(
            func.strftime("%s", firsts.c.asked), Integer
        )
    else:
        waited = cast(func.extract("epoch", firsts.c.answered - firsts.c.asked), BigInteger)
    responses = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(waited), 0),
                func.coalesce(func.sum(case((waited <= FAST_SECONDS, 1), else_=0)), 0),
            ).where(firsts.c.answered >= start, firsts.c.answered < end)
        )
    ).one()
    closed = (
        Conversation.shop_id == shop_id,
        Conversation.status == ConversationStatus.CLOSED,
        Conversation.assigned_agent_id.is_not(None),
        Conversation.first_response_at.is_not(None),  # a person answered: not the bot alone
        Conversation.closed_at >= start,
        Conversation.closed_at < end,
    )
    rows = await session.execute(
        select(
            Conversation.assigned_agent_id,
            func.count(),
            func.count(Conversation.rating),
            func.coalesce(func.sum(Conversation.rating), 0),
            func.coalesce(func.sum(case((Conversation.rating >= 4, 1), else_=0)), 0),
        )
        .where(*closed)
        .group_by(Conversation.assigned_agent_id)
    )
    per_agent, good = {}, 0
    for agent_id, resolved, rated, stars, liked in rows.all():
        per_agent[agent_id] = (int(resolved), int(rated), int(stars))
        good += int(liked)
    return {
        "conversations": opened or 0,
        "first_responses": int(responses[0]),
        "first_response_seconds_total": int(responses[1]),
        "fast_first_responses": int(responses[2]),
        "ratings": sum(row[1] for row in per_agent.values()),
        "rating_stars_total": sum(row[2] for row in per_agent.values()),
        "good_ratings": good,
        "resolved": sum(row[0] for row in per_agent.values()),
        "per_agent": dict(sorted(per_agent.items())),
    }


async def _timed(
    url: str, shop_id: int, period: Period, work: Callable[..., Awaitable[Figures]], runs: int
) -> tuple[float, Figures]:
    """Median milliseconds of ``runs`` runs (each in a new session), and the figures."""
    engine = make_engine(url)
    times, figures = [], {}
    try:
        for attempt in range(1, runs + 1):
            async with make_sessionmaker(engine)() as session:
                started = time.perf_counter()
                figures = await work(session, shop_id, period)
                times.append((time.perf_counter() - started) * 1000)
            note(f"  {work.__name__} run {attempt}: {times[-1]:.1f} ms")
    finally:
        await engine.dispose()
    return statistics.median(times), figures


def disagreement(product: Figures, baseline: Figures) -> str | None:
    """What the overview and the naive query count differently (None: nothing)."""
    wrong = [key for key in product if product[key] != baseline.get(key)]
    if not wrong:
        return None
    return "; ".join(f"{key}: overview {product[key]} ≠ raw {baseline.get(key)}" for key in wrong)


def run(
    quick: bool, conversations: int | None = None, database_url: str | None = None
) -> BenchResult:
    count = conversations or (QUICK_CONVERSATIONS if quick else DEFAULT_CONVERSATIONS)
    if count < 1:
        raise Invalid("--conversations takes at least 1", field="conversations")
    url, build_seconds = prepare(count, database_url)
    shop_id, held = asyncio.run(_shop(url))
    assert shop_id is not None
    period = Period.ending_today(shop_zone(staff.SHOP_PROFILE["timezone"]))
    note(
        f"the 30-day overview ({period.first_day} – {period.last_day}) over {held:,} conversations"
    )
    ours_ms, product = asyncio.run(_timed(url, shop_id, period, ours, 1 if quick else REPEATS))
    note("baseline: naive GROUP BY over raw messages and conversations …")
    runs = 1 if quick else BASELINE_REPEATS
    naive_ms, baseline = asyncio.run(_timed(url, shop_id, period, naive, runs))
    problem = disagreement(product, baseline)
    if problem:
        raise AssertionError(f"the overview and the raw rows disagree: {problem}")
    agreed = (product["conversations"], product["first_responses"], product["ratings"])
    note("  figures agree: {:,} conversations, {:,} first responses, {:,} ratings".format(*agreed))
    return BenchResult(
        bench="reports",
        metric="overview_ms",
        value=round(ours_ms, 1),
        unit="ms",
        baseline="naive GROUP BY over raw messages and conversations for the same 30 days "
        "(median of runs); baseline_value in ms; ratio = baseline_ms / overview_ms "
        "(higher is better)",
        baseline_value=round(naive_ms, 1),
        ratio=round(naive_ms / ours_ms, 1),
        extra={
            "conversations": held,
            "database": "sqlite" if is_sqlite(url) else "postgresql",
            "period_conversations": product["conversations"],
            "period_first_responses": product["first_responses"],
            "build_seconds": None if build_seconds is None else round(build_seconds, 1),
        },
    )
