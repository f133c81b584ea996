"""The demo shop's service history, so its dashboards have figures: two months of
conversations (questions, replies, transfers, ratings, the bot's answers, nights without
service), the agents' online hours and the storefront's visits, then a few complaint cases
worked through the real case actions.

The chat actions stamp the present time, so the history is written as rows instead; its
report facts are recorded by the same helpers the actions call (kefu.reports.chat_facts),
applied to each conversation in the order things happened, so the demo follows the rules of
docs/kpis.md by construction. Seeded: the same anchor day gives the same history. It is
written on the first build only (a refresh finds conversations and adds nothing).
Presale conversations are placed shortly before some of the generated orders, so that the
orders written after them convert those inquiries, as a real shop's would."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.cases import do_comment_case, do_open_case, do_transition_case
from kefu.actions.compensations import do_offer_compensation
from kefu.actions.sla import do_create_sla_policy
from kefu.actions.upsert import external_id_map
from kefu.demo import staff
from kefu.demo.records import SHANGHAI
from kefu.knowledge.bot import RESOLVED
from kefu.models import Agent, Conversation, ConversationStatus, Customer, Message, Skill, Team
from kefu.models.conversations import MessageKind, SenderKind
from kefu.models.reports import ReportKind
from kefu.reports.activity_facts import online_facts
from kefu.reports.chat_facts import (
    bot_facts,
    opened_facts,
    rating_facts,
    reply_facts,
    resolved_facts,
    shopper_wrote,
    transfer_facts,
)
from kefu.reports.facts import record_fact

SEED = 20261202
DAYS = 60
PER_DAY = (5, 10)  # conversations a day besides those before orders
QUESTIONS: dict[Skill, tuple[str, ...]] = {
    Skill.PRESALE: (
        "这件有M码吗？",
        "羽绒服含绒量多少？",
        "今天下单什么时候发货？",
        "有优惠券吗？",
    ),
    Skill.INSALE: ("订单能改地址吗？", "我的订单发货了吗？", "能帮我备注送货时间吗？"),
    Skill.AFTERSALE: ("衣服起球了怎么办？", "怎么申请退货？", "快递三天没动了"),
    Skill.COMPLAINT: ("我要投诉，客服一直不回复", "收到的衣服是破的，太失望了"),
}
REPLIES = ("亲，已为您查询，请稍等哦", "亲，这边已为您处理好了", "亲，有的哦，可以放心下单")
FLAGGED_REPLY = "这都不懂吗？看详情页就行"  # what quality inspection flags (contempt)
BOT_ANSWER = "亲，支持7天无理由退货，在订单页点“申请售后”即可～"
STAGES = ((Skill.PRESALE, 4), (Skill.INSALE, 2), (Skill.AFTERSALE, 3), (Skill.COMPLAINT, 1))
STARS = {  # how shoppers rate: complaints worse
    False: ((5, 55), (4, 25), (3, 8), (2, 7), (1, 5)),
    True: ((5, 15), (4, 25), (3, 20), (2, 25), (1, 15)),
}
SHIFTS = ((9, 18), (13, 22))  # shop-local hours of an agent's working day
CASES = 4  # recent complaint conversations that become cases (three resolved)


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


def _wait(rng: random.Random, asked: datetime) -> timedelta:
    """How long the shopper waits for a person: minutes in service hours, until the
    morning at night."""
    local = asked.astimezone(SHANGHAI)
    if local.hour < 9:
        return _local(local.date(), 9, rng.randint(0, 20)) - asked
    return timedelta(seconds=min(int(rng.lognormvariate(4.0, 1.0)), 1800))


class History:
    """Writes one shop's conversations in the order they happened, recording their facts
    as the actions would."""

    def __init__(
        self,
        session: AsyncSession,
        shop_id: int,
        agents: Mapping[Skill, list[int]],
        teams: Mapping[Skill, int],
    ) -> None:
        self.session, self.shop_id = session, shop_id
        self.agents, self.teams = agents, teams
        self.rng = random.Random(SEED)

    def _say(
        self,
        conversation: Conversation,
        sender: SenderKind,
        who: int | None,
        body: str,
        at: datetime,
    ) -> Message:
        agent_text = sender is SenderKind.AGENT
        message = Message(
            shop_id=self.shop_id,
            conversation_id=conversation.id,
            sender_kind=sender,
            sender_id=who,
            kind=MessageKind.TEXT,
            body=body,
            client_id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
            created_at=at,
            findings=(["contempt"] if body == FLAGGED_REPLY else []) if agent_text else None,
        )
        self.session.add(message)
        conversation.last_message_at = at
        return message

    def _ask(self, conversation: Conversation, at: datetime) -> None:
        self._say(
            conversation,
            SenderKind.VISITOR,
            None,
            self.rng.choice(QUESTIONS[conversation.skill]),
            at,
        )
        shopper_wrote(conversation, at)

    def _answer(self, conversation: Conversation, agent: int) -> datetime:
        assert conversation.awaiting_since is not None
        at = conversation.awaiting_since + _wait(self.rng, conversation.awaiting_since)
        body = FLAGGED_REPLY if self.rng.random() < 0.06 else self.rng.choice(REPLIES)
        message = self._say(conversation, SenderKind.AGENT, agent, body, at)
        reply_facts(self.session, conversation, message, agent)
        if conversation.first_response_at is None:
            conversation.first_response_at = at
        return at

    async def conversation(self, start: datetime, skill: Skill, customer: int | None) -> None:
        rng = self.rng
        agent = rng.choice(self.agents[skill])
        conversation = Conversation(
            shop_id=self.shop_id,
            skill=skill,
            customer_id=customer,
            assigned_agent_id=agent,
            team_id=self.teams.get(skill),
            created_at=start,
            updated_at=start,
            queued_at=start,
            tags=[],
        )
        self.session.add(conversation)
        await self.session.flush()
        await opened_facts(self.session, conversation)
        self._ask(conversation, start + timedelta(seconds=5))
        bot_asked = skill in (Skill.INSALE, Skill.AFTERSALE) and rng.random() < 0.3
        if bot_asked and await self._bot(conversation, start + timedelta(seconds=7)):
            return  # contained: no person needed
        at = self._answer(conversation, agent)
        if rng.random() < 0.5:
            self._ask(conversation, at + timedelta(seconds=rng.randint(30, 300)))
            at = self._answer(conversation, agent)
        if rng.random() < 0.08:
            other = rng.choice([a for a in self.agents[skill] if a != agent] or [agent])
            conversation.assigned_agent_id = other
            transfer_facts(self.session, conversation, agent, at)
        closed = at + timedelta(minutes=rng.randint(2, 15))
        resolved_facts(self.session, conversation, conversation.assigned_agent_id, closed)
        conversation.status, conversation.closed_at = ConversationStatus.CLOSED, closed
        conversation.disposition = "resolved"
        if rng.random() < 0.6:
            conversation.rating = _pick(rng, STARS[skill is Skill.COMPLAINT])
            await rating_facts(self.session, conversation, closed + timedelta(minutes=1))

    async def _bot(self, conversation: Conversation, at: datetime) -> bool:
        """The FAQ bot answers; half the shoppers need nothing more (contained, closed
        without a person), the others ask for one. True when contained."""
        self._say(conversation, SenderKind.BOT, None, BOT_ANSWER, at)
        bot_facts(self.session, conversation, first=True, handoff=False, at=at)
        conversation.bot_answers, conversation.awaiting_since = 1, None
        if self.rng.random() < 0.5:
            conversation.status = ConversationStatus.CLOSED
            conversation.closed_at = at + timedelta(minutes=10)
            conversation.disposition, conversation.with_bot = RESOLVED, True
            return True
        asked = at + timedelta(seconds=self.rng.randint(20, 90))
        self._say(conversation, SenderKind.VISITOR, None, "转人工", asked)
        shopper_wrote(conversation, asked)
        conversation.bot_handoff, conversation.bot_handoff_at = "asked", asked
        bot_facts(self.session, conversation, first=False, handoff=True, at=asked)
        return False

    def visits_and_hours(self, day: date, conversations: int, agent_ids: Sequence[int]) -> None:
        """The storefront's visits (several per conversation) and each agent's shift."""
        for _ in range(conversations * self.rng.randint(4, 8)):
            at = _local(day, self.rng.randint(8, 23), self.rng.randint(0, 59))
            record_fact(self.session, self.shop_id, ReportKind.VISIT, occurred_at=at)
        for agent in agent_ids:
            if self.rng.random() < 3 / 7:  # a rota: about three of the seven a day
                start, end = self.rng.choice(SHIFTS)
                online_facts(
                    self.session, self.shop_id, agent, _local(day, start), _local(day, end)
                )


def _starts(
    rng: random.Random,
    anchor: date,
    orders: Sequence[Mapping[str, Any]],
    customers: Mapping[str, int],
) -> list[tuple[datetime, Skill, int | None]]:
    """When each conversation starts, its stage and its customer: presale questions a few
    hours before some paid orders, and each day's others (a tenth of them at night)."""
    first = _local(anchor - timedelta(days=DAYS), 0)
    end = _local(anchor, 0)
    starts = []
    for order in orders:
        paid = order.get("paid_at")
        if paid is not None and first + timedelta(days=2) <= paid < end and rng.random() < 0.3:
            before = timedelta(minutes=rng.randint(20, 36 * 60))
            starts.append(
                (paid - before, Skill.PRESALE, customers.get(order["customer_external_id"]))
            )
    ids = list(customers.values())
    for offset in range(DAYS, 0, -1):
        day = anchor - timedelta(days=offset)
        for _ in range(rng.randint(*PER_DAY)):
            hour = rng.randint(0, 8) if rng.random() < 0.1 else rng.randint(9, 21)
            starts.append(
                (_local(day, hour, rng.randint(0, 59)), _pick(rng, STAGES), rng.choice(ids))
            )
    return sorted(starts, key=lambda s: s[0])


