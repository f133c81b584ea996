"""Create or refresh the demo shop through the ordinary actions (the one write path).

Refreshing is idempotent: people and teams that exist are brought back to the demo's
values, shop data is upserted by external id, so a second run changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.agents import do_create_agent, do_update_agent
from kefu.actions.reporting import do_update_reporting_settings
from kefu.actions.setup import do_create_owner
from kefu.actions.shop_data import (
    MAX_BATCH,
    do_upsert_coupons,
    do_upsert_customers,
    do_upsert_orders,
    do_upsert_products,
    do_upsert_shipments,
)
from kefu.actions.shops import do_add_holiday, do_set_business_hours, do_update_shop_profile
from kefu.actions.teams import do_create_team, do_update_team
from kefu.actions.widget import do_update_widget_settings
from kefu.db import make_engine, make_sessionmaker, session_scope
from kefu.demo import staff
from kefu.demo.crm import seed_crm
from kefu.demo.faq import seed_faq
from kefu.demo.growth import mark_history_read, seed_growth
from kefu.demo.phrases import seed_phrase_test, seed_phrases
from kefu.demo.quality import seed_quality
from kefu.demo.records import SHANGHAI, generate
from kefu.demo.service import seed_service
from kefu.models import (
    Agent,
    Campaign,
    Conversation,
    Coupon,
    Customer,
    FaqEntry,
    Order,
    Product,
    QuickPhrase,
    Shipment,
    Team,
    TrackingEvent,
    User,
)
from kefu.queries.people import list_teams
from kefu.queries.shops import get_shop, list_holidays
from kefu.reports.rollup import fold_all
from kefu.settings import Settings

Upsert = Callable[[AsyncSession, Actor, Sequence[Mapping[str, Any]]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo shop holds after a build, as printed by ``kefu demo``."""

    shop_id: int
    counts: dict[str, int]


async def _shop_profile(session: AsyncSession, actor: Actor, anchor: date) -> None:
    await do_update_shop_profile(session, actor, **staff.SHOP_PROFILE)
    await do_set_business_hours(session, actor, staff.BUSINESS_HOURS)
    await do_update_widget_settings(session, actor, **staff.WIDGET_SETTINGS)
    await do_update_reporting_settings(session, actor, **staff.REPORTING_SETTINGS)
    existing = {h.day for h in await list_holidays(session, actor)}
    for holiday in staff.holidays(anchor.year) + staff.holidays(anchor.year + 1):
        if holiday["day"] not in existing:
            await do_add_holiday(session, actor, **holiday)


async def _agent_ids_by_email(session: AsyncSession, shop_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(User.email, Agent.id)
        .join(Agent, Agent.user_id == User.id)
        .where(Agent.shop_id == shop_id)
    )
    return {email: agent_id for email, agent_id in rows}


async def _people(session: AsyncSession, actor: Actor) -> dict[str, int]:
    """Create missing demo agents and reset existing ones (their level and since when:
    ``seed_growth``); returns agent ids by key."""
    existing = await _agent_ids_by_email(session, actor.shop_id)
    ids: dict[str, int] = {staff.OWNER.key: existing[staff.OWNER.email]}
    for person in (staff.SUPERVISOR, *staff.AGENTS):
        values: dict[str, Any] = {
            "role": person.role,
            "skills": person.skills,
            "max_concurrent_chats": person.max_concurrent_chats,
            "can_view_contact": person.can_view_contact,
        }
        if person.email in existing:
            agent = await do_update_agent(
                session, actor, existing[person.email], display_name=person.name, **values
            )
        else:
            agent = await do_create_agent(
                session,
                actor,
                email=person.email,
                name=person.name,
                password=staff.DEMO_PASSWORD,
                must_change_password=False,
                level=person.level,
                **values,
            )
        ids[person.key] = agent.id
    return ids


