"""Booths: an employer's labelled place at one stop (摊位 at night markets, 展位 elsewhere)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from events import calendar, views
from events.accounts import Actor, require_organiser
from events.db import write_transaction
from events.errors import Conflict, Forbidden, Invalid, NotFound
from events.schedule import BOOTH_COLUMNS, booth_view, booths_by_stop, load_stop
from events.tables import Booth, Employer, Job, Scan, Stop

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
