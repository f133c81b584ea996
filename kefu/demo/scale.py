"""The conversations of ``kefu demo --scale N``: a year of a busy shop's chat, generated
day by day as database rows, with the report facts those conversations make and their
hourly rollups computed as they are generated (pure: no database; ``scale_store`` writes).

Volume follows the shop's rhythm: evenings busiest, weekends up, a trend up over the
year, 618 and Double 11 (with its midnight rush and the after-sales wave after it)
peaks, Spring Festival quiet. A conversation is a shopper's question (a real line from
the intent examples), an agent's first reply after a delay that is longer at night, a
few more turns, a goodbye and the close; some start with the FAQ bot, some are
transferred, rated, turned into an order or an after-sales case.

Every fact is derived from the rows it describes, so a report and a query over messages
agree, with the definitions the listeners record them by (docs/kpis.md):
``first_response`` is the agent's first reply minus the shopper's first message not
already answered by the FAQ bot, and occurs at that reply; ``conversation_opened`` and
``inquiry`` at the first message, credited to the agent it was routed to; ``response``
at each agent reply to a waiting shopper (the wait since the oldest unanswered message);
``resolved`` and ``rating`` at the close, for the conversation's last agent."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from kefu.demo.records import GIVEN_NAMES, NICK_HEADS, NICK_TAILS, SHANGHAI, SURNAMES
from kefu.demo.scale_lines import (
    AGENT_CLOSING,
    AGENT_FOLLOWUPS,
    AGENT_OPENERS,
    BOT_ANSWER,
    BOT_TITLES,
    CLOSINGS_SHOPPER,
    GREETINGS_SHOPPER,
    HUMAN_PLEASE,
    TOPICS,
    TRANSFER_NOTE,
    Topic,
    shopper_lines,
)
from kefu.models.reports import ReportKind as K

HISTORY_DAYS = 365
# Nothing is generated in the last hours, so every conversation has ended by now.
QUIET_TAIL = timedelta(hours=6)
FAST_SECONDS = 180  # the 3-minute response rate's limit (a reply at 180 s counts)
HOUR_WEIGHTS = (3, 1.5, 1, 0.6, 0.5, 0.6, 1, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 8, 9, 11, 13, 14, 12, 7)
WEEKDAY_WEIGHTS = (1.0, 0.97, 0.95, 0.98, 1.05, 1.15, 1.2)
CHANNELS, CHANNEL_WEIGHTS = ("web", "api", "email"), (82, 12, 6)
TURNS = ((0, 10), (1, 20), (2, 25), (3, 20), (4, 15), (5, 10))
STARS = (5, 4, 3, 2, 1)
HAPPY_STARS = (64, 20, 8, 3, 5)
UNHAPPY_STARS = (40, 25, 12, 9, 14)  # complaints and slow first replies
REPEAT_WINDOW = 72 * 3600  # a new contact this soon undoes the last resolution
CASE_TYPES = ("return", "exchange", "quality", "damaged", "wrong_item", "refund_only")
INQUIRY_TOPICS = frozenset({"presale", "promotion"})
# Follow-ups (回访) and their titles; each is due a day after opening and ends recovered
# with this chance once settled.
FOLLOW_UPS = {"complaint": "投诉处理", "review_followup": "差评回访"}
FOLLOW_UP_SECONDS = 24 * 3600
RECOVERY_CHANCE = 0.6
CASE_CHANCE = {"complaint": 0.35, "aftersale": 0.06}  # an after-sales case is opened

Stamp = Callable[[int], Any]


def day_weight(day: date) -> float:
    """How busy a local day is, relative to an ordinary Monday."""
    weight = WEEKDAY_WEIGHTS[day.weekday()]
    month_day = (day.month, day.day)
    if month_day == (11, 11):
        weight *= 5
    elif month_day in ((11, 10), (11, 12)):
        weight *= 2.5
    elif day.month == 11 and day.day < 10:
        weight *= 1.4
    elif day.month == 11 and day.day <= 15:
        weight *= 1.8  # returns and late parcels after Double 11
    elif month_day == (6, 18):
        weight *= 3
    elif day.month == 6 and day.day < 18:
        weight *= 1.3
    elif month_day == (12, 12):
        weight *= 1.8
    elif (day.month == 2 and day.day <= 20) or (day.month == 1 and day.day >= 28):
        weight *= 0.5  # around Spring Festival
    return weight


def hour_weights(day: date) -> list[float]:
    """Local hours of a day; Double 11 opens with a midnight rush."""
    weights = list(HOUR_WEIGHTS)
    if (day.month, day.day) == (11, 11):
        weights[0] *= 6
        weights[1] *= 4
    return weights


@dataclass(frozen=True, slots=True)
class Staff:
    """Who serves: (agent id, team id) pairs per skill, and agents' display names."""

    by_skill: dict[str, list[tuple[int, int]]]
    names: dict[int, str]


