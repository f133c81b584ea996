"""Settings → reply quality: an owner chooses the findings that block sending a reply."""

from __future__ import annotations

import re


async def test_owner_chooses_blocking_findings(as_, owen, client):
    owner = as_(owen)
    page = await owner.get("/settings/quality")
    assert page.status_code == 200
    assert "蔑视语" in page.text and "过度承诺" in page.text
    assert "可能是我没讲清楚，我再详细说明一下～" in page.text  # how to say it instead
    assert 'href="/settings/quality"' in page.text  # listed among the sections

    saved = await owner.submit("/settings/quality", {"blocking": ["quarrel", "contempt"]})
    assert saved.status_code == 303
    blocking = await client.as_(owen).get("/api/v1/shop/quality")
    assert blocking.json()["blocking"] == ["contempt", "quarrel"]
    page = (await owner.get("/settings/quality")).text
    assert len(re.findall(r'name="blocking" value="\w+" checked', page)) == 2

    assert (await owner.submit("/settings/quality", {})).status_code == 303  # none blocks
    assert (await client.as_(owen).get("/api/v1/shop/quality")).json()["blocking"] == []
    forged = await owner.submit("/settings/quality", {"blocking": ["<script>"]})
    assert forged.status_code == 422
    assert "请从列出的问题中选择" in forged.text and "<script>" not in forged.text
    audit = (await owner.get("/settings/audit")).text
    assert "shop.update_quality" in audit


async def test_only_owners_open_the_quality_settings(as_, carol, alice):
    for persona in (carol, alice):
        assert (await as_(persona).get("/settings/quality")).status_code == 403
