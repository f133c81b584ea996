"""The chat widget's side of the API. A visitor gets a signed token once
(``POST /widget/{shop_slug}/visitors``) and sends it as ``X-Visitor-Token``; with it they
reach their own conversations and nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.conversations import do_rate_conversation, do_start_conversation
from kefu.actions.invitations import do_record_invitation
from kefu.actions.visitors import do_identify_visitor, do_record_page_view, shop_by_slug
from kefu.events import shop_stream
from kefu.lib.tokens import read_visitor_token, sign_visitor_token
from kefu.models import Channel, Conversation, ConversationStatus, Skill
from kefu.queries.conversations import get_conversation, list_messages, serving_agent_name
from kefu.queries.routing import queue_position, wait_estimator
from kefu.queries.visitors import LiveVisitor, invitation_now, own_activity
from kefu.web.api.v1.conversations import MessageIn, MessageOut, RatingIn, send_message
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, CursorQuery, IdPath, PageOut
from kefu.web.api.v1.visitors import LiveVisitorOut
from kefu.web.deps import SessionDep, SessionmakerDep, SettingsDep, VisitorDep
from kefu.web.ratelimits import limit_widget

router = APIRouter(
    prefix="/widget",
    tags=["widget"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(limit_widget)],
)


class VisitorIn(ApiModel):
    token: str | None = Field(None, max_length=200, description="The token kept from last time")
    page: str | None = Field(None, max_length=2000, description="The page the visitor is on")
    customer_id: str | None = Field(
        None, max_length=64, description="A logged-in shopper's customer id in your shop"
    )
    customer_signature: str | None = Field(
        None,
        max_length=64,
        description="Hex HMAC-SHA256 of `customer_id` under the shop's widget secret",
    )


class VisitorOut(ApiModel):
    token: str = Field(description="Send as `X-Visitor-Token`; also `?token=` on /ws/visitor")
    visitor_id: str = Field(description="The visitor's public id")
    shop_name: str


class WidgetConversationOut(ApiModel):
    """What the shopper may know of their conversation (nothing internal)."""

    id: int
    status: ConversationStatus
    channel: Channel
    skill: Skill | None
    rating: int | None
    closed_at: datetime | None
    created_at: datetime
    agent_read_message_id: int | None = Field(
        description="The shopper's messages up to this id have been read by an agent"
    )
    queue_position: int | None = Field(
        None, description="1 = next to be served; null once an agent has it (or closed)"
    )
    expected_wait_seconds: int | None = Field(
        None, description="A rough wait while queued; null when no agent who could take it is on"
    )
    agent_name: str | None = Field(
        None,
        description="The display name of the agent serving the shopper, shown in the "
        "widget's header; null while queued, with the bot, or closed",
    )


async def conversation_out(
    session: AsyncSession, visitor: Actor, conversation: Conversation
) -> WidgetConversationOut:
    """The shopper's view, with their place in the queue while they wait."""
    position = await queue_position(session, visitor, conversation.id)
    estimate = await wait_estimator(session, conversation.shop_id)
    return WidgetConversationOut.model_validate(conversation).model_copy(
        update={
            "queue_position": position,
            "expected_wait_seconds": estimate(conversation, position),
            "agent_name": await serving_agent_name(session, conversation),
        }
    )


class PageViewIn(ApiModel):
    page: str = Field(min_length=1, max_length=2000, description="The page's URL")
    title: str | None = Field(None, max_length=300, description="The page's title")
    product_id: str | None = Field(
        None, max_length=64, description="Your product id, when this is a product page"
    )
    cart_value_cents: int | None = Field(
        None, ge=0, le=10**12, description="The cart's value in cents, when your shop passes it"
    )


class PageViewOut(ApiModel):
    page_since: datetime = Field(description="Since when the visitor is on this page")
    invitation: str | None = Field(
        None, description="The shop's invitation to chat to show now; null: none"
    )
    invitation_id: str | None = Field(
        None, description="Its rule's id: report it shown and accepted under this id"
    )


class InvitationViewOut(ApiModel):
    rule_id: str
    shown_at: datetime = Field(description="First reported shown on this page view")
    accepted_at: datetime | None


RuleIdPath = Annotated[str, Path(pattern="^[0-9a-z]{1,16}$", description="The rule's id")]


GreetingLang = Annotated[
    Literal["zh", "en"] | None,
    Field(
        description="The language of the greeting the widget showed: a new conversation "
        "stores it as the bot's first message (the shop's own greeting if it wrote one)"
    ),
]


class StartIn(ApiModel):
    skill: Skill | None = Field(None, description="The widget entry point: 售前, 售中, 售后, 投诉")
    greeting: GreetingLang = None


