"""Jobs: the posts an employer offers at an event, posted, edited, copied and deleted (search: events/job_search.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from events import calendar, outbox, views
from events.accounts import Actor, require_role
from events.db import write_transaction
from events.errors import Conflict, Forbidden, Invalid, NotFound
from events.schedule import load_event
from events.tables import Booth, Event, Job

#: Lowest to highest; a filter by level finds the jobs that level qualifies for.
EDUCATION_LEVELS = [level.value for level in Job.Education]
MAX_SALARY = 1_000_000

JOB_COLUMNS = (*Job.all_columns(), Job.employer.name, Job.event.slug)


def job_view(row: dict[str, Any]) -> views.Job:
    return views.Job(
        id=row["id"],
        event_slug=row["event.slug"],
        employer=views.EmployerSummary(id=row["employer"], name=row["employer.name"]),
        title=row["title"],
        description=row["description"],
        category=row["category"],
        city=row["city"],
        headcount=row["headcount"],
        salary_min=row["salary_min"],
        salary_max=row["salary_max"],
        salary_months=row["salary_months"],
        education=row["education"],
        majors=json.loads(row["majors"]),
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: value.strip() if isinstance(value, str) and name != "description" else value for name, value in changes.items()}
    if "majors" in fields:
        majors = list(dict.fromkeys(major.strip() for major in fields["majors"] if major.strip()))
        fields["majors"] = json.dumps(majors, ensure_ascii=False)
    return fields


def _check_salary(salary_min: int, salary_max: int) -> None:
    if salary_min > salary_max:
        raise Invalid("salary_range_inverted", "salary_min must not exceed salary_max.")
    if salary_max > MAX_SALARY:
        raise Invalid("salary_out_of_range", f"Monthly salary is capped at {MAX_SALARY} CNY.")


async def _has_booth_at(employer_id: uuid.UUID, event_id: uuid.UUID) -> bool:
    return await Booth.exists().where((Booth.employer == employer_id) & (Booth.stop.event == event_id))


async def may_see(actor: Actor, event_id: uuid.UUID, published_at: datetime | None) -> bool:
    """Published events are for everyone (as in schedule.load_event); drafts for organisers and HR staff of an employer with a booth."""
    return published_at is not None or actor.is_organiser or (actor.role == "hr" and await _has_booth_at(actor.employer_id, event_id))


async def _event_for(slug: str, actor: Actor) -> Event:
    """The event, as the actor may see it."""
    event = await Event.objects().where(Event.slug == slug).first()
    if event is None or not await may_see(actor, event.id, event.published_at):
        raise NotFound("event_not_found", "No such event.")
    return event


async def _row(job_id: uuid.UUID) -> dict[str, Any]:
    row = await Job.select(*JOB_COLUMNS).where((Job.id == job_id) & Job.deleted_at.is_null()).first()
    if row is None:
        raise NotFound("job_not_found", "No such job.")
    return row


def _may_manage(actor: Actor, employer_id: uuid.UUID) -> bool:
    return actor.is_organiser or actor.works_for(employer_id)


def _posting_employer(actor: Actor, employer_id: uuid.UUID | None) -> uuid.UUID:
    """Whose jobs these are: HR staff's own employer, or the one an organiser names."""
    require_role(actor, "organiser", "hr")
    if actor.role == "hr":
        if employer_id is not None and employer_id != actor.employer_id:
            raise Forbidden("not_your_employer", "HR staff may only post jobs for their own employer.")
        return actor.employer_id
    if employer_id is None:
        raise Invalid("employer_required", "Organisers posting jobs name the employer_id.")
    return employer_id


async def _event_taking_jobs(slug: str, actor: Actor, employer_id: uuid.UUID) -> Event:
    """The event, if it takes jobs from this employer: not cancelled, and the employer has a booth there."""
    event = await _event_for(slug, actor)
    if event.status == Event.Status.cancelled:
        raise Conflict("event_cancelled", "A cancelled event takes no new jobs.")
    if not await _has_booth_at(employer_id, event.id):
        raise Conflict("no_booth_at_event", "The employer needs a booth at one of this event's stops to post jobs here.")
    return event


