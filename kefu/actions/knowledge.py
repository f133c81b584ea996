"""Keeping the knowledge base: FAQ entries written by owners and supervisors (agents
read them), each change kept as a version, and whole files imported at once.

An import is all or nothing: every row is checked first and, if any is bad, the answer
lists every bad row (row number, field, message) and nothing is written, as the big
help-desk products do; a file is fixed and sent again, never half-applied. A row whose
question is already an entry's updates that entry (a new version), so importing the
same file twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import check_known, clean_text
from kefu.actions.phrases import clean_template
from kefu.errors import Invalid, InvalidRows
from kefu.knowledge.transfer import FIELDS, content_of
from kefu.models import Channel, FaqEntry, FaqVersion
from kefu.queries.access import fetch_owned

MAX_SIMILAR = 50
MAX_ANSWER = 2000
STAGES = ("presale", "insale", "aftersale")
CHINA = ZoneInfo("Asia/Shanghai")
TRUE, FALSE = (
    frozenset({"true", "1", "yes", "是", "启用"}),
    frozenset({"false", "0", "no", "否", "停用"}),
)


def _similar(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid("similar questions must be a list", field="similar")
    cleaned = [clean_text(v, "similar", "a similar question", 200) for v in value]
    if len(cleaned) > MAX_SIMILAR:
        raise Invalid(f"an entry has at most {MAX_SIMILAR} similar questions", field="similar")
    return list(dict.fromkeys(cleaned))


def _answer(value: Any) -> str:
    return clean_template(value, "answer", "FAQ answer", MAX_ANSWER)


def _optional(field: str, what: str, limit: int) -> Any:
    def check(value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return clean_text(value, field, what, limit)

    return check


def _one_of(field: str, allowed: Sequence[str]) -> Any:
    def check(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if value not in allowed:
            raise Invalid(f"{field} must be one of: {', '.join(allowed)}", field=field)
        return str(value)

    return check


def _when(field: str) -> Any:
    def check(value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = datetime.fromisoformat(str(value))
            except ValueError as exc:
                raise Invalid(
                    f"{field} must be a date such as 2026-11-11 or 2026-11-11T00:00:00+08:00",
                    field=field,
                ) from exc
        if parsed.tzinfo is None:  # a bare date or time: China's, where the shops are
            parsed = parsed.replace(tzinfo=CHINA)
        return parsed.astimezone(UTC)

    return check


def _enabled(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise Invalid("enabled must be true or false", field="enabled")


CHECKS = {
    "question": lambda v: clean_text(v, "question", "a question", 200),
    "similar": _similar,
    "answer": _answer,
    "category": _optional("category", "a category", 50),
    "stage": _one_of("stage", STAGES),
    "channel": _one_of("channel", [c.value for c in Channel]),
    "valid_from": _when("valid_from"),
    "valid_until": _when("valid_until"),
    "enabled": _enabled,
}
assert set(CHECKS) == set(FIELDS)


def clean_faq(fields: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Checked values of an entry's fields; without ``partial`` every field, question and
    answer required, the rest defaulting to none (an import row is the whole entry)."""
    check_known(fields, FIELDS)
    defaults = dict.fromkeys(FIELDS) | {"similar": [], "enabled": True}
    given = dict(fields) if partial else defaults | dict(fields)
    return {key: CHECKS[key](value) for key, value in given.items()}


