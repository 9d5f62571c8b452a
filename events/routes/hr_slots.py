"""HR's interview-slot pages (/hr/slots, issue 14): open slots one at a time or in bulk, move or resize one, see bookings, mark attended or
no-show, move a booked student's application to its next stage, call a slot off."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from events import bookings, booths, funnel, i18n, slots
from events.accounts import Actor
from events.errors import DomainError, Invalid
from events.routes.hr import _field_errors, _hr, _int
from events.routes.pages import _before_page, _now, _page_id, language, page_error, page_headers, render

PageId = Annotated[str, PathParameter(max_length=64)]


def _moment(form: dict[str, Any], name: str, zone: str, *, required: bool) -> datetime | None:
    """A datetime-local field, read in the booth's zone."""
    text = str(form.get(name, "")).strip()
    if not text:
        if required:
            raise Invalid("form_time", f"{name} is required.", field=name)
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise Invalid("form_time", f"{name} is not a time.", field=name) from None


async def _slots_page(request: Request, actor: Actor, *, status_code: int = 200, booth_id: str = "", form: dict[str, Any] | None = None,
                      field_errors: dict[str, str] | None = None, error: str | None = None, notice: str | None = None) -> Template:
    mine = await booths.employer_booths(actor=actor, employer_id=actor.employer_id)
    managed = {booth.id: await bookings.booth_slots(actor=actor, booth_id=booth.id) for booth in mine}
    summaries = {}
    for slug in dict.fromkeys(booth.event_slug for booth in mine):
        report = await bookings.no_show_report(actor=actor, slug=slug)
        summaries[slug] = report.employers[0] if report.employers else None
    booked = {booking.seeker_id for slots_of_booth in managed.values() for item in slots_of_booth for booking in item.bookings}
    return render(
        request, "hr/slots.html", actor, status_code=status_code, section="/hr/slots", booths=mine, managed=managed, summaries=summaries,
        invitable=await bookings.invitable_seekers(actor=actor), interests=await funnel.seekers_interests(actor=actor, seeker_ids=sorted(booked)),
        form=form or {}, form_booth=booth_id, field_errors=field_errors or {}, error=error, notice=notice,
    )


@get("/")
async def hr_slots(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    opened = request.query_params.get("opened", "")
    notice = i18n.translate("hr.slots_opened", language(request), n=int(opened)) if opened.isdigit() else None
    for flag, key in (("invited", "hr.slots_invite_sent"), ("moved", "hr.slots_moved"), ("staged", "hr.moved")):
        if request.query_params.get(flag):
            notice = i18n.translate(key, language(request))
    return await _slots_page(request, actor, notice=notice)


@post("/booths/{booth:str}")
async def hr_open_slots(request: Request, booth: PageId) -> Response:
    """The bulk form: one slot, or with `every` and `until` a series."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    booth_id = _page_id(booth)
    form = dict(await request.form())
    mine = {b.id: b for b in await booths.employer_booths(actor=actor, employer_id=actor.employer_id)}
    zone = mine[booth_id].timezone if booth_id in mine else "Asia/Shanghai"
    try:
        every = str(form.get("every_minutes", "")).strip()
        made = await slots.open_slots(
            actor=actor, now=_now(), booth_id=booth_id, starts_at=_moment(form, "starts_at", zone, required=True), minutes=_int(form, "minutes", 5, 240),
            size=_int(form, "size", 1, 50, default=1), every_minutes=_int(form, "every_minutes", 5, 240) if every else None,
            until=_moment(form, "until", zone, required=False), cancel_cutoff_minutes=_int(form, "cancel_cutoff_minutes", 0, 10080, default=60),
        )
    except DomainError as error:
        fields, message = _field_errors(error, language(request), {"slot_in_past": "starts_at", "slot_outside_stop": "starts_at", "series_incomplete": "until",
                                                                  "series_empty": "until", "series_too_long": "until"})
        return await _slots_page(request, actor, status_code=error.status, booth_id=str(booth_id), form=form, field_errors=fields, error=message)
    return Redirect(f"/hr/slots?opened={len(made)}")


@post("/bookings/{booking:str}/attendance")
async def hr_mark_attendance(request: Request, booking: PageId) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    await bookings.mark_attendance(actor=actor, now=_now(), booking_id=_page_id(booking), attended=form.get("attended") == "1")
    return Redirect("/hr/slots")


@post("/{slot:str}/invitations")
async def hr_invite(request: Request, slot: PageId) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    await bookings.invite(actor=actor, now=_now(), slot_id=_page_id(slot), seeker_id=_page_id(str(form.get("seeker_id", ""))))
    return Redirect("/hr/slots?invited=1")


@post("/{slot:str}/move")
async def hr_move_slot(request: Request, slot: PageId) -> Response:
    """The edit form under a slot: new start, length, places and cut-off; a field left empty stays."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    slot_id = _page_id(slot)
    form = dict(await request.form())
    try:
        zone = (await slots.slot_row(slot_id))["stop.timezone"]
        changes = {
            "starts_at": _moment(form, "starts_at", zone, required=False),
            **{name: _int(form, name, low, high) for name, low, high in (("minutes", 5, 240), ("size", 1, 50), ("cancel_cutoff_minutes", 0, 10080))
               if str(form.get(name, "")).strip()},
        }
        await slots.move_slot(actor=actor, now=_now(), slot_id=slot_id, **{name: value for name, value in changes.items() if value is not None})
    except DomainError as error:
        if error.status == 404:
            raise
        # On this page a clash is the booked student's, not the reader's own booking: HR words, not the student's.
        code = "hr.slots_move_overlaps" if error.code == "booking_overlaps" else None
        message = i18n.translate(code, language(request)) if code else i18n.error_message(error.code, language(request), error.status)
        return await _slots_page(request, actor, status_code=error.status, error=message)
    return Redirect(f"/hr/slots?moved=1#slot-{slot_id}")


@post("/interests/{interest:str}/stage")
async def hr_move_stage(request: Request, interest: PageId) -> Response:
    """The stage control beside a booking: the funnel's own move, back to the booking."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    try:
        await funnel.move_stage(actor=actor, now=_now(), interest_id=_page_id(interest), stage=str(form.get("stage", "")), note=str(form.get("note", "")).strip()[:500])
    except DomainError as error:
        if error.status == 404:
            raise
        return await _slots_page(request, actor, status_code=error.status, error=i18n.error_message(error.code, language(request), error.status))
    slot_id = str(form.get("slot", ""))
    return Redirect("/hr/slots?staged=1" + (f"#slot-{_page_id(slot_id)}" if slot_id else ""))


@post("/{slot:str}/cancel")
async def hr_cancel_slot(request: Request, slot: PageId) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    await slots.cancel_slot(actor=actor, now=_now(), slot_id=_page_id(slot))
    return Redirect("/hr/slots")


router = Router(
    path="/hr/slots",
    route_handlers=[hr_slots, hr_open_slots, hr_mark_attendance, hr_invite, hr_move_slot, hr_move_stage, hr_cancel_slot],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
