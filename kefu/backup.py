"""``kefu backup`` and ``kefu restore``: the database and the uploads in one archive.

The archive is a gzipped tar holding ``manifest.json`` (format, Kefu version, database
kind, migration revision), the database (``database.sqlite`` taken with SQLite's online
backup API, consistent while the server writes; or ``database.dump`` from ``pg_dump
--format=custom``) and ``uploads/`` from the data directory.

Restoring refuses a database that already holds data unless forced, and refuses an
archive from a newer schema than this version of Kefu knows (it could not run on it);
an archive from an older schema is restored, then migrated to this version."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from kefu import __version__
from kefu.db import is_sqlite, make_engine
from kefu.health import schema_revision
from kefu.schema import alembic_config, upgrade
from kefu.settings import Settings

T = TypeVar("T")
FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
POSTGRES_MEMBER = "database.dump"
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with what to do about it."""


@dataclass(frozen=True, slots=True)
class Manifest:
    format: int
    kefu_version: str
    database: str  # "sqlite" or "postgresql"
    revision: str | None
    created_at: str
    uploads: int


def _database_kind(url: str) -> str:
    return "sqlite" if is_sqlite(url) else "postgresql"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore and an environment carrying the password, which
    must not appear on a command line (``ps`` shows command lines to every user)."""
    parsed = make_url(url)
    env = os.environ | ({"PGPASSWORD": parsed.password} if parsed.password else {})
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH; install the PostgreSQL client tools "
            f"(e.g. apt install postgresql-client) in the version of your server"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")


def _revision(url: str) -> str | None:
    async def read() -> str | None:
        engine = make_engine(url)
        try:
            return await schema_revision(engine)
        finally:
            await engine.dispose()

    return _on_database(read())


def _on_database(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` against the database; a database that cannot be reached is a
    BackupError, not a traceback."""
    try:
        return asyncio.run(work)
    except (OSError, SQLAlchemyError) as exc:
        raise BackupError(f"cannot read the database: {type(exc).__name__}: {exc}") from exc


def _dump_database(url: str, target: Path) -> str:
    """Write the database to ``target``; return the archive member's name."""
    if is_sqlite(url):
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return SQLITE_MEMBER
    address, env = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", address], env)
    return POSTGRES_MEMBER


def create_backup(settings: Settings, archive: Path) -> Manifest:
    """Write the database and the uploads of ``settings`` to ``archive``."""
    url = settings.effective_database_url
    if not is_sqlite(url):
        _tool("pg_dump")  # before anything else: the most likely thing to be missing
    uploads = settings.data_dir / UPLOADS
    files = [p for p in uploads.rglob("*") if p.is_file()] if uploads.is_dir() else []
    manifest = Manifest(
        format=FORMAT,
        kefu_version=__version__,
        database=_database_kind(url),
        revision=_revision(url),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        uploads=len(files),
    )
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="kefu-backup-") as work:
        dump = Path(work) / "database"
        member = _dump_database(url, dump)
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
            tar.add(dump, arcname=member)
            for path in files:
                tar.add(path, arcname=f"{UPLOADS}/{path.relative_to(uploads).as_posix()}")
    partial.replace(archive)  # never leave a half-written archive under the real name
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile(MANIFEST)
        data = json.loads(member.read()) if member else None
        return Manifest(**data)
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError("this file is not a Kefu backup (no readable manifest.json)") from exc


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {revision.revision for revision in script.walk_revisions()}


def _check_restorable(manifest: Manifest, url: str) -> None:
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} is not supported by this Kefu")
    if manifest.database != _database_kind(url):
        raise BackupError(
            f"this backup is of a {manifest.database} database and cannot be restored into "
            f"{_database_kind(url)}; use kefu export/import to move between databases"
        )
    if manifest.revision is not None and manifest.revision not in _known_revisions():
        raise BackupError(
            f"this backup is from a newer schema (migration {manifest.revision}, Kefu "
            f"{manifest.kefu_version}) than this Kefu knows; upgrade Kefu first"
        )


def database_has_data(url: str) -> bool:
    """True when any table other than Alembic's holds a row."""

    async def probe() -> bool:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
                for name in names:
                    if name == "alembic_version":
                        continue
                    row = await conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1'))
                    if row.first() is not None:
                        return True
            return False
        finally:
            await engine.dispose()

    if is_sqlite(url) and not _sqlite_path(url).exists():
        return False
    return _on_database(probe())


def _drop_tables(url: str) -> None:
    """Empty a PostgreSQL database before a forced restore: ``pg_restore --clean`` drops
    only what the dump holds, and a table of a newer migration left behind would stop the
    migration that creates it after an older backup is restored."""

    async def drop() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_drop_all)
        finally:
            await engine.dispose()

    _on_database(drop())


def _drop_all(sync: Connection) -> None:
    tables = MetaData()
    tables.reflect(sync)
    tables.drop_all(sync)


def _restore_database(url: str, dump: Path) -> None:
    if is_sqlite(url):
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(dump) as saved, sqlite3.connect(target) as live:
            saved.backup(live)  # replaces every page, WAL included
        return
    address, env = _libpq(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={address}",
            str(dump),
        ],
        env,
    )


def _open(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(f"there is no file {archive}")
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a Kefu backup: {exc}") from exc


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> Manifest:
    """Put the database and uploads of ``archive`` in place, then migrate to this version.
    Stop the servers and workers first: they would keep writing to the old data."""
    url = settings.effective_database_url
    with _open(archive) as tar, tempfile.TemporaryDirectory(prefix="kefu-restore-") as work:
        manifest = read_manifest(tar)
        _check_restorable(manifest, url)
        if manifest.database == "postgresql":
            _tool("pg_restore")
        if database_has_data(url):
            if not force:
                raise BackupError(
                    "the database already holds data; restore into an empty database, "
                    "or pass --force to replace everything in it"
                )
            if not is_sqlite(url):  # SQLite's backup API replaces the whole file anyway
                _drop_tables(url)
        member = SQLITE_MEMBER if manifest.database == "sqlite" else POSTGRES_MEMBER
        tar.extractall(work, filter="data")
        _restore_database(url, Path(work) / member)
        uploads = settings.data_dir / UPLOADS
        if uploads.is_dir():  # forced (or no data): the old files belong to no row now
            shutil.rmtree(uploads)
        saved_uploads = Path(work) / UPLOADS
        if saved_uploads.is_dir():
            shutil.copytree(saved_uploads, uploads)
    upgrade(url)
    return manifest
