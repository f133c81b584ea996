"""The full check of agent replies: the dictionary and the trained classifier together.

The dictionary (:mod:`kefu.quality.inspector`) is precise and says exactly which words
made a finding, but only knows what somebody wrote down; the classifier
(:mod:`kefu.quality.classifier`) catches the paraphrases. A code is found when either
finds it. A dictionary finding keeps its spans (``phrase:``, ``pattern:``,
``stacked:``); a code only the classifier found is explained by the clause of the reply
(cut at punctuation) that the classifier scores highest for it, with the rule
``classifier:<probability of the whole reply>``. Like the dictionary's soft phrases,
the classifier's ``negation`` and ``emotion_denial`` count only when the reply offers
the shopper nothing (no word of the dictionary's ``offers``).

The classifier also arbitrates the built-in dictionary, which matches words without
reading the rest of the reply: "别担心" before "包裹没丢，我刚确认它在派送车上" is
reassurance, "没办法直接改，需要先红冲再重开，我今天就给您办" a refusal with a way out,
though neither has a listed offer word. A finding made only by built-in soft phrases
needs the classifier's probability for its code at half the code's threshold or more; any
other built-in finding is dropped only when the classifier all but rules it out (below a
tenth of the threshold). A shop's own entries are never overruled: the shop wrote them
down for its own reasons. Measured on four sets of replies written by sessions that never
saw the corpus or the dictionary (docs/quality.md): micro-F1 0.853 → 0.869, false alarms
4.8 % → 1.7 %.

Replies are checked in batches: the classifier vectorises all of them at once, then all
clauses of the replies that need a span at once, so a batch costs two matrix products
rather than one per reply."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kefu.quality.classifier import QualityModel, clauses, default_model
from kefu.quality.dictionary import CODES
from kefu.quality.inspector import ORDER, Inspector, Result, Span, default_inspector

# Codes the classifier finds only when the reply offers nothing, as the dictionary's soft
# phrases: "这个没办法退，不过可以给您换货" is a polite refusal, "您先别着急，我马上帮您查"
# reassurance.
SOFT_CODES = ("negation", "emotion_denial")
SOFT_AGREEMENT = 0.5  # share of a code's threshold a built-in soft finding needs
VETO = 0.1  # below this share of its threshold the classifier drops a built-in finding


def check_replies(
    replies: Sequence[tuple[str, str | None]],
    inspector: Inspector | None = None,
    model: QualityModel | None = None,
) -> list[Result]:
    """Findings of each ``(text, context)`` reply, in order. ``context`` (the shopper's
    previous message) goes to the dictionary's rules; the classifier reads the reply."""
    inspector = inspector or default_inspector()
    model = model or default_model()
    texts = [text for text, _ in replies]
    probabilities = model.probabilities(texts)
    by_dictionary = [
        _arbitrated(inspector, model, inspector.check(text, context), probabilities[row])
        for row, (text, context) in enumerate(replies)
    ]
    wanted = [
        (int(row), int(column))
        for row, column in zip(*np.nonzero(model.found(probabilities)), strict=True)
        if CODES[column] not in by_dictionary[row].findings
        and not (CODES[column] in SOFT_CODES and inspector.offers(texts[row]))
    ]
    extra = _clause_spans(model, texts, probabilities, wanted)
    return [_merged(result, extra.get(row, [])) for row, result in enumerate(by_dictionary)]


def _arbitrated(
    inspector: Inspector, model: QualityModel, result: Result, probabilities: np.ndarray
) -> Result:
    """The dictionary's findings the classifier does not overrule (see the module's
    docstring): each code is judged on all of its spans together."""
    dropped = set()
    for code in result.findings:
        rules = [span.rule for span in result.spans if span.code == code]
        if any(rule in inspector.dictionary.own_rules for rule in rules):
            continue
        soft = all((code, rule) in inspector.dictionary.soft_rules for rule in rules)
        column = ORDER[code]
        needed = (SOFT_AGREEMENT if soft else VETO) * model.thresholds[column]
        if probabilities[column] < needed:
            dropped.add(code)
    if not dropped:
        return result
    return Result(
        [code for code in result.findings if code not in dropped],
        [span for span in result.spans if span.code not in dropped],
    )


def _clause_spans(
    model: QualityModel,
    texts: list[str],
    probabilities: np.ndarray,
    wanted: list[tuple[int, int]],
) -> dict[int, list[Span]]:
    """For each (reply, code) the classifier alone found, the best clause as a span."""
    rows = sorted({row for row, _ in wanted})
    cut = {row: clauses(texts[row]) for row in rows}
    pieces = [texts[row][start:end] for row in rows for start, end in cut[row]]
    scores = model.probabilities(pieces)
    first, offset = {}, 0
    for row in rows:
        first[row] = offset
        offset += len(cut[row])
    spans: dict[int, list[Span]] = {}
    for row, column in wanted:
        candidates = scores[first[row] : first[row] + len(cut[row]), column]
        start, end = cut[row][int(np.argmax(candidates))]
        rule = f"classifier:{probabilities[row, column]:.2f}"
        span = Span(CODES[column], start, end, texts[row][start:end], rule)
        spans.setdefault(row, []).append(span)
    return spans


def _merged(result: Result, extra: list[Span]) -> Result:
    if not extra:
        return result
    spans = sorted([*result.spans, *extra], key=lambda span: (span.start, -span.end))
    codes = {*result.findings, *(span.code for span in extra)}
    return Result(sorted(codes, key=ORDER.__getitem__), spans)


def check_reply(text: str, context: str | None = None) -> Result:
    """Findings of one reply with the built-in dictionary and model."""
    return check_replies([(text, context)])[0]


__all__ = ["check_replies", "check_reply"]
