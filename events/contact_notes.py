"""Notes on contacts (备注): HR's rating, tags, text and next step on one visitor or one interest; they belong to the employer.

Only HR of the employer the visit's booth or the interest belongs to read or write them: everyone
else (another employer's HR, the organiser) gets the same 404 as for a record that does not exist.
The seeker sees none, but their data export says which employers keep notes about them (PIPL art. 45).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from events import views
from events.accounts import Actor, require_role
from events.db import write_transaction
from events.errors import NotFound
from events.tables import ContactNote, Interest, Registration, Visit

#: A field of a note left as it is (the scanner's quick note changes only what HR tapped or typed).
KEEP: object = object()


async def _visit_employer(actor: Actor, visit_id: uuid.UUID) -> uuid.UUID:
    row = await Visit.select(Visit.booth.employer).where(Visit.id == visit_id).first()
    if row is None or not actor.works_for(row["booth.employer"]):
        raise NotFound("visit_not_found", "No such visit.")
    return row["booth.employer"]


async def _interest_employer(actor: Actor, interest_id: uuid.UUID) -> uuid.UUID:
    row = await Interest.select(Interest.employer).where(Interest.id == interest_id).first()
    if row is None or not actor.works_for(row["employer"]):
        raise NotFound("interest_not_found", "No such interest.")
    return row["employer"]


def _view(row: dict) -> views.ContactNote:
    return views.ContactNote(
        visit_id=row["visit"],
        interest_id=row["interest"],
        rating=row["rating"],
        tags=json.loads(row["tags"]),
        text=row["text"],
        next_step=row["next_step"],
        author_name=row["author.name"],
        updated_at=row["updated_at"],
    )


def _clean_tags(tags: list[str]) -> list[str]:
    """Tags as typed, trimmed, without blanks or repeats, in their first order."""
    return list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


async def _save(
    *, actor: Actor, now: datetime, employer_id: uuid.UUID, subject: dict, rating: Any, tags: Any, text: Any, next_step: Any
) -> views.ContactNote:
    """Insert or replace the note; a field given as KEEP keeps what the note had (or its default on a new note)."""
    given = {"rating": rating, "tags": tags if tags is KEEP else json.dumps(_clean_tags(tags), ensure_ascii=False), "text": text, "next_step": next_step}
    values = {name: value for name, value in given.items() if value is not KEEP} | {"author": actor.id, "updated_at": now}
    column = ContactNote.visit if "visit" in subject else ContactNote.interest
    async with write_transaction():
        # One note per (employer, visit) and per (employer, interest): the unique indexes decide; two HR people
        # saving at once both succeed and the later write wins (a note is replaced whole, like any PUT).
        await ContactNote.insert(ContactNote(employer=employer_id, **subject, **values)).on_conflict(
            target=(ContactNote.employer, column),
            action="DO UPDATE",
            values=[getattr(ContactNote, name) for name in values],
        )
    return await _read(employer_id=employer_id, column=column, subject_id=next(iter(subject.values())))


async def _read(*, employer_id: uuid.UUID, column, subject_id: uuid.UUID) -> views.ContactNote:
    row = await ContactNote.select(ContactNote.all_columns(), ContactNote.author.name).where((ContactNote.employer == employer_id) & (column == subject_id)).first()
    if row is None:
        raise NotFound("note_not_found", "No note yet.")
    return _view(row)


async def save_visit_note(
    *, actor: Actor, now: datetime, visit_id: uuid.UUID, rating: Any, tags: Any, text: Any, next_step: Any
) -> views.ContactNote:
    """Write (or replace) the employer's note on one visitor of its booth; fields given as KEEP stay as they were."""
    require_role(actor, "hr", "organiser")
    employer_id = await _visit_employer(actor, visit_id)
    return await _save(actor=actor, now=now, employer_id=employer_id, subject={"visit": visit_id}, rating=rating, tags=tags, text=text, next_step=next_step)


