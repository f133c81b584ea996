"""The agent workspace (/workspace): conversation list, message pane, customer panel.

The page is rendered once; ``static/js/workspace.js`` then talks to the REST API and the
agent WebSocket. The strings the script shows are translated here, so the catalogs hold
them like every other UI string."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.crm.profile import Behaviour
from kefu.knowledge.llm import llm_config
from kefu.lib.cases import CasePriority, CaseType
from kefu.lib.phrases import VARIABLES
from kefu.models import (
    Channel,
    ConversationStatus,
    CustomerType,
    OrderStatus,
    PhraseFolder,
    ShipmentStatus,
    Skill,
)
from kefu.models.quality import Emotion
from kefu.queries.people import list_agents, list_teams
from kefu.web import i18n
from kefu.web.deps import SessionDep
from kefu.web.i18n import gettext as _
from kefu.web.labels import label
from kefu.web.pages.context import PageDep
from kefu.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


def _strings() -> dict[str, str]:
    """What the script shows, translated into the page's language."""
    return {
        "empty_list": _("No conversations here"),
        "no_messages": _("No messages yet"),
        "load_earlier": _("Load earlier messages"),
        "note": _("Internal note"),
        "automatic": _("Automatic greeting"),
        "bot": _("FAQ bot"),
        "suggestions": _("Suggested answers"),
        "use": _("Use"),
        "typing": _("The customer is typing…"),
        "sending": _("Sending…"),
        "unsent": _("Not sent yet; will retry"),
        "new_message": _("New message"),
        "connected": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "waiting": _("Waiting"),
        "no_customer": _("A visitor who has not logged in"),
        "returning": _("Returning customer"),
        "lifetime_value": _("Lifetime value"),
        "customer_page": _("Customer profile"),
        "no_orders": _("No orders"),
        "send_card": _("Send card"),
        "saved": _("Saved"),
        "no_phrase": _("No phrase with this shortcut"),
        "card": _("Card"),
        "past": _("Earlier conversations"),
        "error": _("Something went wrong; try again"),
        "you": _("Me"),
        "visitor": _("Customer"),
        "verified_by": _("Checked by"),
        "profile": _("Customer"),
        "verify_title": _("Verification"),
        "verify_address": _("Address confirmed"),
        "verify_phone": _("Phone confirmed"),
        "verify_spec": _("Model / size confirmed"),
        "verify_save": _("Record check"),
        "orders_title": _("Orders"),
        "quality_warn": _("This reply may upset the customer"),
        "quality_blocked": _("This shop does not allow sending this reply"),
        "rewrite": _("Suggested rewrite"),
        "cases_title": _("After-sales cases"),
        "open_case": _("Open a case"),
        "case_opened": _("Case #%(number)s opened"),
        "use_rewrite": _("Use rewrite"),
        "rephrasing": _("Rephrasing…"),
        "drafting": _("Drafting…"),
        "rephrase_empty": _("Write a draft first, then let the AI assistant rephrase it."),
        "emotion_title": _("Customer mood"),
        "account": _("Emotional account"),
        "account_rule": _("+1 for a good exchange, −3 for a bad one"),
        "emotion_red_alert": _("A customer is upset (red) in conversation #%(id)s"),
        "coaching_new": _("%(author)s sent you a coaching note"),
    }


def _labels() -> dict[str, dict[str, str]]:
    return {
        "status": {s.value: label(s) for s in ConversationStatus},
        "skill": {s.value: label(s) for s in Skill},
        "channel": {c.value: label(c) for c in Channel},
        "folder": {f.value: label(f) for f in PhraseFolder},
        "order": {s.value: label(s) for s in OrderStatus},
        "shipment": {s.value: label(s) for s in ShipmentStatus},
        "customer_type": {t.value: label(t) for t in CustomerType},
        "behaviour": {b.value: label(b) for b in Behaviour},
        "emotion": {e.value: label(e) for e in Emotion},
    }


@router.get("/workspace")
async def workspace(request: Request, session: SessionDep, page: PageDep) -> Response:
    agents = await list_agents(session, page.actor, active=True, limit=200)
    teams = await list_teams(session, page.actor)
    token = i18n.activate(page.locale)
    try:
        strings, labels = _strings(), _labels()
    finally:
        i18n.deactivate(token)
    config = {
        "agent_id": page.actor.id,
        "csrf": page.csrf_token,
        "warn_seconds": page.shop.response_warn_seconds,
        "alert_seconds": page.shop.response_alert_seconds,
        "timezone": page.shop.timezone,
        "strings": strings,
        "labels": labels,
        "variables": list(VARIABLES),
        # AI 起草 and AI 润色 show only where an LLM is configured (kefu.knowledge.llm).
        "llm": llm_config(request.app.state.settings) is not None,
    }
    return render(
        request,
        "workspace/workspace.html",
        {
            "config": config,
            "agents": agents.items,
            "teams": teams,
            "statuses": list(ConversationStatus),
            "skills": list(Skill),
            "emotions": list(Emotion),
            "channels": list(Channel),
            "case_types": list(CaseType),
            "case_priorities": list(CasePriority),
        },
    )
