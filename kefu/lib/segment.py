"""Chinese word segmentation for message search (jieba, search mode).

Why segment at query time and match substrings: neither SQLite FTS5's tokenizers nor
PostgreSQL's text-search parsers split Chinese into words (a run of Han characters is one
token, and FTS5's trigram tokenizer cannot match two-character words such as 退货). A
word found by jieba is matched as a substring of the message text, which works the same
on both databases: "退货 尺码" finds "尺码不合适想退货" whatever the word order."""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from types import ModuleType

MAX_TERMS = 8
_PUNCTUATION = set(" \t\r\n,.;:!?，。；：！？、（）()[]【】\"'“”‘’")


@cache
def jieba_module() -> ModuleType:
    """jieba, imported at its first use: the import alone (pkg_resources with it) costs
    every server process ~20 MiB, whether anybody searches or the bot answers or not."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


async def ready() -> None:
    """Build jieba's dictionary once per process, in a thread, before the first search.

    Built inside a request it would stall the event loop (and every socket of the
    process) for seconds; built at start-up it would cost every server process ~100 MiB
    whether anybody searches or not (measured by ``kefu bench idle``). So the first search
    waits for it, and nothing else does (jieba builds it once under its own lock)."""
    jieba = jieba_module()
    if not jieba.dt.initialized:
        await asyncio.to_thread(jieba.initialize)


def search_terms(query: str) -> list[str]:
    """The words of ``query`` to look for, longest first, without duplicates or
    punctuation; a word jieba keeps whole also covers its parts, so parts are dropped."""
    words = [w.strip() for w in jieba_module().cut(query.strip()) if w.strip()]
    terms = [w for w in dict.fromkeys(words) if not set(w) <= _PUNCTUATION]
    return sorted(terms, key=len, reverse=True)[:MAX_TERMS]
