"""The demo's people as a real team would be after some time: the shop's promotion
criteria, each person at their level since a believable date with the training they took
since, so the growth page (/agents/growth) has someone ready for promotion (王磊, to
中级); and the generated history read by the agents who served it, so their 我的 list
shows no unread badges on chats closed weeks ago."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.growth import do_add_training, do_update_level_settings
from kefu.demo import staff
from kefu.models import Agent, Conversation, ConversationRead, ConversationStatus, Message
from kefu.models.growth import TrainingRecord

# Whole months each demo person has held their level on the day the demo was built.
MONTHS_AT_LEVEL: dict[str, int] = {
    "owner": 40,
    "supervisor": 26,
    "agent": 2,  # 陈静 joined recently: onboarding only
    "wanglei": 8,  # 王磊: time, volume and training for 中级
    "liufang": 14,
    "zhaoqiang": 5,
    "sunli": 20,
    "wuhao": 15,
}
# (person key, title, kind, days before the build, hours, exam score)
TRAININGS: tuple[tuple[str, str, str, int, float, int | None], ...] = (
    ("agent", "新员工入职培训：平台规则与服务礼仪", "onboarding", 50, 8, None),
    ("wanglei", "新员工入职培训：平台规则与服务礼仪", "onboarding", 230, 8, None),
    ("wanglei", "售前话术进阶：尺码推荐与搭配", "advanced", 120, 6, None),
    ("wanglei", "导师带教：孙丽 · 大促接待", "mentoring", 70, 4, None),
    ("wanglei", "中级客服认证考核", "exam", 20, 2, 92),
    ("liufang", "售后退换货流程与运费险", "advanced", 150, 6, None),
    ("liufang", "投诉安抚与升级处理", "advanced", 60, 8, None),
    ("zhaoqiang", "售后退换货流程与运费险", "advanced", 90, 6, None),
    ("sunli", "带教技巧：如何辅导新人", "mentoring", 100, 4, None),
)


# 小鹿优选's own bar for 中级, for a small shop whose evenings and weekends stretch first
# responses: time, volume and training as the defaults ask, KPIs a team there can reach.
# 高级 keeps the defaults.
INTERMEDIATE_CRITERIA: dict[str, Any] = {
    "min_months": 6,
    "min_conversations": 100,
    "min_training_hours": 16,
    "kpis": {"fast_response_rate": 0.65, "csat": 0.7, "fcr_rate": 0.8, "qa_score": 90},
}


async def seed_growth(
    session: AsyncSession, actor: Actor, agent_ids: dict[str, int], anchor: date
) -> None:
    """The shop's promotion criteria, its people's levels and their training."""
    await do_update_level_settings(session, actor, intermediate=INTERMEDIATE_CRITERIA)
    await back_date_levels(session, actor, agent_ids, anchor)
    await seed_trainings(session, actor, agent_ids, anchor)


def _months_before(day: date, months: int) -> datetime:
    """Local-noon UTC of ``day`` minus whole calendar months (the 28th at most, so every
    month has that day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    back = date(year, month + 1, min(day.day, 28))
    return datetime.combine(back, time(4), UTC)  # 12:00 in Shanghai


async def back_date_levels(
    session: AsyncSession, actor: Actor, agent_ids: dict[str, int], anchor: date
) -> None:
    """Each demo person at their level since ``MONTHS_AT_LEVEL`` before ``anchor`` (a
    refresh resets a level changed in the demo, as it resets the rest of the person)."""
    people = (staff.OWNER, staff.SUPERVISOR, *staff.AGENTS)
    for person in people:
        await session.execute(
            update(Agent)
            .where(Agent.shop_id == actor.shop_id, Agent.id == agent_ids[person.key])
            .values(
                level=person.level,
                level_since=_months_before(anchor, MONTHS_AT_LEVEL[person.key]),
            )
        )


async def seed_trainings(
    session: AsyncSession, actor: Actor, agent_ids: dict[str, int], anchor: date
) -> None:
    """The training records, once (a refresh keeps what is there)."""
    if await session.scalar(
        select(TrainingRecord.id).where(TrainingRecord.shop_id == actor.shop_id).limit(1)
    ):
        return
    for key, title, kind, days, hours, score in TRAININGS:
        fields: dict[str, Any] = {
            "title": title,
            "kind": kind,
            "held_on": anchor - timedelta(days=days),
            "hours": hours,
        }
        if score is not None:
            fields["score"] = score
        await do_add_training(session, actor, agent_ids[key], **fields)


async def mark_history_read(session: AsyncSession, shop_id: int) -> None:
    """Closed conversations read up to their last message by the agent holding them, and
    the shopper's messages marked 已读; conversations already read are left alone."""
    last = (
        select(func.max(Message.id))
        .where(Message.conversation_id == Conversation.id)
        .scalar_subquery()
    )
    already = (
        select(ConversationRead.conversation_id)
        .where(
            ConversationRead.conversation_id == Conversation.id,
            ConversationRead.agent_id == Conversation.assigned_agent_id,
        )
        .exists()
    )
    closed = [
        Conversation.shop_id == shop_id,
        Conversation.status == ConversationStatus.CLOSED,
        Conversation.assigned_agent_id.is_not(None),
    ]
    unread = select(
        Conversation.shop_id,
        Conversation.id,
        Conversation.assigned_agent_id,
        last,
        func.coalesce(Conversation.closed_at, Conversation.updated_at),
    ).where(*closed, ~already, last.is_not(None))
    await session.execute(
        insert(ConversationRead).from_select(
            ["shop_id", "conversation_id", "agent_id", "last_read_message_id", "read_at"],
            unread,
        )
    )
    await session.execute(
        update(Conversation)
        .where(*closed, Conversation.agent_read_message_id.is_(None))
        .values(agent_read_message_id=last)
        .execution_options(synchronize_session=False)
    )
