"""The HR workspace pages (/hr)."""

from __future__ import annotations

from litestar import Router

router = Router(path="/hr", route_handlers=[], include_in_schema=False)
