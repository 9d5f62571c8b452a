"""Students' interview-slot pages (issue 14): a stop's and a job's slots with Book buttons, cancelling, answering invitations.

Thin like every page: the same domain functions as the API; a refusal is the error page in the reader's language.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import PathParameter
from litestar.response import Redirect

from events import bookings, jobs, schedule, slots
from events.accounts import ANONYMOUS
from events.errors import DomainError
from events.routes.pages import _before_page, _now, _page_id, _sign_in_first, page_actor, page_error, page_headers, render

PageId = Annotated[str, PathParameter(max_length=64)]


async def _held(actor) -> dict:
    """slot id → the seeker's booking in it (not cancelled), so a slot they hold shows as booked."""
    if actor.role != "seeker":
        return {}
    return {b.slot.id: b for b in await bookings.my_bookings(actor=actor) if b.status != "cancelled"}


def _slots_page(request: Request, actor, listed, *, heading: str, subtitle: str, event_slug: str, held: dict) -> Response:
    return render(request, "slots.html", actor, slots=listed, held=held, heading=heading, subtitle=subtitle, request_path=request.url.path, back=f"/events/{event_slug}")


@get("/stops/{stop:str}/slots")
async def stop_slots_page(request: Request, stop: PageId) -> Response:
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=ANONYMOUS, stop_id=_page_id(stop))
    listed = await slots.stop_slots(actor=ANONYMOUS, stop_id=found.id)
    return _slots_page(request, actor, listed, heading=found.name, subtitle="slots.for_stop", event_slug=found.event_slug, held=await _held(actor))


@get("/jobs/{job:str}/slots")
async def job_slots_page(request: Request, job: PageId) -> Response:
    actor = await page_actor(request)
    found = await jobs.get_job(actor=ANONYMOUS, job_id=_page_id(job))
    listed = await slots.job_slots(actor=ANONYMOUS, job_id=found.id)
    heading = f"{found.title} · {found.employer.name}"
    return _slots_page(request, actor, listed, heading=heading, subtitle="slots.for_job", event_slug=found.event_slug, held=await _held(actor))


@post("/slots/{slot:str}/book")
async def book_page(request: Request, slot: PageId) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    booking = await bookings.book(actor=actor, now=_now(), slot_id=_page_id(slot))
    return Redirect(f"/me/tickets#booking-{booking.id}")


@post("/me/bookings/{booking:str}/cancel")
async def cancel_booking_page(request: Request, booking: PageId) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    await bookings.cancel_booking(actor=actor, now=_now(), booking_id=_page_id(booking))
    return Redirect("/me/tickets")


@post("/me/slot-invitations/{invitation:str}/{answer:str}")
async def answer_invitation_page(request: Request, invitation: PageId, answer: Annotated[str, PathParameter(pattern="^(accept|decline)$")]) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    await bookings.answer_invitation(actor=actor, now=_now(), invitation_id=_page_id(invitation), accept=answer == "accept")
    return Redirect("/me/tickets")


router = Router(
    path="/",
    route_handlers=[stop_slots_page, job_slots_page, book_page, cancel_booking_page, answer_invitation_page],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
