"""Docs checked by tests: every setting and every CLI command is documented in ``docs/``.

(API routes and event types are checked in ``tests/test_docs_api.py``.) Each test names
what is missing so the fix is obvious: add it to the file in ``docs/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from kefu.cli import app as cli
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
