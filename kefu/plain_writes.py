"""SQLite's chat writer's hot writes as plain SQL: many rows into a table as one
``INSERT … VALUES (…), (…) RETURNING`` (``PlainInsert``), and the changed columns of
loaded objects as one ``UPDATE`` per set of columns (``write_changes``).

The writer inserts a batch's messages and their replay-log rows, and updates their
conversations' clocks, this way. Through SQLAlchemy's statements and the ORM's flush the
same rows spent most of their time in per-row bookkeeping (compiling parameters,
``insertmanyvalues``, the unit of work, result processing), not in SQLite (``kefu bench
writer``). Here a statement is built once per shape and the values are converted by the
columns' own types, so what is stored is what SQLAlchemy itself would store. A JSON value
shared by several rows (one event's payload in each of its recipients' rows) is encoded
once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Column, Connection, Dialect, Table
from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.base import instance_state

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

        return tuple(_converter(self.table.c[column], dialect) for column in self.columns)


def write_changes(session: Session, objects: Iterable[object]) -> None:
    """Write what changed in these loaded objects (their column attributes), as the ORM's
    flush would: one ``UPDATE … WHERE pk = ?`` run for many rows per set of changed
    columns, columns with an ``onupdate`` default set by it; then the objects count as
    stored (no history left for the flush). Only for SQLite: its ``?`` placeholders."""
    groups: dict[tuple[Table, tuple[str, ...]], list[InstanceState[Any]]] = {}
    for obj in objects:
        state = instance_state(obj)
        changed = _changed_columns(state)
        if changed == ():
            state._commit_all(state.dict, session.identity_map)  # set to what it was
        elif changed is not None:
            groups.setdefault((state.mapper.local_table, changed), []).append(state)
    connection = session.connection()
    for (table, changed), states in groups.items():
        columns = [table.c[name] for name in changed]
        stamped = [c for c in table.c if c.onupdate is not None and c.name not in changed]
        key = list(table.primary_key)
        convert = [_converter(column, connection.dialect) for column in columns + stamped]
        stamps = [c.onupdate.arg(None) for c in stamped]  # type: ignore[union-attr]
        sets = ", ".join(f"{column.name} = ?" for column in columns + stamped)
        where = " AND ".join(f"{column.name} = ?" for column in key)
        rows = []
        for state in states:
            values = [state.dict[column.name] for column in columns] + stamps
            rows.append(
                tuple(to_stored(v) for to_stored, v in zip(convert, values, strict=True))
                + tuple(state.dict[column.name] for column in key)
            )
        connection.exec_driver_sql(f"UPDATE {table.name} SET {sets} WHERE {where}", rows)
        for state in states:
            state.dict.update(zip((c.name for c in stamped), stamps, strict=True))
            # As the flush ends: every attribute stored, the object no longer dirty.
            state._commit_all(state.dict, session.identity_map)


def _changed_columns(state: InstanceState[Any]) -> tuple[str, ...] | None:
    """The columns whose values differ from the stored ones, () when none does (an
    attribute set to what it was is not written, as the flush would not: another
    connection may have changed that column since); None for what is left to the flush
    (not modified, not stored yet, or a change that is not one of its table's columns)."""
    if not state.modified or state.key is None or state.deleted:
        return None
    table = state.mapper.local_table
    if not all(key in table.c for key in state.committed_state):
        return None
    return tuple(
        sorted(key for key, was in state.committed_state.items() if was != state.dict.get(key))
    )


def _converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    return column.type.dialect_impl(dialect).bind_processor(dialect) or _same


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
