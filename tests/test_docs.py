"""Docs checked by tests: every setting, CLI command, API route and event type is documented.

Each test names what is missing so the fix is obvious: add it to the file in ``docs/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main
from fastapi.routing import APIRoute

from kefu.app import create_app
from kefu.cli import app as cli
from kefu.events import EVENT_TYPES
from kefu.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def doc(name: str) -> str:
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing"
    return path.read_text(encoding="utf-8")


def cli_commands(command: Any, path: str = "kefu") -> Iterator[str]:
    """``kefu serve``, ``kefu import products`` …: every command and sub-command
    (Typer ships its own click, so groups are recognised by their ``commands``)."""
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from cli_commands(sub, f"{path} {name}")
    else:
        yield path


def test_every_setting_is_in_docs_settings_md():
    text = doc("settings.md")
    missing = [
        f"KEFU_{n.upper()}" for n in Settings.model_fields if f"KEFU_{n.upper()}" not in text
    ]
    assert missing == [], f"document these settings in docs/settings.md: {missing}"


def test_every_cli_command_is_in_docs_cli_md():
    text = doc("cli.md")
    commands = list(cli_commands(typer.main.get_command(cli)))
    assert "kefu demo" in commands
    missing = [c for c in commands if f"`{c}" not in text]
    assert missing == [], f"document these commands in docs/cli.md: {missing}"


def test_every_api_route_is_in_docs_api_md(settings):
    text = doc("api.md")
    routes = [
        f"`{method} {route.path}`"
        for route in create_app(settings).routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/v1/")
        for method in sorted(route.methods - {"HEAD", "OPTIONS"})
    ]
    assert routes, "the app has no /api/v1 routes: the walk is broken"
    missing = [r for r in routes if r not in text]
    assert missing == [], f"document these routes in docs/api.md: {missing}"


def test_every_event_type_is_in_docs_events_md():
    text = doc("events.md")
    missing = [e.__name__ for e in EVENT_TYPES if e.__name__ not in text]
    assert missing == [], f"document these events in docs/events.md: {missing}"
