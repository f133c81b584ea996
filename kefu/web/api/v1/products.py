"""Products: list, read, bulk upsert by external id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field, model_validator

from kefu.actions.shop_data import do_upsert_products
from kefu.models import Product
from kefu.queries.access import fetch_owned
from kefu.queries.catalog import list_products
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    BulkIn,
    CursorQuery,
    LimitQuery,
    PageOut,
    UpsertOut,
    bulk_upsert,
)
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/products", tags=["products"], responses=ERROR_RESPONSES)


class ProductIn(ApiModel):
    external_id: str = Field(min_length=1, max_length=64, description="Your id for the product")
    sku: str | None = Field(None, max_length=64, description="Defaults to external_id")
    title: str = Field(min_length=1, max_length=300)
    category: str | None = Field(None, max_length=100)
    price_cents: int = Field(ge=0, description="Price in cents (分)")
    stock: int = Field(0, ge=0)
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Facts such as a size chart, material, care"
    )
    url: str | None = Field(None, max_length=500)
    image_url: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _sku_defaults_to_external_id(self) -> ProductIn:
        self.sku = self.sku or self.external_id
        return self


class ProductsIn(BulkIn[ProductIn]):
    pass


class ProductOut(ApiModel):
    id: int
    external_id: str
    sku: str
    title: str
    category: str | None
    price_cents: int
    stock: int
    attributes: dict[str, Any]
    url: str | None
    image_url: str | None


@router.get("", summary="List products")
async def get_products(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    q: Annotated[str | None, Query(description="Words in the title or SKU")] = None,
    category: str | None = None,
    external_id: str | None = None,
) -> PageOut[ProductOut]:
    page = await list_products(
        session,
        actor,
        q=q,
        category=category,
        external_id=external_id,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, ProductOut)


@router.get("/{product_id}", summary="Read one product")
async def get_product(product_id: int, session: SessionDep, actor: ActorDep) -> ProductOut:
    return ProductOut.model_validate(
        await fetch_owned(session, actor, Product, product_id, "product")
    )


@router.post("/bulk", summary="Create or update products by external_id (idempotent)")
async def upsert_products(body: ProductsIn, session: SessionDep, actor: ActorDep) -> UpsertOut:
    return await bulk_upsert(session, actor, do_upsert_products, body)
