"""A shopper's personal data on request (PIPL / GDPR): the owner downloads all of it, or
erases it; what the shop must keep for its books stays."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kefu.lib.images import stored_path
from kefu.lib.tokens import customer_signature
from kefu.models import AuditEntry, Case, Message, NpsAnswer, Shop, StreamEvent, Upload
from tests.api.test_orders import CUSTOMERS, ORDERS
from tests.widget.conftest import png_bytes

ZHANG = "C-8801"


async def _zhang_writes_in(client, owen, sessionmaker) -> dict:
    """张伟 is a customer with an order; signed in on the storefront he sends a message
    and a photo of the parcel, and alice answers."""
    async with client.as_(owen) as c:
        assert (await c.post("/api/v1/customers/bulk", json=CUSTOMERS)).status_code == 200
        assert (await c.post("/api/v1/orders/bulk", json=ORDERS)).status_code == 200
        customer = (await c.get("/api/v1/customers", params={"external_id": ZHANG})).json()
    async with sessionmaker() as session:
        secret = (await session.get(Shop, owen.shop_id)).widget_secret
    issued = await client.post(
        "/api/v1/widget/acme/visitors",
        json={"customer_id": ZHANG, "customer_signature": customer_signature(secret, ZHANG)},
    )
    headers = {"X-Visitor-Token": issued.json()["token"]}
    conversation = (
        await client.post("/api/v1/widget/conversations", json={}, headers=headers)
    ).json()
    url = f"/api/v1/widget/conversations/{conversation['id']}"
    photo = await client.post(
        f"{url}/images", files={"file": ("包裹.png", png_bytes(), "image/png")}, headers=headers
    )
    for body in (
        {"body": "我住文三路90号，快递还没到"},
        {"kind": "image", "payload": {"upload_id": photo.json()["id"]}},
    ):
        sent = await client.post(
            f"{url}/messages", json={"client_id": str(uuid.uuid4())} | body, headers=headers
        )
        assert sent.status_code == 200, sent.text
    assert (await client.post(f"{url}/rating", json={"rating": 2}, headers=headers)).is_success
    nps = {"score": 3, "comment": "快递员把包裹扔在文三路门口"}
    assert (await client.post(f"{url}/nps", json=nps, headers=headers)).status_code == 201
    return {"customer": customer["items"][0], "conversation_id": conversation["id"]}


async def test_the_owner_downloads_everything_held_about_a_customer(client, owen, sessionmaker):
    held = await _zhang_writes_in(client, owen, sessionmaker)
    async with client.as_(owen) as c:
        answer = await c.get(f"/api/v1/customers/{held['customer']['id']}/personal-data")
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    document = answer.json()
    assert document["customer"]["phone"] == "13812345678", "unmasked: it is the person's own data"
    assert document["orders"][0]["address"]["line"] == "文三路 90 号 3 栋 502"
    assert [line["sku"] for line in document["orders"][0]["lines"]] == ["TS-WHT-M", "SERUM-30"]
    assert "我住文三路90号，快递还没到" in [m["body"] for m in document["messages"]]
    assert document["identities"][0]["handle"] == "zhangwei_tb"
    assert [(a["score"], a["comment"]) for a in document["nps_answers"]] == [
        (3, "快递员把包裹扔在文三路门口")
    ]
    async with sessionmaker() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "customer.export")
        )
    assert (audit.entity_id, audit.after) == (str(held["customer"]["id"]), None)


async def test_erasure_removes_the_person_and_keeps_the_books(
    client, owen, alice, sessionmaker, settings
):
    held = await _zhang_writes_in(client, owen, sessionmaker)
    customer_id = held["customer"]["id"]
    async with sessionmaker() as session:
        upload = await session.scalar(select(Upload))
    picture = stored_path(settings.data_dir, owen.shop_id, upload.stored_name, thumbnail=False)
    assert picture.exists()

    async with client.as_(owen) as c:
        erased = await c.post(
            f"/api/v1/customers/{customer_id}/erase", json={"confirm_external_id": ZHANG}
        )
        assert erased.status_code == 200, erased.text
        assert erased.json() | {"replay_rows": 0} == {
            "customer_id": customer_id,
            "conversations": 1,
            "messages": 2,
            "pictures": 1,
            "orders": 1,
            "cases": 1,  # the review follow-up her 2 stars opened (its text goes)
            "replay_rows": 0,
            "mails": 0,
        }
        customer = (await c.get(f"/api/v1/customers/{customer_id}")).json()
        order = (await c.get("/api/v1/orders", params={"customer_id": customer_id})).json()
    assert (customer["name"], customer["phone"], customer["email"]) == (None, None, None)
    assert customer["external_id"] == f"erased-{customer_id}"
    assert customer["identities"] == []
    [order] = order["items"]
    assert (order["address"], order["note"]) == (None, None)
    assert order["total_cents"] == 2 * 7900 + order["lines"][1]["amount_cents"], "the books stay"
    assert not picture.exists()
    async with sessionmaker() as session:
        bodies = set(await session.scalars(select(Message.body)))
        snapshots = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.after).where(
                    AuditEntry.entity == "customer", AuditEntry.entity_id == str(customer_id)
                )
            )
        ).all()
        answers = (await session.execute(select(NpsAnswer.score, NpsAnswer.comment))).all()
    assert bodies == {"〔内容已应顾客要求删除〕"}
    assert answers == [(3, None)], "the score stays for the figures, the words go"
    assert all("张伟" not in str(after) for _, after in snapshots)
    assert ("customer.erase", erased.json()) in [(a, s) for a, s in snapshots]


async def test_erasure_must_be_confirmed_and_only_the_owner_may(
    client, owen, alice, carol, mallory, sessionmaker
):
    held = await _zhang_writes_in(client, owen, sessionmaker)
    url = f"/api/v1/customers/{held['customer']['id']}"
    async with client.as_(owen) as c:
        unconfirmed = await c.post(f"{url}/erase", json={"confirm_external_id": "C-8802"})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["error"]["field"] == "confirm_external_id"
    for persona, status in ((alice, 403), (carol, 403), (mallory, 404)):
        async with client.as_(persona) as c:
            assert (await c.get(f"{url}/personal-data")).status_code == status
            erase = await c.post(f"{url}/erase", json={"confirm_external_id": ZHANG})
            assert erase.status_code == status
    async with client.as_(owen) as c:
        assert (await c.get(url)).json()["name"] == "张伟", "nothing was erased"


async def test_erasure_takes_the_words_of_a_bad_review_follow_up(client, owen, alice, sessionmaker):
    """Her 2 stars opened a review follow-up whose description and outcome note quote her;
    both go from the case and from the audit log's copies of it."""
    held = await _zhang_writes_in(client, owen, sessionmaker)
    async with sessionmaker() as session:
        case = await session.scalar(select(Case).where(Case.customer_id == held["customer"]["id"]))
    ended = await client.as_(alice).post(
        f"/api/v1/cases/{case.id}/outcome",
        json={"outcome": "not_recovered", "note": "她说快递扔在文三路门口"},
    )
    assert ended.status_code == 200, ended.text
    erased = await client.as_(owen).post(
        f"/api/v1/customers/{held['customer']['id']}/erase", json={"confirm_external_id": ZHANG}
    )
    assert erased.status_code == 200, erased.text
    async with sessionmaker() as session:
        case = await session.get(Case, case.id)
        audit = (
            await session.execute(
                select(AuditEntry.before, AuditEntry.after).where(
                    AuditEntry.entity == "case", AuditEntry.entity_id == str(case.id)
                )
            )
        ).all()
    assert (case.outcome.value, case.outcome_note) == ("not_recovered", None)
    assert audit and all("文三路" not in str(row) for row in audit)


