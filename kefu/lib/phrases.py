"""Quick-phrase templating: ``{客户昵称}`` and friends filled from the conversation.

A variable with no value in the context is left as written, so the agent sees the gap
in the composer and fills it by hand instead of sending an empty hole."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The variables a phrase may use, in the order the workspace offers them.
VARIABLES = ("客户昵称", "订单号", "物流单号", "商品名")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")


def placeholders(template: str) -> list[str]:
    """The variable names ``template`` uses, each once, in order."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(template)))


def fill(template: str, values: Mapping[str, str | None]) -> str:
    """``template`` with each ``{name}`` that has a non-empty value replaced by it."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value or match.group(0)

    return _PLACEHOLDER.sub(replace, template)


def fill_or_drop(template: str, values: Mapping[str, str | None]) -> str:
    """``template`` with every variable replaced, by its value or else by nothing: for
    text sent without a person reading it first (the bot), where a gap must not show."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or "", template)


def unfilled_variables(text: str) -> list[str]:
    """The phrase variables ``text`` still holds as written (``fill`` found no value)."""
    return [name for name in placeholders(text) if name in VARIABLES]


def unknown_variables(template: str) -> list[str]:
    """Names in ``template`` that are not among ``VARIABLES`` (a typo such as {客户名})."""
    return [name for name in placeholders(template) if name not in VARIABLES]
