"""One-to-one character normalisation before matching: traditional to simplified Chinese,
full-width ASCII to half-width, the ideographic space to a space, upper to lower case.

Every replacement is one character for one character, so an offset into the normalised
text is the same offset into the original: spans are reported on what the agent typed
without any mapping back. OpenCC's phrase conversion can change lengths, so its
character table is taken one character at a time once, when the table is first built."""

from __future__ import annotations

from functools import cache

CJK_FIRST, CJK_LAST = 0x4E00, 0x9FFF
FULL_WIDTH_FIRST, FULL_WIDTH_LAST = 0xFF01, 0xFF5E
FULL_WIDTH_OFFSET = 0xFEE0


def _traditional_to_simplified() -> dict[int, int]:
    """Characters OpenCC's ``t2s`` turns into another single character."""
    import opencc

    chars = [chr(code) for code in range(CJK_FIRST, CJK_LAST + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a phrase rule joined lines: convert one by one
        convert = opencc.OpenCC("t2s").convert
        converted = [convert(char) for char in chars]
    return {
        ord(old): ord(new)
        for old, new in zip(chars, converted, strict=True)
        if len(new) == 1 and new != old
    }


@cache
def table() -> dict[int, int]:
    """The ``str.translate`` table (built once per process, a few milliseconds)."""
    mapping = _traditional_to_simplified()
    for code in range(FULL_WIDTH_FIRST, FULL_WIDTH_LAST + 1):
        mapping[code] = code - FULL_WIDTH_OFFSET
    mapping[0x3000] = ord(" ")
    for code in range(ord("A"), ord("Z") + 1):
        mapping[code] = code + 32
    for code in range(ord("Ａ"), ord("Ｚ") + 1):
        mapping[code] = code - FULL_WIDTH_OFFSET + 32
    return mapping


def normalize(text: str) -> str:
    """``text`` ready for matching, with exactly as many characters as ``text``."""
    return text.translate(table())
