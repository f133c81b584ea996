"""API keys for integrators (owners only). The secret is returned once, at creation."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import Field

from kefu.actions.api_keys import do_create_api_key, do_revoke_api_key
from kefu.queries.people import list_api_keys
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api-keys", tags=["api keys"], responses=ERROR_RESPONSES)


class ApiKeyOut(ApiModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it")
    created_at: datetime
    created_by_agent_id: int | None
    last_used_at: datetime | None = Field(description="Updated at most once a minute")
    revoked_at: datetime | None = Field(description="Set once revoked; the key then gets 401")


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(
        description="The secret, shown only now: send it as `Authorization: Bearer kefu_…`"
    )


class ApiKeyIn(ApiModel):
    name: str = Field(min_length=1, max_length=100, description="Who uses it, e.g. ERP 同步")


@router.get("", summary="List API keys (never their secrets)")
async def get_api_keys(session: SessionDep, actor: ActorDep) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in await list_api_keys(session, actor)]


@router.post("", status_code=201, summary="Create an API key; its secret is shown once")
async def create_api_key(body: ApiKeyIn, session: SessionDep, actor: ActorDep) -> ApiKeyCreatedOut:
    key, raw = await do_create_api_key(session, actor, name=body.name)
    await session.commit()
    return ApiKeyCreatedOut.model_validate(
        ApiKeyOut.model_validate(key).model_dump() | {"key": raw}
    )


@router.post("/{key_id}/revoke", summary="Revoke an API key at once")
async def revoke_api_key(key_id: IdPath, session: SessionDep, actor: ActorDep) -> ApiKeyOut:
    key = await do_revoke_api_key(session, actor, key_id)
    await session.commit()
    return ApiKeyOut.model_validate(key)
