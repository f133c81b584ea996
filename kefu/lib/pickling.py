"""Pickling frozen dataclasses by their field values.

The chat's units, results and events cross to and from the SQLite writer process
(``kefu.writerprocess``) for every message. A frozen dataclass with slots pickles through
generated ``__getstate__``/``__setstate__`` functions; as its class and field values it
pickles in half the time (measured round trips per item: a chat unit 8.2 → 3.6 µs, a
``message.created`` event 4.0 → 1.8 µs)."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any

_VALUES: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def reduce_by_fields(obj: Any) -> tuple[type, tuple[Any, ...]]:
    """``__reduce__`` for a dataclass whose fields are all ``__init__`` arguments: it
    is rebuilt by calling its class with them, in order."""
    kind = type(obj)
    values = _VALUES.get(kind)
    if values is None:
        values = _VALUES[kind] = _field_values(kind)
    return kind, values(obj)


def _field_values(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    names = [field.name for field in dataclasses.fields(kind)]
    if not names or any(not field.init for field in dataclasses.fields(kind)):
        raise TypeError(f"{kind.__name__} cannot be rebuilt from its fields")
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else lambda obj: (get(obj),)
