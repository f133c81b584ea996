"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database and Redis).

Both are outside ``/api/v1`` and need no login: probes of orchestrators and load
balancers call them. Neither touches a shop's data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kefu.health import readiness_problems

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: answered by the event loop, without the database (a restart would not help
    a database outage, so liveness must not depend on it)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready, or 503 with the reasons, so traffic goes to another process meanwhile."""
    state = request.app.state
    problems = await readiness_problems(state.engine, state.pubsub.ping)
    if problems:
        return JSONResponse(
            {"status": "unavailable", "reason": "; ".join(problems)},
            status_code=503,
            headers={"Cache-Control": "no-store"},
        )
    return JSONResponse({"status": "ready"}, headers={"Cache-Control": "no-store"})
