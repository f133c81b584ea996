"""``kefu createadmin`` and ``kefu migrate`` as an operator runs them, in a real process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from kefu.actions.auth import do_login
from kefu.db import make_engine, make_sessionmaker
from kefu.settings import Settings


def kefu(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefu", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KEFU_DATA_DIR": str(data_dir), **env},
        timeout=120,
    )


async def _login(settings: Settings, email: str, password: str) -> int:
    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await do_login(session, settings, email, password)
            return result.login.shop_id
    finally:
        await engine.dispose()


def test_createadmin_makes_an_owner_who_can_log_in(tmp_path):
    done = kefu(
        [
            "createadmin",
            "--shop",
            "xiaolu",
            "--email",
            "Boss@Example.com",
            "--shop-name",
            "小鹿优选",
        ],
        tmp_path,
        KEFU_ADMIN_PASSWORD="lu-2026-secret",
    )
    assert done.returncode == 0, done.stderr
    assert "boss@example.com" in done.stdout.lower()
    settings = Settings(data_dir=tmp_path)
    assert asyncio.run(_login(settings, "boss@example.com", "lu-2026-secret")) is not None


def test_createadmin_refuses_a_weak_password_without_traceback(tmp_path):
    done = kefu(
        ["createadmin", "--shop", "xiaolu", "--email", "boss@example.com"],
        tmp_path,
        KEFU_ADMIN_PASSWORD="12345678",
    )
    assert done.returncode != 0
    assert "password must mix letters" in done.stderr
    assert "Traceback" not in done.stderr


def test_createadmin_refuses_a_bad_slug(tmp_path):
    done = kefu(
        ["createadmin", "--shop", "Bad Slug!", "--email", "boss@example.com"],
        tmp_path,
        KEFU_ADMIN_PASSWORD="lu-2026-secret",
    )
    assert done.returncode != 0
    assert "slug must be" in done.stderr


def test_migrate_creates_the_database(tmp_path):
    done = kefu(["migrate"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "kefu.db").exists()
