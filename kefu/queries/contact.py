"""The one place where contact details are masked for actors without ``VIEW_CONTACT``.

Every query that returns customers or orders passes its rows through here, so no page,
API route or export can forget. Masked values are set with ``set_committed_value``: the
session sees them as loaded, never as changes, so they can never be flushed back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.orm.attributes import set_committed_value

from kefu.access import Actor, Permission
from kefu.lib.masking import mask_address, mask_email, mask_phone
from kefu.models import Customer, Order

if TYPE_CHECKING:  # polars is imported by the exports that use it: ~35 MiB per process
    import polars as pl


def mask_customers(actor: Actor, customers: Iterable[Customer | None]) -> None:
    """Mask phone and e-mail of ``customers`` in place unless the actor may see them."""
    if actor.can(Permission.VIEW_CONTACT):
        return
    for customer in customers:
        if customer is not None:
            set_committed_value(customer, "phone", mask_phone(customer.phone))
            set_committed_value(customer, "email", mask_email(customer.email))


def mask_orders(actor: Actor, orders: Iterable[Order]) -> None:
    """Mask the phone in the delivery address of ``orders`` unless the actor may see it."""
    if actor.can(Permission.VIEW_CONTACT):
        return
    for order in orders:
        set_committed_value(order, "address", mask_address(order.address))


def mask_contact_columns(actor: Actor, table: pl.DataFrame) -> pl.DataFrame:
    """Mask the phone and e-mail columns of an export table unless the actor may see them."""
    if actor.can(Permission.VIEW_CONTACT):
        return table
    import polars as pl

    masks = {"phone": mask_phone, "address_phone": mask_phone, "email": mask_email}
    return table.with_columns(
        pl.col(name).map_elements(mask, return_dtype=pl.String)
        for name, mask in masks.items()
        if name in table.columns
    )
