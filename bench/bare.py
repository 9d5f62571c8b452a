"""The bare baseline: Litestar with one JSON route and nothing else (bench/run.py serves it like the app: BareServer).

Issue 16: every figure is also a ratio to what the framework itself answers on this machine, so that
`/bench/ping` (the same answer through this app's whole per-request stack) is a row of its own and
the gap between the two is what that stack costs. Served by the same server as the app (uvicorn,
`python main.py serve` uses its defaults: uvloop, httptools, 5 s keep-alive) with the same number of
workers, and no access log: a bare app has none (the app's JSON request line is part of its stack).
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/bench/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[ping])
