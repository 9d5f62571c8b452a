"""Booths at stops."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Router, delete, get, patch, post
from litestar.params import JSONBody
from msgspec import Meta

from events import booths, views
from events.routes.common import Body, Caller, Id, allow, now, problems


class BoothRequest(Body):
    employer_id: uuid.UUID
    label: Annotated[str, Meta(min_length=1, max_length=16, examples=["A12"], description="Unique per stop; upper-cased.")]


class PlacesRequest(Body):
    prefix: Annotated[str, Meta(max_length=8, pattern=r"^[A-Za-z0-9-]*$", examples=["A"], description="Letters before the number; may be empty.")]
    first: Annotated[int, Meta(ge=0, le=99_999, examples=[1])]
    last: Annotated[int, Meta(ge=0, le=99_999, examples=[40], description="Inclusive; numbers are padded to its width, at least two digits (A01).")]


class MoveRequest(Body):
    label: Annotated[str, Meta(min_length=1, max_length=16, examples=["B07"], description="The place to move to; free at this stop.")]


@post("/stops/{stop_id:uuid}/booths/bulk", summary="Lay out a stop's booth places in bulk, A01–A40 (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def lay_out_places(stop_id: Id, data: JSONBody[PlacesRequest], actor: Caller) -> views.FloorPlan:
    """201 with the stop's whole floor plan. All or nothing: if any label already exists at the stop, 409 `booth_label_taken`
    names them in `labels` and nothing is written. Employers get a place with POST /api/stops/{stop_id}/booths."""
    return await booths.lay_out_places(actor=actor, now=now(), stop_id=stop_id, prefix=data.prefix, first=data.first, last=data.last)


@get("/stops/{stop_id:uuid}/floor-plan", summary="A stop's booth places and who holds each", responses=problems(404))
async def floor_plan(stop_id: Id, actor: Caller) -> views.FloorPlan:
    return await booths.floor_plan(actor=actor, stop_id=stop_id)


@patch("/booths/{booth_id:uuid}", summary="Move an employer to another place at the stop (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def move_booth(booth_id: Id, data: JSONBody[MoveRequest], actor: Caller) -> views.Booth:
    """The booth keeps its id and its scans; 409 `booth_label_taken` when the place is held by another employer."""
    return await booths.move_booth(actor=actor, now=now(), booth_id=booth_id, label=data.label)


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


router = Router(path="/api", route_handlers=[assign_booth, list_booths, remove_booth, lay_out_places, floor_plan, move_booth], tags=["booths"])
