"""Orders, customers and products: lists with filters and cursor paging, and details.

Reads through the access-checked queries; another shop's ids answer 404. The writes are
an agent's tags, note and type on a customer, a supervisor merging a duplicate customer,
and an owner erasing a customer's personal data on request (PIPL)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Permission
from kefu.actions.customer_merge import do_merge_customers
from kefu.actions.customers import do_update_customer
from kefu.actions.personal_data import do_erase_customer
from kefu.crm.profile import customer_summary, recent_contacts
from kefu.crm.segments import BY_SLUG
from kefu.errors import Conflict, Invalid
from kefu.lib.times import local_midnight, zone
from kefu.models import OrderStatus
from kefu.models.workspace import CustomerType
from kefu.queries.catalog import list_products
from kefu.queries.customers import get_customer, likely_duplicates, list_customers
from kefu.queries.orders import get_order, list_orders
from kefu.queries.overview import customer_names
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep, SettingsDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render, render_list
from kefu.web.pages.settings.forms import errors_of, filter_days, text

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
STATUS_VALUES = frozenset(s.value for s in OrderStatus)
MSG_ERASED = N_("The customer's personal data was erased.")
MSG_PROFILE_SAVED = N_("The customer's profile was saved.")
MSG_MERGED = N_("The duplicate was merged into this customer.")


def _day_start(day: date | None, timezone: str) -> datetime | None:
    """Midnight of a local date in the shop's time zone, as an aware time."""
    return None if day is None else local_midnight(day, zone(timezone))


@router.get("/orders")
async def orders_page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    q: str = "",
    status: str = "",
    date_from: str = "",
    date_to: str = "",
    cursor: str = "",
) -> Response:
    filters = {"q": q.strip(), "status": status, "date_from": date_from, "date_to": date_to}
    first, last, errors = filter_days(date_from, date_to)
    tz = page.shop.timezone
    result = await list_orders(
        session,
        page.actor,
        q=filters["q"] or None,
        status=OrderStatus(status) if status in STATUS_VALUES else None,
        placed_from=_day_start(first, tz),
        placed_to=_day_start(last + timedelta(days=1), tz) if last else None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    names = await customer_names(session, page.actor, (o.customer_id for o in result.items))
    context = {
        "result": result,
        "names": names,
        "filters": filters,
        "errors": errors,
        "statuses": list(OrderStatus),
        "paged": bool(cursor),
    }
    return render_list(request, "shop/orders.html", "shop/_orders_table.html", context)


@router.get("/orders/{order_id}")
async def order_page(
    request: Request, session: SessionDep, page: PageDep, order_id: IdPath
) -> Response:
    detail = await get_order(session, page.actor, order_id)
    return render(request, "shop/order.html", {"detail": detail, "order": detail.order})


@router.get("/customers")
async def customers_page(
    request: Request, session: SessionDep, page: PageDep, q: str = "", cursor: str = ""
) -> Response:
    result = await list_customers(
        session, page.actor, q=q.strip() or None, cursor=cursor or None, limit=PAGE_SIZE
    )
    context = {"result": result, "filters": {"q": q.strip()}, "paged": bool(cursor)}
    return render_list(request, "shop/customers.html", "shop/_customers_table.html", context)


async def _customer_page(
    request: Request,
    session: AsyncSession,
    page: Page,
    customer_id: int,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    customer = await get_customer(session, page.actor, customer_id)
    orders = await list_orders(session, page.actor, customer_id=customer.id, limit=PAGE_SIZE)
    merges = page.actor.can(Permission.SUPERVISE_CONVERSATIONS)
    conversations, cases = await recent_contacts(session, page.actor, customer.id)
    summary = await customer_summary(session, page.actor, customer.id)
    context = {
        "customer": customer,
        "orders": orders,
        "summary": summary,
        "segment": BY_SLUG.get(summary.segment or ""),
        "conversations": conversations,
        "cases": cases,
        "customer_types": list(CustomerType),
        "edits_profile": page.actor.can(Permission.HANDLE_CONVERSATIONS),
        "duplicates": await likely_duplicates(session, page.actor, customer.id) if merges else [],
        "handles_personal_data": page.actor.can(Permission.MANAGE_PERSONAL_DATA),
        "errors": errors,
    }
    return render(request, "shop/customer.html", context, status_code=status)


@router.get("/customers/{customer_id}")
async def customer_page(
    request: Request, session: SessionDep, page: PageDep, customer_id: IdPath
) -> Response:
    return await _customer_page(request, session, page, customer_id, {})


@router.post("/customers/{customer_id}/profile")
async def customer_profile(
    request: Request, session: SessionDep, page: PageDep, customer_id: IdPath
) -> Response:
    form = await request.form()
    changes = {
        "tags": [t for t in re.split(r"[,，、\s]+", text(form, "tags")) if t],
        "note": text(form, "note"),
        "customer_type": text(form, "customer_type") or None,
    }
    try:
        await do_update_customer(session, page.actor, customer_id, changes)
    except Invalid as exc:
        return await _customer_page(
            request, session, page, customer_id, errors_of(exc, "tags"), 422
        )
    await session.commit()
    return redirect(f"/customers/{customer_id}", flash=MSG_PROFILE_SAVED, request=request)


@router.post("/customers/{customer_id}/merge/{duplicate_id}")
async def customer_merge(
    request: Request, session: SessionDep, page: PageDep, customer_id: IdPath, duplicate_id: IdPath
) -> Response:
    try:
        await do_merge_customers(session, page.actor, customer_id, duplicate_id)
    except (Invalid, Conflict) as exc:
        errors = errors_of(exc, "duplicate_id")
        return await _customer_page(request, session, page, customer_id, errors, exc.status)
    await session.commit()
    return redirect(f"/customers/{customer_id}", flash=MSG_MERGED, request=request)


@router.post("/customers/{customer_id}/erase")
async def customer_erase(
    request: Request, session: SessionDep, page: PageDep, settings: SettingsDep, customer_id: IdPath
) -> Response:
    confirm = text(await request.form(), "confirm_external_id")
    try:
        await do_erase_customer(session, page.actor, customer_id, confirm, settings.data_dir)
    except Invalid as exc:
        errors = errors_of(exc, "confirm_external_id")
        return await _customer_page(request, session, page, customer_id, errors, 422)
    await session.commit()
    return redirect(f"/customers/{customer_id}", flash=MSG_ERASED, request=request)


@router.get("/products")
async def products_page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    q: str = "",
    category: str = "",
    cursor: str = "",
) -> Response:
    result = await list_products(
        session,
        page.actor,
        q=q.strip() or None,
        category=category.strip() or None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    context = {
        "result": result,
        "filters": {"q": q.strip(), "category": category.strip()},
        "paged": bool(cursor),
    }
    return render_list(request, "shop/products.html", "shop/_products_table.html", context)
