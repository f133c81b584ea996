"""Everything ``kefu intent predict`` adds to a message: intent, confidence, emotion
colour and entities, for a batch at once (the classifier is vectorised per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kefu.understanding.default import COMPLAINT
from kefu.understanding.emotion import emotion_colours
from kefu.understanding.entities import extract_entities
from kefu.understanding.model import IntentModel


def understand(
    rows: Sequence[dict[str, Any]], model: IntentModel, *, default: bool
) -> list[dict[str, Any]]:
    """Each row with ``intent``, ``confidence``, ``emotion`` and ``entities`` added (a
    field of the same name in the row is replaced). With the default model a complaint
    is red unless the shopper promises not to complain: the three-colour rule counts
    complaints as serious."""
    texts = [row["text"] for row in rows]
    found = model.predict(texts)
    emotions = emotion_colours(texts, [default and intent == COMPLAINT for intent in found.labels])
    answers = []
    for row, text, intent, confidence, emotion in zip(
        rows, texts, found.labels, found.confidences, emotions, strict=True
    ):
        answers.append(
            row
            | {
                "intent": intent,
                "confidence": confidence,
                "emotion": emotion,
                "entities": extract_entities(text),
            }
        )
    return answers
