"""Interview slots, bookings, invitations to slots and no-show counts (issue 14): the API."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Request, Router, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter
from msgspec import UNSET, Meta, UnsetType

from events import bookings, slots, views
from events.routes.common import Aware, Body, Caller, Id, Slug, allow, client_address, limiter_of, now, problems


class EligibilityRequest(Body):
    """Who may book; an empty list or null sets no condition."""

    education_min: Annotated[views.Education | None, Meta(examples=["bachelor"], description="Lowest degree taken.")] = None
    majors: Annotated[list[Annotated[str, Meta(min_length=1, max_length=50)]], Meta(max_length=30, examples=[["软件工程", "计算机科学与技术"]])] = []
    graduation_years: Annotated[list[Annotated[int, Meta(ge=2000, le=2100)]], Meta(max_length=10, examples=[[2026, 2027]])] = []


class SlotRequest(Body):
    """One slot, or a series: with `every_minutes` and `until`, a slot starts every so many minutes while one still ends by `until`."""

    starts_at: Aware
    minutes: Annotated[int, Meta(ge=5, le=240, examples=[15], description="Length of each slot.")]
    size: Annotated[int, Meta(ge=1, le=50, examples=[2], description="Places per slot: 1 for one-to-one, more for a group.")] = 1
    every_minutes: Annotated[int, Meta(ge=5, le=240, examples=[15], description="A series: a new slot this often.")] | None = None
    until: Annotated[Aware | None, Meta(description="A series: the last slot ends by then.")] = None
    job_ids: Annotated[list[uuid.UUID], Meta(max_length=50, description="Jobs the slots are for; empty: any.")] = []
    eligibility: EligibilityRequest | None = None
    cancel_cutoff_minutes: Annotated[int, Meta(ge=0, le=10080, examples=[60], description="Seekers may cancel until this long before the start.")] = 60


class SlotPatch(Body):
    """What a PATCH changes; a field left out stays. The length is `minutes` or `ends_at`, not both; moving `starts_at` alone keeps the length."""

    starts_at: Annotated[Aware, Meta(examples=["2026-12-03T19:00:00+08:00"])] | UnsetType = UNSET
    minutes: Annotated[int, Meta(ge=5, le=240, examples=[20], description="New length.")] | UnsetType = UNSET
    ends_at: Annotated[Aware, Meta(examples=["2026-12-03T19:20:00+08:00"], description="New end, instead of minutes.")] | UnsetType = UNSET
    size: Annotated[int, Meta(ge=1, le=50, examples=[3], description="Places; never below those already booked.")] | UnsetType = UNSET
    cancel_cutoff_minutes: Annotated[int, Meta(ge=0, le=10080, examples=[30])] | UnsetType = UNSET


class AttendanceRequest(Body):
    attended: Annotated[bool, Meta(examples=[True], description="true: came; false: no-show.")]


class SlotInvitationRequest(Body):
    seeker_id: Annotated[uuid.UUID, Meta(examples=["2f1d6c1e-8a55-4d8b-9a51-3f5f0f1e9c10"], description="A visitor who shares their profile with the employer.")]


@post(
    "/booths/{booth_id:uuid}/slots",
    summary="Open an interview slot, or a series of them, at a booth (its HR, or organiser)",
    guards=allow("hr", "organiser"),
    responses=problems(403, 404, 409, 422),
)
async def open_slots(booth_id: Id, actor: Caller, data: JSONBody[SlotRequest]) -> list[views.Slot]:
    """Example series: `{"starts_at": "2026-12-03T18:30:00+08:00", "minutes": 15, "every_minutes": 15, "until": "2026-12-03T21:00:00+08:00", "size": 2}`
    makes ten slots of two places. 422 `slot_in_past`, `slot_outside_stop`, `series_incomplete`, `series_empty`, `series_too_long`, `job_not_found`;
    409 `stop_cancelled`."""
    return await slots.open_slots(
        actor=actor, now=now(), booth_id=booth_id, starts_at=data.starts_at, minutes=data.minutes, size=data.size, every_minutes=data.every_minutes,
        until=data.until, job_ids=data.job_ids,
        eligibility=None if data.eligibility is None else views.SlotEligibility(**msgspec.structs.asdict(data.eligibility)), cancel_cutoff_minutes=data.cancel_cutoff_minutes,
    )


@get("/booths/{booth_id:uuid}/slots", summary="A booth's slots with their bookings and no-show counts (its HR, or organiser)", guards=allow("hr", "organiser"), responses=problems(403, 404))
async def booth_slots(booth_id: Id, actor: Caller) -> list[views.ManagedSlot]:
    return await bookings.booth_slots(actor=actor, booth_id=booth_id)


@get("/stops/{stop_id:uuid}/slots", summary="A stop's open interview slots", responses=problems(404))
async def stop_slots(
    stop_id: Id, actor: Caller, job_id: Annotated[uuid.UUID | None, QueryParameter(description="Only the slots open to this job.")] = None
) -> list[views.Slot]:
    return await slots.stop_slots(actor=actor, stop_id=stop_id, job_id=job_id)


@get("/jobs/{job_id:uuid}/slots", summary="Open interview slots for a job, at every stop of its event", responses=problems(404))
async def job_slots(job_id: Id, actor: Caller) -> list[views.Slot]:
    return await slots.job_slots(actor=actor, job_id=job_id)


@post("/slots/{slot_id:uuid}/cancel", summary="Call a slot off; its bookings are cancelled (its HR, or organiser)", status_code=200, guards=allow("hr", "organiser"), responses=problems(403, 404))
async def cancel_slot(slot_id: Id, actor: Caller) -> views.Slot:
    return await slots.cancel_slot(actor=actor, now=now(), slot_id=slot_id)


@patch("/slots/{slot_id:uuid}", summary="Move or resize a slot; its bookings move with it (its HR, or organiser)", guards=allow("hr", "organiser"), responses=problems(403, 404, 409, 422))
async def move_slot(slot_id: Id, actor: Caller, data: JSONBody[SlotPatch]) -> views.Slot:
    """Example: `{"starts_at": "2026-12-03T19:00:00+08:00", "minutes": 20, "size": 3}`. The booked students' calendar feeds show the moved
    interview with a higher SEQUENCE and they are told. 409 `slot_size_below_booked` (more places booked than the new size), `booking_overlaps`
    (a booked student holds another booking at the stop at the new time), `slot_started`, `slot_cancelled`; 422 `slot_outside_stop`,
    `slot_in_past`, `slot_length_invalid`, `slot_length_twice`."""
    return await slots.move_slot(actor=actor, now=now(), slot_id=slot_id, **data.changes())


@post("/slots/{slot_id:uuid}/bookings", summary="Book a place in a slot (seeker, for themselves)", guards=allow("seeker"), responses=problems(403, 404, 409, 429))
async def book(request: Request, slot_id: Id, actor: Caller) -> views.Booking:
    """No body. 409 `slot_full` (every place taken), `booking_overlaps` (another booking of yours at this stop at that time), `already_booked`,
    `slot_started`, `slot_cancelled`, `not_eligible`."""
    await limiter_of(request).hit("registration_account", str(actor.id))
    await limiter_of(request).hit("registration_address", client_address(request))
    return await bookings.book(actor=actor, now=now(), slot_id=slot_id)


@delete("/bookings/{booking_id:uuid}", summary="Cancel a booking (its seeker until the cut-off; the employer's HR; organiser)", status_code=200, guards=allow("seeker", "hr", "organiser"), responses=problems(403, 404, 409))
async def cancel_booking(booking_id: Id, actor: Caller) -> views.Booking:
    """The place comes free at once. 409 `cancel_cutoff_passed`, `booking_marked`."""
    return await bookings.cancel_booking(actor=actor, now=now(), booking_id=booking_id)


@post("/bookings/{booking_id:uuid}/attendance", summary="Mark a booked seeker attended or no-show (the employer's HR, or organiser)", status_code=200, guards=allow("hr", "organiser"), responses=problems(403, 404, 409))
async def mark_attendance(booking_id: Id, actor: Caller, data: JSONBody[AttendanceRequest]) -> views.Booking:
    """Example: `{"attended": false}` marks a no-show (only once the slot has started: 409 `slot_not_started`). 409 `booking_cancelled`."""
    return await bookings.mark_attendance(actor=actor, now=now(), booking_id=booking_id, attended=data.attended)


@get("/me/bookings", summary="My interview bookings (seeker)", guards=allow("seeker"), responses=problems(403))
async def my_bookings(actor: Caller) -> list[views.Booking]:
    return await bookings.my_bookings(actor=actor)


@post("/slots/{slot_id:uuid}/invitations", summary="Invite a visitor who shares their profile to a slot (the employer's HR, or organiser)", guards=allow("hr", "organiser"), responses=problems(403, 404, 409))
async def invite(slot_id: Id, actor: Caller, data: JSONBody[SlotInvitationRequest]) -> views.SlotInvitation:
    """404 `seeker_not_found` for a seeker who does not share their profile with this employer; 409 `already_invited`."""
    return await bookings.invite(actor=actor, now=now(), slot_id=slot_id, seeker_id=data.seeker_id)


@get("/me/slot-invitations", summary="My invitations to interview slots (seeker)", guards=allow("seeker"), responses=problems(403))
async def my_invitations(actor: Caller) -> list[views.SlotInvitation]:
    return await bookings.my_invitations(actor=actor)


@post("/slot-invitations/{slot_invitation_id:uuid}/accept", summary="Accept an invitation: books the place (seeker)", status_code=200, guards=allow("seeker"), responses=problems(403, 404, 409))
async def accept_invitation(slot_invitation_id: Id, actor: Caller) -> views.SlotInvitation:
    """No body. 409 `slot_full`, `booking_overlaps`, `invitation_answered`, `slot_started`."""
    return await bookings.answer_invitation(actor=actor, now=now(), invitation_id=slot_invitation_id, accept=True)


@post("/slot-invitations/{slot_invitation_id:uuid}/decline", summary="Decline an invitation (seeker)", status_code=200, guards=allow("seeker"), responses=problems(403, 404, 409))
async def decline_invitation(slot_invitation_id: Id, actor: Caller) -> views.SlotInvitation:
    return await bookings.answer_invitation(actor=actor, now=now(), invitation_id=slot_invitation_id, accept=False)


@get("/events/{slug:str}/no-shows", summary="No-shows at an event's interview slots, per employer and seeker (organiser; HR: their own)", guards=allow("hr", "organiser"), responses=problems(403, 404))
async def no_show_report(slug: Slug, actor: Caller) -> views.NoShowReport:
    return await bookings.no_show_report(actor=actor, slug=slug)


router = Router(
    path="/api",
    route_handlers=[
        open_slots, booth_slots, stop_slots, job_slots, cancel_slot, move_slot, book, cancel_booking, mark_attendance, my_bookings, invite, my_invitations,
        accept_invitation, decline_invitation, no_show_report,
    ],
    tags=["interview slots and bookings"],
)
