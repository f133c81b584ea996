"""Logging for ``kefu serve`` and ``kefu worker``: one line per record, as text or JSON,
with the request id of the request being served, and secrets and personal data masked.

The request id lives in a context variable set by ``kefu.web.observe``; a record factory
copies it onto every record, so any logger (ours, uvicorn's, SQLAlchemy's) carries it and
tasks started during the request inherit it. Masking happens in the formatters, the one
place every line passes through; the code itself does not log secrets in the first place
(tests/ops/test_logging.py checks both)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from kefu.lib.masking import mask_email, mask_phone

REQUEST_ID: ContextVar[str] = ContextVar("kefu_request_id", default="-")

QUIET_LOGGERS = ("sqlalchemy", "aiosqlite", "asyncpg", "websockets", "python_multipart", "httpcore")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# (pattern, replacement): keys and values of secrets, bearer credentials, our API keys,
# Chinese mobile numbers and e-mail addresses (masked as the pages mask them for roles
# that may not see them: 138****5678, z***@example.com).
_SECRET_WORDS = r"password|passwd|secret|token|api[_-]?key|authorization|cookie|csrf[_-]?token"
MASKS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+"), "Bearer [redacted]"),
    (re.compile(r"\bkefu_[A-Za-z0-9_-]{8,}"), "kefu_[redacted]"),
    (
        re.compile(rf"(?i)((?:{_SECRET_WORDS})[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), lambda found: str(mask_phone(found[0]))),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), lambda found: str(mask_email(found[0]))),
)


def mask(text: str) -> str:
    """``text`` with secrets and personal data replaced."""
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _with_request_id(factory: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    make_record.kefu_request_id = True  # type: ignore[attr-defined]
    return make_record


def install_request_ids() -> None:
    """Give every record a ``request_id`` (idempotent: apps are built many times in tests)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "kefu_request_id", False):
        logging.setLogRecordFactory(_with_request_id(factory))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (Loki, Elasticsearch, journald)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": mask(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, fmt: str) -> None:
    """Send every logger to standard error in ``fmt`` ("text" or "json") at ``level``.

    The libraries in ``QUIET_LOGGERS`` stay at WARNING whatever the level: at DEBUG or
    INFO they log statements with their parameters or whole WebSocket frames (password
    hashes, phone numbers, chat text)."""
    install_request_ids()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
