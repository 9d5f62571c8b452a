"""Pages for employer applications: the public form, the invitation, the organiser's list and decisions."""

from __future__ import annotations

from litestar import Router

router = Router(path="/", route_handlers=[], include_in_schema=False)
