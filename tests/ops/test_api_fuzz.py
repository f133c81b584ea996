"""Schemathesis against the published OpenAPI description, as an owner (who may call
every route): no generated request, however odd, gets a server error or an answer that
breaks the schema. It found a shipment without tracking events and a non-ASCII CSRF
token, both 500s until then."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.chat.processes import ServerProcess

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Boundary values of every field, then a few random requests per route: the whole API
# within a minute or two. A wider search runs by hand: see docs/operations.md.
EXAMPLES = "3"


@pytest.mark.slow
async def test_no_generated_request_gets_a_server_error(settings, owen, tmp_path):
    server = await ServerProcess(settings).start()
    try:
        run = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS),
            "run",
            f"http://{server.address}/api/v1/openapi.json",
            "--header",
            f"Cookie: kefu_session={owen.session_token}",
            "--header",
            f"X-CSRF-Token: {owen.csrf_token}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            EXAMPLES,
            "--exclude-path-regex",
            "/(logout|password)",
            "--report-dir",
            str(tmp_path),
            "--no-color",
            cwd=tmp_path,  # schemathesis keeps a crash cache in ./.schemathesis
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await run.communicate()
    finally:
        await server.stop()
    report = output.decode(errors="replace")
    assert run.returncode == 0, report[-6000:]
