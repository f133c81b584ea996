"""Tenant isolation over every route of the API: the one place to look.

The routes come from the app itself. ``ROUTES`` says, for each of them, how to exercise it
(what kind of route it is, who may call it, a valid body) and ``PATH_IDS`` which of acme's
rows a path parameter names; a route missing from either fails the walk by name, so a
route added later cannot slip past.

Shop "acme" is seeded through the API by owen with one row of every kind, every text
carrying ``SECRET``. Then mallory (owner of another shop, so every permission there), an
API key of her shop, and an anonymous client walk every route with acme's ids: by-id
routes answer 404 ``not_found``, lists and writes act on her own shop, no response shows
acme's text or ids, and every row of acme reads the same in the database afterwards.
Last, a role matrix says what alice (agent) and carol (supervisor) may do in acme.

The chat widget's routes answer to a visitor token instead of a login: acme's conversation
(seeded through the widget, with a shopper's message, a reply and an internal note) is
walked by a visitor of mallory's shop and by another visitor of acme. Neither reads nor
changes it, a visitor token opens no staff route, and a login or key opens no widget route.
Only ``POST /widget/{shop_slug}/visitors`` is open to anyone: it is how a shopper gets a
token, so it is walked by the visitors alone."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from kefu.actions.mail_out import queue_mail
from kefu.lib.tokens import customer_signature
from kefu.models import (
    Agent,
    Base,
    CaseRating,
    Mail,
    MailAttachment,
    Mailbox,
    MailDirection,
    MailKind,
    MailState,
    Order,
    ProactiveException,
    RatingChannel,
    Shop,
)
from kefu.models.quality import CoachingNote, Scorecard
from kefu.models.reports import ReportKind
from kefu.realtime.presence import AgentLeases
from kefu.reports.facts import record_fact
from kefu.reports.rollup import fold_all, fold_once
from tests.api.test_scorecards import closed_conversation
from tests.chat.conftest import Shopper, make_shopper
from tests.factories import Persona
from tests.widget.conftest import png_bytes

SECRET = "ACME-机密"
ACME_PHONE = "13812345678"
ACME_EMAIL = "zhangwei.vip@example.com"

# "public": open to anyone, naming a shop by the slug in its path (the widget's sign-in).
Kind = Literal["list", "by_id", "write", "public"]
# Who may call a route. "person": any logged-in person about themselves (never a key).
# "supervise": reassign a conversation that is not one's own; "shopper": rate through the
# API on a shopper's behalf (a key; people never rate their own work); "visitor": a widget
# visitor token, never a login or a key.
Access = Literal[
    "person",
    "read",
    "write",
    "people",
    "owner",
    "handle",
    "supervise",
    "shopper",
    "visitor",
    "sla",
    "campaign",
    "reports",
    "schedule_reports",
    "growth",
    "quality",
    "own_scorecard",
]
MAY: dict[Access, frozenset[str]] = {
    "person": frozenset({"owner", "supervisor", "agent"}),
    "read": frozenset({"owner", "supervisor", "agent", "key"}),
    "write": frozenset({"owner", "supervisor", "key"}),
    "people": frozenset({"owner", "supervisor"}),
    "owner": frozenset({"owner"}),
    "handle": frozenset({"owner", "supervisor", "agent", "key"}),
    "supervise": frozenset({"owner", "supervisor", "key"}),
    "shopper": frozenset({"key"}),
    "visitor": frozenset({"visitor"}),
    "sla": frozenset({"owner", "supervisor"}),
    "campaign": frozenset({"owner", "supervisor"}),  # people only, never a key
    "reports": frozenset({"owner", "supervisor", "key"}),  # view_reports (and analysts)
    "schedule_reports": frozenset({"owner", "supervisor"}),  # people only, never a key
    # Everyone's growth: those who see reports or manage agents (an agent sees her own).
    "growth": frozenset({"owner", "supervisor", "key"}),
    # Reviewing and deciding scorecards: supervisors and owners, by name (never a key).
    "quality": frozenset({"owner", "supervisor"}),
    # Disputing a scorecard: the agent it scores (alice's in acme). A supervisor who did
    # not handle the conversation is refused; mallory, an owner, gets 404 for acme's.
    "own_scorecard": frozenset({"owner", "agent"}),
}


@dataclass(frozen=True, slots=True)
class Walk:
    """How to exercise one route: ``list`` and ``write`` act on the caller's own shop,
    ``by_id`` names one of acme's rows in its path."""

    kind: Kind
    access: Access
    body: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None  # a multipart upload instead
    params: dict[str, str] | None = None  # a query string the route needs
    # What those who may call it get in the test app when that is not a success: the LLM
    # routes answer 409 (no LLM configured) once access to the row is settled.
    allowed_status: int | None = None


