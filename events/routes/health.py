"""Liveness with a database check, for load balancers and the Docker HEALTHCHECK."""

from __future__ import annotations

import logging

from litestar import Response, get
from litestar.openapi import ResponseSpec

from events import db, views

log = logging.getLogger(__name__)


@get(
    "/health",
    summary="Is the service up and its database reachable?",
    tags=["operations"],
    responses={503: ResponseSpec(views.Health, description="The database does not answer.")},
)
async def health() -> Response[views.Health]:
    try:
        await db.ping()
    except Exception:  # any failure to reach the database means "unavailable", and is logged
        log.exception("health check: database unavailable")
        return Response(views.Health(status="unavailable", database="unavailable"), status_code=503)
    return Response(views.Health(status="ok", database="ok"))


@get("/bench/ping", include_in_schema=False, opt={"bench": True})
async def bench_ping() -> dict[str, str]:
    """The benchmarks' baseline: a bare JSON answer through the same app and middleware, no database.

    Mounted only when BENCH=1, so every benchmark figure is reported as a ratio to this one.
    """
    return {"status": "ok"}
