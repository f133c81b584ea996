"""An agent's own edits of a customer's profile: tags, the note, the customer's type.

The shop's system owns the imported fields (name, phone, …) and overwrites them on its
next import; what agents learn in conversations lives in these fields, which imports
only touch when they send them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import choice
from kefu.errors import Invalid
from kefu.models import Customer
from kefu.models.workspace import CustomerType
from kefu.queries.access import fetch_owned

EDITABLE = frozenset({"tags", "note", "customer_type"})
MAX_TAGS = 30
MAX_TAG_LENGTH = 20
MAX_NOTE_LENGTH = 2000


def _clean_tags(tags: Any) -> list[str]:
    """Trimmed, distinct, in the order given; a tag is short words, not a sentence."""
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Invalid("tags must be a list of words", field="tags")
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS:
        raise Invalid(f"a customer has at most {MAX_TAGS} tags", field="tags")
    for tag in cleaned:
        if len(tag) > MAX_TAG_LENGTH:
            raise Invalid(f"a tag has at most {MAX_TAG_LENGTH} characters", field="tags")
    return cleaned


def _clean(name: str, value: Any) -> Any:
    if name == "tags":
        return _clean_tags(value)
    if name == "customer_type":
        return None if value in (None, "") else choice(CustomerType, value, "customer_type")
    note = (value or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise Invalid(f"the note has at most {MAX_NOTE_LENGTH} characters", field="note")
    return note or None


async def do_update_customer(
    session: AsyncSession, actor: Actor, customer_id: int, changes: Mapping[str, Any]
) -> Customer:
    """Change the agent-owned fields sent in ``changes``; audited when something changed."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise Invalid(f"{sorted(unknown)[0]} cannot be changed here", field=sorted(unknown)[0])
    customer = await fetch_owned(session, actor, Customer, customer_id, "customer")
    before = snapshot(customer)
    for name, value in changes.items():
        setattr(customer, name, _clean(name, value))
    after = snapshot(customer)
    if after != before:
        record_audit(
            session, actor, "customer.update", "customer", customer.id, before=before, after=after
        )
    await session.flush()
    return customer