# The other shop writes rows with acme's external ids: upserts must stay in their own shop.
PRODUCT = {"external_id": "P-1001", "title": "纯棉短袖T恤 白色", "price_cents": 7900}
CUSTOMER = {"external_id": "C-8801", "name": "王芳", "phone": "13700001111"}
ORDER = {
    "external_id": "E20260301001",
    "customer_external_id": "C-8801",
    "status": "paid",
    "placed_at": "2026-03-01T10:15:00+08:00",
    "lines": [{"sku": "TS-WHT-M", "title": "纯棉短袖T恤", "quantity": 1, "unit_price_cents": 7900}],
}
SHIPMENT = {
    "external_id": "SF-1",
    "order_external_id": "E20260301001",
    "carrier": "中通快递",
    "tracking_no": "ZT20260302001",
    "events": [{"at": "2026-03-02T08:00:00+08:00", "status": "pending", "description": "已揽收"}],
}
COUPON = {"code": "SPRING20", "kind": "percent", "value": 20}
NEW_AGENT = {"email": "xiaoli@example.com", "name": "小李", "password": "welcome-2026"}
MESSAGE = {"client_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "body": "你好，请问还有货吗？"}
RATING = {"rating": 5, "comment": "客服很耐心"}
OFFLINE = {
    "name": "王女士",
    "contact": "13800138000",
    "body": "羽绒服什么时候补货？",
    "client_id": "0d7c2a11-5b3e-4f0a-9c1d-2e3f4a5b6c7d",
}
IMAGE = {"file": ("截图.png", png_bytes(64, 48), "image/png")}
PHRASE = {"shortcut": "hi", "folder": "greeting", "body": "亲，您好{客户昵称}，有什么可以帮您？"}
CHANNEL_MESSAGE = {
    "external_conversation_id": "TB-CONV-1",
    "external_message_id": "TB-MSG-1",
    "customer": {"external_id": "tb_wangfang", "name": "王芳", "channel": "taobao"},
    "text": "亲，这件还有L码吗？",
}
WEBHOOK = {"url": "https://hooks.example.com/kefu", "event_types": ["message.created"]}
WIDGET_SETTINGS = {
    "announcements": ["新品上市"],
    "invitations": [{"message": "亲，购物车满299可包邮哦", "cart_above_cents": 20000}],
}
PAGE_VIEW = {"page": "/p/P-1001", "title": "纯棉短袖T恤", "product_id": "P-1001"}
ROUTING = {"overflow_team_id": None, "level_rules": {"aftersale": {"order": ["senior"]}}}
CASE = {"type": "complaint", "title": "客服回复太慢"}
SELF_SERVICE = {"order_line_id": 1, "type": "return", "reason": "wrong_size"}
CASE_SETTINGS = {"limits": {"junior": {"coupon": 3000}}}
# A case of nobody's: each case is refused on its own (tests/cases/test_case_bulk.py).
CASE_BULK = {"case_ids": [987654321], "action": "priority", "priority": "high"}
CASE_VIEW = {"name": "破损待处理", "filters": {"type": "damaged", "assignee": "mine"}}
SLA_POLICY = {"case_type": "refund_only", "first_response_minutes": 30, "resolve_minutes": 960}
CAMPAIGN = {
    "name": "老客回归",
    "segment": "core",
    "channel": "widget",
    "variants": [{"text": "亲爱的{客户昵称}，新品到店啦"}],
}
JOURNEY = {
    "name": "签收关怀",
    "trigger": "delivered",
    "steps": [
        {"delay_days": 3, "channel": "widget", "template": "{客户昵称}，{商品名}用得还好吗？"}
    ],
}
FAQ = {"question": "什么时候发货", "similar": ["多久发货"], "answer": "亲，48小时内发货～"}
REPORT_SCHEDULE = {"recipients": ["boss@mart.example"], "frequency": "weekly", "weekday": 0}
TRAINING = {"title": "进阶培训", "kind": "advanced", "held_on": "2026-11-02", "hours": 2}
EMAIL_SETTINGS = {
    "from_address": "service@mart.example",
    "imap_host": "imap.mart.example",
    "imap_username": "service@mart.example",
    "imap_password": "mart-imap-pw-1",
    "smtp_host": "smtp.mart.example",
}
DRAFT_REPLY = {"text": "这都不懂吗？点立即购买就行", "context": "请问怎么下单"}

ROUTES: dict[tuple[str, str], Walk] = {
    ("GET", "/api/v1/products"): Walk("list", "read"),
    ("GET", "/api/v1/products/{product_id}"): Walk("by_id", "read"),
    ("POST", "/api/v1/products/bulk"): Walk("write", "write", {"items": [PRODUCT]}),
    ("GET", "/api/v1/customers"): Walk("list", "read"),
    ("GET", "/api/v1/customers/{customer_id}"): Walk("by_id", "read"),
    ("POST", "/api/v1/customers/bulk"): Walk("write", "write", {"items": [CUSTOMER]}),
    ("GET", "/api/v1/customers/{customer_id}/personal-data"): Walk("by_id", "owner"),
    ("PATCH", "/api/v1/customers/{customer_id}"): Walk(
        "by_id", "handle", {"tags": ["讲价型"], "customer_type": "fussy"}
    ),
    ("GET", "/api/v1/customers/{customer_id}/duplicates"): Walk("by_id", "read"),
    ("POST", "/api/v1/conversations/{conversation_id}/rephrase"): Walk(
        "by_id", "handle", {"text": "亲，这个没货了"}, allowed_status=409
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/draft"): Walk(
        "by_id", "handle", allowed_status=409
    ),
    ("GET", "/api/v1/customers/{customer_id}/summary"): Walk("by_id", "read"),
    # A supervisor walking acme merges its second 王芳 into the first, as she may.
    ("POST", "/api/v1/customers/{customer_id}/merge/{duplicate_id}"): Walk("by_id", "supervise"),
    ("POST", "/api/v1/customers/{customer_id}/erase"): Walk(
        "by_id", "owner", {"confirm_external_id": "C-8801"}
    ),
    ("GET", "/api/v1/orders"): Walk("list", "read"),
    ("GET", "/api/v1/orders/{order_id}"): Walk("by_id", "read"),
    ("POST", "/api/v1/orders/bulk"): Walk("write", "write", {"items": [ORDER]}),
    ("GET", "/api/v1/shipments"): Walk("list", "read"),
    ("GET", "/api/v1/shipments/{shipment_id}"): Walk("by_id", "read"),
    ("POST", "/api/v1/shipments/bulk"): Walk("write", "write", {"items": [SHIPMENT]}),
    ("GET", "/api/v1/coupons"): Walk("list", "read"),
    ("GET", "/api/v1/coupons/{coupon_id}"): Walk("by_id", "read"),
    ("POST", "/api/v1/coupons/bulk"): Walk("write", "write", {"items": [COUPON]}),
    ("GET", "/api/v1/me"): Walk("list", "person"),
    ("PUT", "/api/v1/me/presence"): Walk("write", "person", {"presence": "away"}),
    ("GET", "/api/v1/agents"): Walk("list", "read"),
    ("POST", "/api/v1/agents"): Walk("write", "people", NEW_AGENT),
    ("GET", "/api/v1/agents/{agent_id}"): Walk("by_id", "read"),
    ("PATCH", "/api/v1/agents/{agent_id}"): Walk("by_id", "people", {"display_name": "阿杰"}),
    ("POST", "/api/v1/agents/{agent_id}/deactivate"): Walk("by_id", "people"),
    ("POST", "/api/v1/agents/{agent_id}/reactivate"): Walk("by_id", "people"),
    ("POST", "/api/v1/agents/{agent_id}/reset-password"): Walk("by_id", "people"),
    ("GET", "/api/v1/teams"): Walk("list", "read"),
    ("POST", "/api/v1/teams"): Walk("write", "people", {"name": "夜班组", "skill": "insale"}),
    ("PATCH", "/api/v1/teams/{team_id}"): Walk("by_id", "people", {"name": "被改名的组"}),
    ("DELETE", "/api/v1/teams/{team_id}"): Walk("by_id", "people"),
    ("GET", "/api/v1/api-keys"): Walk("list", "owner"),
    ("POST", "/api/v1/api-keys"): Walk("write", "owner", {"name": "仓库同步"}),
    ("POST", "/api/v1/api-keys/{key_id}/revoke"): Walk("by_id", "owner"),
    ("GET", "/api/v1/audit"): Walk("list", "owner"),
    ("GET", "/api/v1/shop"): Walk("list", "read"),
    ("PATCH", "/api/v1/shop"): Walk("write", "owner", {"name": "新店名", "timezone": "Asia/Tokyo"}),
    ("GET", "/api/v1/shop/business-hours"): Walk("list", "read"),
    ("PUT", "/api/v1/shop/business-hours"): Walk(
        "write", "owner", {"hours": {"mon": [["10:00", "22:00"]]}}
    ),
    ("GET", "/api/v1/shop/holidays"): Walk("list", "read"),
    ("POST", "/api/v1/shop/holidays"): Walk(
        "write", "owner", {"day": "2026-10-01", "name": "国庆节"}
    ),
    ("DELETE", "/api/v1/shop/holidays/{holiday_id}"): Walk("by_id", "owner"),
    ("GET", "/api/v1/conversations"): Walk("list", "read"),
    ("GET", "/api/v1/conversations/{conversation_id}"): Walk("by_id", "read"),
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): Walk("by_id", "read"),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): Walk("by_id", "handle", MESSAGE),
    # Back to the queue: an agent may only take a conversation or hand on her own.
    ("POST", "/api/v1/conversations/{conversation_id}/assign"): Walk(
        "by_id", "supervise", {"agent_id": None, "note": "转给售后组处理"}
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/snooze"): Walk(
        "by_id", "handle", {"until": "2030-01-01T09:00:00+08:00"}
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/close"): Walk(
        "by_id", "handle", {"summary": "已告知发货时间", "disposition": "resolved"}
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/rating"): Walk("by_id", "shopper", RATING),
    ("GET", "/api/v1/inbox"): Walk("list", "read"),
    ("POST", "/api/v1/conversations/{conversation_id}/read"): Walk("by_id", "person", {}),
    ("GET", "/api/v1/conversations/{conversation_id}/panel"): Walk("by_id", "read"),
    ("PUT", "/api/v1/conversations/{conversation_id}/verification"): Walk(
        "by_id", "handle", {"checks": {"address": True, "phone": False}}
    ),
    ("PUT", "/api/v1/conversations/{conversation_id}/tags"): Walk(
        "by_id", "handle", {"tags": ["催发货"]}
    ),
    ("GET", "/api/v1/quick-phrases"): Walk("list", "read"),
    ("POST", "/api/v1/quick-phrases"): Walk("write", "supervise", PHRASE),
    ("PATCH", "/api/v1/quick-phrases/{phrase_id}"): Walk(
        "by_id", "supervise", {"body": "亲，已为您加急处理～"}
    ),
    ("DELETE", "/api/v1/quick-phrases/{phrase_id}"): Walk("by_id", "supervise"),
    ("POST", "/api/v1/quick-phrases/{phrase_id}/tests"): Walk(
        "by_id", "supervise", {"variants": ["亲，今天下单包邮，还送运费险～"]}
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/quick-phrases/{phrase_id}/use"): Walk(
        "by_id", "handle"
    ),
    ("GET", "/api/v1/phrase-tests/{test_id}/results"): Walk("by_id", "read"),
    ("POST", "/api/v1/phrase-tests/{test_id}/promote"): Walk("by_id", "supervise", {"variant": 1}),
    ("GET", "/api/v1/queue"): Walk("list", "supervise"),
    ("GET", "/api/v1/shop/routing"): Walk("list", "read"),
    ("PUT", "/api/v1/shop/routing"): Walk("write", "people", ROUTING),
    ("POST", "/api/v1/widget/{shop_slug}/visitors"): Walk("public", "visitor", {"page": "/p/1"}),
    ("POST", "/api/v1/widget/page-views"): Walk("write", "visitor", PAGE_VIEW),
    ("GET", "/api/v1/visitors/live"): Walk("list", "handle"),
    ("GET", "/api/v1/visitors/invitations/stats"): Walk("list", "read"),
    ("POST", "/api/v1/widget/invitations/{rule_id}/shown"): Walk("by_id", "visitor"),
    ("POST", "/api/v1/widget/invitations/{rule_id}/accepted"): Walk("by_id", "visitor"),
    ("POST", "/api/v1/widget/conversations"): Walk("write", "visitor", {"skill": "presale"}),
    ("GET", "/api/v1/widget/conversations/{conversation_id}"): Walk("by_id", "visitor"),
    ("GET", "/api/v1/widget/conversations/{conversation_id}/messages"): Walk("by_id", "visitor"),
    ("POST", "/api/v1/widget/conversations/{conversation_id}/messages"): Walk(
        "by_id", "visitor", MESSAGE
    ),
    ("POST", "/api/v1/widget/conversations/{conversation_id}/rating"): Walk(
        "by_id", "visitor", RATING
    ),
    ("GET", "/api/v1/shop/widget"): Walk("list", "read"),
    ("PATCH", "/api/v1/shop/widget"): Walk("write", "owner", WIDGET_SETTINGS),
    ("POST", "/api/v1/conversations/{conversation_id}/images"): Walk(
        "by_id", "handle", files=IMAGE
    ),
    ("GET", "/api/v1/images/{upload_id}"): Walk("by_id", "read"),
    ("GET", "/api/v1/images/{upload_id}/thumbnail"): Walk("by_id", "read"),
    ("GET", "/api/v1/widget/profile"): Walk("list", "visitor"),
    ("POST", "/api/v1/widget/offline-messages"): Walk("write", "visitor", OFFLINE),
    ("POST", "/api/v1/widget/conversations/{conversation_id}/images"): Walk(
        "by_id", "visitor", files=IMAGE
    ),
    ("GET", "/api/v1/widget/images/{upload_id}"): Walk("by_id", "visitor"),
    ("GET", "/api/v1/widget/images/{upload_id}/thumbnail"): Walk("by_id", "visitor"),
    ("POST", "/api/v1/channels/api/messages"): Walk("write", "shopper", CHANNEL_MESSAGE),
    ("GET", "/api/v1/webhooks"): Walk("list", "owner"),
    ("POST", "/api/v1/webhooks"): Walk("write", "owner", WEBHOOK),
    ("GET", "/api/v1/webhooks/{webhook_id}"): Walk("by_id", "owner"),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): Walk("by_id", "owner", {"active": False}),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Walk("by_id", "owner"),
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): Walk("by_id", "owner"),
    ("GET", "/api/v1/webhook-deliveries"): Walk("list", "owner"),
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/replay"): Walk("by_id", "owner"),
    ("GET", "/api/v1/cases"): Walk("list", "read"),
    ("GET", "/api/v1/cases/export.csv"): Walk("list", "read"),
    ("POST", "/api/v1/cases"): Walk("write", "handle", CASE),
    ("POST", "/api/v1/cases/bulk"): Walk("write", "handle", CASE_BULK),
    ("GET", "/api/v1/cases/{case_id}"): Walk("by_id", "read"),
    ("POST", "/api/v1/cases/{case_id}/transition"): Walk("by_id", "handle", {"to": "accepted"}),
    ("POST", "/api/v1/cases/{case_id}/assign"): Walk("by_id", "handle", {"agent_id": None}),
    ("POST", "/api/v1/cases/{case_id}/comments"): Walk("by_id", "handle", {"body": "已核实订单"}),
    # acme's walked case is not a follow-up: 409 once access to it is settled.
    ("POST", "/api/v1/cases/{case_id}/outcome"): Walk(
        "by_id", "handle", {"outcome": "recovered", "note": "已回访"}, allowed_status=409
    ),
    ("POST", "/api/v1/cases/{case_id}/compensations"): Walk(
        "by_id", "handle", {"kind": "coupon", "amount_cents": 1000}
    ),
    ("GET", "/api/v1/case-views"): Walk("list", "person"),
    ("POST", "/api/v1/case-views"): Walk("write", "person", CASE_VIEW),
    # acme's view is shared with the shop: its supervisors may delete it, agents may not.
    ("DELETE", "/api/v1/case-views/{view_id}"): Walk("by_id", "supervise"),
    ("GET", "/api/v1/compensations"): Walk("list", "read"),
    ("POST", "/api/v1/compensations/{compensation_id}/decision"): Walk(
        "by_id", "supervise", {"approve": True}
    ),
    ("GET", "/api/v1/shop/case-settings"): Walk("list", "read"),
    ("PATCH", "/api/v1/shop/case-settings"): Walk("write", "owner", CASE_SETTINGS),
    ("GET", "/api/v1/sla-policies"): Walk("list", "read"),
    ("POST", "/api/v1/sla-policies"): Walk("write", "sla", SLA_POLICY),
    ("PATCH", "/api/v1/sla-policies/{policy_id}"): Walk("by_id", "sla", {"resolve_minutes": 600}),
    ("DELETE", "/api/v1/sla-policies/{policy_id}"): Walk("by_id", "sla"),
    ("GET", "/api/v1/sla-attainment"): Walk("list", "read"),
    ("GET", "/api/v1/rfm/segments"): Walk("list", "read"),
    ("GET", "/api/v1/rfm/customers"): Walk("list", "read"),
    ("GET", "/api/v1/rfm/history"): Walk("list", "read"),
    ("GET", "/api/v1/rfm/flows"): Walk("list", "read"),
    ("POST", "/api/v1/rfm/refresh"): Walk("write", "write", {}),
    ("GET", "/api/v1/shop/crm-settings"): Walk("list", "read"),
    ("PATCH", "/api/v1/shop/crm-settings"): Walk("write", "owner", {"frequency_cap": 2}),
    ("GET", "/api/v1/campaigns"): Walk("list", "read"),
    ("POST", "/api/v1/campaigns"): Walk("write", "campaign", CAMPAIGN),
    ("GET", "/api/v1/campaigns/{campaign_id}"): Walk("by_id", "read"),
    ("PATCH", "/api/v1/campaigns/{campaign_id}"): Walk("by_id", "campaign", {"name": "改名"}),
    # Before the launch: a launched campaign cannot be changed or launched again.
    ("POST", "/api/v1/campaigns/{campaign_id}/dry-run"): Walk("by_id", "campaign"),
    ("POST", "/api/v1/campaigns/{campaign_id}/launch"): Walk("by_id", "campaign"),
    ("GET", "/api/v1/campaigns/{campaign_id}/results"): Walk("by_id", "read"),
    ("GET", "/api/v1/journeys"): Walk("list", "read"),
    ("POST", "/api/v1/journeys"): Walk("write", "campaign", JOURNEY),
    ("GET", "/api/v1/journeys/{journey_id}"): Walk("by_id", "read"),
    ("PATCH", "/api/v1/journeys/{journey_id}"): Walk("by_id", "campaign", {"active": False}),
    ("DELETE", "/api/v1/journeys/{journey_id}"): Walk("by_id", "campaign"),
    ("GET", "/api/v1/nps"): Walk("list", "read"),
    ("POST", "/api/v1/nps/answers"): Walk("write", "write", {"score": 9}),
    ("POST", "/api/v1/widget/conversations/{conversation_id}/nps"): Walk(
        "by_id", "visitor", {"score": 9}
    ),
    ("PUT", "/api/v1/customers/{customer_id}/opt-out"): Walk("by_id", "write", {"opted_out": True}),
    ("GET", "/api/v1/widget/campaign-messages"): Walk("list", "visitor"),
    ("GET", "/api/v1/widget/orders"): Walk("list", "visitor"),
    ("GET", "/api/v1/widget/cases"): Walk("list", "visitor"),
    ("POST", "/api/v1/widget/cases"): Walk("write", "visitor", SELF_SERVICE),
    ("POST", "/api/v1/widget/cases/{case_id}/rating"): Walk("by_id", "visitor", {"rating": 5}),
    ("GET", "/api/v1/kb/faqs"): Walk("list", "read"),
    ("POST", "/api/v1/kb/faqs"): Walk("write", "supervise", FAQ),
    ("GET", "/api/v1/kb/faqs/export"): Walk("list", "read"),
    ("POST", "/api/v1/kb/faqs/import"): Walk("write", "supervise", {"faqs": [FAQ]}),
    ("GET", "/api/v1/kb/faqs/{faq_id}"): Walk("by_id", "read"),
    ("PATCH", "/api/v1/kb/faqs/{faq_id}"): Walk("by_id", "supervise", {"answer": "已改"}),
    ("DELETE", "/api/v1/kb/faqs/{faq_id}"): Walk("by_id", "supervise"),
    ("GET", "/api/v1/kb/faqs/{faq_id}/versions"): Walk("by_id", "read"),
    ("POST", "/api/v1/kb/faqs/{faq_id}/restore"): Walk("by_id", "supervise", {"version": 1}),
    ("POST", "/api/v1/kb/search"): Walk("write", "read", {"question": "请问多久发货"}),
    ("GET", "/api/v1/shop/bot"): Walk("list", "read"),
    ("PATCH", "/api/v1/shop/bot"): Walk("write", "owner", {"mode": "always"}),
    ("GET", "/api/v1/bot/report"): Walk("list", "read"),
    ("GET", "/api/v1/conversations/{conversation_id}/suggestions"): Walk("by_id", "read"),
    ("POST", "/api/v1/quality/check"): Walk("write", "handle", DRAFT_REPLY),
    ("GET", "/api/v1/shop/quality"): Walk("list", "read"),
    ("GET", "/api/v1/quality/scorecards"): Walk("list", "handle"),
    ("GET", "/api/v1/quality/scorecards/sample"): Walk("list", "supervise"),
    ("GET", "/api/v1/quality/scorecards/trends"): Walk("list", "handle"),
    ("GET", "/api/v1/quality/scorecards/{scorecard_id}"): Walk("by_id", "handle"),
    ("POST", "/api/v1/quality/scorecards/{scorecard_id}/review"): Walk(
        "by_id", "quality", {"comment": "问候及时"}
    ),
    ("POST", "/api/v1/quality/scorecards/{scorecard_id}/dispute"): Walk(
        "by_id", "own_scorecard", {"comment": "顾客先下线了"}
    ),
    ("POST", "/api/v1/quality/scorecards/{scorecard_id}/decision"): Walk(
        "by_id", "quality", {"decision": "uphold", "comment": "维持原评分"}
    ),
    ("PATCH", "/api/v1/shop/quality"): Walk("write", "owner", {"blocking": ["contempt"]}),
    ("POST", "/api/v1/quality/scorecards/{scorecard_id}/coaching"): Walk(
        "by_id", "quality", {"body": "开场先问候", "focus": ["greeting"]}
    ),
    ("GET", "/api/v1/quality/coaching"): Walk("list", "handle"),
    # Acknowledging a coaching note: the agent coached (alice in acme), like a dispute.
    ("POST", "/api/v1/quality/coaching/{note_id}/acknowledge"): Walk(
        "by_id", "own_scorecard", {"reply": "收到"}
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/emotion"): Walk("by_id", "read"),
    ("GET", "/api/v1/reports/topics"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/forecast"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/intents"): Walk("list", "reports"),
    ("GET", "/api/v1/email-settings"): Walk("list", "people"),
    ("PUT", "/api/v1/email-settings"): Walk("write", "people", EMAIL_SETTINGS),
    ("GET", "/api/v1/mail-attachments/{attachment_id}"): Walk("by_id", "handle"),
    ("GET", "/api/v1/conversations/{conversation_id}/mails"): Walk("by_id", "handle"),
    ("GET", "/api/v1/failed-mails"): Walk("list", "people"),
    ("POST", "/api/v1/mails/{mail_id}/resend"): Walk("by_id", "people"),
    ("GET", "/api/v1/reports/schedules"): Walk("list", "reports"),
    ("POST", "/api/v1/reports/schedules"): Walk("write", "schedule_reports", REPORT_SCHEDULE),
    ("GET", "/api/v1/reports/schedules/{schedule_id}"): Walk("by_id", "reports"),
    ("PATCH", "/api/v1/reports/schedules/{schedule_id}"): Walk(
        "by_id", "schedule_reports", {"send_hour": 9}
    ),
    ("DELETE", "/api/v1/reports/schedules/{schedule_id}"): Walk("by_id", "schedule_reports"),
    ("GET", "/api/v1/reports/overview"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/agents"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/case-csat"): Walk("list", "reports"),
    ("GET", "/api/v1/shop/reporting"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/trends"): Walk("list", "reports", params={"kpi": "conversations"}),
    ("GET", "/api/v1/reports/heatmap"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/funnel"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/live"): Walk("list", "reports"),
    ("GET", "/api/v1/reports/drilldown"): Walk(
        "list", "reports", params={"kind": "conversation_opened"}
    ),
    ("GET", "/api/v1/reports/export"): Walk(
        "list", "reports", params={"report": "conversations", "format": "csv"}
    ),
    ("PATCH", "/api/v1/shop/reporting"): Walk(
        "write", "owner", {"cost_per_agent_hour_cents": 3500}
    ),
    ("GET", "/api/v1/shop/levels"): Walk("list", "read"),
    ("PATCH", "/api/v1/shop/levels"): Walk("write", "people", {"senior": {"min_months": 9}}),
    ("GET", "/api/v1/shop/levels/assessments"): Walk("list", "growth"),
    ("GET", "/api/v1/agents/{agent_id}/growth"): Walk("by_id", "growth"),
    # After the PATCH above made the agent senior: a demotion, which needs a reason.
    ("POST", "/api/v1/agents/{agent_id}/level"): Walk(
        "by_id", "people", {"level": "intermediate", "reason": "带教新人"}
    ),
    ("GET", "/api/v1/agents/{agent_id}/trainings"): Walk("by_id", "growth"),
    ("POST", "/api/v1/agents/{agent_id}/trainings"): Walk("by_id", "people", TRAINING),
    ("PATCH", "/api/v1/agents/{agent_id}/trainings/{training_id}"): Walk(
        "by_id", "people", {"hours": 3}
    ),
    ("DELETE", "/api/v1/agents/{agent_id}/trainings/{training_id}"): Walk("by_id", "people"),
}

# Path parameter → the kind of acme's row it names in the walk.
PATH_IDS = {
    "product_id": "products",
    "customer_id": "customers",
    "duplicate_id": "duplicate_customers",
    "order_id": "orders",
    "shipment_id": "shipments",
    "coupon_id": "coupons",
    "agent_id": "agents",
    "team_id": "teams",
    "key_id": "api_keys",
    "holiday_id": "holidays",
    "conversation_id": "conversations",
    "upload_id": "uploads",
    "shop_slug": "shop_slug",
    "phrase_id": "quick_phrases",
    "test_id": "phrase_tests",
    "webhook_id": "webhooks",
    "delivery_id": "webhook_deliveries",
    "case_id": "cases",
    "compensation_id": "compensations",
    "rule_id": "invitation_rules",
    "policy_id": "sla_policies",
    "campaign_id": "campaigns",
    "journey_id": "journeys",
    "faq_id": "faq_entries",
    "schedule_id": "report_schedules",
    "training_id": "training_records",
    "scorecard_id": "scorecards",
    "view_id": "case_views",
    "attachment_id": "mail_attachments",
    "mail_id": "mails",
    "note_id": "coaching_notes",
}

# The table whose ids a route's rows carry (``id``), and the tables named by id fields.
RESOURCE_TABLE = {
    "products": "products",
    "customers": "customers",
    "orders": "orders",
    "shipments": "shipments",
    "coupons": "coupons",
    "agents": "agents",
    "teams": "teams",
    "api-keys": "api_keys",
    "audit": "audit_entries",
    "shop": "shops",
    "shop/holidays": "holidays",
    "conversations": "conversations",
    "conversations/messages": "messages",
    "widget/conversations": "conversations",
    "widget/conversations/messages": "messages",
    "conversations/images": "uploads",
    "widget/conversations/images": "uploads",
    "quick-phrases": "quick_phrases",
    "phrase-tests": "phrase_tests",
    "channels/api/messages": "messages",
    "webhooks": "webhook_endpoints",
    "webhook-deliveries": "webhook_deliveries",
    "cases": "cases",
    "cases/comments": "case_events",
    "cases/compensations": "compensations",
    "case-views": "case_views",
    "compensations": "compensations",
    "sla-policies": "sla_policies",
    "campaigns": "campaigns",
    "journeys": "journeys",
    "nps/answers": "nps_answers",
    "widget/conversations/nps": "nps_answers",
    "kb/faqs": "faq_entries",
    "reports/schedules": "report_schedules",
    "agents/trainings": "training_records",
    "quality/scorecards": "scorecards",
    "mail-attachments": "mail_attachments",
    "conversations/mails": "mails",
    "failed-mails": "mails",
    "mails/resend": "mails",
    "quality/scorecards/coaching": "coaching_notes",
    "quality/coaching": "coaching_notes",
}
ID_FIELDS = {
    "customer_id": "customers",
    "order_id": "orders",
    "product_id": "products",
    "user_id": "users",
    "agent_ids": "agents",
    "team_ids": "teams",
    "created_by_agent_id": "agents",
    "conversation_id": "conversations",
    "visitor_id": "visitors",
    "assigned_agent_id": "agents",
    "team_id": "teams",
    "agent_id": "agents",
    "overflow_team_id": "teams",
    "endpoint_id": "webhook_endpoints",
    "case_id": "cases",
    "order_line_id": "order_lines",
    "campaign_id": "campaigns",
    "phrase_id": "quick_phrases",
    "test_id": "phrase_tests",
    "reviewer_id": "agents",
    "decided_by_id": "agents",
    "author_id": "agents",
    "scorecard_id": "scorecards",
}


def api_routes(app) -> Iterator[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1. ``app.routes`` holds each
    included router as one entry without a path; ``iter_route_contexts`` opens them."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path.startswith("/api/v1/"):
            for method in sorted(context.methods - {"HEAD"}):
                yield method, context.path


def walk_of(route: tuple[str, str]) -> Walk:
    if route not in ROUTES:
        pytest.fail(f"{route[0]} {route[1]} is not in ROUTES of {__name__}: say how to walk it")
    return ROUTES[route]


def walk_order(app) -> list[tuple[str, str]]:
    """Writes first, so that lists then have rows of the caller's own shop to show;
    deletes last, so that a permitted delete does not hide a later route's row."""
    rank = {"write": 0, "list": 1, "by_id": 2, "public": 3}
    routes = list(api_routes(app))
    return sorted(routes, key=lambda r: (rank[walk_of(r).kind], r[0] == "DELETE"))


def test_the_walk_knows_every_api_route(app):
    served = set(api_routes(app))
    assert len(served) >= len(ROUTES) // 2, "route discovery found too little; is it broken?"
    unknown = sorted(served - ROUTES.keys())
    assert not unknown, f"add these routes to ROUTES in {__name__}: {unknown}"
    gone = sorted(ROUTES.keys() - served)
    assert not gone, f"these ROUTES entries name no route any more: {gone}"
    for method, path in served:
        params = set(re.findall(r"\{(\w+)\}", path))
        missing = params - PATH_IDS.keys()
        assert not missing, f"{method} {path}: add {sorted(missing)} to PATH_IDS"
        named = ROUTES[method, path].kind in ("by_id", "public")
        assert named == bool(params), f"{method} {path}: kind must be by_id iff it has ids"


# ---- acme, seeded through the API -------------------------------------------------------


def _secret(text: str) -> str:
    return f"{text} {SECRET}"


async def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.url, response.text)
    return response.json() if response.content else None


async def visit(client: httpx.AsyncClient, shop_slug: str, first_words: str) -> Shopper:
    """A shopper opens the widget of a shop and writes, through the widget's own routes."""
    shopper = await make_shopper(client, shop_slug, skill="aftersale")
    said = {"client_id": str(uuid.uuid4()), "body": first_words}
    path = f"/api/v1/widget/conversations/{shopper.conversation_id}/messages"
    await _ok(await client.post(path, json=said, headers=shopper.headers))
    return shopper


async def _seed_conversation(client, owen) -> tuple[int, int]:
    """A shopper's question with a photo and the product page they are on, owen's reply and
    his internal note, all carrying the secret; returns the conversation's and the photo's ids."""
    shopper = await visit(client, owen.shop_slug, _secret("我的快递三天没动了"))
    photo = await _ok(
        await client.post(
            f"/api/v1/widget/conversations/{shopper.conversation_id}/images",
            files={"file": ("快递单.png", png_bytes(), "image/png")},
            headers=shopper.headers,
        )
    )
    viewed = {"page": _secret("/p/P-1001"), "title": _secret("纯棉短袖T恤"), "product_id": SECRET}
    seen = await _ok(
        await client.post("/api/v1/widget/page-views", json=viewed, headers=shopper.headers)
    )
    for report in ("shown", "accepted"):
        path = f"/api/v1/widget/invitations/{seen['invitation_id']}/{report}"
        await _ok(await client.post(path, headers=shopper.headers))
    path = f"/api/v1/widget/conversations/{shopper.conversation_id}/messages"
    for words in ("这件有M码吗", "再不处理我就投诉"):  # the second turns the shopper red
        said = {"client_id": str(uuid.uuid4()), "body": _secret(words)}
        await _ok(await client.post(path, json=said, headers=shopper.headers))
    path = f"/api/v1/conversations/{shopper.conversation_id}/messages"
    for kind, words in (("text", "已帮您催促快递"), ("note", "顾客很着急，明天回访")):
        said = {"client_id": str(uuid.uuid4()), "kind": kind, "body": _secret(words)}
        await _ok(await client.as_(owen).post(path, json=said))
    return shopper.conversation_id, photo["id"]


async def _seed_workspace(client, owen, conversation_id: int) -> tuple[int, int]:
    """A shop quick phrase carrying the secret, another under an A/B test used in the
    conversation, and owen's read position in the conversation (so the workspace's tables
    have a row of acme too). Returns the first phrase's id and the test's."""
    api = client.as_(owen)
    phrase = {"shortcut": "acme-wl", "folder": "logistics", "body": _secret("订单{订单号}已发货")}
    created = await _ok(await api.post("/api/v1/quick-phrases", json=phrase))
    tested = {"shortcut": "acme-by", "folder": "bargaining", "body": _secret("包邮")}
    tested = await _ok(await api.post("/api/v1/quick-phrases", json=tested))
    variants = {"variants": [_secret("包邮且送运费险")]}
    test = await _ok(await api.post(f"/api/v1/quick-phrases/{tested['id']}/tests", json=variants))
    path = f"/api/v1/conversations/{conversation_id}/quick-phrases/{tested['id']}/use"
    await _ok(await api.post(path))
    listed = await _ok(await api.get("/api/v1/inbox"))
    for item in listed["items"]:
        await _ok(
            await api.post(f"/api/v1/conversations/{item['conversation']['id']}/read", json={})
        )
    return created["id"], test["id"]


async def _seed_api_channel(client, raw_key: str, owen) -> tuple[int, int]:
    """A webhook endpoint with a test delivery, and a Taobao shopper's message through
    acme's key (an API-channel conversation); returns the endpoint's and delivery's ids."""
    api = client.as_(owen)
    hook = {"url": f"https://hooks.acme.example/{SECRET}", "event_types": ["message.created"]}
    endpoint = await _ok(await api.post("/api/v1/webhooks", json=hook))
    delivery = await _ok(await api.post(f"/api/v1/webhooks/{endpoint['id']}/test"))
    said = CHANNEL_MESSAGE | {"text": _secret("我的快递到哪了")}
    said["customer"] = said["customer"] | {"name": _secret("王芳")}
    headers = {"Authorization": f"Bearer {raw_key}"}
    await _ok(await client.post("/api/v1/channels/api/messages", json=said, headers=headers))
    return endpoint["id"], delivery["id"]


@pytest.fixture
async def acme(client, owen, alice, sessionmaker, settings) -> dict[str, Any]:
    """One row of every kind in acme, each text carrying the secret; returns their ids."""
    api = client.as_(owen)
    await _seed_agent_socket(sessionmaker, settings, alice)
    await _ok(
        await api.patch(
            "/api/v1/shop",
            json={"name": _secret("Acme 旗舰店"), "contact_email": "kf@acme.example"},
        )
    )
    await _ok(
        await api.put("/api/v1/shop/business-hours", json={"hours": {"sun": [["09:00", "17:00"]]}})
    )
    await _ok(await api.put("/api/v1/me/presence", json={"presence": "online"}))
    holiday = await _ok(
        await api.post("/api/v1/shop/holidays", json={"day": "2026-10-01", "name": _secret("国庆")})
    )
    dora = await _ok(
        await api.post(
            "/api/v1/agents",
            json={
                "email": "dora@acme.example",
                "name": _secret("朵拉"),
                "password": "dora-pass-2026",
                "skills": ["aftersale"],
            },
        )
    )
    team = await _ok(
        await api.post(
            "/api/v1/teams",
            json={"name": _secret("售前组"), "agent_ids": [alice.agent_id, dora["id"]]},
        )
    )
    key = await _ok(await api.post("/api/v1/api-keys", json={"name": _secret("ERP 同步")}))
    invitation = {"message": ACME_INVITATION, "product_page_seconds": 0}
    widget = await _ok(
        await api.patch(
            "/api/v1/shop/widget",
            json={"greeting": _secret("您好"), "invitations": [invitation]},
        )
    )
    await _ok(await api.put("/api/v1/shop/routing", json={"overflow_team_id": team["id"]}))
    await _ok(await api.patch("/api/v1/shop/quality", json={"blocking": ["over_promise"]}))
    conversation_id, upload_id = await _seed_conversation(client, owen)
    webhook_id, delivery_id = await _seed_api_channel(client, key["key"], owen)
    phrase_id, phrase_test_id = await _seed_workspace(client, owen, conversation_id)
    ids = {
        "quick_phrases": phrase_id,
        "phrase_tests": phrase_test_id,
        "agents": dora["id"],
        "teams": team["id"],
        "api_keys": key["id"],
        "holidays": holiday["id"],
        "conversations": conversation_id,
        "uploads": upload_id,
        "shop_slug": owen.shop_slug,
        "webhooks": webhook_id,
        "webhook_deliveries": delivery_id,
        "invitation_rules": widget["invitations"][0]["id"],
    }
    for path, item in (
        ("products", _acme_product()),
        ("customers", _acme_customer()),
        ("orders", _acme_order()),
        ("shipments", _acme_shipment()),
        ("coupons", {"code": "ACME-机密-VIP50", "kind": "amount", "value": 5000}),
    ):
        result = await _ok(await api.post(f"/api/v1/{path}/bulk", json={"items": [item]}))
        ids[path] = result["ids"][0]
    twin = {"external_id": "C-8801-W", "name": _secret("张伟"), "phone": ACME_PHONE}
    result = await _ok(await api.post("/api/v1/customers/bulk", json={"items": [twin]}))
    ids["duplicate_customers"] = result["ids"][0]
    ids["cases"], ids["compensations"] = await _seed_case(client, alice, ids["orders"])
    view = CASE_VIEW | {"name": _secret("全店超时工单"), "shared": True}
    ids["case_views"] = (await _ok(await api.post("/api/v1/case-views", json=view)))["id"]
    complaints = SLA_POLICY | {"case_type": "complaint"}  # the walks' own is another
    policy = await _ok(await api.post("/api/v1/sla-policies", json=complaints))
    ids["sla_policies"] = policy["id"]
    ids["campaigns"] = await _seed_campaigns(client, owen)
    journey = JOURNEY | {"name": _secret("签收关怀")}
    ids["journeys"] = (await _ok(await api.post("/api/v1/journeys", json=journey)))["id"]
    answer = {"score": 6, "comment": _secret("物流太慢"), "customer_id": ids["customers"]}
    await _ok(await api.post("/api/v1/nps/answers", json=answer))
    faq = FAQ | {"answer": _secret("亲，48小时内发货～")}
    ids["faq_entries"] = (await _ok(await api.post("/api/v1/kb/faqs", json=faq)))["id"]
    await _seed_reports(sessionmaker, owen.shop_id, conversation_id)
    report = {"recipients": ["boss@acme.example"], "frequency": "daily", "attach_leaderboard": True}
    ids["report_schedules"] = (await _ok(await api.post("/api/v1/reports/schedules", json=report)))[
        "id"
    ]
    await _ok(await api.patch("/api/v1/shop/reporting", json={"cost_per_conversation_cents": 80}))
    async with sessionmaker() as session:  # what the worker does: the facts into rollups
        await fold_all(session)
    training = TRAINING | {"title": _secret("新员工培训"), "notes": _secret("导师：王姐")}
    path = f"/api/v1/agents/{dora['id']}/trainings"
    ids["training_records"] = (await _ok(await api.post(path, json=training)))["id"]
    ids["scorecards"] = await _seed_scorecard(client, sessionmaker, alice, owen)
    ids["mail_attachments"] = await _seed_mail(client, sessionmaker, owen, conversation_id)
    ids["mails"] = await _seed_failed_mail(sessionmaker, owen.shop_id)
    coaching = {"body": _secret("开场先问候"), "focus": ["greeting"]}
    path = f"/api/v1/quality/scorecards/{ids['scorecards']}/coaching"
    ids["coaching_notes"] = (await _ok(await api.post(path, json=coaching)))["id"]
    ids["proactive_exceptions"] = await _seed_proactive(sessionmaker, owen.shop_id)
    ids["case_ratings"] = await _seed_case_rating(sessionmaker, owen.shop_id, ids["cases"])
    return ids


async def _seed_case_rating(sessionmaker, shop_id: int, case_id: int) -> int:
    """The shopper's rating of acme's case (as the rating link stores one)."""
    async with sessionmaker() as session:
        row = CaseRating(
            shop_id=shop_id,
            case_id=case_id,
            rating=2,
            comment=_secret("处理太慢"),
            channel=RatingChannel.EMAIL,
        )
        session.add(row)
        await session.commit()
        return row.id


async def _seed_proactive(sessionmaker, shop_id: int) -> int:
    """A proactive rule that fired on one of acme's orders (as the worker records it)."""
    async with sessionmaker() as session:
        order_id = await session.scalar(select(Order.id).where(Order.shop_id == shop_id))
        row = ProactiveException(shop_id=shop_id, rule="late", subject_id=order_id)
        session.add(row)
        await session.commit()
        return row.id


async def _seed_mail(client, sessionmaker, owen, conversation_id: int) -> int:
    """Acme's mailbox (set up through the API) and a shopper's mail with a photo (as the
    worker stores one); returns the attachment's id."""
    mailbox = EMAIL_SETTINGS | {
        "from_address": "kf@acme.example",
        "from_name": _secret("Acme 客服"),
        "imap_username": "kf@acme.example",
    }
    await _ok(await client.as_(owen).put("/api/v1/email-settings", json=mailbox))
    async with sessionmaker() as session:
        box = await session.scalar(select(Mailbox).where(Mailbox.shop_id == owen.shop_id))
        mail = Mail(
            shop_id=owen.shop_id,
            mailbox_id=box.id,
            direction=MailDirection.IN,
            kind=MailKind.RECEIVED,
            state=MailState.RECEIVED,
            conversation_id=conversation_id,
            message_id="acme-1@shopper.example",
            from_address=ACME_EMAIL,
            subject=_secret("杯子碎了"),
            text_body=_secret("杯子收到就碎了"),
        )
        session.add(mail)
        await session.flush()
        photo = png_bytes()
        attachment = MailAttachment(
            shop_id=owen.shop_id,
            mail_id=mail.id,
            filename=_secret("碎片") + ".png",
            content_type="image/png",
            size=len(photo),
            content=photo,
        )
        session.add(attachment)
        await session.commit()
        return attachment.id


async def _seed_failed_mail(sessionmaker, shop_id: int, mark=_secret) -> int:
    """A reply to a shopper that gave up after its last attempt (as the worker leaves
    one): what the shop's owners and supervisors may send again. The shop's mailbox is
    made first if it has none (mallory's)."""
    async with sessionmaker() as session:
        box = await session.scalar(select(Mailbox).where(Mailbox.shop_id == shop_id))
        if box is None:
            box = Mailbox(shop_id=shop_id, **EMAIL_SETTINGS)
            session.add(box)
            await session.flush()
        to = ACME_EMAIL if mark is _secret else "buyer@mart.example"
        mail = await session.run_sync(
            lambda s: queue_mail(
                s, box, MailKind.REPLY, to=to, subject=mark("Re: 杯子碎了"), text=mark("补发")
            )
        )
        mail.state, mail.attempts = MailState.FAILED, 8
        mail.last_error = mark("535 authentication failed")
        await session.commit()
        return mail.id


async def _seed_scorecard(client, sessionmaker, alice, owen) -> int:
    """Alice's conversation (owen gives it to her), closed and scored by the worker.
    Returns the scorecard's id."""
    replies = [_secret("有货"), _secret("感谢您的咨询，再见")]
    conversation_id = await closed_conversation(client, sessionmaker, alice, replies, assigner=owen)
    listed = await _ok(await client.as_(alice).get("/api/v1/quality/scorecards"))
    [card] = [c for c in listed["items"] if c["conversation_id"] == conversation_id]
    return card["id"]


async def _seed_reports(sessionmaker, shop_id: int, conversation_id: int) -> None:
    """Report facts of the conversation (it opened, it converted), folded into rollups,
    so the report routes have acme's figures to keep from others."""
    async with sessionmaker() as session:
        for kind, value in ((ReportKind.CONVERSATION_OPENED, 0), (ReportKind.CONVERSION, 7900)):
            record_fact(session, shop_id, kind, value=value, conversation_id=conversation_id)
        await session.flush()
        await fold_once(session)
        await session.commit()


async def _seed_campaigns(client, owen) -> int:
    """Today's RFM snapshot (the customer with a paid order), a launched campaign to its
    segment with the secret in its message, and a draft; returns the draft's id."""
    api = client.as_(owen)
    await _ok(await api.post("/api/v1/rfm/refresh", json={}))
    campaign = CAMPAIGN | {"name": _secret("老客回归"), "variants": [{"text": _secret("新品")}]}
    launched = await _ok(await api.post("/api/v1/campaigns", json=campaign))
    await _ok(await api.post(f"/api/v1/campaigns/{launched['id']}/launch"))
    draft = await _ok(await api.post("/api/v1/campaigns", json=campaign))
    return draft["id"]


async def _seed_case(client, alice, order_id: int) -> tuple[int, int]:
    """Alice's return case about acme's order line, with a comment and a refund waiting
    for approval (above a junior's limit); returns the case's and the refund's ids."""
    api = client.as_(alice)
    order = await _ok(await api.get(f"/api/v1/orders/{order_id}"))
    case = {
        "type": "return",
        "title": _secret("T恤尺码不合适"),
        "order_line_id": order["lines"][0]["id"],
    }
    case = await _ok(await api.post("/api/v1/cases", json=case))
    path = f"/api/v1/cases/{case['id']}"
    await _ok(await api.post(f"{path}/comments", json={"body": _secret("顾客已寄回")}))
    refund = {"kind": "refund", "amount_cents": 3000, "note": _secret("退一半")}
    compensation = await _ok(await api.post(f"{path}/compensations", json=refund))
    return case["id"], compensation["id"]


async def _seed_agent_socket(sessionmaker, settings, persona: Persona) -> None:
    """The row a server process keeps for an open agent socket (kefu/realtime/presence.py)."""
    leases = AgentLeases(sessionmaker, settings, contextlib.nullcontext())
    assert await leases.opened(persona.actor()) is not None


def _acme_product() -> dict[str, Any]:
    return PRODUCT | {
        "title": _secret("纯棉短袖T恤 男款 白色"),
        "category": _secret("服装"),
        "attributes": {"尺码表": {"M": _secret("身高165-170")}},
    }


def _acme_customer() -> dict[str, Any]:
    return CUSTOMER | {
        "name": _secret("张伟"),
        "phone": ACME_PHONE,
        "email": ACME_EMAIL,
        "tags": [_secret("VIP")],
        "note": _secret("老客户，喜欢顺丰"),
        "identities": [{"channel": "taobao", "handle": _secret("zhangwei_tb")}],
    }


def _acme_order() -> dict[str, Any]:
    line = ORDER["lines"][0] | {"title": _secret("T恤"), "product_external_id": "P-1001"}
    address = {"name": _secret("张伟"), "phone": ACME_PHONE, "city": "杭州市", "line": "文三路"}
    return ORDER | {"address": address, "note": _secret("请周末送货"), "lines": [line]}


def _acme_shipment() -> dict[str, Any]:
    event = SHIPMENT["events"][0] | {
        "status": "in_transit",
        "location": _secret("杭州转运中心"),
        "description": _secret("快件已发往上海"),
    }
    return SHIPMENT | {"carrier": _secret("顺丰速运"), "events": [event]}


# ---- what acme holds, read straight from the database ------------------------------------


async def acme_rows(sessionmaker, shop_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of acme: each table with a shop_id column, the shop itself and the user
    accounts of its agents. Nothing is left out as volatile: the walks never use acme's
    logins or keys, so even last_used_at and updated_at must stay as they were."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            if "shop_id" in table.c:
                where = table.c.shop_id == shop_id
            elif table.name == "shops":
                where = table.c.id == shop_id
            elif table.name == "users":
                members = select(Agent.user_id).where(Agent.shop_id == shop_id)
                where = table.c.id.in_(members)
            else:
                continue
            order = list(table.primary_key.columns)
            rows = await session.execute(select(table).where(where).order_by(*order))
            snapshot[table.name] = [dict(row._mapping) for row in rows]
    return snapshot


def acme_ids(snapshot: dict[str, list[dict[str, Any]]]) -> dict[str, set[int]]:
    return {name: {row["id"] for row in rows if "id" in row} for name, rows in snapshot.items()}


async def test_the_seed_has_a_row_of_every_kind(sessionmaker, owen, acme):
    snapshot = await acme_rows(sessionmaker, owen.shop_id)
    assert [name for name, rows in snapshot.items() if not rows] == []


# ---- checking what a caller sees ---------------------------------------------------------


def _resource(path: str) -> str:
    """The longest known prefix of the path without its ids:
    '/api/v1/shop/holidays/{holiday_id}' → 'shop/holidays'; '/api/v1/teams' → 'teams'."""
    parts = [p for p in path.removeprefix("/api/v1/").split("/") if "{" not in p]
    for end in range(len(parts), 0, -1):
        if "/".join(parts[:end]) in RESOURCE_TABLE:
            return "/".join(parts[:end])
    return parts[0]


def _rows(body: Any) -> list[Any]:
    if isinstance(body, dict) and "items" in body:
        return body["items"]
    return body if isinstance(body, list) else [body]


def _ids_named(value: Any) -> Iterator[tuple[str, int]]:
    """Every (table, id) a JSON value names through an id field, at any depth."""
    if isinstance(value, list):
        for item in value:
            yield from _ids_named(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ID_FIELDS:
                named = item if isinstance(item, list) else [item]
                yield from ((ID_FIELDS[key], i) for i in named if isinstance(i, int))
            else:
                yield from _ids_named(item)


def _body(response: httpx.Response) -> Any:
    """A JSON body as it is; a CSV export as its rows, ids as numbers (a report export
    headed in Chinese has no "id" column: its rows are checked for acme's text only)."""
    if not response.headers.get("content-type", "").startswith("text/csv"):
        return response.json()
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return [row | {"id": int(row["id"])} if "id" in row else row for row in rows]


def assert_shows_nothing_of_acme(
    route: tuple[str, str], response: httpx.Response, ids: dict[str, set[int]]
) -> None:
    text = response.text
    for secret in (SECRET, ACME_PHONE, ACME_EMAIL, "@acme.example"):
        assert secret not in text, (route, f"shows {secret!r}", text)
    if not response.content or response.status_code >= 300:
        return
    body = _body(response)
    table = RESOURCE_TABLE.get(_resource(route[1]))
    for row in _rows(body):
        if table and isinstance(row, dict):
            assert row.get("id") not in ids.get(table, set()), (route, "shows acme's row", row)
    for named, row_id in _ids_named(body):
        assert row_id not in ids.get(named, set()), (route, f"names acme's {named}", row_id)


def _path(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[PATH_IDS[m.group(1)]]), path)


async def walk(
    app, api: httpx.AsyncClient, ids: dict[str, Any], *, who: str
) -> AsyncIterator[tuple[tuple[str, str], Walk, httpx.Response]]:
    """Call every route once as ``api``, by-id routes with acme's ids. Only visitors
    walk the public route: anyone may become a visitor of acme, which adds to acme."""
    for route in walk_order(app):
        method, path = route
        spec = walk_of(route)
        if spec.kind == "public" and who != "visitor":
            continue
        body = {"files": spec.files} if spec.files else {"json": spec.body}
        response = await api.request(method, _path(path, ids), params=spec.params, **body)
        assert response.status_code < 500, (who, route, response.text)
        yield route, spec, response


def assert_refused(route, response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (route, response.status_code, response.text)
    assert response.json()["error"]["code"] == code, (route, response.text)


def assert_not_for(route, spec: Walk, response: httpx.Response) -> None:
    """Refused to a caller the route is not for: a login or key at a widget route, or a
    visitor at a staff route, is not signed in there (401); a person or key lacking the
    permission is forbidden (403)."""
    if spec.access == "visitor":
        assert_refused(route, response, 401, "unauthenticated")
    else:
        assert_refused(route, response, 403, "forbidden")


async def check_outsider_walk(app, sessionmaker, api, owen, acme, *, who: str) -> None:
    """An outsider walks every route: refused or confined to her shop, and acme unchanged."""
    before = await acme_rows(sessionmaker, owen.shop_id)
    ids = acme_ids(before)
    async for route, spec, response in walk(app, api, acme, who=who):
        assert_shows_nothing_of_acme(route, response, ids)
        if who not in MAY[spec.access]:
            assert_not_for(route, spec, response)
        elif spec.kind == "by_id":
            assert_refused(route, response, 404, "not_found")
        elif spec.allowed_status:
            assert response.status_code == spec.allowed_status, (route, response.text)
        else:
            assert response.status_code < 300, (route, response.text)
            if spec.kind == "list" and who == "owner":  # a key cannot create teams, say
                assert _rows(_body(response)), (route, "lists the caller's own rows")
    assert await acme_rows(sessionmaker, owen.shop_id) == before


async def test_mallory_can_neither_read_nor_change_acme(
    app, sessionmaker, client, owen, mallory, acme
):
    await visit(client, mallory.shop_slug, "你好，在吗？")  # a conversation for her lists
    hook = await client.as_(mallory).post("/api/v1/webhooks", json=WEBHOOK)
    await client.as_(mallory).post(f"/api/v1/webhooks/{hook.json()['id']}/test")  # a delivery
    case = await _ok(await client.as_(mallory).post("/api/v1/cases", json=CASE))
    coupon = {"kind": "coupon", "amount_cents": 500}
    await _ok(
        await client.as_(mallory).post(f"/api/v1/cases/{case['id']}/compensations", json=coupon)
    )
    await _ok(await client.as_(mallory).post("/api/v1/kb/faqs", json=FAQ))
    await closed_conversation(client, sessionmaker, mallory, ["您好"], shop_slug=mallory.shop_slug)
    await _coach_herself(sessionmaker, mallory)
    await _seed_failed_mail(sessionmaker, mallory.shop_id, mark=str)
    async with sessionmaker() as session:  # a shopper's rating of her case, for case CSAT
        rated = {"agent_id": mallory.agent_id, "channel": RatingChannel.WIDGET}
        session.add(CaseRating(shop_id=mallory.shop_id, case_id=case["id"], rating=5, **rated))
        await session.commit()
    await check_outsider_walk(app, sessionmaker, client.as_(mallory), owen, acme, who="owner")


async def _coach_herself(sessionmaker, mallory) -> None:
    """A coaching note in mallory's shop for her list (nobody there may coach her: the
    action refuses one's own card, so the row is written as it would be stored)."""
    async with sessionmaker() as session:
        card_id = await session.scalar(
            select(Scorecard.id).where(Scorecard.shop_id == mallory.shop_id).limit(1)
        )
        session.add(
            CoachingNote(
                shop_id=mallory.shop_id,
                scorecard_id=card_id,
                agent_id=mallory.agent_id,
                body="问候要及时",
                focus=["greeting"],
            )
        )
        await session.commit()


async def test_a_key_of_mallorys_shop_never_reaches_acme(
    app, sessionmaker, client, owen, mallory, acme
):
    created = await client.as_(mallory).post("/api/v1/api-keys", json={"name": "Mallory 同步"})
    headers = {"Authorization": f"Bearer {created.json()['key']}"}
    async with httpx.AsyncClient(
        transport=client._transport, base_url=client.base_url, headers=headers
    ) as api:
        await check_outsider_walk(app, sessionmaker, api, owen, acme, who="key")


async def test_anonymous_callers_get_401_on_every_route(app, sessionmaker, client, owen, acme):
    before = await acme_rows(sessionmaker, owen.shop_id)
    async for route, _spec, response in walk(app, client, acme, who="anonymous"):
        assert_refused(route, response, 401, "unauthenticated")
    assert await acme_rows(sessionmaker, owen.shop_id) == before


@pytest.mark.parametrize("persona", ["alice", "carol"])
async def test_role_matrix_within_acme(app, client, personas, acme, persona):
    """Agents read shop data but change nothing but their own presence; supervisors also
    write shop data and manage agents and teams, but not the shop's settings, API keys or
    the audit log (``MAY`` above is the table)."""
    person = personas[persona]
    role = person.role.value
    async for route, spec, response in walk(app, client.as_(person), acme, who=persona):
        if role in MAY[spec.access] and spec.allowed_status:
            assert response.status_code == spec.allowed_status, (persona, route, response.text)
        elif role in MAY[spec.access]:
            assert response.status_code < 300, (persona, route, response.text)
        else:
            assert_not_for(route, spec, response)


# ---- references from mallory's own rows to acme's ---------------------------------------


async def test_mallory_cannot_point_her_rows_at_acmes(
    client, sessionmaker, owen, alice, mallory, acme
):
    before = await acme_rows(sessionmaker, owen.shop_id)
    api = client.as_(mallory)
    for method, path, body, field in [
        ("POST", "/api/v1/teams", {"name": "挖角组", "agent_ids": [alice.agent_id]}, "agent_ids"),
        ("POST", "/api/v1/agents", NEW_AGENT | {"team_ids": [acme["teams"]]}, "team_ids"),
        ("PATCH", f"/api/v1/agents/{mallory.agent_id}", {"team_ids": [acme["teams"]]}, "team_ids"),
    ]:
        response = await api.request(method, path, json=body)
        assert_refused((method, path), response, 404, "not_found")
        assert response.json()["error"]["field"] == field
    # Her orders cannot name acme's customers, her shipments not acme's orders.
    for path, item, field in [
        ("orders", ORDER, "customer_external_id"),
        ("shipments", SHIPMENT, "order_external_id"),
    ]:
        response = await api.post(f"/api/v1/{path}/bulk", json={"items": [item]})
        assert_refused(path, response, 422, "invalid")
        assert field in response.json()["error"]["field"]
    for path, params in [
        ("/api/v1/orders", {"customer_id": acme["customers"]}),
        ("/api/v1/shipments", {"order_id": acme["orders"]}),
        ("/api/v1/coupons", {"customer_id": acme["customers"]}),
        ("/api/v1/agents", {"team_id": acme["teams"]}),
    ]:
        assert (await api.get(path, params=params)).json()["items"] == [], path
    assert await acme_rows(sessionmaker, owen.shop_id) == before


# ---- the widget: visitors of another shop, and of acme but not of this conversation ------


def _without_visitors(
    snapshot: dict[str, list[dict[str, Any]]], known: set[int], own: str
) -> dict[str, list[dict[str, Any]]]:
    """The snapshot less the walking visitor's own row (she is seen again when she signs
    in) and any visitor that was not in ``known`` (anyone may become acme's visitor), and
    the visits reported (a sign-in at acme is a visit of acme's widget, by design)."""
    visitors = [
        row for row in snapshot["visitors"] if row["id"] in known and row["public_id"] != own
    ]
    kept = {row["id"] for row in visitors}
    views = [row for row in snapshot["invitation_views"] if row["visitor_id"] in kept]
    facts = [row for row in snapshot["report_events"] if row["kind"] != "visit"]
    return snapshot | {"visitors": visitors, "invitation_views": views, "report_events": facts}


# What a shop shows every visitor of its own (name, greeting, announcements), by design.
SHOP_FACE = ("GET", "/api/v1/widget/profile")
# Likewise its invitation, to a visitor of its own on a product page.
PAGE_VIEWS = ("POST", "/api/v1/widget/page-views")
ACME_INVITATION = _secret("亲，这款有什么想了解的吗？")
# A shop's invitation rules are shown to its visitors: any of them may report one, and
# what it counts is the visitor's own page view.
INVITATION_REPORTS = {
    ("POST", "/api/v1/widget/invitations/{rule_id}/shown"),
    ("POST", "/api/v1/widget/invitations/{rule_id}/accepted"),
}
# Self-service after-sales is for shoppers the storefront signed in; the walking visitors
# are anonymous (a signed-in shopper of another shop is walked below).
SIGNED_IN_ONLY = {
    ("GET", "/api/v1/widget/orders"),
    ("GET", "/api/v1/widget/cases"),
    ("POST", "/api/v1/widget/cases"),
    ("POST", "/api/v1/widget/cases/{case_id}/rating"),
}


def _own_conversation_left_out(
    snapshot: dict[str, list[dict[str, Any]]], conversation_id: int
) -> dict[str, list[dict[str, Any]]]:
    """The snapshot less the walking visitor's own conversation: her messages (an offline
    message lands there) and the events about it may change, as they are hers."""

    def about_it(row: dict[str, Any]) -> bool:
        payload = row.get("payload") or {}
        named = payload.get("conversation_id") or (payload.get("conversation") or {}).get("id")
        return conversation_id in (row.get("conversation_id"), named)

    kept = {name: [row for row in rows if not about_it(row)] for name, rows in snapshot.items()}
    kept["conversations"] = [r for r in kept["conversations"] if r["id"] != conversation_id]
    return kept


async def check_visitor_walk(app, sessionmaker, client, owen, acme, shopper: Shopper) -> None:
    """A visitor other than the conversation's walks every route with acme's ids: staff
    routes refuse her token (401), acme's conversation is not found (404), her own stays
    hers, signing in at acme never yields another visitor of acme, and acme is unchanged
    but for her own conversation."""
    before = await acme_rows(sessionmaker, owen.shop_id)
    acmes_own = shopper.token.split(".")[0] == str(owen.shop_id)
    ids = acme_ids(before)
    ids["conversations"] -= {shopper.conversation_id}  # hers, so the widget shows it
    known = {row["public_id"] for row in before["visitors"]} - {shopper.public_id}
    async with httpx.AsyncClient(
        transport=client._transport, base_url=client.base_url, headers=shopper.headers
    ) as api:
        async for route, spec, response in walk(app, api, acme, who="visitor"):
            if spec.kind == "public":
                assert response.status_code == 200, (route, response.text)
                assert set(response.json()) == {"token", "visitor_id", "shop_name"}
                assert response.json()["visitor_id"] not in known, (route, "another's visitor")
                continue
            if route == SHOP_FACE and acmes_own:
                assert response.json()["greeting"] == _secret("您好"), response.text
                continue
            if route == PAGE_VIEWS and acmes_own:
                assert response.json()["invitation"] == ACME_INVITATION, response.text
                continue
            if route in INVITATION_REPORTS and acmes_own:
                assert response.status_code == 200, (route, response.text)
                continue
            assert_shows_nothing_of_acme(route, response, ids)
            if route in SIGNED_IN_ONLY:
                assert_refused(route, response, 403, "not_signed_in")
            elif spec.access != "visitor":
                assert_refused(route, response, 401, "unauthenticated")
            elif spec.kind == "by_id":
                assert_refused(route, response, 404, "not_found")
            else:
                assert response.status_code < 300, (route, response.text)
    after = await acme_rows(sessionmaker, owen.shop_id)
    old = {row["id"] for row in before["visitors"]}
    unchanged = [
        _own_conversation_left_out(
            _without_visitors(snapshot, old, shopper.public_id), shopper.conversation_id
        )
        for snapshot in (before, after)
    ]
    assert unchanged[0] == unchanged[1]


async def test_a_visitor_of_mallorys_shop_never_reaches_acmes_conversation(
    app, sessionmaker, client, owen, mallory, acme
):
    shopper = await visit(client, mallory.shop_slug, "你好，在吗？")
    await check_visitor_walk(app, sessionmaker, client, owen, acme, shopper)


async def test_another_visitor_of_acme_never_reaches_the_conversation(
    app, sessionmaker, client, owen, acme
):
    shopper = await visit(client, owen.shop_slug, "请问有优惠券吗？")
    await check_visitor_walk(app, sessionmaker, client, owen, acme, shopper)


async def test_a_signed_in_shopper_of_mallorys_shop_never_reaches_acmes_orders(
    client, sessionmaker, owen, mallory, acme
):
    """Mallory's shop has a customer with the external id of acme's, with an order; signed
    in on her storefront, the shopper sees that order alone, and acme's lines are not found."""
    api = client.as_(mallory)
    await _ok(await api.post("/api/v1/customers/bulk", json={"items": [CUSTOMER]}))
    await _ok(await api.post("/api/v1/orders/bulk", json={"items": [ORDER]}))
    async with sessionmaker() as session:
        secret = (await session.get(Shop, mallory.shop_id)).widget_secret
    signed = {"customer_id": CUSTOMER["external_id"]}
    signed["customer_signature"] = customer_signature(secret, signed["customer_id"])
    issued = await _ok(
        await client.post(f"/api/v1/widget/{mallory.shop_slug}/visitors", json=signed)
    )
    headers = {"X-Visitor-Token": issued["token"]}
    acme_order = await _ok(await client.as_(owen).get(f"/api/v1/orders/{acme['orders']}"))
    before = await acme_rows(sessionmaker, owen.shop_id)
    ids = acme_ids(before)
    for path in ("/api/v1/widget/orders", "/api/v1/widget/cases"):
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        assert_shows_nothing_of_acme(("GET", path), answer, ids)
    orders = (await client.get("/api/v1/widget/orders", headers=headers)).json()["orders"]
    assert [o["id"] for o in orders] not in ([], [acme["orders"]])
    for line in acme_order["lines"]:
        asked = await client.post(
            "/api/v1/widget/cases",
            json=SELF_SERVICE | {"order_line_id": line["id"]},
            headers=headers,
        )
        assert_refused(("POST", "/api/v1/widget/cases"), asked, 404, "not_found")
    route = ("POST", "/api/v1/widget/cases/{case_id}/rating")
    rated = await client.post(
        f"/api/v1/widget/cases/{acme['cases']}/rating", json={"rating": 1}, headers=headers
    )
    assert_refused(route, rated, 404, "not_found")
    assert await acme_rows(sessionmaker, owen.shop_id) == before


async def test_the_visitors_sign_in_is_the_only_route_a_walk_leaves_to_visitors(app):
    public = [route for route in api_routes(app) if walk_of(route).kind == "public"]
    assert public == [("POST", "/api/v1/widget/{shop_slug}/visitors")]
