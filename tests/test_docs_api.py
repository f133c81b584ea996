"""Every API route and every event type is documented in docs/ (a new one must be too)."""

from __future__ import annotations

from pathlib import Path

from kefu.events import EVENT_TYPES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_api_route_is_in_docs_api_md(app):
    documented = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if f"`{method.upper()} {path}` — " not in documented
    ]
    assert missing == []


def test_every_event_type_is_in_docs_events_md():
    documented = (DOCS / "events.md").read_text(encoding="utf-8")
    assert [e.name for e in EVENT_TYPES if f"### `{e.name}`" not in documented] == []
