"""The chat widget's writes besides messages: the shop's widget settings (owners) and a
message left while nobody can answer (visitors). The shopper's "已读" moves with the
agent's read position (kefu.actions.workspace.do_mark_read).

Settings keys and defaults live in ``kefu.lib.widget``."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import publish_on_commit, record_audit
from kefu.actions.checks import check_known, clean_text
from kefu.actions.conversations import do_start_conversation
from kefu.actions.messages import do_send_message
from kefu.errors import Invalid
from kefu.events import ShopSettingsChanged, shop_stream
from kefu.lib.widget import (
    DEFAULTS,
    MAX_ANNOUNCEMENT_LENGTH,
    MAX_ANNOUNCEMENTS,
    MAX_GREETING_LENGTH,
    MAX_INVITATION_LENGTH,
    MAX_INVITATIONS,
    MAX_REPLY_MINUTES,
    rule_id,
    widget_settings,
)
from kefu.models import Conversation, Message, MessageKind, Visitor
from kefu.queries.shops import get_shop

OFFLINE_TAG = "留言"


def _announcements(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Invalid("announcements must be a list of lines", field="announcements")
    lines = [line for line in value if not (isinstance(line, str) and not line.strip())]
    if len(lines) > MAX_ANNOUNCEMENTS:
        raise Invalid(
            f"a shop has at most {MAX_ANNOUNCEMENTS} announcement lines", field="announcements"
        )
    return [
        clean_text(line, "announcements", "an announcement line", MAX_ANNOUNCEMENT_LENGTH)
        for line in lines
    ]


def _greeting(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_text(value, "greeting", "the greeting", MAX_GREETING_LENGTH)


def _minutes(field: str) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{field} must be a whole number of minutes", field=field)
        if not 1 <= value <= MAX_REPLY_MINUTES:
            raise Invalid(f"{field} must be 1 to {MAX_REPLY_MINUTES} minutes", field=field)
        return value

    return check


INVITATION_KEYS = ("id", "message", "product_page_seconds", "cart_above_cents", "returning_only")
RULE_ID = re.compile(r"^[0-9a-z]{1,16}$")


def _whole_or_none(rule: dict[str, Any], key: str, limit: int) -> int | None:
    value = rule.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise Invalid(f"{key} must be a whole number from 0 to {limit}", field="invitations")
    return value


def _invitation(rule: Any) -> dict[str, Any]:
    """One rule, cleaned; a rule without any condition would invite everyone, so refuse it."""
    if not isinstance(rule, dict):
        raise Invalid("each invitation must be an object", field="invitations")
    check_known(rule, INVITATION_KEYS)
    cleaned = {
        "message": clean_text(
            rule.get("message"), "invitations", "the invitation text", MAX_INVITATION_LENGTH
        ),
        "product_page_seconds": _whole_or_none(rule, "product_page_seconds", 24 * 3600),
        "cart_above_cents": _whole_or_none(rule, "cart_above_cents", 10**12),
        "returning_only": bool(rule.get("returning_only", False)),
    }
    if (
        cleaned["product_page_seconds"] is None
        and cleaned["cart_above_cents"] is None
        and not cleaned["returning_only"]
    ):
        raise Invalid("an invitation needs at least one condition", field="invitations")
    given = rule.get("id")
    if given is not None and not (isinstance(given, str) and RULE_ID.match(given)):
        raise Invalid("an invitation id is 1 to 16 letters a-z or digits", field="invitations")
    return {"id": given or rule_id(cleaned), **cleaned}


def _invitations(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_INVITATIONS:
        raise Invalid(
            f"invitations: a list of at most {MAX_INVITATIONS} rules", field="invitations"
        )
    rules = [_invitation(rule) for rule in value]
    if len({rule["id"] for rule in rules}) != len(rules):
        raise Invalid("the same invitation appears twice", field="invitations")
    return rules


CHECKS = {
    "announcements": _announcements,
    "greeting": _greeting,
    "reply_minutes_open": _minutes("reply_minutes_open"),
    "reply_minutes_closed": _minutes("reply_minutes_closed"),
    "invitations": _invitations,
}
assert set(CHECKS) == set(DEFAULTS)


async def do_update_widget_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, Any]:
    """Change the widget's announcements (up to 5 rotating lines), greeting, or the reply
    times promised to offline messages; returns the complete settings."""
    actor.require(Permission.MANAGE_SHOP)
    check_known(changes, CHECKS)
    shop = await get_shop(session, actor)
    before = widget_settings(shop.widget_settings)
    after = before | {key: CHECKS[key](value) for key, value in changes.items()}
    if after != before:
        shop.widget_settings = after
        await session.flush()
        record_audit(
            session,
            actor,
            "shop.update_widget",
            "shop",
            shop.id,
            before={"widget_settings": before},
            after={"widget_settings": after},
        )
        publish_on_commit(
            session,
            ShopSettingsChanged(
                actor.shop_id, {"changed": "widget"}, frozenset({shop_stream(actor.shop_id)})
            ),
        )
    return after


async def do_leave_offline_message(
    session: AsyncSession,
    actor: Actor,
    *,
    name: Any,
    contact: Any,
    body: Any,
    client_id: Any,
    greeting: str | None = None,
) -> tuple[Conversation, Message]:
    """A shopper's message left while no agent can answer: it opens (or joins) their
    conversation, tagged 留言, which agents pick up when they return. The name and the
    contact (phone, WeChat, e-mail) ride in the message payload for the agent, and the
    name becomes the visitor's display name in the workspace. ``greeting``: as for
    ``do_start_conversation``."""
    details = {
        "name": clean_text(name, "name", "your name", 50),
        "contact": clean_text(contact, "contact", "a way to reach you", 100),
    }
    conversation = await do_start_conversation(session, actor, greeting=greeting)
    visitor = await session.get(Visitor, actor.id)
    if visitor is not None:  # agents now address the shopper by the name they gave
        visitor.display_name, visitor.contact = details["name"], details["contact"]
    if OFFLINE_TAG not in conversation.tags:
        conversation.tags = [*conversation.tags, OFFLINE_TAG]
    message = await do_send_message(
        session,
        actor,
        conversation.id,
        body,
        client_id,
        kind=MessageKind.TEXT,
        payload={"offline_form": details},
    )
    return conversation, message
