"""The report's counts, each one query the database adds up (GROUP BY, COUNT, SUM); exact numbers, never suppressed here.

`events.reports` turns them into tables and applies the "<5" rule. Every function takes the ids of the
events and of their scheduled stops a report covers; none loops over registrations, scans or visits in Python.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count, Sum

from events import db
from events.funnel import PROGRESS
from events.tables import Account, Booking, Booth, CheckIn, Employer, Event, Interest, Job, SeekerProfile, Stop, Visit


def ids(values: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """A list `is_in` accepts: an empty one becomes a random id that matches nothing."""
    return list(values) or [uuid.uuid4()]


def _placeholders(values: list[Any]) -> str:
    return ", ".join("{}" for _ in values)


# ---------------------------------------------------------------- what a report covers


async def scheduled_stops(event_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The events' stops that are not cancelled, in time order, with what `attendance.stops_attendance` reads."""
    return await Stop.select(Stop.id, Stop.event, Stop.name, Stop.school, Stop.campus, Stop.starts_at, Stop.ends_at, Stop.timezone).where(
        Stop.event.is_in(ids(event_ids)) & (Stop.status == Stop.Status.scheduled)
    ).order_by(Stop.starts_at)


async def events_starting(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Published events whose first scheduled stop starts in [start, end): a period's events (cancelled and draft ones are not reported)."""
    return await Event.select(Event.id, Event.slug, Event.title, Event.kind, Event.city, Event.starts_at).where(
        (Event.status == Event.Status.published) & (Event.starts_at >= start) & (Event.starts_at < end)
    ).order_by(Event.starts_at)


async def earlier_events(*, kind: str, host: str, before: datetime, exclude: uuid.UUID) -> list[dict[str, Any]]:
    """Events of this kind and host that started before `before` and were not cancelled, latest first (candidates for the previous edition)."""
    return await Event.select(Event.id, Event.slug, Event.title, Event.city, Event.starts_at).where(
        (Event.kind == kind) & (Event.host == host) & (Event.starts_at < before) & (Event.id != exclude) & (Event.status != Event.Status.cancelled)
    ).order_by(Event.starts_at, ascending=False)


# ---------------------------------------------------------------- employers and jobs


def _live_jobs(event_ids: list[uuid.UUID]):
    return Job.event.is_in(ids(event_ids)) & Job.deleted_at.is_null()


def _takes_part(column: Column, event_ids: list[uuid.UUID], stop_ids: list[uuid.UUID]):
    """`column` (an employer id) names an employer with a booth at one of the stops or a job at one of the events."""
    return column.is_in(Booth.select(Booth.employer).where(Booth.stop.is_in(ids(stop_ids)))) | column.is_in(
        Job.select(Job.employer).where(_live_jobs(event_ids))
    )


async def employers_count(event_ids: list[uuid.UUID], stop_ids: list[uuid.UUID]) -> int:
    return await Employer.count().where(_takes_part(Employer.id, event_ids, stop_ids))


async def hr_staff_count(event_ids: list[uuid.UUID], stop_ids: list[uuid.UUID]) -> int:
    """Active HR accounts of the employers taking part."""
    return await Account.count().where((Account.role == Account.Role.hr) & Account.is_active.eq(True) & _takes_part(Account.employer, event_ids, stop_ids))


async def employers(event_ids: list[uuid.UUID], stop_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Per employer taking part: name, booths, active HR accounts, jobs and headcount; by name."""
    found: dict[uuid.UUID, dict[str, Any]] = {}

    def row(employer: Any, name: str) -> dict[str, Any]:
        return found.setdefault(db.as_uuid(employer), {"id": db.as_uuid(employer), "name": name, "booths": 0, "hr_staff": 0, "jobs": 0, "headcount": 0})

    for booth in await Booth.select(Booth.employer, Booth.employer.name, Count()).where(Booth.stop.is_in(ids(stop_ids))).group_by(Booth.employer, Booth.employer.name):
        row(booth["employer"], booth["employer.name"])["booths"] = booth["count"]
    for job in await Job.select(Job.employer, Job.employer.name, Count(), Sum(Job.headcount).as_alias("headcount")).where(_live_jobs(event_ids)).group_by(
        Job.employer, Job.employer.name
    ):
        row(job["employer"], job["employer.name"]).update(jobs=job["count"], headcount=job["headcount"] or 0)
    for staff in await Account.select(Account.employer, Count()).where(
        (Account.role == Account.Role.hr) & Account.is_active.eq(True) & Account.employer.is_in(ids(found))
    ).group_by(Account.employer):
        found[db.as_uuid(staff["employer"])]["hr_staff"] = staff["count"]
    return sorted(found.values(), key=lambda employer: employer["name"])


async def jobs_by(column: Column | tuple[Column, ...], event_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Jobs (not deleted) and their headcount grouped by a column of Job (or several): rows of the column(s), count, headcount."""
    columns = column if isinstance(column, tuple) else (column,)
    rows = await Job.select(*columns, Count(), Sum(Job.headcount).as_alias("headcount")).where(_live_jobs(event_ids)).group_by(*columns)
    return [{**row, "headcount": row["headcount"] or 0} for row in rows]


async def jobs_by_event(event_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """Per event: jobs (not deleted) and headcount."""
    return {db.as_uuid(row["event"]): (row["count"], row["headcount"]) for row in await jobs_by(Job.event, event_ids)}


# ---------------------------------------------------------------- visitors: the people who came


def _came(column: Column, stop_ids: list[uuid.UUID]):
    """`column` (an account id) names someone checked in at one of the stops or scanned at one of their booths."""
    return column.is_in(CheckIn.select(CheckIn.registration.seeker).where(CheckIn.stop.is_in(ids(stop_ids)))) | column.is_in(
        Visit.select(Visit.seeker).where(Visit.stop.is_in(ids(stop_ids)))
    )


async def visitors_count(stop_ids: list[uuid.UUID]) -> int:
    """Distinct people who came: checked in at the gate of one of the stops, or scanned at one of their booths."""
    return await Account.count().where(_came(Account.id, stop_ids))


async def visitor_profiles(stop_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Visitors with a seeker profile, counted per (degree, major, school, graduation_year): one query for the four breakdowns.

    There are at most as many groups as visitors, and far fewer in practice (a few degrees, years and schools).
    """
    columns = (SeekerProfile.degree, SeekerProfile.major, SeekerProfile.school, SeekerProfile.graduation_year)
    return await SeekerProfile.select(*columns, Count()).where(_came(SeekerProfile.account, stop_ids)).group_by(*columns)


# ---------------------------------------------------------------- stalls and the funnel

#: How far along the main line a stage change took an interest (an index into funnel.PROGRESS), in SQL.
_STEP = "CASE sc.to_stage " + " ".join(f"WHEN '{stage.value}' THEN {n}" for n, stage in enumerate(PROGRESS)) + " ELSE 0 END"


def _furthest(event_ids: list[uuid.UUID]) -> str:
    """A derived table (interest, furthest): the furthest main-line stage each interest of the events ever reached, from its history."""
    return (
        f"(SELECT sc.interest AS interest, MAX({_STEP}) AS furthest FROM stage_change sc JOIN interest i2 ON i2.id = sc.interest "  # noqa: S608 - constants; ids are parameters
        f"JOIN job j2 ON j2.id = i2.job WHERE j2.event IN ({_placeholders(event_ids)}) GROUP BY sc.interest)"
    )


def _reached(alias: str) -> str:
    """One SUM per stage after `submitted`: interests whose furthest stage is that one or beyond."""
    return ", ".join(f"SUM(CASE WHEN {alias}.furthest >= {n} THEN 1 ELSE 0 END) AS {stage.value}" for n, stage in enumerate(PROGRESS) if n)


async def funnel_by_employer(event_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Per employer: interests in its jobs at the events (all, withdrawn ones too, as events.funnel counts them), and how many reached each stage."""
    event_ids = ids(event_ids)
    sql = (
        f"SELECT i.employer AS employer, e.name AS name, COUNT(*) AS submitted, {_reached('f')} "  # noqa: S608 - constants; ids are parameters
        "FROM interest i JOIN job j ON j.id = i.job JOIN employer e ON e.id = i.employer "
        f"LEFT JOIN {_furthest(event_ids)} f ON f.interest = i.id "
        f"WHERE j.event IN ({_placeholders(event_ids)}) GROUP BY i.employer, e.name"
    )
    rows = await Interest.raw(sql, *event_ids, *event_ids)
    return sorted(
        ({**row, "employer": db.as_uuid(row["employer"]), **{stage.value: int(row[stage.value] or 0) for stage in PROGRESS}} for row in rows),
        key=lambda row: row["name"],
    )


async def stall_figures(event_ids: list[uuid.UUID], stop_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Per booth at the stops: stop, label, employer, unique visitors, bookings, and the interests of its visitors in its employer's jobs at the event.

    An interest counts at every booth of its employer the seeker visited at that event (one visit, one stall), with how
    many of those reached an intention and a signed offer.
    """
    stop_ids, event_ids = ids(stop_ids), ids(event_ids)
    booths = await Booth.select(Booth.id, Booth.stop, Booth.label, Booth.employer, Booth.employer.name).where(Booth.stop.is_in(stop_ids)).order_by(Booth.label)
    visitors = {
        db.as_uuid(row["booth"]): row["count"] for row in await Visit.select(Visit.booth, Count()).where(Visit.stop.is_in(stop_ids)).group_by(Visit.booth)
    }
    bookings = {
        db.as_uuid(row["slot.booth"]): row["count"]
        for row in await Booking.select(Booking.slot.booth, Count()).where(Booking.stop.is_in(stop_ids) & (Booking.status != Booking.Status.cancelled)).group_by(
            Booking.slot.booth
        )
    }
    intention, signed = PROGRESS.index(Interest.Stage.intention), PROGRESS.index(Interest.Stage.signed)
    # Driven from the interests (fewer than visits), each looked up in visit's (booth, seeker) index: on SQLite a third of
    # the time of driving from the visits (0.37 s against 1.17 s at 20,000 interests and 160,000 visits).
    sql = (
        "SELECT b.id AS booth, COUNT(*) AS interests, "  # noqa: S608 - constants; ids are parameters
        f"SUM(CASE WHEN f.furthest >= {intention} THEN 1 ELSE 0 END) AS intention, SUM(CASE WHEN f.furthest >= {signed} THEN 1 ELSE 0 END) AS signed "
        "FROM interest i JOIN job j ON j.id = i.job JOIN booth b ON b.employer = i.employer JOIN stop s ON s.id = b.stop AND s.event = j.event "
        "JOIN visit v ON v.booth = b.id AND v.seeker = i.seeker "
        f"LEFT JOIN {_furthest(event_ids)} f ON f.interest = i.id "
        f"WHERE j.event IN ({_placeholders(event_ids)}) AND b.stop IN ({_placeholders(stop_ids)}) GROUP BY b.id"
    )
    interests = {db.as_uuid(row["booth"]): row for row in await Interest.raw(sql, *event_ids, *event_ids, *stop_ids)}
    found = []
    for booth in booths:
        key = db.as_uuid(booth["id"])
        counted = interests.get(key, {})
        found.append(
            {
                "id": key, "stop": db.as_uuid(booth["stop"]), "label": booth["label"], "employer": booth["employer.name"],
                "visitors": visitors.get(key, 0), "bookings": bookings.get(key, 0), "interests": int(counted.get("interests") or 0),
                "intention": int(counted.get("intention") or 0), "signed": int(counted.get("signed") or 0),
            }
        )
    return found


async def seekers_by_category(event_ids: list[uuid.UUID]) -> dict[str, int]:
    """Per job category: distinct seekers who expressed an interest in a job of that category at the events (求职人数)."""
    rows = await Interest.select(Interest.job.category, Count(distinct=[Interest.seeker])).where(Interest.job.event.is_in(ids(event_ids))).group_by(
        Interest.job.category
    )
    return {row["job.category"]: row["count"] for row in rows}