@dataclass(slots=True)
class Ids:
    """The next free id of each table (max(id)+1 when the run began)."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass(slots=True)
class Batch:
    """One day's rows, per table, in the column order of ``COLUMNS``."""

    rows: dict[str, list[tuple]] = field(default_factory=dict)

    def add(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)


@dataclass(slots=True)
class Talk:
    """A conversation being generated: who is in it, its messages so far (at, sender
    kind, sender id, kind, body), the clock ``t``, and since when the shopper waits."""

    id: int
    start: int
    topic: Topic
    channel: str
    shopper_index: int
    visitor: int | None
    agent: int | None
    team: int | None
    t: int = 0
    messages: list[tuple[int, str, int | None, str, str]] = field(default_factory=list)
    waiting: int | None = None
    first: int | None = None
    bot_answers: int = 0
    handoff_at: int | None = None

    def __post_init__(self) -> None:
        self.t = self.start

    def say(self, sender: str, sender_id: int | None, body: str, after: int = 0) -> None:
        self.t += after
        kind = "event" if sender == "system" else "text"
        self.messages.append((self.t, sender, sender_id, kind, body))

    def shopper(self, body: str, after: int = 0) -> None:
        self.say("visitor", self.visitor, body, after)
        if self.waiting is None:
            self.waiting = self.t


COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "id", "shop_id", "external_id", "name", "nickname", "country", "member_level",
        "tags", "created_at", "updated_at",
    ),
    "visitors": (
        "id", "shop_id", "public_id", "customer_id", "first_seen_at", "last_seen_at",
        "user_agent", "current_page",
    ),
    "conversations": (
        "id", "shop_id", "created_at", "updated_at", "channel", "status", "skill",
        "visitor_id", "customer_id", "assigned_agent_id", "team_id", "last_message_at",
        "first_response_at", "closed_at", "rating", "tags", "agent_read_message_id",
        "queued_at", "external_id", "bot_answers", "bot_misses", "bot_handoff",
        "bot_handoff_at",
    ),
    "messages": (
        "id", "shop_id", "conversation_id", "sender_kind", "sender_id", "kind", "body",
        "created_at", "findings",
    ),
    "orders": (
        "id", "shop_id", "external_id", "customer_id", "status", "currency", "total_cents",
        "placed_at", "paid_at", "created_at", "updated_at",
    ),
    "order_lines": (
        "id", "shop_id", "order_id", "line_no", "product_id", "sku", "title", "quantity",
        "unit_price_cents", "amount_cents",
    ),
    "cases": (
        "id", "shop_id", "number", "type", "status", "priority", "source", "title",
        "customer_id", "conversation_id", "assigned_agent_id", "team_id", "evidence",
        "custom_fields", "resolved_at", "closed_at", "resolve_sla", "follow_up_due_at",
        "outcome", "outcome_at", "created_at", "updated_at",
    ),
    "report_events": (
        "id", "shop_id", "kind", "occurred_at", "conversation_id", "case_id", "agent_id",
        "team_id", "channel", "value", "folded",
    ),
}  # fmt: skip
# The generated facts leave stage, intent and segment unknown ("" in the rollup key).
ROLLUP_COLUMNS = (
    "shop_id", "hour", "kind", "agent_id", "team_id", "channel", "stage", "intent", "segment",
    "count", "total",
)  # fmt: skip


