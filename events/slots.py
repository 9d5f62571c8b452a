"""Interview slots (面试时段): HR open them at their booth, one at a time or as a series; seekers book them (events.bookings)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from events import outbox, views
from events.accounts import Actor, require_role
from events.db import for_update, is_sqlite, write_transaction
from events.errors import Conflict, Invalid, NotFound, Refused
from events.tables import Account, Booking, Booth, Event, Job, Slot, Stop

#: At most this many slots in one series ("every 15 minutes from 18:30 to 21:00" is ten).
SERIES_LIMIT = 100
EDUCATION_ORDER = ("none", "high_school", "associate", "bachelor", "master", "doctorate")

SLOT_COLUMNS = (
    Slot.all_columns(),
    Slot.booth.label,
    Slot.booth.employer,
    Slot.booth.employer.name,
    Slot.stop.name,
    Slot.stop.school,
    Slot.stop.timezone,
    Slot.stop.status,
    Slot.stop.event.slug,
    Slot.stop.event.status,
    Slot.stop.event.published_at,
)


def slot_view(row: dict[str, Any]) -> views.Slot:
    zone = ZoneInfo(row["stop.timezone"])
    eligibility = json.loads(row["eligibility"])
    return views.Slot(
        id=row["id"],
        booth_id=row["booth"],
        booth_label=row["booth.label"],
        stop_id=row["stop"],
        event_slug=row["stop.event.slug"],
        stop_name=row["stop.name"] or row["stop.school"],
        employer=views.EmployerSummary(id=row["booth.employer"], name=row["booth.employer.name"]),
        starts_at=row["starts_at"].astimezone(zone),
        ends_at=row["ends_at"].astimezone(zone),
        timezone=row["stop.timezone"],
        size=row["size"],
        booked_count=row["booked_count"],
        places_left=max(0, row["size"] - row["booked_count"]) if row["status"] == Slot.Status.open else 0,
        job_ids=[uuid.UUID(job) for job in json.loads(row["job_ids"])],
        eligibility=views.SlotEligibility(
            education_min=eligibility.get("education_min"), majors=eligibility.get("majors", []), graduation_years=eligibility.get("graduation_years", [])
        ),
        cancel_cutoff_minutes=row["cancel_cutoff_minutes"],
        status=row["status"],
    )


async def slot_row(slot_id: uuid.UUID) -> dict[str, Any]:
    row = await Slot.select(*SLOT_COLUMNS).where(Slot.id == slot_id).first()
    if row is None:
        raise NotFound("slot_not_found", "No such slot.")
    return row


async def slot_rows(slot_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The slots that exist of `slot_ids`, by id, in one query (a batch of bookings reads its slots together)."""
    return {row["id"]: row for row in await Slot.select(*SLOT_COLUMNS).where(Slot.id.is_in(slot_ids))}


def visible(row: dict[str, Any], actor: Actor) -> bool:
    """A published event's slots are public; a draft's are for organisers and the booth's HR."""
    return row["stop.event.published_at"] is not None or actor.is_organiser or actor.works_for(row["booth.employer"])


def require_manager(actor: Actor, employer_id: uuid.UUID) -> None:
    """Organisers, and the HR staff of the slot's employer; other HR get 404, not a hint that it exists."""
    require_role(actor, "hr", "organiser")
    if not actor.is_organiser and not actor.works_for(employer_id):
        raise NotFound("slot_not_found", "No such slot.")


def _eligibility(eligibility: views.SlotEligibility | None) -> str:
    if eligibility is None:
        return "{}"
    body = {"education_min": eligibility.education_min, "majors": sorted(set(eligibility.majors)), "graduation_years": sorted(set(eligibility.graduation_years))}
    return json.dumps({key: value for key, value in body.items() if value}, ensure_ascii=False, sort_keys=True)


def series_starts(*, starts_at: datetime, every_minutes: int | None, until: datetime | None, minutes: int) -> list[datetime]:
    """Start times of a series: from `starts_at`, every `every_minutes`, while a slot still ends by `until`; one slot without a series."""
    if every_minutes is None and until is None:
        return [starts_at]
    if every_minutes is None or until is None:
        raise Invalid("series_incomplete", "A series needs both every_minutes and until.")
    starts, moment = [], starts_at
    while moment + timedelta(minutes=minutes) <= until:
        starts.append(moment)
        if len(starts) > SERIES_LIMIT:
            raise Invalid("series_too_long", f"A series makes at most {SERIES_LIMIT} slots.")
        moment += timedelta(minutes=every_minutes)
    if not starts:
        raise Invalid("series_empty", "No slot fits between starts_at and until.")
    return starts


