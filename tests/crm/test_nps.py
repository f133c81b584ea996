"""NPS: the arithmetic worked by hand, answers from the widget after a rating (once per
conversation) and from the API, the score per shop-local month, and other shops."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from kefu.crm.nps import month_starts, nps_of
from kefu.lib.times import zone
from kefu.models import NpsAnswer
from tests.chat.conftest import make_shopper

SHANGHAI = zone("Asia/Shanghai")  # acme's time zone


def test_nps_is_promoters_minus_detractors():
    # 10 answers: 4 promoters (9, 10, 10, 9), 3 passives (7, 8, 8), 3 detractors (0, 6, 5).
    figure = nps_of([9, 10, 10, 9, 7, 8, 8, 0, 6, 5])
    assert (figure.answers, figure.promoters, figure.passives, figure.detractors) == (10, 4, 3, 3)
    assert figure.score == 10.0  # 40 % − 30 %
    assert nps_of([10, 10]).score == 100.0 and nps_of([0, 6, 3]).score == -100.0
    assert nps_of([7, 8]).score == 0.0 and nps_of([]).score is None
    assert nps_of([9, 9, 0]).score == 33.3  # 66.7 % − 33.3 %, one decimal


def test_month_starts_cross_the_year():
    assert month_starts(date(2026, 2, 17), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


async def test_widget_answer_after_rating_once(client, alice, owen, personas):
    shopper = await make_shopper(client)
    path = f"/api/v1/widget/conversations/{shopper.conversation_id}/nps"
    early = await client.post(path, json={"score": 9}, headers=shopper.headers)
    assert early.status_code == 409 and "rate" in early.json()["error"]["message"]
    rating = f"/api/v1/widget/conversations/{shopper.conversation_id}/rating"
    assert (
        await client.post(rating, json={"rating": 5}, headers=shopper.headers)
    ).status_code == 200
    body = {"score": 10, "comment": "客服小姐姐很耐心，已经推荐给同事了"}
    answered = await client.post(path, json=body, headers=shopper.headers)
    assert answered.status_code == 201, answered.text
    assert answered.json()["source"] == "widget" and answered.json()["score"] == 10
    again = await client.post(path, json={"score": 3}, headers=shopper.headers)
    assert again.status_code == 409
    other = await make_shopper(client)
    assert (await client.post(path, json={"score": 0}, headers=other.headers)).status_code == 404
    for bad in ({"score": 11}, {"score": -1}, {"score": True}, {}):
        refused = await client.post(path, json=bad, headers=shopper.headers)
        assert refused.status_code == 422, bad
    report = (await client.as_(owen).get("/api/v1/nps")).json()
    assert report["total"] == {
        "answers": 1,
        "promoters": 1,
        "passives": 0,
        "detractors": 0,
        "nps": 100.0,
    }


async def test_months_api_answers_and_other_shops(client, owen, carol, mallory, session):
    api = client.as_(owen)
    customers = [{"external_id": "C-WF", "name": "王芳"}]
    await api.post("/api/v1/customers/bulk", json={"items": customers})
    customer_id = (await api.get("/api/v1/customers")).json()["items"][0]["id"]
    for score in (9, 10, 3, 8):
        body = {"score": score, "customer_id": customer_id, "comment": "短信回复"}
        assert (await api.post("/api/v1/nps/answers", json=body)).status_code == 201
    # Two of them were answered last month (shop time, Asia/Shanghai).
    now = datetime.now(UTC)
    last_month = month_starts(now.astimezone(SHANGHAI).date(), 2)[0]
    moved = datetime(last_month.year, last_month.month, 15, 12, tzinfo=UTC)
    await session.execute(
        update(NpsAnswer).where(NpsAnswer.score.in_((9, 3))).values(answered_at=moved)
    )
    await session.commit()
    report = (await client.as_(carol).get("/api/v1/nps", params={"months": 2})).json()
    assert [m["answers"] for m in report["months"]] == [2, 2]
    assert [m["nps"] for m in report["months"]] == [0.0, 50.0]  # (1−1)/2; (1−0)/2
    assert report["total"]["nps"] == 25.0
    assert (await client.as_(mallory).get("/api/v1/nps")).json()["total"]["answers"] == 0
    stolen = await client.as_(mallory).post(
        "/api/v1/nps/answers", json={"score": 0, "customer_id": customer_id}
    )
    assert stolen.status_code == 404
    assert (await api.get("/api/v1/nps", params={"months": 0})).status_code == 422


@pytest.mark.parametrize("months", [1, 24])
async def test_month_bounds_are_accepted(client, owen, months):
    report = (await client.as_(owen).get("/api/v1/nps", params={"months": months})).json()
    assert len(report["months"]) == months and report["total"]["nps"] is None
