"""The widget's API beyond conversations and messages (those are in kefu.web.api.v1.widget):
the shop's public widget profile, images (both sides), offline messages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import FileResponse
from pydantic import Field

from kefu.access import Actor
from kefu.actions.uploads import do_store_image
from kefu.actions.widget import do_leave_offline_message
from kefu.lib.images import stored_path
from kefu.models import Upload
from kefu.models.base import utcnow
from kefu.queries.widget import get_upload, visitor_shop, widget_profile
from kefu.settings import Settings
from kefu.web.api.v1.conversations import MessageIn, MessageOut
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.api.v1.widget import GreetingLang, WidgetConversationOut
from kefu.web.deps import (
    ActorDep,
    SessionDep,
    SettingsDep,
    VisitorDep,
    refuse_nul_characters,
)
from kefu.web.ratelimits import limit_widget

router = APIRouter(responses=ERROR_RESPONSES)
NO_NUL = [Depends(refuse_nul_characters)]
WIDGET = [Depends(limit_widget)]


class WidgetProfileOut(ApiModel):
    shop_name: str
    announcements: list[str] = Field(description="Up to 5 lines the widget rotates")
    greeting: str | None = Field(description="Shown when the panel opens; null: the default")
    online: bool = Field(description="An agent can answer now (shop open, someone online)")
    open_now: bool = Field(description="Within business hours (holidays counted)")
    reply_minutes: int = Field(description="The reply time promised to an offline message")
    bot: bool = Field(False, description="The FAQ bot answers now (so the shopper may chat)")


class UploadOut(ApiModel):
    id: int
    conversation_id: int
    content_type: str = Field(description="What the content is, whatever the file was called")
    byte_size: int
    width: int
    height: int


class OfflineIn(MessageIn):
    name: str = Field(min_length=1, max_length=50, description="How to address the shopper")
    contact: str = Field(
        min_length=1, max_length=100, description="Phone, WeChat or e-mail to answer on"
    )
    greeting: GreetingLang = None


class OfflineOut(ApiModel):
    conversation: WidgetConversationOut
    message: MessageOut
    reply_minutes: int = Field(description="The shop promises an answer within this time")


@router.get(
    "/widget/profile",
    summary="The widget's texts and whether someone can answer now",
    dependencies=WIDGET,
    tags=["widget"],
)
async def read_profile(session: SessionDep, visitor: VisitorDep) -> WidgetProfileOut:
    shop = await visitor_shop(session, visitor)
    profile = await widget_profile(session, shop, utcnow())
    return WidgetProfileOut(
        shop_name=profile.shop_name,
        announcements=profile.announcements,
        greeting=profile.greeting,
        online=profile.online,
        open_now=profile.open_now,
        reply_minutes=profile.reply_minutes,
        bot=profile.bot,
    )


@router.post(
    "/widget/offline-messages",
    summary="Leave a message while nobody can answer (opens a conversation)",
    dependencies=WIDGET + NO_NUL,
    tags=["widget"],
)
async def leave_offline_message(
    body: OfflineIn, session: SessionDep, visitor: VisitorDep
) -> OfflineOut:
    conversation, message = await do_leave_offline_message(
        session,
        visitor,
        name=body.name,
        contact=body.contact,
        body=body.body,
        client_id=body.client_id,
        greeting=body.greeting,
    )
    await session.commit()
    shop = await visitor_shop(session, visitor)
    profile = await widget_profile(session, shop, message.created_at)
    return OfflineOut(
        conversation=WidgetConversationOut.model_validate(conversation),
        message=MessageOut.model_validate(message),
        reply_minutes=profile.reply_minutes,
    )


async def _store(
    session: SessionDep, actor: Actor, conversation_id: int, file: UploadFile, settings: Settings
) -> UploadOut:
    # One byte more than allowed is enough to refuse it; the rest is never read.
    data = await file.read(settings.widget_upload_max_bytes + 1)
    upload = await do_store_image(
        session,
        actor,
        conversation_id,
        data,
        data_dir=settings.data_dir,
        max_bytes=settings.widget_upload_max_bytes,
    )
    await session.commit()
    return UploadOut.model_validate(upload)


def _file(settings: Settings, upload: Upload, *, thumbnail: bool) -> FileResponse:
    path = stored_path(settings.data_dir, upload.shop_id, upload.stored_name, thumbnail=thumbnail)
    return FileResponse(
        path,
        media_type="image/webp" if thumbnail else upload.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


IMAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"image/*": {}}, "description": "The image"}
}


@router.post(
    "/widget/conversations/{conversation_id}/images",
    status_code=201,
    summary="Upload an image to one's own conversation (then send an image message)",
    dependencies=WIDGET,
    tags=["widget"],
)
async def visitor_upload(
    conversation_id: IdPath,
    file: UploadFile,
    session: SessionDep,
    visitor: VisitorDep,
    settings: SettingsDep,
) -> UploadOut:
    return await _store(session, visitor, conversation_id, file, settings)


@router.get(
    "/widget/images/{upload_id}",
    summary="An image of one's own conversation",
    dependencies=WIDGET,
    tags=["widget"],
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
)
async def visitor_image(
    upload_id: IdPath, session: SessionDep, visitor: VisitorDep, settings: SettingsDep
) -> FileResponse:
    return _file(settings, await get_upload(session, visitor, upload_id), thumbnail=False)


@router.get(
    "/widget/images/{upload_id}/thumbnail",
    summary="The thumbnail (WebP) of an image of one's own conversation",
    dependencies=WIDGET,
    tags=["widget"],
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
)
async def visitor_thumbnail(
    upload_id: IdPath, session: SessionDep, visitor: VisitorDep, settings: SettingsDep
) -> FileResponse:
    return _file(settings, await get_upload(session, visitor, upload_id), thumbnail=True)


@router.post(
    "/conversations/{conversation_id}/images",
    status_code=201,
    summary="Upload an image to a conversation (then send an image message)",
    tags=["conversations"],
)
async def agent_upload(
    conversation_id: IdPath,
    file: UploadFile,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> UploadOut:
    return await _store(session, actor, conversation_id, file, settings)


@router.get(
    "/images/{upload_id}",
    summary="An image sent in one of the shop's conversations",
    tags=["conversations"],
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
)
async def agent_image(
    upload_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> FileResponse:
    return _file(settings, await get_upload(session, actor, upload_id), thumbnail=False)


@router.get(
    "/images/{upload_id}/thumbnail",
    summary="The thumbnail (WebP) of an image sent in one of the shop's conversations",
    tags=["conversations"],
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
)
async def agent_thumbnail(
    upload_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> FileResponse:
    return _file(settings, await get_upload(session, actor, upload_id), thumbnail=True)
