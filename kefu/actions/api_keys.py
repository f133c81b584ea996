"""API keys for integrators: one shop each, shown once, stored only as a hash, revocable."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import clean_text
from kefu.lib.secrets import new_token, sha256_hex
from kefu.models import ApiKey
from kefu.models.base import utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.auth import API_KEY_PREFIX

PREFIX_LENGTH = len(API_KEY_PREFIX) + 8  # enough to tell keys apart in a list, useless alone


async def do_create_api_key(
    session: AsyncSession, actor: Actor, *, name: str
) -> tuple[ApiKey, str]:
    """Make a key; the raw key is returned here and never again."""
    actor.require(Permission.MANAGE_API_KEYS)
    name = clean_text(name, "name", "key name")
    raw = API_KEY_PREFIX + new_token(30)
    key = ApiKey(
        shop_id=actor.shop_id,
        name=name,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=sha256_hex(raw),
        scopes=[],
        created_by_agent_id=actor.id if actor.kind == "agent" else None,
    )
    session.add(key)
    await session.flush()
    record_audit(session, actor, "api_key.create", "api_key", key.id, after=snapshot(key))
    return key, raw


async def do_revoke_api_key(session: AsyncSession, actor: Actor, key_id: int) -> ApiKey:
    """Stop the key working at once; revoking twice changes nothing."""
    key = await fetch_owned(
        session, actor, ApiKey, key_id, "API key", permission=Permission.MANAGE_API_KEYS
    )
    if key.revoked_at is not None:
        return key
    before = snapshot(key)
    key.revoked_at = utcnow()
    await session.flush()
    record_audit(
        session, actor, "api_key.revoke", "api_key", key.id, before=before, after=snapshot(key)
    )
    return key