def _check_period(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise Invalid("valid_until must be after valid_from", field="valid_until")


def _keep_version(session: AsyncSession, actor: Actor, entry: FaqEntry) -> None:
    session.add(
        FaqVersion(
            shop_id=entry.shop_id,
            entry_id=entry.id,
            version=entry.version,
            content=content_of(entry),
            author=actor.label,
        )
    )


async def _create(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> FaqEntry:
    entry = FaqEntry(shop_id=actor.shop_id, version=1, **values)
    _check_period(entry.valid_from, entry.valid_until)
    session.add(entry)
    await session.flush()
    _keep_version(session, actor, entry)
    return entry


async def _change(
    session: AsyncSession, actor: Actor, entry: FaqEntry, values: Mapping[str, Any]
) -> bool:
    """Apply ``values``; a real change bumps the version and keeps it. Returns whether
    anything changed."""
    before = content_of(entry)
    for key, value in values.items():
        setattr(entry, key, value)
    _check_period(entry.valid_from, entry.valid_until)
    if content_of(entry) == before:
        return False
    entry.version += 1
    await session.flush()
    _keep_version(session, actor, entry)
    return True


async def do_create_faq(session: AsyncSession, actor: Actor, **fields: Any) -> FaqEntry:
    """A new entry (version 1)."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    entry = await _create(session, actor, clean_faq(fields))
    await session.flush()
    record_audit(session, actor, "faq.create", "faq", entry.id, after=snapshot(entry))
    return entry


async def _load(session: AsyncSession, actor: Actor, entry_id: int) -> FaqEntry:
    return await fetch_owned(
        session,
        actor,
        FaqEntry,
        entry_id,
        "FAQ entry",
        permission=Permission.SUPERVISE_CONVERSATIONS,
    )


async def do_update_faq(
    session: AsyncSession, actor: Actor, entry_id: int, **changes: Any
) -> FaqEntry:
    """Change an entry's fields; the version before is kept in its history."""
    entry = await _load(session, actor, entry_id)
    before = snapshot(entry)
    if await _change(session, actor, entry, clean_faq(changes, partial=True)):
        record_audit(
            session, actor, "faq.update", "faq", entry.id, before=before, after=snapshot(entry)
        )
    return entry


async def do_restore_faq(
    session: AsyncSession, actor: Actor, entry_id: int, version: int
) -> FaqEntry:
    """Make an earlier version current again (as a new version: history only grows)."""
    entry = await _load(session, actor, entry_id)
    content = await session.scalar(
        select(FaqVersion.content).where(
            FaqVersion.entry_id == entry.id, FaqVersion.version == version
        )
    )
    if content is None:
        raise Invalid(f"this entry has no version {version}", field="version")
    return await do_update_faq(session, actor, entry_id, **content)


async def do_delete_faq(session: AsyncSession, actor: Actor, entry_id: int) -> None:
    """Delete an entry and its history (the audit log keeps what it said)."""
    entry = await _load(session, actor, entry_id)
    record_audit(session, actor, "faq.delete", "faq", entry.id, before=snapshot(entry))
    await session.delete(entry)
    await session.flush()


def _row_id(raw: dict[str, Any]) -> int | None:
    """The entry id an (exported) row names, if any; a wrong one names nothing."""
    value = raw.pop("id", None)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _checked_rows(rows: Sequence[tuple[int, Any]]) -> list[tuple[int | None, dict[str, Any]]]:
    """Every row checked, with the entry id it names; all problems of all rows raised
    together."""
    problems: list[dict[str, Any]] = []
    cleaned: list[tuple[int | None, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        if not isinstance(raw, dict):
            problems.append({"row": number, "field": None, "message": "an entry is an object"})
            continue
        raw = dict(raw)
        row_id = _row_id(raw)
        unknown = sorted(set(raw) - set(FIELDS))
        if unknown:
            problems.append({"row": number, "field": unknown[0], "message": "unknown column"})
            continue
        try:
            values = clean_faq(raw)
            _check_period(values["valid_from"], values["valid_until"])
        except Invalid as exc:
            problems.append({"row": number, "field": exc.field, "message": exc.message})
            continue
        if values["question"] in seen:
            message = f"the same question as row {seen[values['question']]}"
            problems.append({"row": number, "field": "question", "message": message})
            continue
        seen[values["question"]] = number
        cleaned.append((row_id, values))
    if problems:
        listed = "; ".join(
            f"row {p['row']}: {p['field'] or '-'}: {p['message']}" for p in problems[:5]
        )
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidRows(
            f"{len(problems)} bad rows, nothing was imported: {listed}{more}", problems
        )
    return cleaned


async def do_import_faqs(
    session: AsyncSession, actor: Actor, rows: Sequence[tuple[int, Any]]
) -> dict[str, int]:
    """Import (row number, fields) rows: all or nothing (see the module). Returns how many
    entries were created, updated and left as they were."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    cleaned = _checked_rows(rows)
    entries = list(await session.scalars(select(FaqEntry).where(FaqEntry.shop_id == actor.shop_id)))
    by_id = {entry.id: entry for entry in entries}
    by_question = {entry.question: entry for entry in entries}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row_id, values in cleaned:
        entry = by_id.get(row_id) or by_question.get(values["question"])  # type: ignore[arg-type]
        if entry is None:
            await _create(session, actor, values)
            counts["created"] += 1
        elif await _change(session, actor, entry, values):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    await session.flush()
    record_audit(session, actor, "faq.import", "faq", None, after=counts)
    return counts
