"""The knowledge base page (/knowledge): every agent reads and searches the FAQ the bot
answers from; supervisors write entries, restore earlier versions and import or export
whole files; the owner sets the bot (mode, intents left to people, idle time) here too,
beside what it answers with."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from kefu.access import Permission
from kefu.actions.bot import do_update_bot_settings, intent_codes
from kefu.actions.knowledge import (
    CHINA,
    STAGES,
    do_create_faq,
    do_delete_faq,
    do_import_faqs,
    do_restore_faq,
    do_update_faq,
)
from kefu.errors import Invalid, InvalidRows, TooLarge, UnsupportedType
from kefu.knowledge.bot import BotMode, bot_settings
from kefu.knowledge.transfer import read_faq_file, write_csv, write_json, write_xlsx
from kefu.lib.phrases import VARIABLES
from kefu.models import Channel, FaqEntry, Skill
from kefu.queries.knowledge import export_faqs, faq_versions, get_faq, list_faqs, search_for
from kefu.queries.shops import get_shop
from kefu.web.api.v1.knowledge import MAX_FILE_BYTES
from kefu.web.api.v1.report_views import XLSX_TYPE
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.i18n import gettext as _
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, checked, errors_of, text, texts, whole_number

router = APIRouter(include_in_schema=False)
PATH = "/knowledge"
MSG_SAVED = N_("FAQ entry saved.")
MSG_DELETED = N_("FAQ entry deleted.")
MSG_RESTORED = N_("The earlier version is current again.")
MSG_IMPORTED = N_("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
MSG_BOT_SAVED = N_("Bot settings saved.")
MSG_NO_FILE = N_("Choose a file to import.")
FIELDS = ("question", "similar", "answer", "category", "stage", "channel")
LOCAL_TIME = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> shows and sends


def _local(value: datetime | None) -> str:
    """A valid-period bound as the form shows it: China's time, where the shops are."""
    return "" if value is None else value.astimezone(CHINA).strftime(LOCAL_TIME)


def _values_of(entry: FaqEntry) -> dict[str, Any]:
    return {
        "question": entry.question,
        "similar": "\n".join(entry.similar),
        "answer": entry.answer,
        "category": entry.category or "",
        "stage": entry.stage or "",
        "channel": entry.channel or "",
        "valid_from": _local(entry.valid_from),
        "valid_until": _local(entry.valid_until),
        "enabled": entry.enabled,
    }


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: text(form, key) for key in (*FIELDS, "valid_from", "valid_until")
    }
    values["enabled"] = checked(form, "enabled")
    return values


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """The form as the action's fields: similar questions one a line."""
    return values | {
        "similar": [line.strip() for line in values["similar"].splitlines() if line.strip()]
    }


def _choices() -> dict[str, Any]:
    return {"stages": [Skill(s) for s in STAGES], "channels": list(Channel), "variables": VARIABLES}


async def _list(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    q: str = "",
    category: str = "",
    errors: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    """The list (or the search's ranked answers), the import and the bot's settings."""
    hits = await search_for(session, page.actor, q) if q else None
    entries = (
        [m.entry for m in hits]
        if hits is not None
        else await list_faqs(session, page.actor, category=category or None)
    )
    every = entries if hits is None and not category else await list_faqs(session, page.actor)
    return render(
        request,
        "knowledge/list.html",
        {
            "entries": entries,
            "scores": {m.entry.id: m.score for m in hits or []},
            "q": q,
            "category": category,
            "categories": sorted({e.category for e in every if e.category}),
            "writes": page.actor.can(Permission.SUPERVISE_CONVERSATIONS),
            "errors": errors or {},
            "problems": problems or [],
            **await _bot_context(session, page),
        },
        status_code=status,
    )


async def _bot_context(session: SessionDep, page: Page) -> dict[str, Any]:
    settings = bot_settings((await get_shop(session, page.actor)).bot_settings)
    sets_bot = page.actor.can(Permission.MANAGE_SHOP)
    # The intent model loads in a thread (numpy, scikit-learn); only the owner's form needs it.
    intents = await asyncio.to_thread(intent_codes) if sets_bot else settings["intents_off"]
    return {"bot": settings, "sets_bot": sets_bot, "modes": list(BotMode), "intents": intents}


@router.get(PATH)
async def knowledge_page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    q: str = Query("", max_length=200),
    category: str = Query("", max_length=50),
) -> Response:
    return await _list(request, session, page, q=q.strip(), category=category.strip())


async def _edit(
    request: Request,
    session: SessionDep,
    page: Page,
    entry: FaqEntry | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    versions = [] if entry is None else await faq_versions(session, page.actor, entry.id)
    return render(
        request,
        "knowledge/edit.html",
        {
            "entry": entry,
            "values": values,
            "errors": errors,
            "versions": versions,
            "writes": page.actor.can(Permission.SUPERVISE_CONVERSATIONS),
            **_choices(),
        },
        status_code=status,
    )


@router.get(PATH + "/new")
async def new_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.SUPERVISE_CONVERSATIONS)
    return await _edit(request, session, page, None, {"enabled": True}, {})


