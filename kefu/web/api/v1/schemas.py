"""Shared pieces of the v1 API's request and response models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.upsert import MAX_BATCH, UpsertResult
from kefu.models.base import MAX_ID
from kefu.queries.pagination import Page

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, invalid")
    message: str = Field(description="What went wrong, for a person to read")
    field: str | None = Field(None, description="The input field at fault, when there is one")
    rows: list[dict[str, Any]] | None = Field(
        None, description="An imported file's bad rows: each {row, field, message}"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "Not logged in, or unknown API key",
        403: "Your role may not do this, or the CSRF token is missing",
        404: "No such row in your shop",
        409: "Conflicts with the current state",
        422: "Invalid input; `field` names the culprit",
    }.items()
}


class ApiModel(BaseModel):
    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True)


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; null on the last page"
    )

    @classmethod
    def of(cls, page: Page[Any], model: type[M]) -> PageOut[M]:
        """A query's page of rows as the API shows it, each row through ``model``."""
        return cls[model](  # type: ignore[index]
            items=[model.model_validate(row) for row in page.items], next_cursor=page.next_cursor
        )


RowId = Annotated[int, Field(ge=1, le=MAX_ID, description="A Kefu id")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` from the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=200, description="Rows per page (1–200)")]


class UpsertOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    ids: list[int] = Field(description="Kefu ids of the rows, in the order sent")

    @classmethod
    def of(cls, result: UpsertResult) -> UpsertOut:
        return cls(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            ids=result.ids,
        )


class BulkIn(ApiModel, Generic[T]):
    """A batch for a bulk upsert; subclass it per kind of row to name it in the OpenAPI."""

    items: list[T] = Field(min_length=1, max_length=MAX_BATCH)


Upsert = Callable[[AsyncSession, Actor, Sequence[dict[str, Any]]], Awaitable[UpsertResult]]


async def bulk_upsert(
    session: AsyncSession, actor: Actor, upsert: Upsert, body: BulkIn[Any]
) -> UpsertOut:
    """Run one bulk upsert action on the batch, commit, and report what it did."""
    result = await upsert(session, actor, [item.model_dump() for item in body.items])
    await session.commit()
    return UpsertOut.of(result)
