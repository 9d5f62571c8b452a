"""Jobs: the posts an employer offers at an event, and the public search over them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from events import views
from events.accounts import Actor, require_role
from events.db import contains
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


async def _event_for(slug: str, actor: Actor) -> Event:
    """The event, as the actor may see it; HR staff also see drafts where their employer has a booth."""
    if actor.role == "hr":
        event = await Event.objects().where(Event.slug == slug).first()
        if event is not None and (event.published_at is not None or await _has_booth_at(actor.employer_id, event.id)):
            return event
        raise NotFound("event_not_found", "No such event.")
    return await load_event(slug, actor)


async def _row(job_id: uuid.UUID) -> dict[str, Any]:
    row = await Job.select(*JOB_COLUMNS).where((Job.id == job_id) & Job.deleted_at.is_null()).first()
    if row is None:
        raise NotFound("job_not_found", "No such job.")
    return row


def _may_manage(actor: Actor, employer_id: uuid.UUID) -> bool:
    return actor.is_organiser or actor.works_for(employer_id)


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
    require_role(actor, "organiser", "hr")
    if actor.role == "hr":
        if employer_id is not None and employer_id != actor.employer_id:
            raise Forbidden("not_your_employer", "HR staff may only post jobs for their own employer.")
        employer_id = actor.employer_id
    elif employer_id is None:
        raise Invalid("employer_required", "Organisers posting a job name the employer_id.")
    event = await _event_for(slug, actor)
    if event.status == Event.Status.cancelled:
        raise Conflict("event_cancelled", "A cancelled event takes no new jobs.")
    if not await _has_booth_at(employer_id, event.id):
        raise Conflict("no_booth_at_event", "The employer needs a booth at one of this event's stops to post jobs here.")
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
    await Job.insert(job)
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
    return job_view(await _row(job_id))


async def delete_job(*, actor: Actor, now: datetime, job_id: uuid.UUID) -> None:
    """Soft-delete: the row stays for whatever points at it, and disappears from every listing."""
    require_role(actor, "organiser", "hr")
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        raise Forbidden("not_your_job", "HR staff may only delete their own employer's jobs.")
    await Job.update({Job.deleted_at: now, Job.status: Job.Status.closed, Job.updated_at: now}).where(Job.id == job_id)


async def search_jobs(
    *,
    actor: Actor,
    slug: str,
    q: str | None = None,
    education: str | None = None,
    major: str | None = None,
    min_salary: int | None = None,
    category: str | None = None,
    employer_id: uuid.UUID | None = None,
    status: str = "open",
    limit: int,
    offset: int,
) -> views.JobPage:
    """Jobs at an event. Closed jobs are listed only to organisers and to the employer's own staff."""
    event = await _event_for(slug, actor)
    where = [Job.event == event.id, Job.deleted_at.is_null()]
    if status != "open":
        require_role(actor, "organiser", "hr")
        if actor.role == "hr":
            where.append(Job.employer == actor.employer_id)
    if status != "all":
        where.append(Job.status == status)
    if q and q.strip():
        text = q.strip()
        where.append(contains(Job.title, text) | contains(Job.description, text) | contains(Job.category, text))
    if education:
        where.append(Job.education.is_in(EDUCATION_LEVELS[: EDUCATION_LEVELS.index(education) + 1]))
    if major and major.strip():
        where.append(contains(Job.majors, major.strip()) | (Job.majors == "[]"))
    if min_salary is not None:
        where.append(Job.salary_max >= min_salary)
    if category:
        where.append(Job.category == category)
    if employer_id:
        where.append(Job.employer == employer_id)
    rows = await Job.select(*JOB_COLUMNS).where(*where).order_by(Job.created_at, ascending=False).order_by(Job.id).limit(limit).offset(offset)
    total = await Job.count().where(*where)
    return views.JobPage(items=[job_view(row) for row in rows], total=total, limit=limit, offset=offset)
