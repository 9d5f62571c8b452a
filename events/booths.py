"""Booths: an employer's labelled place at one stop (摊位 at night markets, 展位 elsewhere).

How many booths a stop holds (one notion for the console's floor plan and the employer applications):
its `booth_limit` when the organiser set one, else the number of laid-out places when it has any, else
no limit. Free: with a limit, the limit less the booths at the stop; with laid-out places only, the places
no booth holds. An organiser's own assignment is never refused for being over it (the organiser decides);
approvals of applications are (events.applications waitlists them).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from events import calendar, views
from events.accounts import Actor, require_organiser
from events.db import write_transaction
from events.errors import Conflict, Forbidden, Invalid, NotFound
from events.schedule import BOOTH_COLUMNS, booth_view, booths_by_stop, label_order, load_stop
from events.tables import Booth, BoothPlace, Employer, Job, Scan, Slot, Stop

#: Floor-plan labels: letters, digits and inner dashes ("A12", "B-3", "12").
LABEL = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]{0,14}[A-Z0-9])?$")


def normalise_label(label: str) -> str:
    label = label.strip().upper()
    if not LABEL.fullmatch(label):
        raise Invalid("invalid_booth_label", "A booth label is 1–16 letters, digits or inner dashes, like A12.")
    return label


async def assign_booth(*, actor: Actor, now: datetime, stop_id: uuid.UUID, employer_id: uuid.UUID, label: str) -> views.Booth:
    """Give an employer a booth at a stop; one per employer per stop, labels unique per stop."""
    require_organiser(actor)
    label = normalise_label(label)
    async with write_transaction():
        stop, _event = await load_stop(stop_id, actor, lock=True)
        if stop.status == Stop.Status.cancelled:
            raise Conflict("stop_cancelled", "A cancelled stop cannot get booths.")
        if not await Employer.exists().where(Employer.id == employer_id):
            raise NotFound("employer_not_found", "No such employer.")
        booth = Booth(stop=stop.id, employer=employer_id, label=label, created_at=now, updated_at=now)
        # Two unique indexes hold the rules; on a clash, look once to say which one.
        if not await Booth.insert(booth).on_conflict(action="DO NOTHING").returning(Booth.id):
            if await Booth.exists().where((Booth.stop == stop.id) & (Booth.label == label)):
                raise Conflict("booth_label_taken", f"Booth {label} is already assigned at this stop.")
            raise Conflict("employer_already_has_booth", "This employer already has a booth at this stop.")
    calendar.changed()
    row = await Booth.select(*BOOTH_COLUMNS).where(Booth.id == booth.id).first()
    return booth_view(row, stop.timezone)


async def list_booths(*, actor: Actor, stop_id: uuid.UUID) -> list[views.Booth]:
    stop, _event = await load_stop(stop_id, actor)
    return [booth_view(row, stop.timezone) for row in (await booths_by_stop([stop.id]))[stop.id]]


async def get_booth(*, actor: Actor, booth_id: uuid.UUID) -> views.Booth:
    """One booth, if the actor may see its stop (a draft event's booths are the organisers')."""
    row = await Booth.select(*BOOTH_COLUMNS).where(Booth.id == booth_id).first()
    if row is None:
        raise NotFound("booth_not_found", "No such booth.")
    try:
        stop, _event = await load_stop(row["stop"], actor)
    except NotFound:
        raise NotFound("booth_not_found", "No such booth.") from None
    return booth_view(row, stop.timezone)


async def remove_booth(*, actor: Actor, booth_id: uuid.UUID) -> None:
    """Take a booth away that nothing was recorded at; a booth with scans stays (409 `booth_in_use`), so attendance keeps its history."""
    require_organiser(actor)
    async with write_transaction():
        booth = await Booth.select(Booth.employer, Booth.stop.event).where(Booth.id == booth_id).first()
        if booth is None:
            raise NotFound("booth_not_found", "No such booth.")
        employer_id, event_id = booth["employer"], booth["stop.event"]
        # Jobs are posted per event on the strength of a booth there: the last booth goes only once they are closed.
        keeps_a_booth = await Booth.exists().where(
            (Booth.employer == employer_id) & (Booth.stop.event == event_id) & (Booth.id != booth_id)
        )
        if not keeps_a_booth and await Job.exists().where(
            (Job.employer == employer_id) & (Job.event == event_id) & (Job.status == Job.Status.open) & Job.deleted_at.is_null()
        ):
            raise Conflict("employer_has_open_jobs", "Close the employer's open jobs at this event before removing its last booth.")
        # Scans (and the visits they made) point at the booth and the foreign keys restrict: say so instead of failing on them.
        # Every visit has its scan, so the scans alone answer (scan.booth is indexed).
        if await Scan.exists().where(Scan.booth == booth_id):
            raise Conflict("booth_in_use", "Visitors were scanned at this booth; it stays so that attendance keeps its history.")
        # issue 14, slots: interview slots point at the booth too; the slots and their bookings go first (or are called off).
        if await Slot.exists().where(Slot.booth == booth_id):
            raise Conflict("booth_has_slots", "The booth has interview slots; it stays so that their bookings keep their place.")
        await Booth.delete().where(Booth.id == booth_id)
    calendar.changed()


async def employer_booths(*, actor: Actor, employer_id: uuid.UUID) -> list[views.EmployerBooth]:
    """An employer's booths at every event that is not a draft kept from it, soonest stop first: what its HR staff work at."""
    if not (actor.is_organiser or actor.works_for(employer_id)):
        raise Forbidden("not_your_employer", "HR staff see only their own employer's booths.")
    rows = await Booth.select(
        Booth.id, Booth.label, Booth.stop, Booth.stop.name, Booth.stop.starts_at, Booth.stop.ends_at, Booth.stop.timezone,
        Booth.stop.event.slug, Booth.stop.event.title, Booth.stop.event.status,
    ).where(Booth.employer == employer_id).order_by(Booth.stop.starts_at)
    return [
        views.EmployerBooth(
            id=row["id"],
            label=row["label"],
            stop_id=row["stop"],
            stop_name=row["stop.name"],
            starts_at=row["stop.starts_at"].astimezone(ZoneInfo(row["stop.timezone"])),
            ends_at=row["stop.ends_at"].astimezone(ZoneInfo(row["stop.timezone"])),
            timezone=row["stop.timezone"],
            event_slug=row["stop.event.slug"],
            event_title=row["stop.event.title"],
            event_status=row["stop.event.status"],
        )
        for row in rows
    ]


