"""The knowledge base: FAQ entries (owners and supervisors write, everyone reads), their
versions, search, and import/export of whole files."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from kefu.actions.knowledge import (
    do_create_faq,
    do_delete_faq,
    do_import_faqs,
    do_restore_faq,
    do_update_faq,
)
from kefu.errors import TooLarge
from kefu.knowledge.transfer import read_faq_file, write_csv, write_json
from kefu.queries.knowledge import (
    export_faqs,
    faq_versions,
    get_faq,
    list_faqs,
    search_for,
)
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/kb", tags=["knowledge base"], responses=ERROR_RESPONSES)
MAX_FILE_BYTES = 5 * 1024 * 1024

Stage = Literal["presale", "insale", "aftersale"]
ChannelName = Literal["web", "api", "email"]


class FaqOut(ApiModel):
    id: int
    question: str
    similar: list[str] = Field(description="Other ways shoppers ask it")
    answer: str = Field(description="May use {客户昵称}, {订单号}, {物流单号}, {商品名}")
    category: str | None
    stage: Stage | None
    channel: ChannelName | None = Field(description="Only on this channel; null: all")
    valid_from: datetime | None
    valid_until: datetime | None
    enabled: bool
    version: int = Field(description="Grows by one with every change")
    updated_at: datetime


class FaqIn(ApiModel):
    question: str = Field(min_length=1, max_length=200)
    similar: list[str] = Field(default_factory=list, max_length=50)
    answer: str = Field(min_length=1, max_length=2000)
    category: str | None = Field(None, max_length=50)
    stage: Stage | None = None
    channel: ChannelName | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    enabled: bool = True


class FaqPatch(ApiModel):
    """Only the fields sent change; send null to clear an optional one."""

    question: str | None = Field(None, min_length=1, max_length=200)
    similar: list[str] | None = Field(None, max_length=50)
    answer: str | None = Field(None, min_length=1, max_length=2000)
    category: str | None = Field(None, max_length=50)
    stage: Stage | None = None
    channel: ChannelName | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    enabled: bool | None = None


class FaqVersionOut(ApiModel):
    version: int
    content: dict[str, Any] = Field(description="The entry's fields at that version")
    author: str
    created_at: datetime


class FaqHitOut(ApiModel):
    faq: FaqOut
    score: float = Field(
        description="0–1; the bot answers from 0.5 (0.1 ahead of the next), "
        "offers choices from 0.25"
    )
    matched: str = Field(description="The question or similar question that matched")


class ImportOut(ApiModel):
    created: int
    updated: int
    unchanged: int


@router.get("/faqs", summary="List FAQ entries, optionally those holding some words")
async def get_faqs(
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=50)] = None,
    enabled: bool | None = None,
) -> list[FaqOut]:
    entries = await list_faqs(session, actor, q=q, category=category, enabled=enabled)
    return [FaqOut.model_validate(e) for e in entries]


@router.post("/faqs", status_code=201, summary="Create a FAQ entry")
async def create_faq(body: FaqIn, session: SessionDep, actor: ActorDep) -> FaqOut:
    entry = await do_create_faq(session, actor, **body.model_dump())
    await session.commit()
    return FaqOut.model_validate(entry)


@router.get("/faqs/export", summary="Every FAQ entry as a CSV or JSON file")
async def export(
    session: SessionDep, actor: ActorDep, format: Literal["csv", "json"] = "csv"
) -> Response:
    records = await export_faqs(session, actor)
    if format == "json":
        return Response(write_json(records), media_type="application/json")
    return Response(
        write_csv(records),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="faq.csv"'},
    )


@router.post(
    "/faqs/import",
    summary="Import a CSV or JSON file of entries (the request body), all or nothing",
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {}, "application/json": {}},
            "description": "The file itself; CSV when Content-Type is text/csv",
        }
    },
)
async def import_faqs(request: Request, session: SessionDep, actor: ActorDep) -> ImportOut:
    data = await request.body()
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge("a FAQ file has at most 5 MB", field="file")
    kind = "csv" if request.headers.get("content-type", "").startswith("text/csv") else "json"
    counts = await do_import_faqs(session, actor, read_faq_file(f"faq.{kind}", data))
    await session.commit()
    return ImportOut(**counts)


@router.get("/faqs/{faq_id}", summary="One FAQ entry")
async def get_one(faq_id: IdPath, session: SessionDep, actor: ActorDep) -> FaqOut:
    return FaqOut.model_validate(await get_faq(session, actor, faq_id))


@router.patch("/faqs/{faq_id}", summary="Change a FAQ entry (the version before is kept)")
async def update_faq(
    faq_id: IdPath, body: FaqPatch, session: SessionDep, actor: ActorDep
) -> FaqOut:
    entry = await do_update_faq(session, actor, faq_id, **body.model_dump(exclude_unset=True))
    await session.commit()
    return FaqOut.model_validate(entry)


@router.delete("/faqs/{faq_id}", status_code=204, summary="Delete a FAQ entry and its versions")
async def delete_faq(faq_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_faq(session, actor, faq_id)
    await session.commit()
    return Response(status_code=204)


@router.get("/faqs/{faq_id}/versions", summary="Every version of a FAQ entry, newest first")
async def get_versions(faq_id: IdPath, session: SessionDep, actor: ActorDep) -> list[FaqVersionOut]:
    return [FaqVersionOut.model_validate(v) for v in await faq_versions(session, actor, faq_id)]


class RestoreIn(ApiModel):
    version: int = Field(ge=1, le=1_000_000)


@router.post("/faqs/{faq_id}/restore", summary="Make an earlier version current again")
async def restore(faq_id: IdPath, body: RestoreIn, session: SessionDep, actor: ActorDep) -> FaqOut:
    entry = await do_restore_faq(session, actor, faq_id, body.version)
    await session.commit()
    return FaqOut.model_validate(entry)


class SearchIn(ApiModel):
    question: str = Field(min_length=1, max_length=500, description="As a shopper would ask")


@router.post("/search", summary="The FAQ entries that best answer a question, with scores")
async def search(body: SearchIn, session: SessionDep, actor: ActorDep) -> list[FaqHitOut]:
    found = await search_for(session, actor, body.question)
    return [
        FaqHitOut(faq=FaqOut.model_validate(m.entry), score=m.score, matched=m.matched)
        for m in found
    ]
