"""Page views reach the shop's agents live (``visitor.activity`` frames on the agent
socket, never stored): what the live visitor list page shows without polling."""

from __future__ import annotations

import httpx

from tests.chat.conftest import agent_socket


def _is_activity(frame) -> bool:
    return frame["type"] == "visitor.activity"


async def _browse(http: httpx.AsyncClient, shop_slug: str, page: dict) -> str:
    issued = (await http.post(f"/api/v1/widget/{shop_slug}/visitors", json={})).json()
    headers = {"X-Visitor-Token": issued["token"]}
    for _ in range(2):  # the widget's report, then its repeat while the shopper stays
        assert (await http.post("/api/v1/widget/page-views", json=page, headers=headers)).is_success
    return issued["visitor_id"]


async def test_agents_of_the_shop_and_only_they_see_a_page_view_live(
    server, alice, mallory, personas
):
    alice_ws = await agent_socket(server, alice)
    mallory_ws = await agent_socket(server, mallory)
    page = {"page": "https://shop.example.com/p/DN01", "title": "90白鸭绒轻薄羽绒服"}
    async with httpx.AsyncClient(base_url=f"http://{server}") as http:
        acmes = await _browse(http, "acme", page | {"product_id": "DN01"})
        hers = await _browse(http, "mallory-mart", page | {"title": "Mallory 羽绒服"})
        first = await alice_ws.expect(_is_activity)
        assert first["visitor"]["visitor_id"] == acmes
        assert (first["visitor"]["page_title"], first["visitor"]["product_id"]) == (
            "90白鸭绒轻薄羽绒服",
            "DN01",
        )
        assert first["visitor"]["returning"] is False
        # Mallory's first frame is her own shopper's: acme's never reached her socket.
        assert (await mallory_ws.expect(_is_activity))["visitor"]["visitor_id"] == hers
        moved = await _browse(http, "acme", page | {"page": "https://shop.example.com/cart"})
        # The repeated report sent nothing: the next frame alice gets is the next shopper's.
        assert (await alice_ws.expect(_is_activity))["visitor"]["visitor_id"] == moved
    await alice_ws.close()
    await mallory_ws.close()
