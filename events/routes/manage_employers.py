"""The organiser's employer pages (/manage/employers)."""

from __future__ import annotations

from litestar import Router

router = Router(path="/manage/employers", route_handlers=[], include_in_schema=False)
