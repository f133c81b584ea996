"""Images in a chat: judged by their content (never the file name), size-limited, with a
thumbnail, and visible only to the conversation's shopper and the shop's agents."""

from __future__ import annotations

import uuid

from tests.chat.conftest import Shopper, make_shopper
from tests.widget.conftest import png_bytes

HTML_PAGE = b"<!doctype html><html><body><script>alert('pwned')</script></body></html>"


async def upload(client, shopper: Shopper, name: str, data: bytes, content_type: str):
    return await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/images",
        files={"file": (name, data, content_type)},
        headers=shopper.headers,
    )


async def test_a_png_named_exe_is_accepted_as_a_png_with_a_thumbnail(client, acme_shopper):
    stored = await upload(client, acme_shopper, "发票.exe", png_bytes(), "application/x-msdownload")
    assert stored.status_code == 201, stored.text
    assert stored.json() | {"id": 0} == {
        "id": 0,
        "conversation_id": acme_shopper.conversation_id,
        "content_type": "image/png",
        "byte_size": len(png_bytes()),
        "width": 640,
        "height": 480,
    }
    image_id = stored.json()["id"]
    full = await client.get(f"/api/v1/widget/images/{image_id}", headers=acme_shopper.headers)
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.content == png_bytes()
    thumb = await client.get(
        f"/api/v1/widget/images/{image_id}/thumbnail", headers=acme_shopper.headers
    )
    assert thumb.headers["content-type"] == "image/webp"
    assert thumb.content[:4] == b"RIFF" and thumb.content[8:12] == b"WEBP"
    assert len(thumb.content) < len(png_bytes())


async def test_the_image_message_names_the_upload(client, acme_shopper, alice):
    image_id = (await upload(client, acme_shopper, "a.png", png_bytes(), "image/png")).json()["id"]
    sent = await client.post(
        f"/api/v1/widget/conversations/{acme_shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "kind": "image", "payload": {"upload_id": image_id}},
        headers=acme_shopper.headers,
    )
    assert sent.status_code == 200, sent.text
    async with client.as_(alice) as c:
        seen = await c.get(f"/api/v1/conversations/{acme_shopper.conversation_id}/messages")
        assert seen.json()["items"][0]["payload"] == {"upload_id": image_id}
        assert (await c.get(f"/api/v1/images/{image_id}")).content == png_bytes()
        thumb = await c.get(f"/api/v1/images/{image_id}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"


async def test_an_html_page_named_png_is_refused(client, acme_shopper):
    refused = await upload(client, acme_shopper, "商品.png", HTML_PAGE, "image/png")
    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "unsupported_type"
    assert "PNG, JPEG, GIF or WebP" in refused.json()["error"]["message"]


async def test_a_damaged_image_is_refused(client, acme_shopper):
    refused = await upload(client, acme_shopper, "a.png", png_bytes()[:200], "image/png")
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "file"


async def test_an_image_over_the_limit_is_refused_with_413(client, acme_shopper, settings):
    too_big = png_bytes() + b"\0" * (settings.widget_upload_max_bytes + 1 - len(png_bytes()))
    refused = await upload(client, acme_shopper, "big.png", too_big, "image/png")
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "too_large"


async def test_another_visitors_image_is_not_found(client, acme_shopper):
    image_id = (await upload(client, acme_shopper, "a.png", png_bytes(), "image/png")).json()["id"]
    other = await make_shopper(client)
    for suffix in ("", "/thumbnail"):
        answer = await client.get(
            f"/api/v1/widget/images/{image_id}{suffix}", headers=other.headers
        )
        assert answer.status_code == 404
    assert (await client.get(f"/api/v1/widget/images/{image_id}")).status_code == 401


async def test_a_visitor_cannot_upload_to_another_visitors_conversation(client, acme_shopper):
    other = await make_shopper(client)
    other.conversation_id = acme_shopper.conversation_id
    refused = await upload(client, other, "a.png", png_bytes(), "image/png")
    assert refused.status_code == 404


async def test_another_shop_sees_nothing_of_acmes_images(client, acme_shopper, mallory, alice):
    image_id = (await upload(client, acme_shopper, "a.png", png_bytes(), "image/png")).json()["id"]
    async with client.as_(mallory) as c:
        assert (await c.get(f"/api/v1/images/{image_id}")).status_code == 404
        assert (await c.get(f"/api/v1/images/{image_id}/thumbnail")).status_code == 404
        posted = await c.post(
            f"/api/v1/conversations/{acme_shopper.conversation_id}/images",
            files={"file": ("a.png", png_bytes(), "image/png")},
        )
        assert posted.status_code == 404
    async with client.as_(alice) as c:
        sent = await c.post(
            f"/api/v1/conversations/{acme_shopper.conversation_id}/images",
            files={"file": ("尺码表.png", png_bytes(320, 200), "image/png")},
        )
        assert sent.status_code == 201
    seen = await client.get(
        f"/api/v1/widget/images/{sent.json()['id']}", headers=acme_shopper.headers
    )
    assert seen.status_code == 200, "the shopper sees the image the agent sent them"
