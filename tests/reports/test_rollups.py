"""The reporting store: facts recorded by actions are counted once, whether a dashboard
reads them before or after the worker folds them into hourly rollups."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from kefu.models.reports import ReportKind
from kefu.reports.facts import record_fact
from kefu.reports.kpis import by_kind, compute_kpis
from kefu.reports.rollup import fold_once
from kefu.reports.totals import Scope, read_totals

MONDAY = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


async def _record_day(sessionmaker, shop_id: int, agents: tuple[int, int]) -> None:
    """Three first responses (40 s, 200 s by the first agent; 100 s by the second) and a
    conversation opened on the web and one by the API, on Monday morning."""
    first, second = agents
    async with sessionmaker() as session:
        for agent, seconds, minute in ((first, 40, 5), (first, 200, 70), (second, 100, 10)):
            record_fact(
                session,
                shop_id,
                ReportKind.FIRST_RESPONSE,
                value=seconds,
                occurred_at=MONDAY + timedelta(minutes=minute),
                agent_id=agent,
                channel="web",
            )
        for channel in ("web", "api"):
            record_fact(
                session,
                shop_id,
                ReportKind.CONVERSATION_OPENED,
                occurred_at=MONDAY,
                channel=channel,
            )
        await session.commit()


def _monday(shop_id: int, **filters) -> Scope:
    return Scope(shop_id, MONDAY, MONDAY + timedelta(days=1), **filters)


async def _by_kind(sessionmaker, scope: Scope) -> dict:
    async with sessionmaker() as session:
        totals = await read_totals(session, scope)
    return {key[0]: (t.count, t.total) for key, t in totals.items()}


async def test_figures_are_the_same_before_and_after_the_fold(sessionmaker, alice, bob):
    await _record_day(sessionmaker, alice.shop_id, (alice.agent_id, bob.agent_id))
    expected = {"first_response": (3, 340), "conversation_opened": (2, 0)}
    assert await _by_kind(sessionmaker, _monday(alice.shop_id)) == expected

    async with sessionmaker() as session:
        assert await fold_once(session) == 5
        await session.commit()
    assert await _by_kind(sessionmaker, _monday(alice.shop_id)) == expected

    async with sessionmaker() as session:
        assert await fold_once(session) == 0, "a folded fact is never folded again"
        await session.commit()
    assert await _by_kind(sessionmaker, _monday(alice.shop_id)) == expected


async def test_a_later_fact_adds_to_its_hour(sessionmaker, alice, bob):
    await _record_day(sessionmaker, alice.shop_id, (alice.agent_id, bob.agent_id))
    async with sessionmaker() as session:
        await fold_once(session)
        await session.commit()
    await _record_day(sessionmaker, alice.shop_id, (alice.agent_id, bob.agent_id))
    async with sessionmaker() as session:
        await fold_once(session)
        await session.commit()
    async with sessionmaker() as session:
        hours = await read_totals(
            session,
            _monday(alice.shop_id),
            kinds=[ReportKind.FIRST_RESPONSE],
            group_by=("hour", "agent_id"),
        )
    assert {key: (t.count, t.total) for key, t in hours.items()} == {
        (MONDAY, alice.agent_id): (2, 80),
        (MONDAY + timedelta(hours=1), alice.agent_id): (2, 400),
        (MONDAY, bob.agent_id): (2, 200),
    }


async def test_filters_and_the_period_bound_what_counts(sessionmaker, alice, bob, mallory):
    await _record_day(sessionmaker, alice.shop_id, (alice.agent_id, bob.agent_id))
    await _record_day(sessionmaker, mallory.shop_id, (mallory.agent_id, mallory.agent_id))
    assert await _by_kind(sessionmaker, _monday(alice.shop_id, agent_ids=[bob.agent_id])) == {
        "first_response": (1, 100)
    }
    assert await _by_kind(sessionmaker, _monday(alice.shop_id, channels=["api"])) == {
        "conversation_opened": (1, 0)
    }
    next_day = Scope(alice.shop_id, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))
    assert await _by_kind(sessionmaker, next_day) == {}


async def test_two_workers_folding_at_once_count_each_fact_once(sessionmaker, alice, bob):
    await _record_day(sessionmaker, alice.shop_id, (alice.agent_id, bob.agent_id))

    async def fold() -> int:
        async with sessionmaker() as session:
            folded = await fold_once(session, batch=2)
            await session.commit()
            return folded

    folded = 0
    while batch := sum(await asyncio.gather(fold(), fold())):
        folded += batch
    assert folded == 5
    assert await _by_kind(sessionmaker, _monday(alice.shop_id)) == {
        "first_response": (3, 340),
        "conversation_opened": (2, 0),
    }


def test_a_period_must_be_whole_hours():
    with pytest.raises(ValueError, match="whole hours"):
        Scope(1, MONDAY + timedelta(minutes=30), MONDAY + timedelta(days=1))


async def test_kpis_are_ratios_of_the_same_totals(sessionmaker, alice, bob):
    await _record_day(sessionmaker, alice.shop_id, (alice.agent_id, bob.agent_id))
    async with sessionmaker() as session:
        totals = by_kind(await read_totals(session, _monday(alice.shop_id)))
    kpis = compute_kpis(totals)
    assert kpis["first_response_seconds"].value == pytest.approx(340 / 3)
    assert kpis["conversations"].value == 2
    assert kpis["csat"].value is None, "no ratings is no CSAT, not a CSAT of 0"
