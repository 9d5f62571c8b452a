"""Events and stops."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from litestar import Router, get, patch, post
from litestar.params import JSONBody, QueryParameter
from msgspec import UNSET, Meta, UnsetType

from events import schedule, views
from events.routes.common import Aware, Body, Caller, Id, Limit, Offset, SearchText, Slug, Text, allow, now, problems

Kind = Literal["talent_train", "night_market", "job_fair"]
Title = Text(200, "2026 南京人才专列")
Short = Text(100, "南京", required=False)
Long = Text(10_000, required=False)
Zone = Annotated[str, Meta(max_length=64, examples=["Asia/Shanghai"], description="IANA time zone.")]
SlugText = Annotated[str, Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80, examples=["2026-nanjing-talent-train"])]
Capacity = Annotated[int, Meta(ge=0, le=1_000_000, examples=[300], description="Seats; 0 closes the stop to registration.")]
Latitude = Annotated[float, Meta(ge=-90, le=90, examples=[32.1128])]
Longitude = Annotated[float, Meta(ge=-180, le=180, examples=[118.9583])]
Place = Text(300, "南京市栖霞区仙林大道163号")
PlaceName = Text(200, "南京大学", required=False)


class EventRequest(Body):
    kind: Kind
    title: Title
    slug: SlugText | None = None
    description: Long = ""
    host: PlaceName = ""
    city: Short = ""
    timezone: Zone | None = None
    registration_opens_at: Aware | None = None
    registration_closes_at: Aware | None = None


class EventPatch(Body):
    title: Title | UnsetType = UNSET
    description: Long | UnsetType = UNSET
    host: PlaceName | UnsetType = UNSET
    city: Short | UnsetType = UNSET
    timezone: Zone | UnsetType = UNSET
    registration_opens_at: Aware | None | UnsetType = UNSET
    registration_closes_at: Aware | None | UnsetType = UNSET


CopyTitle = Text(200, "2027 春季南京人才专列", required=False)
ShiftDays = Annotated[int, Meta(ge=1, le=1000, examples=[182], description="Days to move every stop by; 182 (26 weeks, same weekdays) unless given.")]


class DuplicateRequest(Body):
    title: CopyTitle = ""
    shift_days: ShiftDays | None = None


class StopRequest(Body):
    starts_at: Aware
    ends_at: Aware
    capacity: Capacity
    address: Place
    name: PlaceName = ""
    school: PlaceName = ""
    campus: PlaceName = ""
    city: Short | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: Zone | None = None
    registration_opens_at: Aware | None = None
    registration_closes_at: Aware | None = None
    #: Booths at this stop (events.booths.booth_room); null: the laid-out places, or no limit.
    booth_limit: Annotated[int, Meta(ge=0, le=10_000, examples=[40])] | None = None


class StopPatch(Body):
    starts_at: Aware | UnsetType = UNSET
    ends_at: Aware | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    address: Place | UnsetType = UNSET
    name: PlaceName | UnsetType = UNSET
    school: PlaceName | UnsetType = UNSET
    campus: PlaceName | UnsetType = UNSET
    city: Short | UnsetType = UNSET
    latitude: Latitude | None | UnsetType = UNSET
    longitude: Longitude | None | UnsetType = UNSET
    timezone: Zone | UnsetType = UNSET
    registration_opens_at: Aware | None | UnsetType = UNSET
    registration_closes_at: Aware | None | UnsetType = UNSET
    #: Booths at this stop (events.booths.booth_room); null: the laid-out places, or no limit.
    booth_limit: Annotated[int, Meta(ge=0, le=10_000, examples=[40])] | None | UnsetType = UNSET


@post("/events", summary="Create an event (organiser)", guards=allow("organiser"), responses=problems(403, 409, 413, 422))
async def create_event(data: JSONBody[EventRequest], actor: Caller) -> views.Event:
    """A new event starts as a draft, visible only to organisers until it is published."""
    return await schedule.create_event(actor=actor, now=now(), **data.changes())


@get("/events", summary="Browse events", responses=problems())
async def list_events(
    actor: Caller,
    kind: Annotated[Kind | None, QueryParameter()] = None,
    city: Annotated[str | None, QueryParameter(max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    q: SearchText = None,
    date_from: Annotated[date | None, QueryParameter(description="First calendar day (Asia/Shanghai), inclusive. Left out: today for everyone but organisers (events already over are not listed unless asked for).")] = None,
    date_to: Annotated[date | None, QueryParameter(description="Last calendar day (Asia/Shanghai), inclusive.")] = None,
    status: Annotated[Literal["draft", "published", "cancelled"] | None, QueryParameter(description="Organisers only.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> views.EventPage:
    """Published events, soonest first; organisers see drafts and cancelled events too."""
    return await schedule.list_events(
        actor=actor, kind=kind, city=city, q=q, date_from=date_from, date_to=date_to, status=status, limit=limit, offset=offset
    )


@get("/events/{slug:str}", summary="An event with its stops and booths", responses=problems(404))
async def get_event(slug: Slug, actor: Caller) -> views.EventDetail:
    return await schedule.get_event(actor=actor, slug=slug)


@patch("/events/{slug:str}", summary="Change an event (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def update_event(slug: Slug, data: JSONBody[EventPatch], actor: Caller) -> views.EventDetail:
    return await schedule.update_event(actor=actor, now=now(), slug=slug, changes=data.changes())


@post("/events/{slug:str}/publish", summary="Publish an event (organiser)", status_code=200, guards=allow("organiser"), responses=problems(403, 404, 409))
async def publish_event(slug: Slug, actor: Caller) -> views.EventDetail:
    return await schedule.publish_event(actor=actor, now=now(), slug=slug)


@post("/events/{slug:str}/cancel", summary="Cancel an event and its stops (organiser)", status_code=200, guards=allow("organiser"), responses=problems(403, 404))
async def cancel_event(slug: Slug, actor: Caller) -> views.EventDetail:
    return await schedule.cancel_event(actor=actor, now=now(), slug=slug)


@post("/events/{slug:str}/duplicate", summary="Duplicate an event as next term's template (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def duplicate_event(slug: Slug, data: JSONBody[DuplicateRequest], actor: Caller) -> views.EventDetail:
    """201 a new draft with the event's scheduled stops moved by `shift_days`; registrations, booths and jobs are not copied.
    422 `duplicate_in_past` when a moved stop would start in the past."""
    return await schedule.duplicate_event(actor=actor, now=now(), slug=slug, title=data.title, shift_days=data.shift_days)


@post("/events/{slug:str}/stops", summary="Add a stop to an event (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def add_stop(slug: Slug, data: JSONBody[StopRequest], actor: Caller) -> views.Stop:
    """A campus visit of a talent train, a night of a night market, or the day of a job fair."""
    return await schedule.add_stop(actor=actor, now=now(), slug=slug, **data.changes())


@get("/stops/{stop_id:uuid}", summary="A stop with its booths", responses=problems(404))
async def get_stop(stop_id: Id, actor: Caller) -> views.Stop:
    return await schedule.get_stop(actor=actor, stop_id=stop_id)


@patch("/stops/{stop_id:uuid}", summary="Change a stop (organiser)", guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def update_stop(stop_id: Id, data: JSONBody[StopPatch], actor: Caller) -> views.Stop:
    return await schedule.update_stop(actor=actor, now=now(), stop_id=stop_id, changes=data.changes())


@post("/stops/{stop_id:uuid}/cancel", summary="Cancel a stop (organiser)", status_code=200, guards=allow("organiser"), responses=problems(403, 404))
async def cancel_stop(stop_id: Id, actor: Caller) -> views.Stop:
    return await schedule.cancel_stop(actor=actor, now=now(), stop_id=stop_id)


router = Router(
    path="/api",
    route_handlers=[
        create_event,
        list_events,
        get_event,
        update_event,
        publish_event,
        cancel_event,
        duplicate_event,
        add_stop,
        get_stop,
        update_stop,
        cancel_stop,
    ],
    tags=["events and stops"],
)