# ---------------------------------------------------------------- the floor plan

#: Most places one bulk layout makes: a big hall, not a typo's 10,000.
MAX_PLACES = 500


def place_labels(prefix: str, first: int, last: int) -> list[str]:
    """A01..A40 for ("A", 1, 40): numbers padded to the width of the last one, at least two digits, as floor plans print them."""
    if first < 0 or last < first:
        raise Invalid("invalid_place_range", "The range runs from a number to a larger (or equal) one.")
    if last - first + 1 > MAX_PLACES:
        raise Invalid("too_many_places", f"At most {MAX_PLACES} places at once.")
    width = max(2, len(str(last)))
    return [normalise_label(f"{prefix.strip()}{number:0{width}d}") for number in range(first, last + 1)]


async def lay_out_places(*, actor: Actor, now: datetime, stop_id: uuid.UUID, prefix: str, first: int, last: int) -> views.FloorPlan:
    """Lay out a night's stalls in bulk (A01–A40): every label or none; a label the stop already has refuses the lot."""
    require_organiser(actor)
    labels = place_labels(prefix, first, last)
    async with write_transaction():
        stop, _event = await load_stop(stop_id, actor, lock=True)
        if stop.status == Stop.Status.cancelled:
            raise Conflict("stop_cancelled", "A cancelled stop cannot get booths.")
        taken = {row["label"] for row in await BoothPlace.select(BoothPlace.label).where((BoothPlace.stop == stop.id) & BoothPlace.label.is_in(labels))}
        taken |= {row["label"] for row in await Booth.select(Booth.label).where((Booth.stop == stop.id) & Booth.label.is_in(labels))}
        if taken:
            clashes = sorted(taken, key=label_order)
            raise Conflict("booth_label_taken", f"This stop already has {', '.join(clashes)}.", labels=clashes)
        # One statement: the unique index turns a concurrent layout of the same label into an error that rolls all of it back.
        await BoothPlace.insert(*(BoothPlace(stop=stop.id, label=label, created_at=now) for label in labels))
    return await floor_plan(actor=actor, stop_id=stop_id)


