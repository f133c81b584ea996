"""Many rows into one SQLite table as one plain ``INSERT … VALUES (…), (…) RETURNING``.

The chat's writer inserts a batch's messages and their replay-log rows this way. Through
SQLAlchemy's insert statement the same rows spent most of their time in its per-row
bookkeeping (compiling parameters, ``insertmanyvalues``, result processing), not in
SQLite: the statement here is built once per row count and the values are converted by
the columns' own types, so what is stored is what SQLAlchemy itself would store. A JSON
value shared by several rows (one event's payload in each of its recipients' rows) is
encoded once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Table

_MAX_PARAMETERS = 30_000  # SQLite's limit is 32,766 bound values a statement


class PlainInsert:
    """``INSERT INTO table (columns) … [ON CONFLICT (keys) DO NOTHING] RETURNING …`` on
    SQLite, for rows given as dicts keyed by column name."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        returning: Sequence[str],
        *,
        unless_conflict_on: Sequence[str] = (),
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._tail = " RETURNING " + ", ".join(returning)
        if unless_conflict_on:
            self._tail = f" ON CONFLICT ({', '.join(unless_conflict_on)}) DO NOTHING" + self._tail
        self._chunk = _MAX_PARAMETERS // len(self.columns)
        self._json = tuple(isinstance(table.c[column].type, JSON) for column in self.columns)

    def stored(self, dialect: Dialect, column: str, value: Any) -> Any:
        """``value`` of ``column`` as this insert binds it (to match what RETURNING gives
        back for it: a UUID is returned as SQLite stores it, not as the object)."""
        return self._converters(dialect)[self.columns.index(column)](value)

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """Insert the rows; the returned rows, in no promised order (SQLite's RETURNING
        gives none), and none for a row skipped on a conflict. A column a row leaves out
        is bound as None (no Python-side default is applied)."""
        convert = [
            _once_per_object(to_stored) if shared else to_stored
            for to_stored, shared in zip(
                self._converters(connection.dialect), self._json, strict=True
            )
        ]
        returned: list[Any] = []
        for chunk in _chunks(rows, self._chunk):
            values = tuple(
                to_stored(row.get(column))
                for row in chunk
                for column, to_stored in zip(self.columns, convert, strict=True)
            )
            returned += connection.exec_driver_sql(self._statement(len(chunk)), values).all()
        return returned

    @functools.lru_cache(maxsize=128)  # noqa: B019 (a few instances, alive for the process)
    def _statement(self, count: int) -> str:
        row = "(" + ", ".join("?" * len(self.columns)) + ")"
        return (
            f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) "
            f"VALUES {', '.join([row] * count)}{self._tail}"
        )

    @functools.lru_cache(maxsize=4)  # noqa: B019
    def _converters(self, dialect: Dialect) -> tuple[Callable[[Any], Any], ...]:
        """The columns' bind processors (the identity where a type has none)."""

        def converter(column: str) -> Callable[[Any], Any]:
            kind = self.table.c[column].type.dialect_impl(dialect)
            return kind.bind_processor(dialect) or _same

        return tuple(converter(column) for column in self.columns)


def _same(value: Any) -> Any:
    return value


def _once_per_object(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its result per object, for one call's rows (which keep
    the objects alive, so an id is not reused meanwhile)."""
    done: dict[int, Any] = {}

    def once(value: Any) -> Any:
        key = id(value)
        if key not in done:
            done[key] = convert(value)
        return done[key]

    return once


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
