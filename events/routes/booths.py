"""Booths at stops."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Router, delete, get, post
from litestar.params import JSONBody
from msgspec import Meta

from events import booths, views
from events.routes.common import Body, Caller, Id, allow, now, problems


class BoothRequest(Body):
    employer_id: uuid.UUID
    label: Annotated[str, Meta(min_length=1, max_length=16, examples=["A12"], description="Unique per stop; upper-cased.")]


@post("/stops/{stop_id:uuid}/booths", summary="Assign a booth to an employer (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def assign_booth(stop_id: Id, data: JSONBody[BoothRequest], actor: Caller) -> views.Booth:
    return await booths.assign_booth(actor=actor, now=now(), stop_id=stop_id, employer_id=data.employer_id, label=data.label)


@get("/stops/{stop_id:uuid}/booths", summary="The booths at a stop", responses=problems(404))
async def list_booths(stop_id: Id, actor: Caller) -> list[views.Booth]:
    return await booths.list_booths(actor=actor, stop_id=stop_id)


@delete("/booths/{booth_id:uuid}", summary="Remove a booth (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409))
async def remove_booth(booth_id: Id, actor: Caller) -> None:
    """204 removed. 409 `booth_in_use` once anyone was scanned there; 409 `employer_has_open_jobs` for an employer's last booth at the event while its jobs there are open."""
    await booths.remove_booth(actor=actor, booth_id=booth_id)


router = Router(path="/api", route_handlers=[assign_booth, list_booths, remove_booth], tags=["booths"])
