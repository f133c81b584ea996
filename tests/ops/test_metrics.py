"""``/metrics``: what it counts (HTTP by route template, sockets, messages, jobs) and who
may read it (this machine without a proxy, or a scraper with the token)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from tests.chat.conftest import make_shopper, server, visitor_socket  # noqa: F401
from tests.ops.conftest import client_of

TOKEN = "prom-" + "s" * 40


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def scrape(client) -> dict[str, list]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


async def test_requests_are_counted_by_route_template_not_by_path(client, alice):
    route = "/api/v1/conversations/{conversation_id}"
    before = sample("kefu_http_requests_total", route=route, method="GET", status="404")
    for conversation_id in (9991, 9992):
        answer = await client.as_(alice).get(f"/api/v1/conversations/{conversation_id}")
        assert answer.status_code == 404
    await client.get("/no/such/page/13812345678")
    await client.request("BREW", "/api/v1/conversations")

    families = await scrape(client)
    counted = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in families["kefu_http_requests"]
        if s.name == "kefu_http_requests_total"
    }
    assert counted[(route, "404")] == before + 2
    assert ("unmatched", "404") in counted
    assert not any("9991" in route or "1381234" in route for route, _ in counted)
    methods = {s.labels["method"] for s in families["kefu_http_requests"]}
    assert "BREW" not in methods and "other" in methods
    latency = families["kefu_http_request_duration_seconds"]
    buckets = [s for s in latency if s.labels["route"] == route]
    assert buckets, "latency histogram of the route"


async def test_messages_are_counted_by_sender(client, personas):
    shopper = await make_shopper(client)
    sent = sample("kefu_messages_total", sender="visitor")
    answer = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "请问这件羊毛衫什么时候发货？"},
        headers=shopper.headers,
    )
    assert answer.status_code == 200, answer.text
    assert sample("kefu_messages_total", sender="visitor") == sent + 1


async def test_open_websockets_and_group_commits_are_counted(server, client, personas):  # noqa: F811
    shopper = await make_shopper(client)
    before = sample("kefu_websockets_open", kind="visitor")
    batches = sample("kefu_group_commit_batch_size_count")
    socket = await visitor_socket(server, shopper)
    assert sample("kefu_websockets_open", kind="visitor") == before + 1
    ack = await socket.say(shopper.conversation_id, "在吗？想问下尺码")
    assert ack["type"] == "ack", ack
    assert sample("kefu_group_commit_batch_size_count") == batches + 1
    await socket.close()
    async with httpx.AsyncClient() as http:  # the server notices the close on its own time
        for _ in range(200):
            if sample("kefu_websockets_open", kind="visitor") == before:
                break
            await http.get(f"http://{server}/healthz")
    assert sample("kefu_websockets_open", kind="visitor") == before


async def test_jobs_are_counted_by_state_from_the_database(client, session, alice):
    endpoint = WebhookEndpoint(
        shop_id=alice.shop_id, url="https://erp.example.com/hook", secret="k" * 32, event_types=[]
    )
    session.add(endpoint)
    await session.flush()
    for state in (DeliveryState.QUEUED, DeliveryState.QUEUED, DeliveryState.DEAD):
        session.add(
            WebhookDelivery(
                shop_id=alice.shop_id,
                endpoint_id=endpoint.id,
                event="message.created",
                payload={"body": "你好"},
                state=state,
            )
        )
    await session.commit()
    families = await scrape(client)
    jobs = {s.labels["state"]: s.value for s in families["kefu_jobs"]}
    assert jobs == {"queued": 2, "running": 0, "dead": 1}


@pytest.mark.parametrize(
    "client_address, headers",
    [
        (("203.0.113.7", 40000), {}),
        (("127.0.0.1", 40000), {"X-Forwarded-For": "203.0.113.7"}),
        (("127.0.0.1", 40000), {"X-Real-IP": "203.0.113.7"}),
    ],
)
async def test_without_a_token_only_direct_local_clients_may_scrape(app, client_address, headers):
    transport = httpx.ASGITransport(app=app, client=client_address)
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as http:
        response = await http.get("/metrics", headers=headers)
    assert response.status_code == 403
    assert "KEFU_METRICS_TOKEN" in response.json()["error"]["message"]


async def test_with_a_token_a_scraper_must_send_it(app_with):
    app = app_with(metrics_token=TOKEN)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as http:
        assert (await http.get("/metrics")).status_code == 403
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200
        assert "kefu_http_requests_total" in right.text
    async with client_of(app) as local:  # the token is needed from localhost too
        assert (await local.get("/metrics")).status_code == 403