async def visit_at_booth(*, actor: Actor, booth_id: uuid.UUID, registration_id: uuid.UUID) -> uuid.UUID:
    """The visit a scan at this booth made (the scanner knows the registration from the scan's answer); 404 for anyone but the booth's employer."""
    require_role(actor, "hr", "organiser")
    registration = await Registration.select(Registration.seeker).where(Registration.id == registration_id).first()
    row = None if registration is None else await Visit.select(Visit.id, Visit.booth.employer).where(
        (Visit.booth == booth_id) & (Visit.seeker == registration["seeker"])
    ).first()
    if row is None or not actor.works_for(row["booth.employer"]):
        raise NotFound("visit_not_found", "No visit of this ticket at this booth.")
    return row["id"]


async def save_interest_note(
    *, actor: Actor, now: datetime, interest_id: uuid.UUID, rating: int | None, tags: list[str], text: str, next_step: str
) -> views.ContactNote:
    """Write (or replace) the employer's note on one interest in its jobs."""
    require_role(actor, "hr", "organiser")
    employer_id = await _interest_employer(actor, interest_id)
    return await _save(actor=actor, now=now, employer_id=employer_id, subject={"interest": interest_id}, rating=rating, tags=tags, text=text, next_step=next_step)


async def visit_note(*, actor: Actor, visit_id: uuid.UUID) -> views.ContactNote:
    """The employer's note on a visit; 404 `note_not_found` before the first one."""
    require_role(actor, "hr", "organiser")
    return await _read(employer_id=await _visit_employer(actor, visit_id), column=ContactNote.visit, subject_id=visit_id)


async def interest_note(*, actor: Actor, interest_id: uuid.UUID) -> views.ContactNote:
    """The employer's note on an interest; 404 `note_not_found` before the first one."""
    require_role(actor, "hr", "organiser")
    return await _read(employer_id=await _interest_employer(actor, interest_id), column=ContactNote.interest, subject_id=interest_id)


async def notes_by_visit(employer_id: uuid.UUID, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, views.ContactNote]:
    """The employer's notes on these visits (the HR visitor list); the caller has checked the employer."""
    rows = await ContactNote.select(ContactNote.all_columns(), ContactNote.author.name).where(
        (ContactNote.employer == employer_id) & ContactNote.visit.is_in(visit_ids or [uuid.uuid4()])
    )
    return {row["visit"]: _view(row) for row in rows}


async def notes_by_interest(employer_id: uuid.UUID, interest_ids: list[uuid.UUID]) -> dict[uuid.UUID, views.ContactNote]:
    """The employer's notes on these interests; the caller has checked the employer."""
    rows = await ContactNote.select(ContactNote.all_columns(), ContactNote.author.name).where(
        (ContactNote.employer == employer_id) & ContactNote.interest.is_in(interest_ids or [uuid.uuid4()])
    )
    return {row["interest"]: _view(row) for row in rows}


async def notes_about(seeker_id: uuid.UUID) -> list[views.NoteMention]:
    """Which employers keep notes about a seeker, and on what, without the notes (for the seeker's data export)."""
    on_visits = await ContactNote.select(ContactNote.employer, ContactNote.employer.name, ContactNote.updated_at).where(ContactNote.visit.seeker == seeker_id)
    on_interests = await ContactNote.select(ContactNote.employer, ContactNote.employer.name, ContactNote.updated_at).where(ContactNote.interest.seeker == seeker_id)
    return [
        views.NoteMention(employer=views.EmployerSummary(id=row["employer"], name=row["employer.name"]), about=about, updated_at=row["updated_at"])
        for about, rows in (("visit", on_visits), ("interest", on_interests))
        for row in rows
    ]


async def employer_visit_notes(*, actor: Actor, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, views.ContactNote]:
    """The actor's employer's notes on these visits (the HR visitor list); nothing for anyone else."""
    if actor.role != "hr" or actor.employer_id is None:
        return {}
    return await notes_by_visit(actor.employer_id, visit_ids)