@router.post(PATH)
async def create(request: Request, session: SessionDep, page: PageDep) -> Response:
    values = _form_values(await request.form())
    try:
        entry = await do_create_faq(session, page.actor, **_fields(values))
    except FormError as exc:
        return await _edit(request, session, page, None, values, errors_of(exc, "question"), 422)
    await session.commit()
    return redirect(f"{PATH}/{entry.id}", flash=MSG_SAVED, request=request)


@router.get(PATH + "/export")
async def export(
    session: SessionDep, page: PageDep, format: str = Query("csv", pattern="^(csv|json|xlsx)$")
) -> Response:
    records = await export_faqs(session, page.actor)
    disposition = {"Content-Disposition": f'attachment; filename="faq.{format}"'}
    if format == "json":
        return Response(write_json(records), media_type="application/json", headers=disposition)
    if format == "xlsx":
        return Response(write_xlsx(records), media_type=XLSX_TYPE, headers=disposition)
    return Response(write_csv(records), media_type="text/csv; charset=utf-8", headers=disposition)


@router.post(PATH + "/import")
async def import_file(request: Request, session: SessionDep, page: PageDep) -> Response:
    """All or nothing, like the API; every bad row is listed with its number."""
    page.actor.require(Permission.SUPERVISE_CONVERSATIONS)
    upload = (await request.form()).get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid(MSG_NO_FILE, field="file")
        data = await upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise TooLarge("a FAQ file has at most 5 MB", field="file")
        rows = await asyncio.to_thread(read_faq_file, upload.filename, data)
        counts = await do_import_faqs(session, page.actor, rows)
    except InvalidRows as exc:
        return await _list(request, session, page, problems=exc.rows, status=422)
    except (*FormError, TooLarge, UnsupportedType) as exc:
        return await _list(request, session, page, errors=errors_of(exc, "file"), status=422)
    await session.commit()
    return redirect(PATH, flash=_(MSG_IMPORTED) % counts, request=request)


@router.post(PATH + "/bot")
async def bot_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_SHOP)
    form = await request.form()
    try:
        # A form of before the stall setting keeps the shop's current value.
        stall = (
            {"stall_days": whole_number(text(form, "stall_days"), "stall_days")}
            if "stall_days" in form
            else {}
        )
        await do_update_bot_settings(
            session,
            page.actor,
            mode=text(form, "mode"),
            intents_off=texts(form, "intents_off"),
            idle_minutes=whole_number(text(form, "idle_minutes"), "idle_minutes"),
            **stall,
        )
    except FormError as exc:
        return await _list(request, session, page, errors=errors_of(exc, "mode"), status=422)
    await session.commit()
    return redirect(PATH, flash=MSG_BOT_SAVED, request=request)


@router.get(PATH + "/{faq_id}")
async def entry_page(
    request: Request, session: SessionDep, page: PageDep, faq_id: IdPath
) -> Response:
    entry = await get_faq(session, page.actor, faq_id)
    return await _edit(request, session, page, entry, _values_of(entry), {})


async def _refused(
    request: Request,
    session: SessionDep,
    page: Page,
    faq_id: int,
    values: dict[str, Any] | None,
    errors: dict[str, str],
) -> Response:
    """The entry's form again with the refusal. The entry as stored: the action may have
    set fields before refusing, so that copy leaves the session unflushed (found in the
    identity map, no query) and the entry is read afresh."""
    stale = await session.get(FaqEntry, faq_id)
    if stale is not None:
        session.expunge(stale)
    entry = await get_faq(session, page.actor, faq_id)
    return await _edit(request, session, page, entry, values or _values_of(entry), errors, 422)


@router.post(PATH + "/{faq_id}")
async def update(request: Request, session: SessionDep, page: PageDep, faq_id: IdPath) -> Response:
    values = _form_values(await request.form())
    try:
        await do_update_faq(session, page.actor, faq_id, **_fields(values))
    except FormError as exc:
        return await _refused(request, session, page, faq_id, values, errors_of(exc, "question"))
    await session.commit()
    return redirect(f"{PATH}/{faq_id}", flash=MSG_SAVED, request=request)


@router.post(PATH + "/{faq_id}/restore")
async def restore(request: Request, session: SessionDep, page: PageDep, faq_id: IdPath) -> Response:
    version = text(await request.form(), "version")
    try:
        await do_restore_faq(session, page.actor, faq_id, whole_number(version, "version"))
    except FormError as exc:
        return await _refused(request, session, page, faq_id, None, errors_of(exc, "version"))
    await session.commit()
    return redirect(f"{PATH}/{faq_id}", flash=MSG_RESTORED, request=request)


@router.post(PATH + "/{faq_id}/delete")
async def delete(request: Request, session: SessionDep, page: PageDep, faq_id: IdPath) -> Response:
    await do_delete_faq(session, page.actor, faq_id)
    await session.commit()
    return redirect(PATH, flash=MSG_DELETED, request=request)
