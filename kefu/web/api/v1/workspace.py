"""The agent workspace's API: the conversation list with unread counts and search, read
positions, the customer panel, verification (信息核对), tags, and quick phrases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from kefu.actions.phrases import (
    MAX_PHRASE,
    do_create_quick_phrase,
    do_delete_quick_phrase,
    do_update_quick_phrase,
)
from kefu.actions.workspace import do_mark_read, do_record_verification, do_tag_conversation
from kefu.crm.profile import Behaviour, CustomerSummary, customer_summary
from kefu.models import Channel, ConversationStatus, CustomerType, PhraseFolder, Skill
from kefu.models.quality import Emotion
from kefu.queries.conversations import View
from kefu.queries.workspace import (
    CustomerPanel,
    InboxFilters,
    customer_panel,
    inbox,
    quick_phrases,
)
from kefu.web.api.v1.conversations import ConversationOut
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
    RowId,
)
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["workspace"], responses=ERROR_RESPONSES)


class WorkspaceConversationOut(ConversationOut):
    verification: dict[str, Any] | None = Field(
        None, description="信息核对: `checks` (address, phone, spec → bool), `note`, `by`, `at`"
    )


class InboxItemOut(ApiModel):
    conversation: WorkspaceConversationOut
    name: str = Field(description="The customer's nickname or name, else the visitor's")
    unread: int = Field(description="Shopper messages after the caller's read position")
    preview: str | None
    preview_kind: str | None
    waiting_since: datetime | None = Field(
        description="The shopper's first message still waiting for an agent's answer"
    )


class ReadIn(ApiModel):
    message_id: RowId | None = Field(None, description="Default: the latest message")


class ReadOut(ApiModel):
    conversation_id: int
    last_read_message_id: int = Field(description="The caller's read position (unread counts)")
    agent_read_message_id: int | None = Field(
        description="The conversation's agent-read marker: the shopper sees 已读 up to here"
    )


class VerificationIn(ApiModel):
    checks: dict[str, bool] = Field(description="`address`, `phone`, `spec` → confirmed or not")
    note: str | None = Field(None, max_length=500)


class TagsIn(ApiModel):
    tags: list[str] = Field(max_length=10)


class PhraseIn(ApiModel):
    shortcut: str = Field(max_length=33, description="Typed after `/` in the composer")
    body: str = Field(
        max_length=MAX_PHRASE, description="May use {客户昵称} {订单号} {物流单号} {商品名}"
    )
    folder: PhraseFolder = PhraseFolder.CONVERSATION
    customer_type: CustomerType | None = Field(None, description="The shopper it suits")
    personal: bool = Field(False, description="The calling agent's own phrase")


class PhraseChange(ApiModel):
    shortcut: str | None = Field(None, max_length=33)
    body: str | None = Field(None, max_length=MAX_PHRASE)
    folder: PhraseFolder | None = None
    customer_type: CustomerType | None = None


class PhraseOut(ApiModel):
    id: int
    shortcut: str
    folder: PhraseFolder
    body: str
    customer_type: CustomerType | None
    agent_id: int | None = Field(description="Set for an agent's own phrase")
    filled: str | None = Field(None, description="With `conversation_id`: variables filled")


class OrderLineOut(ApiModel):
    sku: str
    title: str
    quantity: int
    unit_price_cents: int
    amount_cents: int
    product_id: int | None


class TrackingOut(ApiModel):
    at: datetime
    status: str
    location: str | None
    description: str


class ShipmentOut(ApiModel):
    carrier: str
    tracking_no: str
    status: str
    events: list[TrackingOut]


class PanelOrderOut(ApiModel):
    id: int
    external_id: str
    status: str
    total_cents: int
    currency: str
    placed_at: datetime
    address: dict[str, Any] | None
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut] = Field(default_factory=list)


class PanelCustomerOut(ApiModel):
    id: int
    name: str | None
    nickname: str | None
    phone: str | None = Field(description="Masked unless the caller may see contact details")
    email: str | None
    member_level: str | None
    tags: list[Any]
    note: str | None
    customer_type: CustomerType | None = Field(
        description="The temperament agents noted (PATCH /customers/{id}); its scripts come first"
    )


class PanelSummaryOut(ApiModel):
    lifetime_value_cents: int = Field(description="Paid orders not cancelled or refunded")
    paid_orders: int
    segment: str | None = Field(description="RFM segment of the newest snapshot")
    behaviours: list[Behaviour] = Field(
        description="How they buy (GET /customers/{id}/summary says how each is found)"
    )


class PastConversationOut(ApiModel):
    id: int
    status: ConversationStatus
    created_at: datetime
    summary: str | None
    disposition: str | None


class PanelOut(ApiModel):
    conversation: WorkspaceConversationOut
    customer: PanelCustomerOut | None
    visitor_name: str | None = Field(
        description="The name a shopper without an account gave in the offline form"
    )
    returning: bool = Field(description="Talked with the shop before, or ordered more than once")
    summary: PanelSummaryOut | None = Field(description="The customer's worth and habits")
    orders: list[PanelOrderOut]
    past_conversations: list[PastConversationOut]
    variables: dict[str, str] = Field(description="Quick-phrase variables and their values")


def _panel_out(panel: CustomerPanel, summary: CustomerSummary | None) -> PanelOut:
    orders = [
        PanelOrderOut.model_validate(o).model_copy(
            update={
                "shipments": [ShipmentOut.model_validate(s) for s in panel.shipments.get(o.id, [])]
            }
        )
        for o in panel.orders
    ]
    return PanelOut(
        conversation=WorkspaceConversationOut.model_validate(panel.conversation),
        customer=None
        if panel.customer is None
        else PanelCustomerOut.model_validate(panel.customer),
        visitor_name=panel.visitor_name,
        returning=panel.returning,
        summary=None if summary is None else PanelSummaryOut.model_validate(summary),
        orders=orders,
        past_conversations=[PastConversationOut.model_validate(c) for c in panel.past],
        variables=panel.variables,
    )


@router.get("/inbox", summary="The workspace's conversation list, with unread counts and search")
async def get_inbox(
    session: SessionDep,
    actor: ActorDep,
    view: View = View.ALL,
    status: ConversationStatus | None = None,
    channel: Channel | None = None,
    skill: Skill | None = None,
    tag: str | None = None,
    q: str | None = None,
    emotion: Emotion | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> PageOut[InboxItemOut]:
    filters = InboxFilters(view, status, channel, skill, tag, q, emotion)
    page = await inbox(session, actor, filters, cursor=cursor, limit=limit)
    return PageOut.of(page, InboxItemOut)


@router.post(
    "/conversations/{conversation_id}/read",
    summary="Mark read up to a message: one's unread count, and the shopper sees 已读",
)
async def mark_read(
    conversation_id: IdPath, body: ReadIn, session: SessionDep, actor: ActorDep
) -> ReadOut:
    marks = await do_mark_read(session, actor, conversation_id, message_id=body.message_id)
    await session.commit()
    return ReadOut(
        conversation_id=marks.conversation.id,
        last_read_message_id=marks.last_read_message_id,
        agent_read_message_id=marks.conversation.agent_read_message_id,
    )


@router.get("/conversations/{conversation_id}/panel", summary="The customer panel")
async def get_panel(conversation_id: IdPath, session: SessionDep, actor: ActorDep) -> PanelOut:
    panel = await customer_panel(session, actor, conversation_id)
    summary = None
    if panel.customer is not None:  # the panel's worth and habits; quick phrases need none
        summary = await customer_summary(session, actor, panel.customer.id)
    return _panel_out(panel, summary)


@router.put("/conversations/{conversation_id}/verification", summary="Record 信息核对")
async def put_verification(
    conversation_id: IdPath, body: VerificationIn, session: SessionDep, actor: ActorDep
) -> WorkspaceConversationOut:
    conversation = await do_record_verification(
        session, actor, conversation_id, checks=body.checks, note=body.note
    )
    await session.commit()
    return WorkspaceConversationOut.model_validate(conversation)


@router.put("/conversations/{conversation_id}/tags", summary="Replace a conversation's tags")
async def put_tags(
    conversation_id: IdPath, body: TagsIn, session: SessionDep, actor: ActorDep
) -> WorkspaceConversationOut:
    conversation = await do_tag_conversation(session, actor, conversation_id, tags=body.tags)
    await session.commit()
    return WorkspaceConversationOut.model_validate(conversation)


@router.get("/quick-phrases", summary="The shop's and the caller's own quick phrases")
async def get_phrases(
    session: SessionDep, actor: ActorDep, conversation_id: RowId | None = None
) -> list[PhraseOut]:
    rows = await quick_phrases(session, actor, conversation_id=conversation_id)
    return [
        PhraseOut.model_validate(r.phrase).model_copy(update={"filled": r.filled}) for r in rows
    ]


@router.post("/quick-phrases", summary="Add a quick phrase (shop library or one's own)")
async def post_phrase(body: PhraseIn, session: SessionDep, actor: ActorDep) -> PhraseOut:
    phrase = await do_create_quick_phrase(session, actor, **body.model_dump())
    await session.commit()
    return PhraseOut.model_validate(phrase)


@router.patch("/quick-phrases/{phrase_id}", summary="Change a quick phrase")
async def patch_phrase(
    phrase_id: IdPath, body: PhraseChange, session: SessionDep, actor: ActorDep
) -> PhraseOut:
    phrase = await do_update_quick_phrase(
        session, actor, phrase_id, **body.model_dump(exclude_unset=True)
    )
    await session.commit()
    return PhraseOut.model_validate(phrase)


@router.delete("/quick-phrases/{phrase_id}", status_code=204, summary="Delete a quick phrase")
async def delete_phrase(phrase_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_quick_phrase(session, actor, phrase_id)
    await session.commit()
    return Response(status_code=204)