async def open_slots(
    *,
    actor: Actor,
    now: datetime,
    booth_id: uuid.UUID,
    starts_at: datetime,
    minutes: int,
    size: int,
    every_minutes: int | None = None,
    until: datetime | None = None,
    job_ids: list[uuid.UUID] | None = None,
    eligibility: views.SlotEligibility | None = None,
    cancel_cutoff_minutes: int = 60,
) -> list[views.Slot]:
    """Open one slot, or a series of them, at a booth (its employer's HR, or an organiser)."""
    require_role(actor, "hr", "organiser")
    booth = await Booth.select(Booth.id, Booth.stop, Booth.employer).where(Booth.id == booth_id).first()
    if booth is None or not (actor.is_organiser or actor.works_for(booth["employer"])):
        raise NotFound("booth_not_found", "No such booth.")
    starts = series_starts(starts_at=starts_at, every_minutes=every_minutes, until=until, minutes=minutes)
    if eligibility is not None and eligibility.education_min is not None and eligibility.education_min not in EDUCATION_ORDER:
        raise Invalid("education_unknown", "Unknown education level.")
    jobs = sorted({str(job) for job in job_ids or []})
    async with write_transaction():
        stop = await Stop.objects().where(Stop.id == booth["stop"]).first()
        event = await Event.select(Event.id, Event.status).where(Event.id == stop.event).first()
        if stop.status == Stop.Status.cancelled or event["status"] == Event.Status.cancelled:
            raise Refused("stop_cancelled", "This stop has been cancelled.")
        if starts[0] < now:
            raise Invalid("slot_in_past", "A slot cannot start in the past.")
        if starts[0] < stop.starts_at or starts[-1] + timedelta(minutes=minutes) > stop.ends_at:
            raise Invalid("slot_outside_stop", "Slots must lie within the stop's opening hours.")
        if jobs:
            found = await Job.count().where(
                Job.id.is_in(jobs) & (Job.employer == booth["employer"]) & (Job.event == stop.event) & Job.deleted_at.is_null()
            )
            if found != len(jobs):
                raise Invalid("job_not_found", "Every job must be one of this employer's jobs at the event.")
        rows = [
            Slot(
                booth=booth_id, stop=stop.id, starts_at=start, ends_at=start + timedelta(minutes=minutes), size=size, job_ids=json.dumps(jobs),
                eligibility=_eligibility(eligibility), cancel_cutoff_minutes=cancel_cutoff_minutes, created_by=actor.id, created_at=now, updated_at=now,
            )
            for start in starts
        ]
        await Slot.insert(*rows)
        await outbox.record("slot.changed", {"slot_ids": [row.id for row in rows], "booth_id": booth_id, "change": "opened"}, now=now)
    found = {row["id"]: row for row in await Slot.select(*SLOT_COLUMNS).where(Slot.id.is_in([row.id for row in rows]))}
    return [slot_view(found[row.id]) for row in rows]


async def stop_slots(*, actor: Actor, stop_id: uuid.UUID, job_id: uuid.UUID | None = None) -> list[views.Slot]:
    """A stop's open slots, in time order (for a job: the slots tied to it, or to any of its employer's jobs)."""
    query = Slot.select(*SLOT_COLUMNS).where((Slot.stop == stop_id) & (Slot.status == Slot.Status.open)).order_by(Slot.starts_at).order_by(Slot.booth.label)
    rows = [row for row in await query if visible(row, actor)]
    if not rows:
        stop = await Stop.select(Stop.id, Stop.event.published_at).where(Stop.id == stop_id).first()
        if stop is None or (stop["event.published_at"] is None and actor.role not in ("organiser", "hr")):
            raise NotFound("stop_not_found", "No such stop.")
    if job_id is not None:
        job = await Job.select(Job.employer).where(Job.id == job_id).first()
        employer = job["employer"] if job else None
        rows = [row for row in rows if row["booth.employer"] == employer and (row["job_ids"] == "[]" or str(job_id) in json.loads(row["job_ids"]))]
    return [slot_view(row) for row in rows]


