"""``kefu demo --scale N`` and ``kefu bench reports``: the generated conversations, their
messages, report facts and rollups tell the same story, and the overview a supervisor
reads agrees with what the raw messages say."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from kefu.access import Actor
from kefu.models import Case, Conversation, Message, SenderKind, Shop
from kefu.models.reports import ReportEvent, ReportKind, ReportRollup
from kefu.reports.overview import read_overview
from kefu.reports.periods import Period, shop_zone

CONVERSATIONS = 2000


async def _first_responses(session, shop_id: int, period: Period) -> tuple[int, int, int]:
    """(first responses, their seconds, those within 3 minutes) in the period, computed
    here from every message: each conversation's first agent message minus the first
    shopper message the FAQ bot had not answered, counted when the agent message falls
    in the period (docs/kpis.md)."""
    asked: dict[int, datetime | None] = {}
    answered: dict[int, datetime] = {}
    rows = await session.execute(
        select(Message.conversation_id, Message.sender_kind, Message.created_at)
        .where(Message.shop_id == shop_id)
        .order_by(Message.created_at, Message.id)
    )
    for cid, sender, at in rows:
        if cid in answered:
            continue
        if sender == SenderKind.BOT:
            asked[cid] = None  # the bot answered what was asked so far
        elif sender == SenderKind.VISITOR and asked.get(cid) is None:
            asked[cid] = at
        elif sender == SenderKind.AGENT:
            answered[cid] = at
    waits = [
        int((at - asked[cid]).total_seconds())  # type: ignore[operator]
        for cid, at in answered.items()
        if period.start <= at < period.end
    ]
    return len(waits), sum(waits), sum(1 for w in waits if w <= 180)


async def _check_consistency(session, demo_conversations: int) -> None:
    shop_id = await session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    conversations = await session.scalar(
        select(func.count()).where(Conversation.shop_id == shop_id)
    )
    assert conversations == demo_conversations + CONVERSATIONS
    # The scaled conversations took the ids after the demo's own.
    first_scaled = (
        await session.scalar(
            select(func.max(Conversation.id)).where(Conversation.shop_id == shop_id)
        )
        - CONVERSATIONS
        + 1
    )
    scaled_messages = await session.scalar(
        select(func.count()).where(Message.conversation_id >= first_scaled)
    )
    assert 8 * CONVERSATIONS <= scaled_messages <= 12 * CONVERSATIONS  # about ten each

    # Every fact is folded, and the rollups hold exactly the facts' sums.
    unfolded = await session.scalar(
        select(func.count()).where(ReportEvent.shop_id == shop_id, ReportEvent.folded.is_(False))
    )
    assert unfolded == 0
    facts = await session.execute(
        select(ReportEvent.kind, func.count(), func.sum(ReportEvent.value))
        .where(ReportEvent.shop_id == shop_id)
        .group_by(ReportEvent.kind)
    )
    rolled = await session.execute(
        select(ReportRollup.kind, func.sum(ReportRollup.count), func.sum(ReportRollup.total))
        .where(ReportRollup.shop_id == shop_id)
        .group_by(ReportRollup.kind)
    )
    by_fact = {kind: (n, total) for kind, n, total in facts}
    assert by_fact == {kind: (n, total) for kind, n, total in rolled}
    assert by_fact[ReportKind.CONVERSATION_OPENED][0] == conversations

    # Recovered (docs/kpis.md): a complaint rated 4–5 or a follow-up ended recovered,
    # once per conversation; every settled follow-up has its outcome.
    recovered = list(
        await session.scalars(
            select(ReportEvent.conversation_id).where(
                ReportEvent.shop_id == shop_id,
                ReportEvent.kind == ReportKind.RECOVERED,
                ReportEvent.conversation_id.is_not(None),
            )
        )
    )
    by_outcome = await session.scalars(
        select(Case.conversation_id).where(
            Case.shop_id == shop_id, Case.outcome == "recovered", Case.conversation_id.is_not(None)
        )
    )
    by_rating = await session.scalars(
        select(Conversation.id).where(
            Conversation.shop_id == shop_id,
            Conversation.skill == "complaint",
            Conversation.rating >= 4,
        )
    )
    assert len(recovered) == len(set(recovered)) > 0
    assert set(recovered) == set(by_outcome) | set(by_rating)
    unended = await session.scalar(
        select(func.count()).where(
            Case.shop_id == shop_id,
            Case.type.in_(("complaint", "review_followup")),
            Case.status == "closed",
            Case.outcome.is_(None),
        )
    )
    assert unended == 0

    # Evenings are busier than the small hours (Shanghai time).
    starts = await session.scalars(
        select(Conversation.created_at).where(Conversation.shop_id == shop_id)
    )
    hours = Counter((at + timedelta(hours=8)).hour for at in starts)
    assert sum(hours[h] for h in (20, 21, 22)) > 5 * sum(hours[h] for h in (3, 4, 5))

    # The overview a supervisor reads equals what the messages themselves say.
    period = Period.ending_today(shop_zone("Asia/Shanghai"))
    overview = await read_overview(session, Actor.system(shop_id), period)
    kpis = {figure.code: figure for figure in overview.kpis}
    opened = await session.scalar(
        select(func.count()).where(
            Conversation.shop_id == shop_id,
            Conversation.created_at >= period.start,
            Conversation.created_at < period.end,
        )
    )
    assert opened and kpis["conversations"].value == opened
    count, seconds, fast = await _first_responses(session, shop_id, period)
    assert count and kpis["first_response_seconds"].denominator == count
    assert kpis["first_response_seconds"].value == seconds / count
    assert kpis["fast_response_rate"].value == fast / count


async def test_scaled_demo_tells_one_story_and_the_bench_agrees(kefu_cli, sessionmaker, settings):
    code, out, err = await kefu_cli("demo", "--no-serve", "--scale", str(CONVERSATIONS))
    assert code == 0, err
    assert f"added {CONVERSATIONS // 3:,} customers" in out
    assert f"{CONVERSATIONS:,} conversations" in out
    demo_conversations = re.search(r"\b(\d+) conversations\b", out)  # the demo's own
    assert demo_conversations is not None, out
    async with sessionmaker() as session:
        await _check_consistency(session, int(demo_conversations[1]))

    # The bench reuses the shop it finds (exactly N conversations) and checks the
    # overview against a naive GROUP BY over the same rows.
    code, out, err = await kefu_cli(
        "bench", "reports", "--quick", "--conversations", str(CONVERSATIONS),
        "--database-url", settings.database_url,
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert {"bench", "metric", "value", "unit", "baseline", "baseline_value", "ratio"} <= set(
        result
    )
    assert (result["bench"], result["unit"]) == ("reports", "ms")
    assert result["conversations"] == int(demo_conversations[1]) + CONVERSATIONS
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert result["period_conversations"] > 0
    assert "figures agree" in err and "reusing" in err


async def test_bad_sizes_are_refused_with_a_message(kefu_cli):
    for value, message in (
        ("0", "--scale takes at least 1 conversation"),
        ("-5", "--scale takes at least 1 conversation"),
        ("lots", "--scale takes a number of conversations, not 'lots'"),
    ):
        code, _out, err = await kefu_cli("demo", "--no-serve", "--scale", value)
        assert code != 0 and message in err, (value, err)
    code, _out, err = await kefu_cli("bench", "reports", "--conversations", "0")
    assert code != 0 and "--conversations takes at least 1" in err
    code, _out, err = await kefu_cli("bench", "reports", "--conversations", "many")
    assert code != 0 and "Invalid value for '--conversations'" in err
    code, _out, err = await kefu_cli("bench", "import", "--conversations", "10")
    assert code != 0 and "the import benchmark takes no --conversations" in err
