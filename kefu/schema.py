"""Apply Alembic migrations from code (``kefu migrate``, the demo and the tests).

Alembic's env runs its own event loop, so these functions are synchronous and must be
called outside a running loop (or through ``asyncio.to_thread``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` ("base" empties it)."""
    command.downgrade(alembic_config(url), revision)
