"""The optional LLM's contract, against a fake OpenAI-compatible server on loopback: what
Kefu sends (path, bearer key, model, the draft) and how every failure reads (409 not
configured, 503 unreachable / too slow / rate-limited, 502 an error or a malformed
answer), with the key never in a message or a log line."""

from __future__ import annotations

import logging
import socket

import pytest

from kefu.errors import BadGateway, ServiceUnavailable
from kefu.knowledge.llm import LlmConfig, chat, rephrase_messages
from tests.knowledge.conftest import say
from tests.knowledge.fake_llm import KEY, POLISHED


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(url: str, timeout: float = 5) -> LlmConfig:
    return LlmConfig(base_url=url, api_key=KEY, model="qwen-test", timeout_seconds=timeout)


async def test_a_rephrase_is_one_chat_completion_with_the_bearer_key(fake_llm):
    text = await chat(_config(fake_llm.url), rephrase_messages("明天到", "快递到哪了"))
    assert text == POLISHED
    [sent] = fake_llm.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == f"Bearer {KEY}"
    assert sent["body"]["model"] == "qwen-test"
    roles = [m["role"] for m in sent["body"]["messages"]]
    assert roles == ["system", "user"]
    assert "明天到" in sent["body"]["messages"][1]["content"]
    assert "快递到哪了" in sent["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    ("mode", "error", "code"),
    [
        ("busy", ServiceUnavailable, "llm_rate_limited"),
        ("error", BadGateway, "llm_error"),
        ("not_json", BadGateway, "llm_malformed"),
        ("no_choices", BadGateway, "llm_malformed"),
    ],
)
async def test_each_failure_is_a_clear_error_without_the_key(fake_llm, caplog, mode, error, code):
    fake_llm.mode = mode
    with caplog.at_level(logging.DEBUG), pytest.raises(error) as raised:
        await chat(_config(fake_llm.url), rephrase_messages("好的"))
    assert raised.value.code == code
    assert KEY not in raised.value.message and KEY not in caplog.text


async def test_too_slow_and_unreachable_are_unavailable(fake_llm, caplog):
    fake_llm.mode = "slow"
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceUnavailable) as slow:
        await chat(_config(fake_llm.url, timeout=0.3), rephrase_messages("好的"))
    assert slow.value.code == "llm_timeout" and "0.3 seconds" in slow.value.message
    gone = _config(f"http://127.0.0.1:{_closed_port()}/v1")
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceUnavailable) as unreachable:
        await chat(gone, rephrase_messages("好的"))
    assert unreachable.value.code == "llm_unreachable"
    assert "cannot be reached" in unreachable.value.message
    assert KEY not in caplog.text and KEY not in repr(gone)


async def test_the_agent_gets_a_rephrased_draft_through_the_api(client, alice, shopper, llm_on):
    await say(client, shopper, "我的快递怎么还没到")
    url = f"/api/v1/conversations/{shopper.conversation_id}/rephrase"
    done = await client.as_(alice).post(url, json={"text": "明天到，等着"})
    assert done.status_code == 200, done.text
    assert done.json() == {"text": POLISHED}
    user = llm_on.requests[0]["body"]["messages"][1]["content"]
    assert "我的快递怎么还没到" in user and "明天到，等着" in user
    # Nothing was stored: the shopper sees only their own message.
    messages = await client.as_(alice).get(
        f"/api/v1/conversations/{shopper.conversation_id}/messages"
    )
    assert POLISHED not in messages.text
    for mode, status in (("busy", 503), ("slow", 503), ("no_choices", 502)):
        llm_on.mode = mode
        failed = await client.as_(alice).post(url, json={"text": "明天到"})
        assert failed.status_code == status, (mode, failed.text)
        assert KEY not in failed.text
    empty = await client.as_(alice).post(url, json={"text": "  "})
    assert (empty.status_code, empty.json()["error"]["field"]) == (422, "text")


async def test_without_configuration_the_api_says_so(client, alice, shopper):
    url = f"/api/v1/conversations/{shopper.conversation_id}/rephrase"
    refused = await client.as_(alice).post(url, json={"text": "明天到"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "llm_not_configured"
    assert "KEFU_LLM_BASE_URL" in refused.json()["error"]["message"]


async def test_a_visitor_cannot_rephrase(client, shopper, llm_on):
    url = f"/api/v1/conversations/{shopper.conversation_id}/rephrase"
    refused = await client.post(url, json={"text": "明天到"}, headers=shopper.headers)
    assert refused.status_code in (401, 403)
    assert llm_on.requests == []


async def test_the_refusal_reads_in_chinese_for_the_workspace(client, alice, shopper):
    url = f"/api/v1/conversations/{shopper.conversation_id}/rephrase"
    refused = await client.as_(alice).post(
        url, json={"text": "明天到"}, headers={"Accept-Language": "zh-CN"}
    )
    assert refused.json()["error"]["message"].startswith("AI 助手尚未配置")


async def test_the_composer_shows_ai_draft_and_rephrase_only_when_an_llm_is_configured(
    client, app, alice, fake_llm
):
    off = await client.as_(alice).get("/workspace")
    assert off.status_code == 200
    assert 'id="ws-rephrase"' not in off.text and 'id="ws-draft"' not in off.text
    kept = app.state.settings
    app.state.settings = kept.model_copy(
        update={"llm_base_url": fake_llm.url, "llm_model": "qwen-test"}
    )
    try:
        on = await client.as_(alice).get("/workspace")
    finally:
        app.state.settings = kept
    assert 'id="ws-rephrase"' in on.text and "AI 润色" in on.text
    assert 'id="ws-draft"' in on.text and "AI 起草" in on.text