@dataclass(frozen=True, slots=True)
class Room:
    """A stop's booths: its own limit, what it holds (None: no limit), taken, free (None: no limit), free places in plan order."""

    limit: int | None
    capacity: int | None
    taken: int
    free: int | None
    free_places: tuple[str, ...]


async def booth_room(stop_ids: list[uuid.UUID]) -> dict[uuid.UUID, Room]:
    """How many booths each stop holds and has free (see the module's docstring); read under the event's lock to decide on it."""
    if not stop_ids:
        return {}
    limits = {row["id"]: row["booth_limit"] for row in await Stop.select(Stop.id, Stop.booth_limit).where(Stop.id.is_in(stop_ids))}
    held: dict[uuid.UUID, set[str]] = {stop_id: set() for stop_id in stop_ids}
    for row in await Booth.select(Booth.stop, Booth.label).where(Booth.stop.is_in(stop_ids)):
        held[row["stop"]].add(row["label"])
    places: dict[uuid.UUID, set[str]] = {stop_id: set() for stop_id in stop_ids}
    for row in await BoothPlace.select(BoothPlace.stop, BoothPlace.label).where(BoothPlace.stop.is_in(stop_ids)):
        places[row["stop"]].add(row["label"])
    rooms = {}
    for stop_id in stop_ids:
        free_places = tuple(sorted(places[stop_id] - held[stop_id], key=label_order))
        limit, taken = limits.get(stop_id), len(held[stop_id])
        if limit is not None:
            capacity, free = limit, max(0, limit - taken)
        elif places[stop_id]:
            capacity, free = len(places[stop_id]), len(free_places)
        else:
            capacity = free = None
        rooms[stop_id] = Room(limit=limit, capacity=capacity, taken=taken, free=free, free_places=free_places)
    return rooms


async def floor_plan(*, actor: Actor, stop_id: uuid.UUID) -> views.FloorPlan:
    """Every place of the stop with whose booth holds it, and booths labelled outside the plan, in floor-plan order."""
    stop, _event = await load_stop(stop_id, actor)
    booths = {row["label"]: row for row in (await booths_by_stop([stop.id]))[stop.id]}
    laid_out = {row["label"] for row in await BoothPlace.select(BoothPlace.label).where(BoothPlace.stop == stop.id)}
    room = (await booth_room([stop.id]))[stop.id]
    places = []
    for label in sorted(laid_out | set(booths), key=label_order):
        booth = booths.get(label)
        places.append(
            views.BoothPlace(
                label=label,
                is_laid_out=label in laid_out,
                booth_id=booth["id"] if booth else None,
                employer=views.EmployerSummary(id=booth["employer"], name=booth["employer.name"]) if booth else None,
            )
        )
    return views.FloorPlan(
        stop_id=stop.id, places=places, booth_limit=room.limit, booth_capacity=room.capacity, booths_taken=room.taken, booths_free=room.free
    )


async def move_booth(*, actor: Actor, now: datetime, booth_id: uuid.UUID, label: str) -> views.Booth:
    """Move an employer to another place at the same stop; the booth (and what was scanned there) keeps its id."""
    require_organiser(actor)
    label = normalise_label(label)
    row = await Booth.select(Booth.stop).where(Booth.id == booth_id).first()
    if row is None:
        raise NotFound("booth_not_found", "No such booth.")
    async with write_transaction():
        stop, _event = await load_stop(row["stop"], actor, lock=True)
        if stop.status == Stop.Status.cancelled:
            raise Conflict("stop_cancelled", "A cancelled stop cannot get booths.")
        clash = await Booth.select(Booth.id).where((Booth.stop == stop.id) & (Booth.label == label)).first()
        if clash is not None and clash["id"] != booth_id:
            raise Conflict("booth_label_taken", f"Booth {label} is already assigned at this stop.", labels=[label])
        await Booth.update({Booth.label: label, Booth.updated_at: now}).where(Booth.id == booth_id)
    calendar.changed()
    return await get_booth(actor=actor, booth_id=booth_id)