async def _event_ids(sessionmaker) -> set[int]:
    async with sessionmaker() as session:
        return set(await session.scalars(select(StreamEvent.id)))


async def test_after_an_erasure_new_events_get_ids_no_socket_has_seen(client, owen, sessionmaker):
    """张伟's chat is the newest thing in the log: erasing it must not hand the erased
    rows' ids out again, or sockets that saw them would pass over the next events."""
    held = await _zhang_writes_in(client, owen, sessionmaker)
    seen = await _event_ids(sessionmaker)
    async with client.as_(owen) as c:
        erased = await c.post(
            f"/api/v1/customers/{held['customer']['id']}/erase", json={"confirm_external_id": ZHANG}
        )
    assert erased.status_code == 200, erased.text
    assert erased.json()["replay_rows"] > 0
    left = await _event_ids(sessionmaker)
    async with sessionmaker() as session:
        payloads = [str(p) for p in await session.scalars(select(StreamEvent.payload))]
    assert not any("文三路" in payload for payload in payloads)

    visitor = await client.post("/api/v1/widget/acme/visitors", json={})
    headers = {"X-Visitor-Token": visitor.json()["token"]}
    started = await client.post("/api/v1/widget/conversations", json={}, headers=headers)
    assert started.status_code == 200, started.text
    new = await _event_ids(sessionmaker) - left
    assert new and min(new) > max(seen)
