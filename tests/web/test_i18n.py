"""The catalogs match the code: every UI string has a Chinese translation, and every
template and Python message is in the catalogs (extracted the way `pybabel extract` does)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from kefu.web.i18n import LOCALE_DIR, normalise

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def extracted() -> frozenset[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return frozenset(
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(ROOT, method_map, options_map)
    )


def catalog(locale: str):
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def test_extraction_finds_the_ui_strings():
    assert {"Sign in", "Orders", "Pending payment", "Audit log"} <= extracted()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_ui_string_is_in_the_catalog(locale):
    ids = {m.id for m in catalog(locale) if m.id}
    missing = sorted(extracted() - ids)
    assert not missing, f"run pybabel extract/update; missing in {locale}: {missing[:10]}"


def test_every_message_has_a_chinese_translation_with_the_same_placeholders():
    for message in catalog("zh_CN"):
        if not message.id:
            continue
        assert message.string, f"no zh_CN translation for {message.id!r}"
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
            message.id
        )


def test_catalogs_hold_no_stale_messages():
    stale = sorted({m.id for m in catalog("zh_CN") if m.id} - extracted())
    assert not stale, f"messages no longer used: {stale[:10]}"


@pytest.mark.parametrize(
    ("given", "locale"),
    [("zh-CN", "zh_CN"), ("zh_cn", "zh_CN"), ("en-US", "en"), ("fr", None), ("", None)],
)
def test_language_names_are_normalised(given, locale):
    assert normalise(given) == locale