async def post_job(
    *,
    actor: Actor,
    now: datetime,
    slug: str,
    title: str,
    headcount: int,
    salary_min: int,
    salary_max: int,
    employer_id: uuid.UUID | None = None,
    description: str = "",
    category: str = "",
    city: str = "",
    salary_months: int = 12,
    education: str = "none",
    majors: list[str] | None = None,
) -> views.Job:
    """HR staff post for their own employer; organisers post on an employer's behalf."""
    employer_id = _posting_employer(actor, employer_id)
    event = await _event_taking_jobs(slug, actor, employer_id)
    _check_salary(salary_min, salary_max)
    fields = _clean(
        {
            "title": title,
            "description": description,
            "category": category,
            "city": city or event.city,
            "headcount": headcount,
            "salary_min": salary_min,
            "salary_max": salary_max,
            "salary_months": salary_months,
            "education": education,
            "majors": majors or [],
        }
    )
    job = Job(event=event.id, employer=employer_id, created_at=now, updated_at=now, **fields)
    async with write_transaction():
        await Job.insert(job)
        await outbox.record("job.published", {"job_id": job.id, "event_id": event.id, "employer_id": employer_id}, now=now)
    return job_view(await _row(job.id))


async def get_job(*, actor: Actor, job_id: uuid.UUID) -> views.Job:
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        await load_event(row["event.slug"], actor)
        if row["status"] != Job.Status.open:
            raise NotFound("job_not_found", "No such job.")
    return job_view(row)


async def update_job(*, actor: Actor, now: datetime, job_id: uuid.UUID, changes: Mapping[str, Any]) -> views.Job:
    require_role(actor, "organiser", "hr")
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        raise Forbidden("not_your_job", "HR staff may only change their own employer's jobs.")
    fields = _clean(changes)
    _check_salary(fields.get("salary_min", row["salary_min"]), fields.get("salary_max", row["salary_max"]))
    if fields:
        await Job.update({**fields, "updated_at": now}).where(Job.id == job_id)
        calendar.changed()
    return job_view(await _row(job_id))


async def delete_job(*, actor: Actor, now: datetime, job_id: uuid.UUID) -> None:
    """Soft-delete: the row stays for whatever points at it, and disappears from every listing."""
    require_role(actor, "organiser", "hr")
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        raise Forbidden("not_your_job", "HR staff may only delete their own employer's jobs.")
    await Job.update({Job.deleted_at: now, Job.status: Job.Status.closed, Job.updated_at: now}).where(Job.id == job_id)
    calendar.changed()


# ---------------------------------------------------------------- copying last event's jobs


async def copy_jobs(*, actor: Actor, now: datetime, slug: str, from_event: str, employer_id: uuid.UUID | None = None) -> views.CopiedJobs:
    """Post the employer's jobs from another event here again, open; a title already posted here is skipped, so copying twice adds nothing."""
    employer_id = _posting_employer(actor, employer_id)
    if from_event == slug:
        raise Invalid("same_event", "Copy from another event.")
    target = await _event_taking_jobs(slug, actor, employer_id)
    source = await Event.select(Event.id).where(Event.slug == from_event).first()
    if source is None:
        raise NotFound("event_not_found", "No such event to copy from.")
    mine = (Job.employer == employer_id) & Job.deleted_at.is_null()
    originals = await Job.objects().where(mine & (Job.event == source["id"])).order_by(Job.created_at)
    here = {row["title"] for row in await Job.select(Job.title).where(mine & (Job.event == target.id))}
    copies = []
    for job in originals:
        if job.title in here:
            continue
        here.add(job.title)
        copies.append(
            Job(
                event=target.id, employer=employer_id, title=job.title, description=job.description, category=job.category,
                city=job.city or target.city, headcount=job.headcount, salary_min=job.salary_min, salary_max=job.salary_max,
                salary_months=job.salary_months, education=job.education, majors=job.majors, created_at=now, updated_at=now,
            )
        )
    if copies:
        async with write_transaction():
            await Job.insert(*copies)
            await outbox.record_many("job.published", [{"job_id": job.id, "event_id": target.id, "employer_id": employer_id} for job in copies], now=now)
    rows = await Job.select(*JOB_COLUMNS).where(Job.id.is_in([job.id for job in copies])) if copies else []
    return views.CopiedJobs(copied=len(copies), skipped=len(originals) - len(copies), jobs=[job_view(row) for row in rows])


async def employer_jobs(*, actor: Actor, employer_id: uuid.UUID) -> list[views.Job]:
    """Every job of the employer at every event, open and closed (not deleted), newest first: its own staff's list."""
    if not (actor.is_organiser or actor.works_for(employer_id)):
        raise Forbidden("not_your_employer", "HR staff see only their own employer's jobs here.")
    rows = await Job.select(*JOB_COLUMNS).where((Job.employer == employer_id) & Job.deleted_at.is_null()).order_by(Job.created_at, ascending=False)
    return [job_view(row) for row in rows]
