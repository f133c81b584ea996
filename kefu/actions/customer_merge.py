"""Merging two records of the same shopper into one (e.g. a widget visitor who became a
customer under a second id, or the shop's system importing the same person twice).

Safety comes first: nothing the shop or the shopper did is lost, the customer's own
choices win (an opt-out on either record stays), and the shop's system can go on sending
the duplicate's id. Every row that points at the duplicate is moved to the survivor by
walking the schema's foreign keys, so a table added later is moved too. Only rows that
would say the same thing twice (one RFM score per day, one message per campaign) keep the
survivor's copy. The duplicate's id becomes an alias of the survivor (an identity on the
``merged`` channel), which imports, order writes and the widget's signed id resolve."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Column, Table, UniqueConstraint, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.errors import Conflict, Invalid
from kefu.models import Customer, CustomerIdentity
from kefu.models.base import Base
from kefu.queries.access import fetch_owned

MERGED_CHANNEL = "merged"  # identities on this channel are former customer ids
# Profile fields the survivor takes from the duplicate when it has none of its own.
FILLED_FIELDS = (
    "name",
    "nickname",
    "phone",
    "email",
    "country",
    "birthday",
    "member_level",
    "customer_type",
)


@dataclass(slots=True)
class Merge:
    """What a merge did: the rows moved per table, and the duplicates dropped."""

    survivor_id: int
    duplicate_id: int
    duplicate_external_id: str
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def _customer_references() -> Iterator[tuple[Table, Column]]:
    """Every (table, column) holding a customer id, from the schema's foreign keys."""
    customers = Customer.__table__
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is customers and table is not customers:
                yield table, key.parent


def _unique_partners(table: Table, column: Column) -> list[list[Column]]:
    """For each unique constraint that includes ``column``, its other columns."""
    partners = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.columns.contains_column(column):
            partners.append([c for c in constraint.columns if c is not column])
    return partners


async def _move_references(
    session: AsyncSession, shop_id: int, survivor_id: int, duplicate_id: int, merge: Merge
) -> None:
    """Point every row of the duplicate at the survivor; a row the survivor already has
    in a unique slot (same day's RFM score, same campaign) is the duplicate's to drop."""
    for table, column in _customer_references():
        owned = table.c.shop_id == shop_id if "shop_id" in table.c else True
        for others in _unique_partners(table, column):
            twin = table.alias("twin")
            clash = exists().where(
                twin.c[column.name] == survivor_id,
                *(twin.c[c.name] == c for c in others),
            )
            dropped = await session.execute(
                delete(table).where(owned, column == duplicate_id, clash)
            )
            if dropped.rowcount:
                merge.dropped[table.name] = merge.dropped.get(table.name, 0) + dropped.rowcount
        moved = await session.execute(
            update(table).where(owned, column == duplicate_id).values({column.name: survivor_id})
        )
        if moved.rowcount:
            merge.moved[table.name] = moved.rowcount


def _fold_profile(survivor: Customer, duplicate: Customer) -> None:
    """The survivor keeps its own values and gains what only the duplicate knew; tags
    join, notes are kept one after the other, and the earliest opt-out stands."""
    for name in FILLED_FIELDS:
        if getattr(survivor, name) in (None, "") and getattr(duplicate, name) not in (None, ""):
            setattr(survivor, name, getattr(duplicate, name))
    survivor.tags = list(dict.fromkeys([*survivor.tags, *duplicate.tags]))
    notes = [n for n in (survivor.note, duplicate.note) if n]
    survivor.note = "\n\n".join(dict.fromkeys(notes)) or None
    opt_outs = [t for t in (survivor.opted_out_at, duplicate.opted_out_at) if t is not None]
    survivor.opted_out_at = min(opt_outs) if opt_outs else None


async def do_merge_customers(
    session: AsyncSession, actor: Actor, survivor_id: int, duplicate_id: int
) -> Merge:
    """Fold customer ``duplicate_id`` into ``survivor_id`` (both of the actor's shop) and
    delete the duplicate. Supervisors and owners only: a wrong merge is hard to undo."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    if survivor_id == duplicate_id:
        raise Invalid("a customer cannot be merged into itself", field="duplicate_id")
    survivor = await fetch_owned(session, actor, Customer, survivor_id, "customer")
    duplicate = await fetch_owned(session, actor, Customer, duplicate_id, "customer")
    if duplicate.external_id.startswith("erased-") or survivor.external_id.startswith("erased-"):
        raise Conflict("an erased customer cannot be merged", field="duplicate_id")
    before, merged_from = snapshot(survivor), snapshot(duplicate)
    merge = Merge(survivor.id, duplicate.id, duplicate.external_id)
    _fold_profile(survivor, duplicate)
    await session.flush()
    await _move_references(session, actor.shop_id, survivor.id, duplicate.id, merge)
    session.expire(duplicate, ["identities"])
    await session.delete(duplicate)
    await session.flush()
    session.add(
        CustomerIdentity(
            shop_id=actor.shop_id,
            customer_id=survivor.id,
            channel=MERGED_CHANNEL,
            handle=merge.duplicate_external_id,
        )
    )
    await session.flush()
    session.expire(survivor, ["identities"])
    record_audit(
        session,
        actor,
        "customer.merge",
        "customer",
        survivor.id,
        before=before,
        after={
            **snapshot(survivor),
            "merged_from": merged_from,
            "moved": merge.moved,
            "dropped": merge.dropped,
        },
    )
    return merge


async def merged_aliases(
    session: AsyncSession, shop_id: int, external_ids: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """Former customer ids among ``external_ids`` → (survivor id, survivor external id)."""
    wanted = sorted(set(external_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(CustomerIdentity.handle, Customer.id, Customer.external_id)
        .join(Customer, Customer.id == CustomerIdentity.customer_id)
        .where(
            CustomerIdentity.shop_id == shop_id,
            CustomerIdentity.channel == MERGED_CHANNEL,
            CustomerIdentity.handle.in_(wanted),
        )
    )
    return {handle: (cid, external) for handle, cid, external in rows.all()}
