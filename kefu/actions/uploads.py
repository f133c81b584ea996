"""Images sent in a conversation: checked by content, size-limited, stored with a
thumbnail under the data directory.

Storing the file is not a message yet: the sender then sends an ``image`` message whose
payload names the upload, with its own ``client_id`` (so a retry sends nothing twice).
Uploads are not audited; like messages, the row records who sent what."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.conversations import load_for_staff
from kefu.actions.messages import sender_kind
from kefu.errors import Conflict, Invalid, TooLarge, UnsupportedType
from kefu.lib.images import ImageError, check_image, stored_path
from kefu.models import ConversationStatus, Upload
from kefu.queries.conversations import get_conversation


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)  # never a half-written file under the real name


async def do_store_image(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    data: bytes,
    *,
    data_dir: Path,
    max_bytes: int,
) -> Upload:
    """Keep an image for the conversation: a visitor's own, or one an agent works on."""
    if actor.is_visitor:
        conversation = await get_conversation(session, actor, conversation_id)
    else:
        conversation = await load_for_staff(session, actor, conversation_id)
    if conversation.status is ConversationStatus.CLOSED:
        raise Conflict("this conversation is closed; start a new one")
    if len(data) > max_bytes:
        raise TooLarge(f"an image may have at most {max_bytes // 1024} KB", field="file")
    if not data:
        raise Invalid("the file is empty", field="file")
    try:
        image = check_image(data)
    except ImageError as exc:
        error = UnsupportedType if exc.unsupported else Invalid
        raise error(str(exc), field="file") from exc
    upload = Upload(
        shop_id=actor.shop_id,
        conversation_id=conversation.id,
        sender_kind=sender_kind(actor),
        sender_id=actor.id,
        content_type=image.content_type,
        byte_size=len(data),
        width=image.width,
        height=image.height,
        stored_name=secrets.token_hex(16),
    )
    for thumbnail, content in ((False, data), (True, image.thumbnail)):
        path = stored_path(data_dir, actor.shop_id, upload.stored_name, thumbnail=thumbnail)
        _write(path, content)
    session.add(upload)
    await session.flush()
    return upload