@router.post("/{shop_slug}/visitors", summary="Get a visitor token (new or renewed)")
async def identify(
    shop_slug: Annotated[str, Path(max_length=64)],
    body: VisitorIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> VisitorOut:
    shop = await shop_by_slug(session, shop_slug)
    known = read_visitor_token(settings.secret_key, body.token)
    public_id = known[1] if known is not None and known[0] == shop.id else None
    visitor = await do_identify_visitor(
        session,
        shop,
        public_id=public_id,
        user_agent=request.headers.get("user-agent"),
        page=body.page,
        customer_external_id=body.customer_id,
        customer_signature=body.customer_signature,
    )
    await session.commit()
    return VisitorOut(
        token=sign_visitor_token(settings.secret_key, shop.id, visitor.public_id),
        visitor_id=visitor.public_id,
        shop_name=shop.name,
    )


def announce_activity(request: Request, shop_id: int, live: LiveVisitor) -> None:
    """An ephemeral frame to the shop's agents: their live visitor lists update at once.
    Not an event: nothing is stored or replayed, a list opened later reads the API."""
    frame = {
        "type": "visitor.activity",
        "visitor": LiveVisitorOut.model_validate(live).model_dump(mode="json"),
    }
    request.app.state.pubsub.publish({"streams": [shop_stream(shop_id)], "frame": frame})


@router.post("/page-views", summary="Report the page the visitor is on now")
async def page_view(
    body: PageViewIn, request: Request, session: SessionDep, visitor: VisitorDep
) -> PageViewOut:
    row, changed = await do_record_page_view(
        session,
        visitor,
        page=body.page,
        title=body.title,
        product_external_id=body.product_id,
        cart_value_cents=body.cart_value_cents,
    )
    await session.commit()
    if changed:  # the widget's reports while the shopper stays move nothing on the list
        announce_activity(request, visitor.shop_id, await own_activity(session, visitor, row))
    rule = await invitation_now(session, visitor, row)
    return PageViewOut(
        page_since=row.page_since,
        invitation=rule and rule.message,
        invitation_id=rule and rule.id,
    )


async def _report_invitation(
    session: AsyncSession, visitor: Actor, rule_id: str, *, accepted: bool
) -> InvitationViewOut:
    view = await do_record_invitation(session, visitor, rule_id, accepted=accepted)
    await session.commit()
    return InvitationViewOut.model_validate(view)


@router.post(
    "/invitations/{rule_id}/shown",
    summary="Report an invitation shown on this page view (counted once per page view)",
)
async def invitation_shown(
    rule_id: RuleIdPath, session: SessionDep, visitor: VisitorDep
) -> InvitationViewOut:
    return await _report_invitation(session, visitor, rule_id, accepted=False)


@router.post(
    "/invitations/{rule_id}/accepted",
    summary="Report that the shopper opened the chat from the invitation",
)
async def invitation_accepted(
    rule_id: RuleIdPath, session: SessionDep, visitor: VisitorDep
) -> InvitationViewOut:
    return await _report_invitation(session, visitor, rule_id, accepted=True)


@router.post("/conversations", summary="Start a conversation, or get the open one")
async def start(body: StartIn, session: SessionDep, visitor: VisitorDep) -> WidgetConversationOut:
    conversation = await do_start_conversation(
        session, visitor, skill=body.skill, greeting=body.greeting
    )
    await session.commit()
    return await conversation_out(session, visitor, conversation)


@router.get(
    "/conversations/{conversation_id}",
    summary="Read one's own conversation, with the place in the queue while waiting",
)
async def get_own(
    conversation_id: IdPath, session: SessionDep, visitor: VisitorDep
) -> WidgetConversationOut:
    conversation = await get_conversation(session, visitor, conversation_id)
    return await conversation_out(session, visitor, conversation)


@router.get(
    "/conversations/{conversation_id}/messages",
    summary="One's own conversation's messages, newest first (no internal notes)",
)
async def get_own_messages(
    conversation_id: IdPath,
    session: SessionDep,
    visitor: VisitorDep,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageOut[MessageOut]:
    page = await list_messages(session, visitor, conversation_id, cursor=cursor, limit=limit)
    return PageOut.of(page, MessageOut)


@router.post("/conversations/{conversation_id}/messages", summary="Send a message")
async def post_own_message(
    conversation_id: IdPath,
    body: MessageIn,
    session: SessionDep,
    visitor: VisitorDep,
    later: BackgroundTasks,
    sessions: SessionmakerDep,
) -> MessageOut:
    return await send_message(session, visitor, conversation_id, body, later, sessions)


@router.post("/conversations/{conversation_id}/rating", summary="Rate the conversation 1–5")
async def rate_own(
    conversation_id: IdPath, body: RatingIn, session: SessionDep, visitor: VisitorDep
) -> WidgetConversationOut:
    conversation = await do_rate_conversation(
        session, visitor, conversation_id, **body.model_dump()
    )
    await session.commit()
    return await conversation_out(session, visitor, conversation)
