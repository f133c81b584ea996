"""The message catalogs: Babel catalogs compiled in memory from the ``.po`` files, the
languages Kefu speaks, and the marker for messages translated later. Below the web layer,
so domain code that writes to shoppers in their shop's language (the bot, mails) reads
them without importing the web (``kefu.web.i18n`` adds the choice of language per request).

The repository holds only the ``.po`` sources. Message ids are English; ``zh_CN`` is the
default language, ``en`` the second."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALES = ("zh_CN", "en")


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (labels, enums)."""
    return message


def normalise(value: str | None) -> str | None:
    """``zh-CN``, ``zh_cn``, ``zh`` → ``zh_CN``; ``en-US`` → ``en``; anything else → None."""
    if not value:
        return None
    lowered = value.strip().replace("-", "_").lower()
    if lowered.startswith("zh"):
        return "zh_CN"
    if lowered.startswith("en"):
        return "en"
    return None


@cache
def translations(locale: str) -> Translations:
    """The catalog of ``locale``, read from its ``.po`` file once per process."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")
