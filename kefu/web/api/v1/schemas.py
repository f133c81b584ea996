"""Shared pieces of the v1 API's request and response models."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from kefu.actions.upsert import UpsertResult
from kefu.models.base import MAX_ID

T = TypeVar("T")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, invalid")
    message: str = Field(description="What went wrong, for a person to read")
    field: str | None = Field(None, description="The input field at fault, when there is one")


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