def days_of(start: datetime, end: datetime) -> Iterator[tuple[date, int, list[float]]]:
    """Each local day touching [start, end): the day, its midnight (epoch seconds) and
    its hours' weights, zero for hours outside the window."""
    first, last = start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date()
    lo, hi = start.timestamp(), end.timestamp()
    day = first
    while day <= last:
        midnight = int(datetime.combine(day, time(), SHANGHAI).timestamp())
        scale = day_weight(day)
        weights = [
            w * scale if lo <= midnight + 3600 * h and midnight + 3600 * (h + 1) <= hi else 0.0
            for h, w in enumerate(hour_weights(day))
        ]
        yield day, midnight, weights
        day += timedelta(days=1)


def spread(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, whole numbers adding up exactly."""
    whole = sum(weights)
    counts, carried, given = [], 0.0, 0
    for w in weights:
        carried += total * w / whole
        n = round(carried) - given
        counts.append(n)
        given += n
    return counts


class Generator:
    """Generates the conversations of a shop day by day. Rollup sums are kept per
    (hour, kind, agent, team, channel) until ``done_before`` hands them out."""

    def __init__(
        self, shop_id: int, staff: Staff, products: list[tuple[int, str, str, int]],
        ids: Ids, *, now: datetime, stamp: Stamp, true: Any, next_case_number: int,
        seed: int,
    ) -> None:  # fmt: skip
        self.shop_id, self.staff, self.products, self.ids = shop_id, staff, products, ids
        self.stamp, self.true = stamp, true
        self.rng = random.Random(seed)
        self.end = now - QUIET_TAIL
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.now = int(now.timestamp())
        self.case_number = next_case_number
        self.lines = shopper_lines()
        self.topics = TOPICS
        self.topic_weights = [t.weight for t in TOPICS]
        self.rollups: dict[tuple, list[int]] = {}
        self.paid_customers: set[int] = set()
        self.last_resolved: dict[int, tuple[int, int, int, str]] = {}
        self.shopper_visitors: list[int] = []
        self.shopper_customers: list[int] = []
        self.identified: list[bool] = []
        self.batch = Batch()

    # -- shoppers ---------------------------------------------------------------------

    def shoppers(self, count: int) -> Batch:
        """``count`` shoppers, each a customer and a widget visitor (some identified)."""
        rng, batch, shop = self.rng, Batch(), self.shop_id
        seen = self.stamp(int(self.start.timestamp()))
        last = self.stamp(int(self.end.timestamp()))
        tags = "[]"
        for _ in range(count):
            customer_id = self.ids.take("customers")
            surname, given = rng.choice(SURNAMES)[0], rng.choice(GIVEN_NAMES)[0]
            nickname = rng.choice(NICK_HEADS) + rng.choice(NICK_TAILS)
            level = rng.choices(("普通会员", "银卡会员", "金卡会员"), (70, 22, 8))[0]
            batch.add(
                "customers",
                (customer_id, shop, f"W{customer_id}", surname + given, nickname, "CN", level,
                 tags, seen, seen),
            )  # fmt: skip
            identified = rng.random() < 0.4
            visitor_id = self.ids.take("visitors")
            batch.add(
                "visitors",
                (visitor_id, shop, f"{rng.getrandbits(128):032x}",
                 customer_id if identified else None, seen, last, "Mozilla/5.0", "/demo/store"),
            )  # fmt: skip
            self.shopper_visitors.append(visitor_id)
            self.shopper_customers.append(customer_id)
            self.identified.append(identified)
        return batch

    # -- facts ------------------------------------------------------------------------

    def fact(
        self, kind: K, at: int, conversation: int | None, agent: int | None,
        team: int | None, channel: str | None, value: int = 0, case: int | None = None,
    ) -> None:  # fmt: skip
        """One report event, and its share of the hour's rollup."""
        self.batch.add(
            "report_events",
            (self.ids.take("report_events"), self.shop_id, kind.value, self.stamp(at),
             conversation, case, agent, team, channel, value, self.true),
        )  # fmt: skip
        key = (at - at % 3600, kind.value, agent or 0, team or 0, channel or "")
        found = self.rollups.get(key)
        if found is None:
            self.rollups[key] = [1, value]
        else:
            found[0] += 1
            found[1] += value

    def done_before(self, moment: int) -> list[tuple]:
        """Rollup rows of the hours before ``moment`` (no later fact falls in them)."""
        done = [key for key in self.rollups if key[0] < moment]
        rows = []
        for key in sorted(done):
            count, total = self.rollups.pop(key)
            hour, *dims = key
            unknown = ("", "", "")  # stage, intent, segment
            rows.append((self.shop_id, self.stamp(hour), *dims, *unknown, count, total))
        return rows

    # -- days -------------------------------------------------------------------------

    def days(self, total: int) -> Iterator[tuple[date, int, list[int]]]:
        """Each day, its midnight and its conversations' start times, oldest first."""
        plan = list(days_of(self.start, self.end))
        per_day = spread(total, [sum(w) for _d, _m, w in plan])
        rng = self.rng
        for (day, midnight, weights), count in zip(plan, per_day, strict=True):
            if not count:
                continue
            hours = rng.choices(range(24), weights, k=count)
            starts = sorted(midnight + 3600 * h + rng.randrange(3600) for h in hours)
            yield day, midnight, starts

    def day(self, midnight: int, starts: list[int]) -> Batch:
        """One day's conversations (and the agents' time online that day)."""
        self.batch = Batch()
        for start in starts:
            self.conversation(start)
        if midnight + 86400 <= self.now:
            for agent_id in self.staff.names:
                online = 3600 * self.rng.randint(6, 9)
                self.fact(K.AGENT_ONLINE, midnight + 9 * 3600, None, agent_id, None, None, online)
        return self.batch

    # -- one conversation -------------------------------------------------------------

    def _delay(self, start: int, *, first: bool) -> int:
        """An agent's reply time: a first reply at night waits for the morning shift.
        Capped, so a conversation lasts under five hours and has ended by now."""
        hour = (start // 3600 + 8) % 24
        if first:
            mu, sigma = (7.0, 0.7) if hour < 8 else (3.6, 1.1)
            return min(int(math.exp(self.rng.gauss(mu, sigma))) + 3, 3 * 3600)
        return min(int(math.exp(self.rng.gauss(3.2, 0.8))) + 3, 15 * 60)

    def conversation(self, start: int) -> None:
        """One conversation: its messages, facts, and perhaps an order or a case."""
        rng = self.rng
        topic = rng.choices(self.topics, self.topic_weights)[0]
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        shopper = int(len(self.shopper_customers) * rng.random() ** 2)  # regulars return
        agent, team = rng.choice(self.staff.by_skill[topic.skill])
        talk = Talk(
            self.ids.take("conversations"), start, topic, channel, shopper,
            self.shopper_visitors[shopper] if channel == "web" else None, agent, team,
        )  # fmt: skip
        if rng.random() < 0.3:
            talk.shopper(rng.choice(GREETINGS_SHOPPER))
            talk.shopper(rng.choice(self.lines[topic.name]), rng.randint(3, 20))
        else:
            talk.shopper(rng.choice(self.lines[topic.name]))
        bot = channel == "web" and rng.random() < 0.08
        contained = bot and rng.random() < 0.4  # the bot's answer was enough
        self._opened(talk, None if contained else agent, None if contained else team)
        if bot:
            talk.say("bot", None, BOT_ANSWER.format(title=rng.choice(BOT_TITLES)), after=2)
            talk.bot_answers, talk.waiting = 1, None  # answered: nobody owes a reply now
            self.fact(K.BOT_CONVERSATION, talk.t, talk.id, None, None, channel)
            talk.t += rng.randint(20, 90)
            if contained:
                talk.shopper(rng.choice(CLOSINGS_SHOPPER))
                talk.agent = talk.team = None
                self._store(talk, talk.t + rng.randint(120, 600), None)
                return
            talk.shopper(rng.choice(HUMAN_PLEASE))
            talk.handoff_at = talk.t
            self.fact(K.BOT_HANDOFF, talk.t, talk.id, None, None, channel)
        self._human(talk)

    def _opened(self, talk: Talk, agent: int | None, team: int | None) -> None:
        """CONVERSATION_OPENED, its stage's INQUIRY or COMPLAINT, credited to the agent
        it was routed to; and a REPEAT_CONTACT of the shopper's conversation resolved in
        the last 72 hours, dated at that resolution and credited to its agent."""
        start, cid, channel = talk.start, talk.id, talk.channel
        self.fact(K.CONVERSATION_OPENED, start, cid, agent, team, channel)
        if talk.topic.name in INQUIRY_TOPICS:
            self.fact(K.INQUIRY, start, cid, agent, team, channel)
        elif talk.topic.name == "complaint":
            self.fact(K.COMPLAINT, start, cid, agent, team, channel)
        previous = self.last_resolved.pop(talk.shopper_index, None)
        if previous and start - previous[0] <= REPEAT_WINDOW:
            closed, old_id, old_agent, old_team, old_channel = previous
            self.fact(K.REPEAT_CONTACT, closed, old_id, old_agent, old_team, old_channel)

    def _reply(self, talk: Talk, body: str, delay: int) -> None:
        """An agent's reply to the waiting shopper: RESPONSE (and the first one's facts)."""
        talk.say("agent", talk.agent, body, after=delay)
        at, cid, agent, team, channel = talk.t, talk.id, talk.agent, talk.team, talk.channel
        assert talk.waiting is not None
        waited = at - talk.waiting
        if talk.first is None:
            talk.first = at
            self.fact(K.FIRST_RESPONSE, at, cid, agent, team, channel, waited)
            if waited <= FAST_SECONDS:
                self.fact(K.FIRST_RESPONSE_FAST, at, cid, agent, team, channel)
        self.fact(K.RESPONSE, at, cid, agent, team, channel, waited)
        talk.waiting = None

    def _human(self, talk: Talk) -> None:
        rng, topic, lines = self.rng, talk.topic, self.lines[talk.topic.name]
        opener = rng.choice(AGENT_OPENERS) if rng.random() < 0.5 else rng.choice(topic.replies)
        self._reply(talk, opener, self._delay(talk.t, first=True))
        if rng.random() < 0.04:  # handed to a senior colleague: credited to who handed on
            talk.t += rng.randint(30, 120)
            self.fact(K.TRANSFER, talk.t, talk.id, talk.agent, talk.team, talk.channel)
            talk.agent, talk.team = rng.choice(self.staff.by_skill["complaint"])
            talk.say("system", None, TRANSFER_NOTE.format(name=self.staff.names[talk.agent]))
        order = None
        for _turn in range(rng.choices([n for n, _ in TURNS], [w for _, w in TURNS])[0]):
            talk.shopper(rng.choice(lines), rng.randint(10, 150))
            if rng.random() < 0.3:
                talk.shopper(rng.choice(lines), rng.randint(5, 40))
            self._reply(talk, rng.choice(topic.replies), self._delay(talk.t, first=False))
            if rng.random() < 0.3:
                talk.say("agent", talk.agent, rng.choice(AGENT_FOLLOWUPS), rng.randint(5, 30))
            if order is None and topic.name in INQUIRY_TOPICS and rng.random() < 0.18:
                order = talk.t + rng.randint(60, 900)
        if rng.random() < 0.7:
            talk.shopper(rng.choice(CLOSINGS_SHOPPER), rng.randint(10, 120))
            self._reply(talk, AGENT_CLOSING, rng.randint(5, 60))
        else:
            talk.say("agent", talk.agent, AGENT_CLOSING, rng.randint(30, 300))
        closed = talk.t + rng.randint(60, 600)
        agent, team, channel, cid = talk.agent, talk.team, talk.channel, talk.id
        assert agent is not None and team is not None and talk.first is not None
        self.fact(K.RESOLVED, closed, cid, agent, team, channel)
        self.last_resolved[talk.shopper_index] = (closed, cid, agent, team, channel)
        customer = self.shopper_customers[talk.shopper_index]
        recovered_at = None
        if rng.random() < CASE_CHANCE.get(topic.name, 0.0):
            kind = "complaint" if topic.name == "complaint" else rng.choice(CASE_TYPES)
            recovered_at = self._case(cid, kind, talk.first, customer, agent, team, channel)
        rating = None
        if rng.random() < (0.3 if channel == "web" else 0.15):
            unhappy = topic.name == "complaint" or talk.first - talk.start > FAST_SECONDS
            rating = rng.choices(STARS, UNHAPPY_STARS if unhappy else HAPPY_STARS)[0]
            self.fact(K.RATING, closed, cid, agent, team, channel, rating)
            if rating >= 4:
                self.fact(K.RATING_GOOD, closed, cid, agent, team, channel)
            elif rating <= 2:
                troubled = int(topic.name != "complaint")  # value: see chat_facts.rating_facts
                self.fact(K.RATING_BAD, closed, cid, agent, team, channel, troubled)
                review = self._case(cid, "review_followup", closed, customer, agent, team, channel)
                recovered_at = recovered_at or review
        # Recovered (docs/kpis.md): a complaint rated 4–5, else a follow-up's outcome; once.
        if topic.name == "complaint" and (rating or 0) >= 4:
            self.fact(K.RECOVERED, closed, cid, agent, team, channel)
        elif recovered_at is not None:
            self.fact(K.RECOVERED, recovered_at, cid, agent, team, channel)
        if order is not None:
            self._order(order, cid, customer, agent, team, channel)
        self._store(talk, closed, rating)

    def _store(self, talk: Talk, closed: int, rating: int | None) -> None:
        """The conversation's row and its messages' rows."""
        stamp, shop, add = self.stamp, self.shop_id, self.batch.add
        cid, last_id = talk.id, None
        for at, sender, sender_id, kind, body in talk.messages:
            last_id = self.ids.take("messages")
            add("messages", (last_id, shop, cid, sender, sender_id, kind, body, stamp(at), None))
        identified = talk.channel != "web" or self.identified[talk.shopper_index]
        customer = self.shopper_customers[talk.shopper_index] if identified else None
        handoff = "asked" if talk.handoff_at else None
        add(
            "conversations",
            (cid, shop, stamp(talk.start), stamp(closed), talk.channel, "closed",
             talk.topic.skill, talk.visitor, customer, talk.agent, talk.team,
             stamp(talk.messages[-1][0]), stamp(talk.first) if talk.first else None,
             stamp(closed), rating, "[]", last_id, stamp(talk.start),
             f"TB{cid:012d}" if talk.channel == "api" else None, talk.bot_answers, 0, handoff,
             stamp(talk.handoff_at) if talk.handoff_at else None),
        )  # fmt: skip

    def _order(
        self, placed: int, cid: int, customer: int, agent: int, team: int, channel: str
    ) -> None:
        rng, stamp = self.rng, self.stamp
        order_id = self.ids.take("orders")
        picked = rng.sample(self.products, k=rng.choices((1, 2), (75, 25))[0])
        total = 0
        for line_no, (product_id, sku, title, price) in enumerate(picked, start=1):
            quantity = rng.choices((1, 2), (85, 15))[0]
            total += price * quantity
            self.batch.add(
                "order_lines",
                (self.ids.take("order_lines"), self.shop_id, order_id, line_no, product_id, sku,
                 title, quantity, price, price * quantity),
            )  # fmt: skip
        paid = placed + rng.randint(30, 900)
        age = self.now - paid
        status = "completed" if age > 15 * 86400 else "delivered" if age > 4 * 86400 else "paid"
        self.batch.add(
            "orders",
            (order_id, self.shop_id, f"XLC{order_id}", customer, status, "CNY", total,
             stamp(placed), stamp(paid), stamp(placed), stamp(paid)),
        )  # fmt: skip
        self.fact(K.CONVERSION, paid, cid, agent, team, channel, total)
        self.fact(K.ORDER_PAID, paid, None, None, None, channel, total)
        if customer in self.paid_customers:
            self.fact(K.REPEAT_ORDER, paid, None, None, None, channel, total)
        self.paid_customers.add(customer)

    def _case(
        self, cid: int, kind: str, opened_after: int, customer: int, agent: int, team: int,
        channel: str,
    ) -> int | None:  # fmt: skip
        """An after-sales case opened from the conversation. A follow-up (a complaint, a
        bad rating's review follow-up) is due a day after opening and, once settled, ends
        with an explicit outcome; returns when it ended recovered (else None)."""
        rng, stamp = self.rng, self.stamp
        case_id = self.ids.take("cases")
        number, self.case_number = self.case_number, self.case_number + 1
        opened = opened_after + rng.randint(60, 600)
        self.fact(K.CASE_OPENED, opened, cid, agent, team, channel, case=case_id)
        settled = opened + int(3600 * rng.uniform(2, 72))
        done = settled <= self.now
        sla = None
        if done:
            compensation = rng.choice((0, 500, 1000, 2000, 3000, 5000))
            self.fact(K.CASE_SETTLED, settled, cid, agent, team, channel, compensation, case_id)
            sla = "met" if settled - opened <= 48 * 3600 else "breached"
            kind_sla = K.SLA_MET if sla == "met" else K.SLA_BREACHED
            self.fact(kind_sla, settled, cid, agent, team, channel, case=case_id)
        follow_up = kind in FOLLOW_UPS
        outcome = None
        if done and follow_up:
            outcome = "recovered" if rng.random() < RECOVERY_CHANCE else "not_recovered"
        self.batch.add(
            "cases",
            (case_id, self.shop_id, number, kind, "closed" if done else "investigating",
             "high" if follow_up else "normal", "conversation",
             FOLLOW_UPS.get(kind, "售后处理"), customer, cid, agent, team, "{}", "{}",
             stamp(settled) if done else None, stamp(settled) if done else None, sla,
             stamp(opened + FOLLOW_UP_SECONDS) if follow_up else None, outcome,
             stamp(settled) if outcome else None, stamp(opened),
             stamp(settled if done else opened)),
        )  # fmt: skip
        return settled if outcome == "recovered" else None


def sqlite_stamp() -> Stamp:
    """Epoch seconds → the text SQLAlchemy stores for a UTC datetime on SQLite
    ('2026-01-02 03:04:05.000000'), the date part made once per minute."""
    minutes: dict[int, str] = {}

    def stamp(at: int) -> str:
        minute, second = divmod(at, 60)
        prefix = minutes.get(minute)
        if prefix is None:
            prefix = minutes[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime(
                "%Y-%m-%d %H:%M:"
            )
        return f"{prefix}{second:02d}.000000"

    return stamp


def pg_stamp(at: int) -> datetime:
    """Epoch seconds → an aware UTC datetime for asyncpg."""
    return datetime.fromtimestamp(at, UTC)
