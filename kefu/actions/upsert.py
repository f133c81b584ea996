"""What the shop-data writes share: results, batch checks, external-id lookups, events.

Integrators resend whole batches after a timeout; sending the same batch twice must
change nothing, so rows are matched on ``(shop_id, key)`` and only real changes are
written and audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Integer, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import publish_on_commit, record_audit, snapshot
from kefu.actions.customer_merge import merged_aliases
from kefu.errors import Invalid
from kefu.events import ShopDataChanged
from kefu.models import Customer
from kefu.models.base import Base

MAX_BATCH = 1000
# The largest whole number each integer column type holds on every supported database.
INTEGER_LIMITS = ((BigInteger, 2**63 - 1), (Integer, 2**31 - 1))


@dataclass(slots=True)
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)

    def add(self, other: UpsertResult) -> None:
        """Fold the result of another batch of the same import into this one."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ids.extend(other.ids)


def check_batch(actor: Actor, entity: str, records: Sequence[Mapping[str, Any]], key: str) -> None:
    """Permission, batch size and duplicate keys: refused before anything is written."""
    actor.require(Permission.WRITE_SHOP_DATA)
    if len(records) > MAX_BATCH:
        raise Invalid(f"send at most {MAX_BATCH} {entity}s per request", field="items")
    keys = [r[key] for r in records]
    if len(set(keys)) != len(keys):
        raise Invalid(f"the same {key} appears twice in one batch", field=key)


@cache
def _integer_limits(model: type[Base]) -> dict[str, int]:
    """Column name → the largest whole number it holds, for the integer columns of ``model``."""
    limits = {}
    for column in inspect(model).columns:
        for kind, limit in INTEGER_LIMITS:
            if isinstance(column.type, kind):
                limits[column.key] = limit
                break
    return limits


def check_numbers_fit(model: type[Base], values: Mapping[str, Any], field: str) -> None:
    """Refuse a whole number its column cannot hold: the database would fail the whole
    request instead of naming the field (``field`` is the record's place, e.g. items.3)."""
    limits = _integer_limits(model)
    for name, value in values.items():
        limit = limits.get(name)
        if limit is not None and isinstance(value, int) and not -limit <= value <= limit:
            raise Invalid(f"{name} is too large (at most {limit})", field=f"{field}.{name}")


async def resolve_external_ids(
    session: AsyncSession,
    actor: Actor,
    model: type[Base],
    external_ids: Iterable[str | None],
    field_name: str,
) -> dict[str, int]:
    """Map the shop's external ids of ``model`` to Kefu ids; an unknown one is ``Invalid``.
    A customer id merged into another customer names the survivor."""
    wanted = {e for e in external_ids if e is not None}
    if not wanted:
        return {}
    found = await external_id_map(session, actor.shop_id, model, wanted)
    if model is Customer and wanted - found.keys():
        aliases = await merged_aliases(session, actor.shop_id, wanted - found.keys())
        found.update({alias: survivor for alias, (survivor, _) in aliases.items()})
    missing = sorted(wanted - found.keys())
    if missing:
        raise Invalid(f"unknown {field_name} {missing[0]!r}", field=field_name)
    return found


async def external_id_map(
    session: AsyncSession, shop_id: int, model: Any, external_ids: Iterable[str] | None = None
) -> dict[str, int]:
    """External id → id of the shop's rows of ``model`` (all of them when no ids are given)."""
    stmt = select(model.external_id, model.id).where(model.shop_id == shop_id)
    if external_ids is None:
        return {e: i for e, i in (await session.execute(stmt)).all()}
    found: dict[str, int] = {}
    wanted = list(external_ids)
    for start in range(0, len(wanted), 500):  # stay under every driver's parameter limit
        chunk = stmt.where(model.external_id.in_(wanted[start : start + 500]))
        found.update({e: i for e, i in (await session.execute(chunk)).all()})
    return found


def publish_changed(session: AsyncSession, actor: Actor, entity: str, result: UpsertResult) -> None:
    """One ``shop_data.changed`` event per batch that created or updated something."""
    if result.created or result.updated:
        publish_on_commit(
            session,
            ShopDataChanged(
                actor.shop_id,
                {"entity": entity, "created": result.created, "updated": result.updated},
                frozenset({f"shop:{actor.shop_id}"}),
            ),
        )


async def upsert_by_key(
    session: AsyncSession,
    actor: Actor,
    model: type[Base],
    entity: str,
    records: Sequence[Mapping[str, Any]],
    *,
    key: str = "external_id",
    audit: bool = True,
    outcomes: list[str] | None = None,
) -> UpsertResult:
    """Insert new rows and update changed ones of ``model``, matched on ``key``.

    ``audit=False`` is for file imports, which write one audit entry per run instead;
    ``outcomes`` receives "created", "updated" or "unchanged" for each record."""
    check_batch(actor, entity, records, key)
    for index, record in enumerate(records):
        check_numbers_fit(model, record, f"items.{index}")
    column = getattr(model, key)
    existing = {
        getattr(row, key): row
        for row in await session.scalars(
            select(model).where(
                model.shop_id == actor.shop_id,  # type: ignore[attr-defined]
                column.in_([r[key] for r in records]),
            )
        )
    }
    result = UpsertResult()
    rows, created = [], []
    for record in records:
        row = existing.get(record[key])
        if row is None:
            row = model(shop_id=actor.shop_id, **record)
            session.add(row)
            created.append(row)
            result.created += 1
            outcome = "created"
        elif (before := apply_changes(row, record)) is not None:
            if audit:
                record_audit(
                    session,
                    actor,
                    f"{entity}.update",
                    entity,
                    row.id,
                    before=before,
                    after=snapshot(row),
                )
            result.updated += 1
            outcome = "updated"
        else:
            result.unchanged += 1
            outcome = "unchanged"
        if outcomes is not None:
            outcomes.append(outcome)
        rows.append(row)
    await session.flush()  # one round trip for the whole batch gives the new rows their ids
    if audit:
        for row in created:
            record_audit(session, actor, f"{entity}.create", entity, row.id, after=snapshot(row))
    result.ids = [row.id for row in rows]
    publish_changed(session, actor, entity, result)
    return result


def apply_changes(row: Any, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """Set the values of ``record`` that differ on ``row``; the snapshot from before the
    change (for the audit) when something changed, else None. Times compare as instants."""
    changed = {name: value for name, value in record.items() if getattr(row, name) != value}
    if not changed:
        return None
    before = snapshot(row)
    for name, value in changed.items():
        setattr(row, name, value)
    return before
