"""Checking an uploaded image by its content and making its thumbnail.

The file name and the browser's declared type prove nothing: an HTML page renamed
``.png`` must be refused and a PNG renamed ``.exe`` accepted. Pillow reads the header to
learn the real format and size, then decodes the whole image, so a file that only starts
like an image is refused too."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

# Format (as Pillow names it) → the content type it is served with.
ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
THUMBNAIL_EDGE = 320


class ImageError(ValueError):
    """The bytes are not an image we accept; ``unsupported`` when they are another kind
    of file altogether (415) rather than a broken or oversized image (422)."""

    def __init__(self, message: str, *, unsupported: bool = False):
        super().__init__(message)
        self.unsupported = unsupported


@dataclass(frozen=True, slots=True)
class CheckedImage:
    content_type: str
    width: int
    height: int
    thumbnail: bytes  # WebP, at most THUMBNAIL_EDGE pixels on its longer side


def _open(data: bytes) -> Image:
    # Pillow at the first picture: every server process imports this module (~4 MiB each).
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data), formats=list(ACCEPTED))
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(
            "only PNG, JPEG, GIF or WebP images can be sent", unsupported=True
        ) from exc
    if image.width * image.height > MAX_PIXELS:
        raise ImageError("the image has too many pixels")
    return image


def check_image(data: bytes) -> CheckedImage:
    """The real type and size of ``data`` and a thumbnail, or ``ImageError``."""
    from PIL.Image import DecompressionBombError

    image = _open(data)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, DecompressionBombError) as exc:
        raise ImageError("the image is damaged and cannot be shown") from exc
    content_type, width, height = ACCEPTED[str(image.format)], image.width, image.height
    # convert() copies, so thumbnail() below never shrinks the image we measured.
    thumb = image.convert("RGBA" if image.mode in ("P", "LA", "PA", "RGBA") else "RGB")
    thumb.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=80)
    return CheckedImage(content_type, width, height, out.getvalue())


def stored_path(data_dir: Path, shop_id: int, stored_name: str, *, thumbnail: bool) -> Path:
    """Where an upload (or its thumbnail) lives under the data directory."""
    suffix = ".thumb.webp" if thumbnail else ".img"
    return data_dir / "uploads" / str(shop_id) / f"{stored_name}{suffix}"


def delete_stored(data_dir: Path, shop_id: int, stored_names: Iterable[str]) -> None:
    """Delete uploads' files and thumbnails; a file already gone is no error."""
    for stored_name in stored_names:
        for thumbnail in (False, True):
            stored_path(data_dir, shop_id, stored_name, thumbnail=thumbnail).unlink(missing_ok=True)
