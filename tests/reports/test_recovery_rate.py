"""The service-recovery rate (服务补救率) counts explicit outcomes, worked out by hand.

The fixture, all today:
- A (aftersale) is rated 1★: a review follow-up opens for alice; she ends it recovered.
- B (aftersale) is rated 2★: a review follow-up opens for bob; he ends it not_recovered.
- C, a complaint case without a conversation, is accepted and resolved with no outcome:
  settled, not recovered.
- D, a complaint case without a conversation, ends recovered; a second outcome is
  refused, so it counts once.
- E (complaint), a complaint case opened from it ends recovered, then the shopper rates
  E 5★: one conversation, recovered once.
- F (complaint), handled by bob, is rated 1★: its review follow-up is not ended yet. A
  complaint that is also a bad review is one shopper to win back, not two.

RECOVERED = A + D + E = 3. Complaints: C, D, E and F (E's case is not a second complaint
of the complaint conversation) = 4; bad reviews not already complaints: A, B = 2. Rate
3 / 6. Alice's share: 1 of 2 (A's 1★, and C, which she opened and settled); bob's 0 of 1
(B's 2★: F's 1★ adds nothing, and F's complaint counts where F started, before bob got it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kefu.reports.overview import read_agent_board, read_overview
from kefu.reports.periods import Period, shop_zone
from tests.cases.conftest import ok, open_case
from tests.cases.test_recovery import _rated
from tests.chat.conftest import make_shopper


def _today() -> Period:
    zone = shop_zone(None)
    today = datetime.now(UTC).astimezone(zone).date()
    return Period(today - timedelta(days=1), today, zone)


async def _followup_of(client, persona, conversation_id: int) -> int:
    listed = await ok(
        await client.as_(persona).get("/api/v1/cases", params={"type": "review_followup"})
    )
    [case] = [c for c in listed["items"] if c["conversation_id"] == conversation_id]
    return case["id"]


async def _end(client, persona, case_id: int, outcome: str):
    return await client.as_(persona).post(
        f"/api/v1/cases/{case_id}/outcome", json={"outcome": outcome, "note": "电话回访"}
    )


async def test_the_recovery_rate_counts_explicit_outcomes(client, sessionmaker, alice, bob, carol):
    a = await _rated(client, carol, alice, 1)
    assert (
        await _end(client, alice, await _followup_of(client, carol, a.conversation_id), "recovered")
    ).is_success
    b = await _rated(client, carol, bob, 2)
    assert (
        await _end(
            client, bob, await _followup_of(client, carol, b.conversation_id), "not_recovered"
        )
    ).is_success

    c = await open_case(client, alice, type="complaint", title="投诉：发错货")
    for status in ("accepted", "resolved"):
        await ok(
            await client.as_(alice).post(f"/api/v1/cases/{c['id']}/transition", json={"to": status})
        )

    d = await open_case(client, carol, type="complaint", title="投诉：客服态度")
    assert (await _end(client, carol, d["id"], "recovered")).is_success
    assert (await _end(client, carol, d["id"], "recovered")).status_code == 409

    e = await make_shopper(client, "acme", skill="complaint")
    e_case = await open_case(
        client, carol, type="complaint", title="投诉：物流", conversation_id=e.conversation_id
    )
    assert (await _end(client, carol, e_case["id"], "recovered")).is_success
    path = f"/api/v1/conversations/{e.conversation_id}"
    await ok(await client.as_(carol).post(f"{path}/close", json={"disposition": "resolved"}))
    await ok(
        await client.post(
            f"/api/v1/widget/conversations/{e.conversation_id}/rating",
            json={"rating": 5},
            headers=e.headers,
        )
    )

    await _rated(client, carol, bob, 1, skill="complaint")

    async with sessionmaker() as session:
        overview = await read_overview(session, carol.actor(), _today())
        board = await read_agent_board(
            session, carol.actor(), _today(), sort="recovery_rate", descending=True
        )
    [rate] = [k for k in overview.kpis if k.code == "recovery_rate"]
    assert (rate.numerator, rate.denominator) == (3, 6)
    assert rate.value == 3 / 6
    rows = {row.agent_id: row.kpis for row in board}
    mine = rows[alice.agent_id]["recovery_rate"]
    assert (mine.numerator, mine.denominator) == (1, 2)  # A recovered; C settled, not
    his = rows[bob.agent_id]["recovery_rate"]
    assert (his.numerator, his.denominator) == (0, 1)  # B's 2★ (F's 1★ is no second one)
