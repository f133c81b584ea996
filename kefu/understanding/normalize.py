"""One spelling per message before anything reads it: shoppers mix traditional and
simplified characters, full-width and half-width digits, letters and punctuation
(``１２３``, ``ＸＬ``, ``！``), so the model and the rules see them folded the same way."""

from __future__ import annotations

import re
import unicodedata
from functools import cache


@cache
def _converter():  # type: ignore[no-untyped-def]
    """OpenCC's traditional→simplified converter (loading its dictionaries takes a moment,
    so once per process)."""
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC (full-width → half-width, ``㎏`` → ``kg``) then traditional → simplified;
    the case is kept so entity values read as the shopper wrote them."""
    return _converter().convert(unicodedata.normalize("NFKC", text))


# An order or tracking number's digits say nothing about intent, but that there is one does.
_LONG_NUMBER = re.compile(r"[a-z]{0,4}\d{8,}")


def normalize(text: str) -> str:
    """What the classifier reads: :func:`fold`, lower-cased, long numbers (with a carrier
    prefix) replaced by the word 单号, runs of spaces collapsed."""
    return " ".join(_LONG_NUMBER.sub(" 单号 ", fold(text).lower()).split())