async def _people(session: AsyncSession, shop_id: int) -> dict[str, Agent]:
    """The demo's staff by their key (the part of their e-mail before the @)."""
    agents = await session.scalars(select(Agent).where(Agent.shop_id == shop_id))
    return {agent.user.email.partition("@")[0]: agent for agent in agents}


async def _teams(session: AsyncSession, shop_id: int) -> dict[Skill, int]:
    rows = await session.execute(select(Team.skill, Team.id).where(Team.shop_id == shop_id))
    return {skill: team_id for skill, team_id in rows.all() if skill is not None}


async def _cases(session: AsyncSession, shop_id: int, handler: Agent) -> None:
    """The latest complaints become cases of the complaint team's senior agent: each
    answered on the case, and all but the newest compensated and resolved."""
    await do_create_sla_policy(
        session,
        Actor.system(shop_id, "kefu demo"),
        case_type="complaint",
        first_response_minutes=60,
        resolve_minutes=1440,
    )
    actor = Actor.agent(
        shop_id,
        handler.id,
        handler.display_name,
        handler.role,
        can_view_contact=True,
        user_id=handler.user_id,
    )
    complaints = await session.scalars(
        select(Conversation.id)
        .where(Conversation.shop_id == shop_id, Conversation.skill == Skill.COMPLAINT)
        .order_by(Conversation.created_at.desc())
        .limit(CASES)
    )
    for n, conversation_id in enumerate(list(complaints)):
        case = await do_open_case(
            session, actor, type="complaint", title="顾客投诉跟进", conversation_id=conversation_id
        )
        await do_comment_case(
            session, actor, case.id, "亲，已收到您的反馈，正在为您处理", public=True
        )
        if n == 0:
            continue  # the newest stays open
        await do_offer_compensation(
            session, actor, case.id, kind="coupon", amount_cents=2000, note="投诉补偿券"
        )
        for status in ("accepted", "resolved"):
            await do_transition_case(session, actor, case.id, status)


