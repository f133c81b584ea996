"""The optional LLM: an OpenAI-compatible chat-completions client that rephrases an
agent's draft (AI 润色) and drafts whole replies (AI 起草, whose prompt is
kefu.knowledge.drafting). Off unless ``KEFU_LLM_BASE_URL`` and ``KEFU_LLM_MODEL`` are set;
nothing else in Kefu needs it.

Every way the service can fail becomes a domain error a person understands: not
configured (409), unreachable, too slow or rate-limited (503: try again later), an
answer that is not a chat completion or an error status (502). The API key is sent as a
bearer token and never appears in a message, a log line or an exception; neither does
the service's error body (it may echo what was sent)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from kefu.errors import BadGateway, Conflict, ServiceUnavailable

log = logging.getLogger(__name__)

MAX_DRAFT = 2000  # characters of a draft sent for rephrasing
MAX_ANSWER = 4000  # characters of a rephrased draft kept
REPHRASE_PROMPT = (
    "你是电商店铺的客服写作助手。把客服写的回复草稿润色成礼貌、亲切、简洁的中文客服用语，"
    "可以用“亲”称呼顾客。保留草稿中的所有事实、数字、订单号、运单号和承诺，不要编造新信息，"
    "不要添加草稿里没有的优惠或承诺。只输出润色后的回复本身，不要解释。"
)


@dataclass(frozen=True, slots=True)
class LlmConfig:
    base_url: str  # e.g. https://api.example.com/v1; /chat/completions is appended
    api_key: str = ""
    model: str = ""
    timeout_seconds: float = 30.0

    def __repr__(self) -> str:  # the key stays out of any log of this object
        return f"LlmConfig(base_url={self.base_url!r}, model={self.model!r})"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url


def llm_config(settings: Any) -> LlmConfig | None:
    """The adapter's settings, or None while the LLM is off (no base URL or model)."""
    base_url, model = settings.llm_base_url.strip(), settings.llm_model.strip()
    if not base_url or not model:
        return None
    return LlmConfig(
        base_url=base_url.rstrip("/"),
        api_key=settings.llm_api_key.get_secret_value(),
        model=model,
        timeout_seconds=settings.llm_timeout_seconds,
    )


def require_config(config: LlmConfig | None) -> LlmConfig:
    if config is None:
        raise Conflict(
            "the AI assistant is not configured: set KEFU_LLM_BASE_URL and KEFU_LLM_MODEL",
            code="llm_not_configured",
        )
    return config


def _content(data: Any) -> str:
    """The first choice's text of a chat-completions answer, else ``BadGateway``."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str) or not content.strip():
        raise BadGateway(
            "the AI assistant's answer was not a chat completion with text", code="llm_malformed"
        )
    return content.strip()[:MAX_ANSWER]


async def chat(
    config: LlmConfig,
    messages: list[dict[str, str]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """One chat completion: the assistant's text for ``messages``."""
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    body = {"model": config.model, "messages": messages, "temperature": 0.3}
    url = f"{config.base_url}/chat/completions"
    try:
        async with httpx.AsyncClient(
            timeout=config.timeout_seconds, transport=transport, follow_redirects=False
        ) as client:
            response = await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException as exc:
        log.warning("LLM at %s timed out after %ss", config.host, config.timeout_seconds)
        raise ServiceUnavailable(
            f"the AI assistant did not answer within {config.timeout_seconds:g} seconds; "
            "try again later",
            code="llm_timeout",
        ) from exc
    except httpx.HTTPError as exc:
        log.warning("LLM at %s unreachable: %s", config.host, type(exc).__name__)
        raise ServiceUnavailable(
            f"the AI assistant at {config.host} cannot be reached; try again later",
            code="llm_unreachable",
        ) from exc
    if response.status_code == 429:
        raise ServiceUnavailable(
            "the AI assistant is busy (too many requests); try again in a minute",
            code="llm_rate_limited",
        )
    if response.status_code >= 400:
        log.warning("LLM at %s answered HTTP %s", config.host, response.status_code)
        raise BadGateway(
            f"the AI assistant answered with an error (HTTP {response.status_code})",
            code="llm_error",
        )
    try:
        data = response.json()
    except ValueError as exc:
        raise BadGateway("the AI assistant's answer was not JSON", code="llm_malformed") from exc
    return _content(data)


def rephrase_messages(draft: str, shopper_said: str | None = None) -> list[dict[str, str]]:
    """The prompt: the house style, what the shopper last said (for tone), the draft."""
    user = f"客服草稿：\n{draft}"
    if shopper_said:
        user = f"顾客刚才说：\n{shopper_said[:500]}\n\n" + user
    return [{"role": "system", "content": REPHRASE_PROMPT}, {"role": "user", "content": user}]