async def job_slots(*, actor: Actor, job_id: uuid.UUID) -> list[views.Slot]:
    """Open slots for one job, at every stop of its event where its employer has a booth."""
    job = await Job.select(Job.id, Job.employer, Job.event).where((Job.id == job_id) & Job.deleted_at.is_null()).first()
    if job is None:
        raise NotFound("job_not_found", "No such job.")
    rows = await Slot.select(*SLOT_COLUMNS).where(
        (Slot.booth.employer == job["employer"]) & (Slot.stop.event == job["event"]) & (Slot.status == Slot.Status.open)
    ).order_by(Slot.starts_at)
    return [slot_view(row) for row in rows if visible(row, actor) and (row["job_ids"] == "[]" or str(job_id) in json.loads(row["job_ids"]))]


async def cancel_slot(*, actor: Actor, now: datetime, slot_id: uuid.UUID) -> views.Slot:
    """Call a slot off (its employer's HR or an organiser): its bookings are cancelled and their seekers told."""
    from events.bookings import cancel_slot_bookings  # bookings builds on slots; the slot's cancellation reaches back once

    row = await slot_row(slot_id)
    require_manager(actor, row["booth.employer"])
    async with write_transaction():
        moved = await Slot.update({Slot.status: Slot.Status.cancelled, Slot.sequence: Slot.sequence + 1, Slot.updated_at: now}).where(
            (Slot.id == slot_id) & (Slot.status == Slot.Status.open)
        ).returning(Slot.id)
        if moved:
            cancelled = await cancel_slot_bookings(slot_id=slot_id, now=now)
            await outbox.record("slot.changed", {"slot_ids": [slot_id], "booth_id": row["booth"], "change": "cancelled", "booking_ids": cancelled}, now=now)
    return slot_view(await slot_row(slot_id))


