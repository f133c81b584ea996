"""``GET /widget.js``: the one script a shop embeds, served gzipped when the browser
accepts it, with an ETag so returning shoppers revalidate cheaply."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response

router = APIRouter(include_in_schema=False)
SCRIPT = Path(__file__).resolve().parent / "static" / "widget.js"


@dataclass(frozen=True, slots=True)
class Served:
    plain: bytes
    gzipped: bytes
    etag: str


@cache
def _served(mtime_ns: int) -> Served:
    """The script as sent; rebuilt only when the file changes (keyed by its mtime)."""
    plain = SCRIPT.read_bytes()
    return Served(plain, gzip.compress(plain, 9, mtime=0), hashlib.sha256(plain).hexdigest()[:16])


@router.get("/widget.js")
async def widget_script(request: Request) -> Response:
    served = _served(SCRIPT.stat().st_mtime_ns)
    headers = {
        "Cache-Control": "public, max-age=300",
        "ETag": f'"{served.etag}"',
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    body = served.plain
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = served.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)
