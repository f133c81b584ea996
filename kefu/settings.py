"""Typed settings read from ``KEFU_*`` environment variables.

Every field carries its help text because ``docs/settings.md`` is checked against this
class by the tests. There is no import-time instance: callers build ``Settings()`` where
they need one so tests and commands can pass their own values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SECRET = "kefu-demo-secret-do-not-use-in-production"
# Settings that may also come from a file named by KEFU_<NAME>_FILE.
SECRET_FIELDS = (
    "secret_key",
    "database_url",
    "redis_url",
    "metrics_token",
    "smtp_password",
    "llm_api_key",
)


class InsecureSettingsError(RuntimeError):
    """Raised when the server would start with a secret anyone can read in our source."""


class Settings(BaseSettings):
    """Kefu's configuration. Each field maps to ``KEFU_<NAME>``; secrets also accept
    ``KEFU_<NAME>_FILE`` pointing at a file that holds the value."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    data_dir: Path = Field(
        Path("kefu-data"),
        description="Directory for the SQLite database, uploads and other local state.",
    )
    database_url: str = Field(
        "",
        description=(
            "SQLAlchemy async URL. Empty means SQLite in the data directory; use "
            "postgresql+asyncpg://user@host/db for PostgreSQL."
        ),
    )
    redis_url: str = Field(
        "", description="Redis URL for fan-out between processes; empty keeps it in memory."
    )
    redis_channel: str = Field(
        "kefu:realtime",
        min_length=1,
        max_length=200,
        description="Redis pub/sub channel of the realtime notices; installations sharing "
        "one Redis server need one each.",
    )
    secret_key: str = Field(
        DEMO_SECRET,
        description="Signs visitor tokens and CSRF tokens. Must be set outside demo mode.",
    )
    demo_mode: bool = Field(
        False, description="Allows the built-in demo secret; set by `kefu demo`."
    )
    host: str = Field("127.0.0.1", description="Address `kefu serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kefu serve` listens on.")
    public_url: str = Field(
        "",
        description=(
            "The address shoppers reach this server at (https://kefu.example.com); links "
            "in e-mails start with it. Empty: http://HOST:PORT."
        ),
    )
    default_locale: str = Field(
        "zh_CN", description="UI language for people who have not chosen one (zh_CN or en)."
    )
    session_hours: int = Field(
        12, ge=1, le=24 * 30, description="How long a login session lasts without activity."
    )
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure; turn on when served over HTTPS."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins in a row before the account is locked."
    )
    login_lockout_minutes: int = Field(
        15, ge=1, description="How long a locked account stays locked."
    )
    ws_heartbeat_seconds: float = Field(
        25.0,
        gt=0,
        le=300,
        description="Seconds of silence after which a WebSocket gets a heartbeat frame.",
    )
    widget_visitor_per_minute: int = Field(
        60, ge=1, description="Widget requests and messages a visitor may send per minute."
    )
    widget_ip_per_minute: int = Field(
        600, ge=1, description="Widget requests one IP address may send per minute."
    )
    widget_upload_max_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        description="Largest image a shopper or agent may send in a chat, in bytes.",
    )
    sqlite_writer: Literal["process", "thread"] = Field(
        "process",
        description="On SQLite, where chat messages are written: `process` (a writer "
        "process beside the server, which then has its own core for the sockets) or "
        "`thread` (a thread of the server: one process fewer, about a third fewer "
        "messages a second at full load).",
    )
    worker_enabled: bool = Field(
        True,
        description="Run the background worker (webhooks, SLA sweeps, report rollups, cleanups) "
        "inside the server.",
    )
    webhook_timeout_seconds: float = Field(
        10, gt=0, le=120, description="How long a webhook receiver may take to answer."
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=30, description="Attempts before a webhook delivery is dead-lettered."
    )
    webhook_retry_base_seconds: float = Field(
        10, ge=0, description="Wait before the first retry; doubled after each failure."
    )
    worker_lease_seconds: float = Field(
        120, gt=0, description="A running job not finished after this is queued again."
    )
    worker_poll_seconds: float = Field(
        1, gt=0, le=60, description="How often the background worker looks for due jobs."
    )
    webhook_retention_days: int = Field(
        30, ge=1, description="Delivered webhook deliveries are deleted after this many days."
    )
    stream_retention_days: int = Field(
        7,
        ge=1,
        description="Realtime replay-log rows are deleted after this many days.",
    )
    presence_grace_seconds: float = Field(
        60,
        ge=0,
        description="An agent with no open socket for this long is set offline.",
    )
    presence_lease_seconds: float = Field(
        90,
        ge=3,
        description="A socket its server has not vouched for this long counts as gone.",
    )
    log_level: str = Field("info", description="Log level: debug, info, warning or error.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or one JSON object per line (json)."
    )
    metrics_token: str = Field(
        "",
        description=(
            "Bearer token a Prometheus scrape of /metrics must send; empty serves /metrics "
            "only to clients on this machine that came through no proxy."
        ),
    )

    smtp_host: str = Field(
        "", description="SMTP server for outbound e-mail (scheduled reports); empty sends none."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description=(
            "How the SMTP connection is encrypted: starttls (upgrade, usually port 587), "
            "tls (from the first byte, usually 465) or none (a relay on this machine only)."
        ),
    )
    smtp_username: str = Field("", description="SMTP login; empty sends without logging in.")
    smtp_password: SecretStr = Field(
        SecretStr(""), description="SMTP password; never logged or shown in an error."
    )
    smtp_timeout_seconds: float = Field(
        30, gt=0, le=300, description="How long the SMTP server may take to answer."
    )
    mail_from: str = Field(
        "",
        description="Sender address of outbound e-mail, e.g. 客服报表 <reports@shop.example>.",
    )
    report_retry_base_seconds: float = Field(
        300,
        ge=0,
        description=(
            "Wait before a failed scheduled report is tried again; doubled after each "
            "further failure, up to an hour."
        ),
    )

    llm_base_url: str = Field(
        "",
        description=(
            "Base URL of an OpenAI-compatible API for the agents' AI 润色 (rephrase) and AI 起草 "
            "(draft), e.g. "
            "https://api.example.com/v1; empty (the default) turns the LLM off."
        ),
    )
    llm_api_key: SecretStr = Field(
        SecretStr(""), description="Bearer key of the LLM API; never logged or shown."
    )
    llm_model: str = Field("", description="Model name sent to the LLM API; empty: off.")
    llm_timeout_seconds: float = Field(
        20, gt=0, le=120, description="How long the LLM API may take to answer."
    )

    mail_poll_seconds: float = Field(
        60, ge=1, description="How often each shop's mailbox (IMAP) is polled for new mail."
    )
    mail_attachment_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=0,
        description="A received attachment larger than this is dropped (with a note).",
    )
    mail_retry_base_seconds: float = Field(
        60,
        ge=0,
        description="Wait before an unsent mail is tried again; doubled after each failure.",
    )
    mail_max_attempts: int = Field(
        8, ge=1, le=50, description="Attempts to send a mail before it is marked failed."
    )
    mail_timeout_seconds: float = Field(
        30, gt=0, le=300, description="How long a shop's IMAP or SMTP server may take to answer."
    )
    mail_ca_file: str = Field(
        "",
        description=(
            "A PEM file of CA certificates trusted for the shops' IMAP and SMTP servers "
            "besides the system's (a private mail server); empty: the system's only."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        """Let ``KEFU_SECRET_KEY_FILE`` (and the like) supply a secret from a file,
        the usual way container and systemd secrets are handed over."""
        if not isinstance(data, dict):
            return data
        for name in SECRET_FIELDS:
            path = os.environ.get(f"KEFU_{name.upper()}_FILE")
            if path and name not in data:
                try:
                    data[name] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ValueError(
                        f"KEFU_{name.upper()}_FILE: cannot read {path}: {exc.strerror}"
                    ) from exc
        return data

    @property
    def effective_public_url(self) -> str:
        """Where links in e-mails point, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def effective_database_url(self) -> str:
        """The URL actually used: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'kefu.db').resolve()}"

    def check_secure(self) -> None:
        """Refuse to serve real shops with the demo secret."""
        if not self.demo_mode and self.secret_key == DEMO_SECRET:
            raise InsecureSettingsError(
                "KEFU_SECRET_KEY is not set. Set it (or KEFU_SECRET_KEY_FILE) to a long random "
                "value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`, "
                "or run `kefu demo` for a demo."
            )