async def _teams(session: AsyncSession, actor: Actor, agent_ids: dict[str, int]) -> None:
    existing = {team.name: team.id for team in await list_teams(session, actor)}
    for name, skill, members in staff.TEAMS:
        member_ids = [agent_ids[key] for key in members]
        if name in existing:
            await do_update_team(session, actor, existing[name], skill=skill, agent_ids=member_ids)
        else:
            await do_create_team(session, actor, name=name, skill=skill, agent_ids=member_ids)


async def _upsert_in_batches(
    session: AsyncSession, actor: Actor, upsert: Upsert, records: Sequence[Mapping[str, Any]]
) -> None:
    for start in range(0, len(records), MAX_BATCH):
        await upsert(session, actor, records[start : start + MAX_BATCH])


async def _counts(session: AsyncSession, shop_id: int) -> dict[str, int]:
    tables = {
        "products": Product,
        "customers": Customer,
        "orders": Order,
        "conversations": Conversation,
        "shipments": Shipment,
        "tracking_events": TrackingEvent,
        "coupons": Coupon,
        "agents": Agent,
        "teams": Team,
        "quick_phrases": QuickPhrase,
        "campaigns": Campaign,
        "faq_entries": FaqEntry,
    }
    return {
        name: await session.scalar(select(func.count()).where(model.shop_id == shop_id)) or 0
        for name, model in tables.items()
    }


async def build_demo(session: AsyncSession) -> DemoSummary:
    """Create or refresh the demo shop; the caller commits.

    The history is generated up to the day the shop was first created, not today, so a
    refresh weeks later still regenerates exactly the same records and changes nothing
    (a moving date would shift every order and add tracking events on every run)."""
    owner = staff.OWNER
    agent = await do_create_owner(
        session, staff.SLUG, staff.SHOP_NAME, owner.email, owner.name, staff.DEMO_PASSWORD
    )
    actor = Actor.system(agent.shop_id, "kefu demo")
    shop = await get_shop(session, actor)
    anchor = shop.created_at.astimezone(SHANGHAI).date()
    await _shop_profile(session, actor, anchor)
    people = await _people(session, actor)
    await _teams(session, actor, people)
    await seed_growth(session, actor, people, anchor)
    await seed_phrases(session, actor)
    await seed_faq(session, actor)
    records = generate(anchor)
    await _upsert_in_batches(session, actor, do_upsert_products, records.products)
    await _upsert_in_batches(session, actor, do_upsert_customers, records.customers)
    # Before the orders: the orders then convert the inquiries made shortly before them.
    await seed_service(session, agent.shop_id, anchor, records.orders)
    await seed_quality(session, agent.shop_id)
    await mark_history_read(session, agent.shop_id)
    await _upsert_in_batches(session, actor, do_upsert_orders, records.orders)
    await _upsert_in_batches(session, actor, do_upsert_shipments, records.shipments)
    await _upsert_in_batches(session, actor, do_upsert_coupons, records.coupons)
    await seed_crm(session, actor, anchor)
    await seed_phrase_test(session, actor)
    return DemoSummary(agent.shop_id, await _counts(session, agent.shop_id))


async def refresh_demo(settings: Settings) -> DemoSummary:
    """Build the demo in the configured database and commit it (``kefu demo``)."""
    engine = make_engine(settings.effective_database_url)
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            summary = await build_demo(session)
            await session.commit()
            await fold_all(session)  # what the worker would do: dashboards read rollups
    finally:
        await engine.dispose()
    return summary


def summary_text(summary: DemoSummary, url: str) -> str:
    """What ``kefu demo`` prints: the shop, its size, where to open it and who to log in as."""
    counts = summary.counts
    lines = [
        f"演示店铺已就绪 demo shop ready: {staff.SHOP_NAME} (slug {staff.SLUG})",
        "  " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()),
        f"打开 open: {url}",
        "登录 logins (e-mail / password):",
    ]
    lines += [
        f"  {label:<16} {person.email:<28} {staff.DEMO_PASSWORD}" for label, person in staff.LOGINS
    ]
    return "\n".join(lines)