async def seed_service(
    session: AsyncSession, shop_id: int, anchor: date, orders: Sequence[Mapping[str, Any]]
) -> int:
    """Write the service history of the ``DAYS`` days before ``anchor`` (first build
    only) and its cases; returns how many conversations. Call after the customers and
    before the orders are written."""
    if await session.scalar(
        select(Conversation.id).where(Conversation.shop_id == shop_id).limit(1)
    ):
        return 0
    people = await _people(session, shop_id)
    agents: dict[Skill, list[int]] = {}
    for person in staff.AGENTS:
        for skill in person.skills:
            agents.setdefault(Skill(skill), []).append(people[person.key].id)
    history = History(session, shop_id, agents, await _teams(session, shop_id))
    customers = await external_id_map(session, shop_id, Customer)
    starts = _starts(history.rng, anchor, orders, customers)
    for start, skill, customer in starts:
        await history.conversation(start, skill, customer)
    on_duty = [people[p.key].id for p in (*staff.AGENTS, staff.SUPERVISOR)]
    for offset in range(DAYS, 0, -1):
        day = anchor - timedelta(days=offset)
        count = sum(1 for start, _, _ in starts if start.astimezone(SHANGHAI).date() == day)
        history.visits_and_hours(day, count, on_duty)
    await session.flush()
    await _cases(session, shop_id, people["sunli"])
    return len(starts)
