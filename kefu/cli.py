"""The ``kefu`` command. Thin: parses arguments and calls services."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kefu import cli_data, cli_intent, cli_qa, cli_rfm

if TYPE_CHECKING:  # imported where used: `kefu rfm` starts faster without pydantic
    from pydantic import ValidationError

    from kefu.settings import Settings

app = typer.Typer(
    help="Kefu (客服): self-hosted customer service for online shops.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def fail(message: str, code: int = 1) -> None:
    """Print a message a person understands and exit non-zero (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    from kefu.schema import upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    typer.echo("database is up to date")


def settings_problem(exc: ValidationError) -> str:
    """One line naming each wrong ``KEFU_*`` variable and what is wrong with it."""
    problems = []
    for error in exc.errors():
        where = f"KEFU_{str(error['loc'][0]).upper()}: " if error["loc"] else ""
        problems.append(where + str(error["msg"]).removeprefix("Value error, "))
    return "invalid settings: " + "; ".join(problems)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or a readable message and exit code 2 when wrong."""
    from pydantic import ValidationError

    from kefu.settings import Settings

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        fail(settings_problem(exc), code=2)
        raise  # unreachable: fail() exits


def _address(host: str | None, port: int | None) -> dict[str, Any]:
    """Command-line host and port, where given, over the settings from the environment."""
    return {k: v for k, v in {"host": host, "port": port}.items() if v is not None}


def run_server(settings: Settings, workers: int = 1) -> None:
    """Serve the app with uvicorn on the configured host and port, in ``workers``
    processes (which need Redis to hand each other's events to their sockets)."""
    import uvicorn

    from kefu.logs import configure_logging
    from kefu.schema import upgrade
    from kefu.settings import InsecureSettingsError

    try:
        settings.check_secure()
    except InsecureSettingsError as exc:
        fail(str(exc))
    if workers > 1 and not settings.redis_url:
        fail(
            f"--workers {workers} needs KEFU_REDIS_URL: without Redis a message stored by "
            "one process would not reach the sockets held by the others"
        )
    configure_logging(settings.log_level, settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        # Ours (kefu.logs) instead of uvicorn's: request ids, masking, JSON; and our
        # access line (kefu.web.observe) leaves query strings, which carry tokens, out.
        "log_config": None,
        "access_log": False,
        # Chat frames are small: permessage-deflate saves little on them but costs zlib
        # state on every socket (measured by `kefu bench idle`: ~45 KiB each) and CPU on
        # every frame.
        "ws_per_message_deflate": False,
    }
    if workers == 1:
        from kefu.app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    _share_metrics(settings.data_dir / "metrics")
    uvicorn.run("kefu.app:create_app_from_environment", factory=True, workers=workers, **options)


def _share_metrics(directory: Path) -> None:
    """Processes sharing one port share one /metrics: unless the operator chose a
    directory, theirs is an emptied folder under the data directory."""
    import os
    import shutil

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default KEFU_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default KEFU_PORT or 8000)."),
    workers: int = typer.Option(
        1,
        min=1,
        help="Server processes sharing the port (2 or more need KEFU_REDIS_URL; "
        "PostgreSQL recommended).",
    ),
) -> None:
    """Run the web server (pages, API and WebSockets); migrates the database first."""
    run_server(load_settings(**_address(host, port)), workers)


@app.command()
def worker() -> None:
    """Run the background worker (webhook deliveries, cleanups) as its own process until
    stopped; migrates the database first."""
    from kefu.logs import configure_logging
    from kefu.schema import upgrade
    from kefu.worker import run_until_stopped

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    asyncio.run(run_until_stopped(settings))
    typer.echo("worker stopped")


@app.command()
def demo(
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Serve the demo after building it, or only build it."
    ),
    host: str = typer.Option(None, help="Address to bind (default KEFU_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default KEFU_PORT or 8000)."),
    scale: str = typer.Option(
        None,
        help="Then add this many conversations over the last year (with their messages, "
        "orders, cases, report facts and rollups), e.g. 1000000.",
    ),
) -> None:
    """Create or refresh the demo shop 小鹿优选旗舰店 (slug demo), print its logins, then serve.

    Demo mode allows the built-in secret key; never use it for a real shop."""
    from kefu.demo.build import refresh_demo, summary_text
    from kefu.demo.scale_store import check_scale, scale_demo, summary_line
    from kefu.errors import DomainError
    from kefu.schema import upgrade

    settings = load_settings(demo_mode=True, **_address(host, port))
    try:
        conversations = None if scale is None else check_scale(scale)
    except DomainError as exc:
        fail(exc.message)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    try:
        summary = asyncio.run(refresh_demo(settings))
    except DomainError as exc:
        fail(f"could not build the demo shop: {exc.message}")
    typer.echo(summary_text(summary, f"http://{settings.host}:{settings.port}"))
    if conversations is not None:
        scaled = asyncio.run(scale_demo(settings.effective_database_url, conversations))
        typer.echo(summary_line(scaled))
    if serve_after:
        run_server(settings)


@app.command()
def createadmin(
    shop: str = typer.Option(..., help="Shop slug; the shop is created when it does not exist."),
    email: str = typer.Option(..., help="The owner's login e-mail."),
    name: str = typer.Option("Owner", help="Display name."),
    shop_name: str = typer.Option(None, help="Shop name when creating the shop."),
) -> None:
    """Create a shop owner (and the shop). Reads the password from KEFU_ADMIN_PASSWORD or asks."""
    import os

    from kefu.actions.setup import do_create_owner
    from kefu.errors import DomainError

    password = os.environ.get("KEFU_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    settings = load_settings()

    async def run() -> None:
        from kefu.db import make_engine, make_sessionmaker

        engine = make_engine(settings.effective_database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                await do_create_owner(session, shop, shop_name or shop, email, name, password)
                await session.commit()
        finally:
            await engine.dispose()

    from kefu.schema import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    try:
        asyncio.run(run())
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"owner {email} can now log in to shop {shop}")


@app.command()
def backup(file: Path = typer.Argument(..., help="The archive to write (.tar.gz).")) -> None:
    """Back up the database and the uploads into one archive, while the server runs."""
    from kefu.backup import BackupError, create_backup

    settings = load_settings()
    try:
        manifest = create_backup(settings, file)
    except BackupError as exc:
        fail(str(exc))
    typer.echo(
        f"backed up the {manifest.database} database (migration {manifest.revision}) "
        f"and {manifest.uploads} uploaded files to {file}"
    )


@app.command()
def restore(
    file: Path = typer.Argument(..., help="An archive written by kefu backup."),
    force: bool = typer.Option(False, "--force", help="Replace a database that holds data."),
) -> None:
    """Restore a backup into the configured database and data directory (stop the servers
    and workers first), then migrate it to this version."""
    from kefu.backup import BackupError, restore_backup

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        manifest = restore_backup(settings, file, force=force)
    except BackupError as exc:
        fail(str(exc))
    typer.echo(
        f"restored the backup of {manifest.created_at} ({manifest.uploads} uploaded files); "
        "the database is up to date"
    )


app.command("import")(cli_data.import_command)
app.command("export")(cli_data.export_command)
app.command("bench")(cli_data.bench_command)
app.command("rfm")(cli_rfm.rfm_command)
app.add_typer(cli_intent.app, name="intent")
app.add_typer(cli_qa.app, name="qa")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        # settings read by a command that did not check them
        typer.echo(f"error: {settings_problem(exc)}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
