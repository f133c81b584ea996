"""UI languages: the choice of language for each request, and the language of the code
running in a context; the catalogs themselves are ``kefu.catalogs``."""

from __future__ import annotations

from contextvars import ContextVar

from babel.support import NullTranslations
from starlette.requests import Request

from kefu.catalogs import LOCALE_DIR, LOCALES, N_, normalise, translations

__all__ = ["LOCALES", "LOCALE_DIR", "N_", "normalise", "translations"]

LANG_COOKIE = "kefu_lang"
LANG_PARAM = "lang"
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}

_current: ContextVar[NullTranslations] = ContextVar("kefu_translations")


def accepted_locale(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header that Kefu speaks, by weight
    (``en-US,zh;q=0.8`` → ``en``); None when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        locale = normalise(tag)
        if locale is not None and weight > 0:
            ranked.append((-weight, index, locale))
    return min(ranked)[2] if ranked else None


def chosen_locale(request: Request) -> str | None:
    """The language picked with the switch on this request (``?lang=``), if any."""
    return normalise(request.query_params.get(LANG_PARAM))


def request_locale(request: Request, saved: str | None, default: str) -> str:
    """``?lang=`` → the user's saved choice → the ``kefu_lang`` cookie → the default.

    A logged-in user's saved choice beats the cookie, so a browser that last showed
    the login page in another language still follows the account."""
    for candidate in (
        request.query_params.get(LANG_PARAM),
        saved,
        request.cookies.get(LANG_COOKIE),
        default,
    ):
        locale = normalise(candidate)
        if locale is not None:
            return locale
    return LOCALES[0]


def activate(locale: str) -> object:
    """Make ``locale`` the language of the code running in this context; returns a token
    for ``deactivate``."""
    return _current.set(translations(locale))


def deactivate(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def gettext(message: str) -> str:
    return _current.get(translations(LOCALES[0])).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get(translations(LOCALES[0])).ngettext(singular, plural, n)
