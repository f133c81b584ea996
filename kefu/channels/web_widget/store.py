"""``/demo/store``: a small storefront built from the demo shop's products that embeds
the widget exactly as a shop would, with one script tag. It shows a shop owner what their
shoppers get; ``?lang=en`` renders the page in English markup to show the English widget,
and ``?customer=C00001`` plays a shopper signed in to the store as that demo customer (the
page signs the id as a shop's own backend would, so the agent sees who is asking).
Only a server in demo mode (``kefu demo``) serves it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.actions.visitors import shop_by_slug
from kefu.demo.staff import SLUG as DEMO_SLUG
from kefu.errors import NotFound
from kefu.lib.money import cents_to_decimal
from kefu.lib.tokens import customer_signature
from kefu.models import Product, Shop
from kefu.queries.widget import storefront_products
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep

router = APIRouter(include_in_schema=False)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True),
)
# The demo has no product photos: each category gets a line drawing (SVG path) on a tint.
SHIRT = "M8 4 3 7l2 4 3-1v10h8V10l3 1 2-4-5-3c-.6 1.4-2 2.4-4 2.4S8.6 5.4 8 4z"
BOTTLE = "M9 11h6v10H9zM10 11V7h4v4M11 7V4h2v3M9 15h6"
HEADPHONES = "M4 16v-4a8 8 0 0 1 16 0v4M4 15h3v6H4zM17 15h3v6h-3z"
BAG = "M5 8h14l-1 12H6zM9 8a3 3 0 0 1 6 0"
CATEGORY_LOOK = {
    "服装": (SHIRT, "linear-gradient(135deg,#fde2e4,#f9c6d3)", "#c2185b"),
    "美妆": (BOTTLE, "linear-gradient(135deg,#e2f0ec,#b9e0e6)", "#0f766e"),
    "数码": (HEADPHONES, "linear-gradient(135deg,#e3e9fd,#c9d6fb)", "#3949ab"),
}
DEFAULT_LOOK = (BAG, "linear-gradient(135deg,#f0efeb,#dfdfdf)", "#6b6258")
# The demo's customer ids (C00001 …); anything else is ignored, not signed.
DEMO_CUSTOMER_ID = re.compile(r"^C\d{5}$")


def _look(product: Product) -> tuple[str, str, str]:
    return CATEGORY_LOOK.get(product.category or "", DEFAULT_LOOK)


def _signed_in_shopper(request: Request, shop: Shop) -> dict[str, str] | None:
    """The widget's data-customer-id/-signature pair for ``?customer=``: what a real
    storefront renders for a logged-in shopper, signed with the shop's widget secret."""
    external_id = request.query_params.get("customer", "")
    if not DEMO_CUSTOMER_ID.match(external_id):
        return None
    return {"id": external_id, "signature": customer_signature(shop.widget_secret, external_id)}


def _page(request: Request, template: str, shop: Shop, **context: Any) -> HTMLResponse:
    lang = "en" if request.query_params.get("lang") == "en" else "zh-CN"
    html = TEMPLATES.get_template(template).render(
        shop=shop,
        lang=lang,
        lang_query="?lang=en" if lang == "en" else "",
        base_url=str(request.base_url).rstrip("/"),
        look=_look,
        price=lambda cents: "¥" + cents_to_decimal(cents),
        customer=_signed_in_shopper(request, shop),
        **context,
    )
    return HTMLResponse(html)


async def _demo_shop(request: Request, session: AsyncSession) -> Shop:
    """The demo shop, on a server in demo mode only: a real shop that happens to be called
    "demo" never gets a public catalogue page from Kefu."""
    if not request.app.state.settings.demo_mode:
        raise NotFound("the demo store (served by `kefu demo` only)")
    try:
        return await shop_by_slug(session, DEMO_SLUG)
    except NotFound as exc:
        raise NotFound("the demo shop (run `kefu demo` first)") from exc


@router.get("/demo/store")
async def store_front(request: Request, session: SessionDep, category: str | None = None):
    shop = await _demo_shop(request, session)
    products = await storefront_products(session, shop)
    categories = sorted({p.category for p in products if p.category})
    shown = [p for p in products if category in (None, "", p.category)]
    return _page(
        request,
        "store/index.html",
        shop,
        products=shown,
        categories=categories,
        category=category or "",
    )


@router.get("/demo/store/products/{product_id}")
async def store_product(request: Request, session: SessionDep, product_id: IdPath):
    shop = await _demo_shop(request, session)
    products = await storefront_products(session, shop)
    product = next((p for p in products if p.id == product_id), None)
    if product is None:
        raise NotFound("product")
    related = [p for p in products if p.category == product.category and p.id != product.id]
    card = {
        "type": "product",
        "title": product.title,
        "price_cents": product.price_cents,
        "currency": shop.currency,
        "sku": product.sku,
        "url": str(request.url_for("store_product", product_id=product.id)),
    }
    return _page(
        request,
        "store/product.html",
        shop,
        product=product,
        related=related[:4],
        card=card,
        categories=sorted({p.category for p in products if p.category}),
        category=product.category,
    )
