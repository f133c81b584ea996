"""``kefu backup`` / ``kefu restore`` round trips, run as the commands they are: a shop
with a conversation, messages and an uploaded picture goes into an archive and comes
back in an empty database; a database with data and a backup from a newer schema are
refused."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from kefu.app import create_app
from kefu.models import Message, Shop, Upload
from kefu.schema import upgrade
from kefu.settings import Settings
from tests.chat.conftest import make_shopper
from tests.conftest import _admin_execute
from tests.factories import make_personas
from tests.ops.conftest import client_of
from tests.widget.conftest import png_bytes
from tests.widget.test_uploads import upload

ROOT = Path(__file__).resolve().parents[2]
WORDS = ["你好，我买的羊毛围巾颜色不对", "订单号 20261202-8831，请帮我换成灰色"]


async def kefu(settings_env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``python -m kefu ARGS`` with these settings; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kefu",
        *args,
        env=os.environ | {"PYTHONPATH": str(ROOT)} | settings_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


def env_of(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        "KEFU_DATABASE_URL": database_url,
        "KEFU_DATA_DIR": str(data_dir),
        "KEFU_SECRET_KEY": "backup-test-" + "k" * 40,
    }


async def fill(app) -> bytes:
    """Shops, a conversation with two messages and a picture, through the app."""
    async with app.state.sessionmaker() as session:
        await make_personas(session)
        await session.commit()
    async with client_of(app) as http:
        shopper = await make_shopper(http)
        for body in WORDS:
            said = await http.post(
                f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
                json={"client_id": str(uuid.uuid4()), "body": body},
                headers=shopper.headers,
            )
            assert said.status_code == 200, said.text
        picture = png_bytes(320, 240)
        stored = await upload(http, shopper, "围巾.png", picture, "image/png")
        assert stored.status_code in (200, 201), stored.text
    return picture


async def contents(app) -> tuple[int, list[str], int]:
    async with app.state.sessionmaker() as session:
        shops = await session.scalar(select(func.count()).select_from(Shop))
        bodies = (await session.scalars(select(Message.body).order_by(Message.id))).all()
        uploads = await session.scalar(select(func.count()).select_from(Upload))
    return shops or 0, [b for b in bodies if b in WORDS], uploads or 0


def files_under(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


async def test_sqlite_round_trip_and_refusals(app_with, tmp_path: Path):
    source_dir, target_dir = tmp_path / "live", tmp_path / "restored"
    source_url = f"sqlite+aiosqlite:///{source_dir / 'kefu.db'}"
    target_url = f"sqlite+aiosqlite:///{target_dir / 'kefu.db'}"
    await asyncio.to_thread(upgrade, source_url)
    source = app_with(database_url=source_url, data_dir=source_dir)
    picture = await fill(source)
    archive = tmp_path / "backups" / "kefu-2026-12-02.tar.gz"

    code, out = await kefu(env_of(source_url, source_dir), "backup", str(archive))
    assert code == 0, out
    assert "2 uploaded files" in out  # the picture and its thumbnail

    code, out = await kefu(env_of(target_url, target_dir), "restore", str(archive))
    assert code == 0, out
    target = app_with(database_url=target_url, data_dir=target_dir)
    assert await contents(target) == (2, WORDS, 1)
    restored = files_under(target_dir / "uploads")
    assert restored == files_under(source_dir / "uploads")
    assert picture in restored.values()

    code, out = await kefu(env_of(target_url, target_dir), "restore", str(archive))
    assert code == 1 and "already holds data" in out and "--force" in out
    code, out = await kefu(env_of(target_url, target_dir), "restore", str(archive), "--force")
    assert code == 0, out
    assert await contents(target) == (2, WORDS, 1)

    newer = tmp_path / "from-the-future.tar.gz"
    with tarfile.open(archive) as old, tarfile.open(newer, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                data = json.dumps(json.loads(data) | {"revision": "9999"}).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    empty_dir = tmp_path / "empty"
    empty_url = f"sqlite+aiosqlite:///{empty_dir / 'kefu.db'}"
    code, out = await kefu(env_of(empty_url, empty_dir), "restore", str(newer))
    assert code == 1 and "newer schema" in out and "9999" in out
    assert "Traceback" not in out


async def test_a_file_that_is_no_backup_is_refused_in_words(tmp_path: Path):
    junk = tmp_path / "notes.tar.gz"
    junk.write_text("这不是备份文件", encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"
    code, out = await kefu(env_of(url, tmp_path), "restore", str(junk))
    assert code == 1 and "not a Kefu backup" in out and "Traceback" not in out


async def test_without_pg_dump_on_path_a_postgresql_backup_says_so(tmp_path: Path):
    url = "postgresql+asyncpg://kefu:secret@127.0.0.1:1/kefu"
    env = env_of(url, tmp_path) | {"PATH": str(tmp_path)}  # no pg_dump in there
    code, out = await kefu(env, "backup", str(tmp_path / "b.tar.gz"))
    assert code == 1 and "pg_dump is not on PATH" in out and "Traceback" not in out
    assert "secret" not in out


@pytest.mark.skipif(
    not os.environ.get("KEFU_TEST_DATABASE_URL") or not shutil.which("pg_dump"),
    reason="needs KEFU_TEST_DATABASE_URL and pg_dump",
)
async def test_postgresql_round_trip(app, settings, tmp_path: Path):
    await fill(app)
    archive = tmp_path / "kefu-pg.tar.gz"
    code, out = await kefu(env_of(settings.database_url, settings.data_dir), "backup", str(archive))
    assert code == 0, out

    server = os.environ["KEFU_TEST_DATABASE_URL"]
    name = f"kefu_restore_{uuid.uuid4().hex[:8]}"
    await _admin_execute(server, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        restored_dir = tmp_path / "restored"
        code, out = await kefu(env_of(url, restored_dir), "restore", str(archive))
        assert code == 0, out
        code, out = await kefu(env_of(url, restored_dir), "restore", str(archive), "--force")
        assert code == 0, out
        target = create_app_for(url, restored_dir)
        try:
            assert await contents(target) == (2, WORDS, 1)
        finally:
            await target.state.engine.dispose()
        assert files_under(restored_dir / "uploads") == files_under(settings.data_dir / "uploads")
    finally:
        await _admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_app_for(url: str, data_dir: Path):
    return create_app(
        Settings(database_url=url, data_dir=data_dir, secret_key="backup-test-" + "k" * 40)
    )
