"""Inspect one agent reply: which of the eight finding codes it carries, and why.

Everything the dictionary knows (phrases, soft phrases, exceptions, pattern triggers,
offer words, canned phrases) lives in one Aho–Corasick automaton, so a reply is scanned
once whatever the size of the dictionary; a good reply costs one ``str.translate``, one
scan and, when a pattern's trigger word occurs, that pattern. Only then do the rules run:

- ``phrases``: a hit is a finding, unless an exception of the same code covers it
  ("质量保证" covers "保证");
- ``soft`` phrases (a refusal, "别着急") count only when the reply offers nothing:
  "这个没办法退，不过可以给您换货" is a polite refusal, not a negation;
- ``patterns``: a regular expression tried only when one of its trigger words occurs;
- ``templated``: canned phrases ("亲亲", "请耐心等待", "哦~") are weighed; enough of them
  with little else said is template tone, one "您" and an apology is not."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from kefu.quality.dictionary import CODES, Dictionary, Pattern, load_dictionary, rule_name
from kefu.quality.normalize import table

# Kinds of automaton entries; a key may carry several (one phrase can be an offer and a
# soft phrase of another code).
PHRASE, SOFT, EXCEPT, TRIGGER, OFFER, CANNED = range(6)
ORDER = {code: index for index, code in enumerate(CODES)}


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to create
class Span:
    """Why a finding was made: characters ``start:end`` of the original reply."""

    code: str
    start: int
    end: int
    text: str
    rule: str

    @classmethod
    def of(cls, code: str, text: str, start: int, end: int, kind: str, key: str) -> Span:
        """The span ``start:end`` of ``text``, found by the rule ``kind:key``."""
        return cls(code, start, end, text[start:end], rule_name(kind, key))

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Result:
    findings: list[str]
    spans: list[Span]


class Hit(NamedTuple):
    """A dictionary word found in the normalised reply (a tuple: millions are made)."""

    kind: int
    code: str  # "" for offers
    key: str
    start: int
    end: int


NOTHING = Result([], [])


class Inspector:
    """A compiled dictionary; build once, then call :meth:`check` for every reply."""

    def __init__(self, dictionary: Dictionary):
        self.dictionary = dictionary
        self.patterns_by_trigger: dict[str, list[Pattern]] = {}
        for pattern in dictionary.patterns:
            for trigger in pattern.triggers:
                self.patterns_by_trigger.setdefault(trigger, []).append(pattern)
        self.automaton = self._automaton()
        self.table = table()

    def _automaton(self) -> ahocorasick.Automaton:
        entries: dict[str, list[tuple[int, str]]] = {}
        kinds = {"phrases": PHRASE, "soft": SOFT, "except": EXCEPT}
        for code, by_kind in self.dictionary.phrases.items():
            for kind_name, words in by_kind.items():
                for word in words:
                    entries.setdefault(word, []).append((kinds[kind_name], code))
        for trigger in self.patterns_by_trigger:
            entries.setdefault(trigger, []).append((TRIGGER, ""))
        for word in self.dictionary.offers:
            entries.setdefault(word, []).append((OFFER, ""))
        for word in self.dictionary.canned:
            entries.setdefault(word, []).append((CANNED, "templated"))
        automaton = ahocorasick.Automaton()
        for word, kinds_of_word in entries.items():
            # what the fast path needs: is it a phrase, a pattern trigger, and its
            # weight towards template tone
            phrase = any(kind in (PHRASE, SOFT) for kind, _ in kinds_of_word)
            trigger = any(kind == TRIGGER for kind, _ in kinds_of_word)
            weight = self.dictionary.canned.get(word, 0)
            value = (len(word), word, tuple(kinds_of_word), phrase, trigger, weight)
            automaton.add_word(word, value)
        automaton.make_automaton()
        return automaton

    def check(self, text: str, context: str | None = None) -> Result:
        """Findings of one reply. ``context`` (the shopper's previous message) is accepted
        for rules that need it; the built-in rules decide on the reply alone."""
        normal = text.translate(self.table)
        found = list(self.automaton.iter(normal))
        if not found or not self._worth_a_look(normal, found):
            return NOTHING
        hits = [
            Hit(kind, code, key, end + 1 - length, end + 1)
            for end, (length, key, kinds, _, _, _) in found
            for kind, code in kinds
        ]
        offered = any(hit.kind == OFFER for hit in hits)
        spans = self._phrase_spans(text, hits, offered)
        spans += self._pattern_spans(text, normal, hits, offered)
        spans += self._templated_spans(text, normal, hits)
        spans = _drop_contained(spans)
        return Result(sorted({span.code for span in spans}, key=ORDER.__getitem__), spans)

    def offers(self, text: str) -> bool:
        """Whether the reply offers the shopper something (a word of ``offers``: 不过,
        可以给您, 马上…). The classifier's negations answer to the same rule as the
        dictionary's soft phrases: a refusal with an alternative is not a negation."""
        normal = text.translate(self.table)
        return any(
            kind == OFFER for _, value in self.automaton.iter(normal) for kind, _ in value[2]
        )

    def _worth_a_look(self, normal: str, found: list[tuple[int, tuple[Any, ...]]]) -> bool:
        """Fast path for most replies: no phrase, too few canned words to reach the
        template-tone threshold even counted generously, and no pattern whose trigger
        occurs ("快递" in a good reply) matching."""
        if any(value[3] for _, value in found):
            return True
        if sum(value[5] for _, value in found) >= self.dictionary.threshold:
            return True
        return any(
            pattern.regex.search(normal)
            for _, value in found
            if value[4]
            for pattern in self.patterns_by_trigger[value[1]]
        )

    def _phrase_spans(self, text: str, hits: list[Hit], offered: bool) -> list[Span]:
        excepted = [hit for hit in hits if hit.kind == EXCEPT]
        return [
            Span.of(hit.code, text, hit.start, hit.end, "phrase", hit.key)
            for hit in hits
            if (hit.kind == PHRASE or (hit.kind == SOFT and not offered))
            and not _covered(hit.code, hit.start, hit.end, excepted)
        ]

    def _pattern_spans(self, text: str, normal: str, hits: list[Hit], offered: bool) -> list[Span]:
        excepted = [hit for hit in hits if hit.kind == EXCEPT]
        tried = {
            pattern.name: pattern
            for hit in hits
            if hit.kind == TRIGGER
            for pattern in self.patterns_by_trigger[hit.key]
            if not (pattern.soft and offered)
        }
        return [
            Span.of(pattern.code, text, m.start(), m.end(), "pattern", name)
            for name, pattern in tried.items()
            for m in pattern.regex.finditer(normal)
            if not _covered(pattern.code, m.start(), m.end(), excepted)
        ]

    def _templated_spans(self, text: str, normal: str, hits: list[Hit]) -> list[Span]:
        canned = _outermost([hit for hit in hits if hit.kind == CANNED])
        weight = sum(self.dictionary.canned[key] for key in {hit.key for hit in canned})
        if weight < self.dictionary.threshold:
            return []
        covered = {i for hit in canned for i in range(hit.start, hit.end)}
        substance = sum(1 for i, char in enumerate(normal) if i not in covered and char.isalnum())
        if substance > self.dictionary.max_substance:
            return []
        return [
            Span.of("templated", text, hit.start, hit.end, "stacked", hit.key) for hit in canned
        ]


def _covered(code: str, start: int, end: int, excepted: list[Hit]) -> bool:
    """An exception of the same code overlaps the match where it begins."""
    return any(e.code == code and e.start <= start < e.end for e in excepted)


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Hits not inside a longer hit ("亲" inside "亲亲", "哦" inside "哦~")."""
    ordered = sorted(hits, key=lambda hit: (hit.start, -hit.end))
    kept: list[Hit] = []
    for hit in ordered:
        if kept and hit.end <= kept[-1].end:
            continue
        kept.append(hit)
    return kept


def _drop_contained(spans: list[Span]) -> list[Span]:
    """One span per stretch of text and code: the longest match explains it."""
    ordered = sorted(
        spans, key=lambda span: (span.start, -span.end, span.code, span.rule.startswith("pattern:"))
    )
    kept: list[Span] = []
    for span in ordered:
        if any(k.code == span.code and k.start <= span.start and span.end <= k.end for k in kept):
            continue
        kept.append(span)
    return kept


@cache
def default_inspector() -> Inspector:
    """The inspector with the built-in dictionary, built on first use."""
    return Inspector(load_dictionary())


def inspector_with(extra: list[Path]) -> Inspector:
    """The built-in dictionary extended with a shop's files."""
    return Inspector(load_dictionary(extra)) if extra else default_inspector()


def check(text: str, context: str | None = None) -> Result:
    """Findings of one reply with the built-in dictionary."""
    return default_inspector().check(text, context)


__all__ = ["Inspector", "Result", "Span", "check", "default_inspector", "inspector_with"]
