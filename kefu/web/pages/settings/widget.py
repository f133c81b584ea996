"""Settings → chat widget: announcement lines, greeting, promised reply times, proactive
invitation rules with how each did lately, and the tag to paste into the shop's site
(owners)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.widget import do_update_widget_settings
from kefu.errors import Invalid
from kefu.lib.money import cents_to_decimal, decimal_to_cents
from kefu.lib.times import zone
from kefu.lib.widget import MAX_ANNOUNCEMENTS, MAX_INVITATIONS, widget_settings
from kefu.models.base import utcnow
from kefu.queries.shops import get_shop
from kefu.queries.visitors import RuleCounts, invitation_counts
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, checked, errors_of, text, whole_number

router = APIRouter(include_in_schema=False)
MSG_WIDGET_SAVED = N_("Chat widget saved.")
MINUTES = ("reply_minutes_open", "reply_minutes_closed")
MSG_BAD_AMOUNT = N_("Enter an amount in yuan, such as 299 or 299.50.")
MSG_BAD_SECONDS = N_("Enter the seconds as a whole number.")
STATS_DAYS = 30  # the counts beside each rule: the last month, today included
BLANK_RULES = 2  # empty rows offered for new rules


def _row(rule: dict[str, Any]) -> dict[str, Any]:
    """A stored rule as the form shows it (the cart in yuan); a row typed into a refused
    form is shown again as typed."""
    if "seconds" in rule:
        return rule
    seconds, cart = rule["product_page_seconds"], rule["cart_above_cents"]
    return {
        "id": rule["id"],
        "message": rule["message"],
        "seconds": "" if seconds is None else str(seconds),
        "cart": "" if cart is None else cents_to_decimal(cart),
        "returning": rule["returning_only"],
    }


def _rule_rows(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules in priority order, then blank rows to add more (up to the maximum)."""
    blank = {"id": "", "message": "", "seconds": "", "cart": "", "returning": False}
    rows = [_row(rule) for rule in rules] + [blank] * BLANK_RULES
    return rows[:MAX_INVITATIONS]


async def _recent_counts(session: SessionDep, page: PageDep) -> dict[str, RuleCounts]:
    shop = await get_shop(session, page.actor)
    today = utcnow().astimezone(zone(shop.timezone)).date()
    counts = await invitation_counts(
        session, page.actor, today - timedelta(days=STATS_DAYS - 1), None
    )
    return {c.rule_id: c for c in counts}


def _snippet(request: Request, slug: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f'<script src="{base}/widget.js" data-shop="{slug}" async></script>'


async def _page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    shop = await get_shop(session, page.actor)
    lines = list(values["announcements"]) + [""] * MAX_ANNOUNCEMENTS
    return render(
        request,
        "settings/widget.html",
        {
            "values": values,
            "lines": lines[:MAX_ANNOUNCEMENTS],
            "rules": _rule_rows(values["invitations"]),
            "counts": await _recent_counts(session, page),
            "stats_days": STATS_DAYS,
            "errors": errors,
            "snippet": _snippet(request, shop.slug),
        },
        status_code=status,
    )


@router.get("/settings/widget")
async def widget_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_SHOP)
    shop = await get_shop(session, page.actor)
    return await _page(request, session, page, widget_settings(shop.widget_settings), {})


def _typed_rules(form: FormData) -> list[dict[str, Any]]:
    """The rule rows as typed (a row without a message is no rule: that is how an owner
    removes one); numbers are read by ``_rules`` so a bad one comes back as typed."""
    rows = []
    for i in range(MAX_INVITATIONS):
        message = text(form, f"rule-{i}-message")
        if message:
            rows.append(
                {
                    "id": text(form, f"rule-{i}-id") or None,
                    "message": message,
                    "seconds": text(form, f"rule-{i}-seconds"),
                    "cart": text(form, f"rule-{i}-cart"),
                    "returning": checked(form, f"rule-{i}-returning"),
                }
            )
    return rows


def _rules(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The typed rows as the action takes them: seconds whole, the cart in cents."""
    rules = []
    for row in rows:
        try:
            cart = decimal_to_cents(row["cart"]) if row["cart"] else None
        except ValueError as exc:
            raise Invalid(MSG_BAD_AMOUNT, field="invitations") from exc
        if row["seconds"] and not row["seconds"].isdigit():
            raise Invalid(MSG_BAD_SECONDS, field="invitations")
        rule = {
            "message": row["message"],
            "product_page_seconds": int(row["seconds"]) if row["seconds"] else None,
            "cart_above_cents": cart,
            "returning_only": row["returning"],
        }
        rules.append(rule | ({"id": row["id"]} if row["id"] else {}))
    return rules


def _values(form: FormData) -> dict[str, Any]:
    return {
        "announcements": [
            line.strip() for line in form.getlist("announcement") if str(line).strip()
        ],
        "greeting": text(form, "greeting") or None,
        **{name: text(form, name) for name in MINUTES},
        "invitations": _typed_rules(form),
    }


@router.post("/settings/widget")
async def widget_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    values = _values(await request.form())
    try:
        changes = values | {name: whole_number(values[name], name) for name in MINUTES}
        changes["invitations"] = _rules(values["invitations"])
        await do_update_widget_settings(session, page.actor, **changes)
    except FormError as exc:
        return await _page(request, session, page, values, errors_of(exc, "announcements"), 422)
    await session.commit()
    return redirect("/settings/widget", flash=MSG_WIDGET_SAVED, request=request)