async def move_slot(
    *,
    actor: Actor,
    now: datetime,
    slot_id: uuid.UUID,
    starts_at: datetime | None = None,
    minutes: int | None = None,
    ends_at: datetime | None = None,
    size: int | None = None,
    cancel_cutoff_minutes: int | None = None,
) -> views.Slot:
    """Move a slot, resize it or change its cut-off (its employer's HR or an organiser); its bookings move with it and their seekers are told.

    One write transaction with the slot's row locked, then its booked seekers' account rows in id order: the same
    order as a booking (events.bookings), so a move and a booking take turns and neither waits in a circle. A booking
    batch for this slot reads the slot under the lock, so it sees the new times and size; a seeker's booking of
    another slot locks their account row, so the overlap check here sees it (or it sees the moved booking).
    """
    if minutes is not None and ends_at is not None:
        raise Invalid("slot_length_twice", "Give the slot's length as minutes or as ends_at, not both.")
    row = await slot_row(slot_id)
    require_manager(actor, row["booth.employer"])
    async with write_transaction():
        if not is_sqlite():
            await for_update(Slot.select(Slot.id).where(Slot.id == slot_id))
        row = await slot_row(slot_id)
        if row["status"] == Slot.Status.cancelled or row["stop.status"] == Stop.Status.cancelled or row["stop.event.status"] == Event.Status.cancelled:
            raise Refused("slot_cancelled", "This slot has been called off.")
        if now >= row["starts_at"]:
            raise Refused("slot_started", "A slot that has started cannot be changed.")
        new_start = starts_at if starts_at is not None else row["starts_at"]
        if ends_at is not None:
            new_end = ends_at
        else:
            new_end = new_start + (timedelta(minutes=minutes) if minutes is not None else row["ends_at"] - row["starts_at"])
        if not timedelta(minutes=5) <= new_end - new_start <= timedelta(minutes=240):
            raise Invalid("slot_length_invalid", "A slot lasts from 5 to 240 minutes.")
        moved = new_start != row["starts_at"] or new_end != row["ends_at"]
        if moved and new_start < now:
            raise Invalid("slot_in_past", "A slot cannot start in the past.")
        stop = await Stop.select(Stop.starts_at, Stop.ends_at).where(Stop.id == row["stop"]).first()
        if new_start < stop["starts_at"] or new_end > stop["ends_at"]:
            raise Invalid("slot_outside_stop", "Slots must lie within the stop's opening hours.")
        new_size = size if size is not None else row["size"]
        if new_size < row["booked_count"]:
            raise Conflict("slot_size_below_booked", "More places are booked than the new size.", booked_count=row["booked_count"])
        held = await Booking.select(Booking.id, Booking.seeker).where((Booking.slot == slot_id) & (Booking.status != Booking.Status.cancelled))
        seekers = sorted({booking["seeker"] for booking in held})
        if moved and seekers:
            if not is_sqlite():
                await for_update(Account.select(Account.id).where(Account.id.is_in(seekers)).order_by(Account.id))
            clash = await Booking.select(Booking.id, Booking.seeker).where(
                Booking.seeker.is_in(seekers) & (Booking.stop == row["stop"]) & (Booking.slot != slot_id)
                & Booking.status.is_in([Booking.Status.booked, Booking.Status.attended, Booking.Status.no_show])
                & (Booking.starts_at < new_end) & (Booking.ends_at > new_start)
            ).first()
            if clash is not None:
                raise Conflict("booking_overlaps", "A student booked in this slot holds another booking at the new time.", booking_id=str(clash["id"]))
        # The count cannot move under the lock; the condition still refuses rather than leave the slot over its size.
        changed = await Slot.update({
            Slot.starts_at: new_start, Slot.ends_at: new_end, Slot.size: new_size, Slot.updated_at: now,
            Slot.cancel_cutoff_minutes: cancel_cutoff_minutes if cancel_cutoff_minutes is not None else row["cancel_cutoff_minutes"],
            Slot.sequence: Slot.sequence + (1 if moved else 0),
        }).where((Slot.id == slot_id) & (Slot.status == Slot.Status.open) & (Slot.booked_count <= new_size)).returning(Slot.id)
        if not changed:
            raise Conflict("slot_size_below_booked", "More places are booked than the new size.")
        if moved:
            await Booking.update({
                Booking.starts_at: new_start, Booking.ends_at: new_end, Booking.revision: Booking.revision + 1, Booking.updated_at: now,
            }).where((Booking.slot == slot_id) & (Booking.status != Booking.Status.cancelled))
        await outbox.record("slot.changed", {
            "slot_ids": [slot_id], "booth_id": row["booth"], "change": "moved" if moved else "edited", "booking_ids": [b["id"] for b in held],
            "old_starts_at": row["starts_at"], "old_ends_at": row["ends_at"], "starts_at": new_start, "ends_at": new_end,
        }, now=now)
    return slot_view(await slot_row(slot_id))


def check_bookable(row: dict[str, Any], now: datetime) -> None:
    """Refusals before a seeker may take a place: the slot, its stop and its event must be on, and the slot ahead."""
    if row["stop.event.published_at"] is None:
        raise NotFound("slot_not_found", "No such slot.")
    if row["status"] == Slot.Status.cancelled or row["stop.status"] == Stop.Status.cancelled or row["stop.event.status"] == Event.Status.cancelled:
        raise Refused("slot_cancelled", "This slot has been called off.")
    if now >= row["starts_at"]:
        raise Refused("slot_started", "This slot has already started.")


def check_eligible(row: dict[str, Any], profile: dict[str, Any] | None) -> None:
    """The slot's conditions against the seeker's profile; a seeker without one meets only a slot without conditions."""
    rules = json.loads(row["eligibility"])
    if not rules:
        return
    if profile is None:
        raise Refused("not_eligible", "This slot is for candidates who meet its conditions; complete your profile first.")
    education = rules.get("education_min")
    if education and EDUCATION_ORDER.index(profile["degree"]) < EDUCATION_ORDER.index(education):
        raise Refused("not_eligible", "This slot needs a higher degree.")
    if rules.get("majors") and profile["major"] not in rules["majors"]:
        raise Refused("not_eligible", "This slot is for other majors.")
    if rules.get("graduation_years") and profile["graduation_year"] not in rules["graduation_years"]:
        raise Refused("not_eligible", "This slot is for other graduation years.")
