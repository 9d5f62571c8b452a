"""Attendance: who came to each stop and each booth, in counts the database adds up (no per-row loops), and its exports."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from events import i18n, views
from events.accounts import Actor, require_organiser, require_role
from events.errors import Forbidden, NotFound
from events.exports import Percent, Sheet, csv_document, workbook
from events.interests import sharing_seekers
from events.scanning import SLOT_SECONDS
from events.schedule import load_event
from events.tables import AuditEntry, Booth, CheckIn, Interest, Job, Registration, Scan, SeekerProfile, Stop, Visit, VisitJob


def _by(rows: list[dict[str, Any]], *keys: str) -> dict[Any, int]:
    return {tuple(row[key] for key in keys) if len(keys) > 1 else row[keys[0]]: row["count"] for row in rows}


#: What `stops_attendance` needs of each stop.
STOP_COLUMNS = (Stop.id, Stop.name, Stop.starts_at, Stop.ends_at, Stop.timezone)


async def stops_attendance(*, stops: list[dict[str, Any]], now: datetime) -> list[views.StopAttendance]:
    """Registered, waitlisted, cancelled, checked in, walk-ins, no-shows, rate and 15-minute arrivals of each stop (rows of STOP_COLUMNS).

    The one place these figures are defined: the attendance export and the reports (events.reports) both read them here.
    """
    stop_ids = [stop["id"] for stop in stops] or [uuid.uuid4()]
    statuses = _by(await Registration.select(Registration.stop, Registration.status, Count()).where(Registration.stop.is_in(stop_ids)).group_by(Registration.stop, Registration.status), "stop", "status")
    checked_in = _by(await CheckIn.select(CheckIn.stop, Count()).where(CheckIn.stop.is_in(stop_ids)).group_by(CheckIn.stop), "stop")
    # A walk-in registered after the stop began; one count per stop (stops are few, check-ins many).
    walk_ins = {
        stop["id"]: await CheckIn.count().where((CheckIn.stop == stop["id"]) & (CheckIn.registration.created_at >= stop["starts_at"]))
        for stop in stops
    }
    gate_scans: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for row in await Scan.select(Scan.stop, Scan.outcome, Count()).where(Scan.stop.is_in(stop_ids) & (Scan.kind == Scan.Kind.check_in)).group_by(Scan.stop, Scan.outcome):
        gate_scans[row["stop"]][row["outcome"]] = row["count"]
    arrivals: dict[uuid.UUID, list[views.Arrivals]] = defaultdict(list)
    for row in await CheckIn.select(CheckIn.stop, CheckIn.slot, Count()).where(CheckIn.stop.is_in(stop_ids)).group_by(CheckIn.stop, CheckIn.slot).order_by(CheckIn.slot):
        arrivals[row["stop"]].append(views.Arrivals(slot_start=datetime.fromtimestamp(row["slot"] * SLOT_SECONDS, UTC), count=row["count"]))

    stop_reports = []
    for stop in stops:
        zone = ZoneInfo(stop["timezone"])
        registered = statuses.get((stop["id"], "confirmed"), 0)
        came = checked_in.get(stop["id"], 0)
        started = now >= stop["starts_at"]
        stop_reports.append(
            views.StopAttendance(
                stop_id=stop["id"],
                name=stop["name"],
                starts_at=stop["starts_at"].astimezone(zone),
                ends_at=stop["ends_at"].astimezone(zone),
                timezone=stop["timezone"],
                registered=registered,
                waitlisted=statuses.get((stop["id"], "waitlisted"), 0),
                cancelled=statuses.get((stop["id"], "cancelled"), 0),
                checked_in=came,
                walk_ins=walk_ins.get(stop["id"], 0),
                has_started=started,
                no_shows=max(0, registered - came) if started else None,
                check_in_rate=None if not started else round(came / registered, 4) if registered else 0.0,
                arrivals=[views.Arrivals(slot_start=a.slot_start.astimezone(zone), count=a.count) for a in arrivals[stop["id"]]],
                gate_scans=gate_scans[stop["id"]],
            )
        )
    return stop_reports


async def event_attendance(*, actor: Actor, now: datetime, slug: str) -> views.EventAttendance:
    """Per stop: registered, waitlisted, cancelled, checked in, walk-ins, no-shows, rate and 15-minute arrivals; per booth: visitors, scans, interests per job.

    Before a stop starts nobody can have failed to come: its no-shows and rate are None ("not yet"), not everyone and 0 %.
    """
    require_organiser(actor)
    event = await load_event(slug, actor)
    stops = await Stop.select(*STOP_COLUMNS).where(Stop.event == event.id).order_by(Stop.starts_at)
    stop_ids = [stop["id"] for stop in stops] or [uuid.uuid4()]
    stop_reports = await stops_attendance(stops=stops, now=now)

    # A talent train has an "A01" at every campus: booths go stop by stop, each row naming its stop.
    stop_order = {stop["id"]: n for n, stop in enumerate(stops)}
    stop_names = {stop["id"]: stop["name"] for stop in stops}
    booths = await Booth.select(Booth.id, Booth.stop, Booth.label, Booth.employer, Booth.employer.name).where(Booth.stop.is_in(stop_ids)).order_by(Booth.label)
    booths.sort(key=lambda booth: stop_order[booth["stop"]])
    booth_ids = [booth["id"] for booth in booths] or [uuid.uuid4()]
    visitors = _by(await Visit.select(Visit.booth, Count()).where(Visit.booth.is_in(booth_ids)).group_by(Visit.booth), "booth")
    scans = _by(
        await Scan.select(Scan.booth, Count()).where(Scan.booth.is_in(booth_ids) & Scan.outcome.is_in(["first", "repeat"])).group_by(Scan.booth),
        "booth",
    )
    jobs = await Job.select(Job.id, Job.title, Job.employer).where((Job.event == event.id) & Job.deleted_at.is_null()).order_by(Job.title)
    interests = _by(
        await Interest.select(Interest.job, Count()).where(Interest.job.is_in([job["id"] for job in jobs] or [uuid.uuid4()]) & Interest.withdrawn_at.is_null()).group_by(Interest.job),
        "job",
    )
    jobs_of: dict[uuid.UUID, list[views.JobInterest]] = defaultdict(list)
    for job in jobs:
        jobs_of[job["employer"]].append(views.JobInterest(job_id=job["id"], title=job["title"], interests=interests.get(job["id"], 0)))
    booth_reports = [
        views.BoothAttendance(
            booth_id=booth["id"],
            stop_id=booth["stop"],
            stop_name=stop_names[booth["stop"]],
            label=booth["label"],
            employer=views.EmployerSummary(id=booth["employer"], name=booth["employer.name"]),
            unique_visitors=visitors.get(booth["id"], 0),
            total_scans=scans.get(booth["id"], 0),
            interests=jobs_of[booth["employer"]],
        )
        for booth in booths
    ]
    return views.EventAttendance(event_slug=event.slug, title=event.title, generated_at=now.replace(microsecond=0), stops=stop_reports, booths=booth_reports)


# ---------------------------------------------------------------- exports
#
# Words in the cells are in one language (Chinese unless asked for English); headers carry both.

STOP_HEADER = ["站点 Stop", "开始 Starts", "已报名 Registered", "候补 Waitlisted", "已取消 Cancelled", "已签到 Checked in", "现场报名 Walk-ins", "未到 No-shows", "签到率 Rate"]
BOOTH_HEADER = ["站点 Stop", "摊位 Booth", "用人单位 Employer", "到访人数 Visitors", "扫码次数 Scans", "投递意向 Interests"]
ARRIVAL_HEADER = ["站点 Stop", "时段 Slot (15 min)", "签到人数 Arrivals"]


def _rows(report: views.EventAttendance, language: str) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    not_yet = i18n.translate("not_yet", language)
    stops = [
        [s.name, s.starts_at, s.registered, s.waitlisted, s.cancelled, s.checked_in, s.walk_ins,
         not_yet if s.no_shows is None else s.no_shows, not_yet if s.check_in_rate is None else Percent(s.check_in_rate)]
        for s in report.stops
    ]
    booths = [[b.stop_name, b.label, b.employer.name, b.unique_visitors, b.total_scans, sum(j.interests for j in b.interests)] for b in report.booths]
    arrivals = [[s.name, a.slot_start, a.count] for s in report.stops for a in s.arrivals]
    return stops, booths, arrivals


def attendance_csv(report: views.EventAttendance, language: str = "zh") -> str:
    stops, booths, arrivals = _rows(report, language)
    return csv_document((STOP_HEADER, stops), (BOOTH_HEADER, booths), (ARRIVAL_HEADER, arrivals))


def attendance_xlsx(report: views.EventAttendance, language: str = "zh") -> bytes:
    stops, booths, arrivals = _rows(report, language)
    return workbook(
        Sheet("站点 Stops", STOP_HEADER, stops), Sheet("摊位 Booths", BOOTH_HEADER, booths, text_columns={1}), Sheet("到场 Arrivals", ARRIVAL_HEADER, arrivals)
    )


# ---------------------------------------------------------------- an employer's visitors


async def booth_visitors(*, actor: Actor, now: datetime, booth_id: uuid.UUID) -> views.BoothVisitors:
    """The visitors of a booth as its employer may see them: who and how to reach them only when they chose to share."""
    require_role(actor, "hr", "organiser")
    booth = await Booth.select(Booth.id, Booth.label, Booth.employer, Booth.stop.event).where(Booth.id == booth_id).first()
    if booth is None:
        raise NotFound("booth_not_found", "No such booth.")
    if not (actor.is_organiser or actor.works_for(booth["employer"])):
        raise Forbidden("not_your_booth", "HR staff see only their own employer's visitors.")
    visits = await Visit.select(Visit.id, Visit.seeker, Visit.visited_at, Visit.stop.timezone, Visit.seeker.name, Visit.seeker.phone, Visit.seeker.email).where(
        Visit.booth == booth_id
    ).order_by(Visit.visited_at)
    seekers = [visit["seeker"] for visit in visits] or [uuid.uuid4()]
    scan_counts = _by(
        await Scan.select(Scan.registration.seeker, Count()).where((Scan.booth == booth_id) & Scan.outcome.is_in(["first", "repeat"])).group_by(Scan.registration.seeker),
        "registration.seeker",
    )
    asked: dict[uuid.UUID, list[str]] = defaultdict(list)
    for row in await VisitJob.select(VisitJob.visit, VisitJob.job.title).where(VisitJob.visit.is_in([v["id"] for v in visits] or [uuid.uuid4()])):
        asked[row["visit"]].append(row["job.title"])
    sharing = await sharing_seekers(booth["employer"])
    applied: dict[uuid.UUID, list[str]] = defaultdict(list)
    for row in await Interest.select(Interest.seeker, Interest.job.title).where(
        (Interest.employer == booth["employer"]) & Interest.withdrawn_at.is_null() & Interest.seeker.is_in(seekers)
    ):
        applied[row["seeker"]].append(row["job.title"])
    profiles = {row["account"]: row for row in await SeekerProfile.select().where(SeekerProfile.account.is_in(seekers))}
    visitors = []
    for visit in visits:
        shared = visit["seeker"] in sharing
        profile = profiles.get(visit["seeker"], {})
        visitors.append(
            views.Visitor(
                visit_id=visit["id"],
                visited_at=visit["visited_at"].astimezone(ZoneInfo(visit["stop.timezone"])),
                scans=scan_counts.get(visit["seeker"], 0),
                jobs_asked=sorted(asked[visit["id"]]),
                shared=shared,
                interests=sorted(applied[visit["seeker"]]),
                profile=views.VisitorProfile(
                    name=visit["seeker.name"],
                    phone=visit["seeker.phone"],
                    email=visit["seeker.email"],
                    school=profile.get("school", ""),
                    major=profile.get("major", ""),
                    degree=profile.get("degree", ""),
                    graduation_year=profile.get("graduation_year"),
                )
                if shared
                else None,
            )
        )
    # Reading visitors' profiles is personal data leaving the system: it goes in the audit log.
    await AuditEntry.insert(
        AuditEntry(actor=actor.id, action="read_booth_visitors", target=f"booth:{booth_id}", detail=json.dumps({"shared": sum(v.shared for v in visitors)}), at=now)
    )
    return views.BoothVisitors(
        booth_id=booth_id, label=booth["label"], unique_visitors=len(visitors), shared_profiles=sum(v.shared for v in visitors), visitors=visitors
    )


VISITOR_HEADER = ["到访时间 Visited at", "扫码次数 Scans", "咨询岗位 Jobs asked", "投递岗位 Applied", "姓名 Name", "手机 Phone", "邮箱 Email", "学校 School", "专业 Major", "学历 Degree", "毕业年份 Graduation"]
_PHONE_COLUMN = 5


def degree_word(degree: str, language: str) -> str:
    """硕士 / Master's for `master`; empty stays empty."""
    return i18n.translate(f"degree.{degree}", language) if degree else ""


def _visitor_rows(report: views.BoothVisitors, language: str) -> list[list[Any]]:
    rows = []
    not_shared = i18n.translate("not_shared", language)
    for v in report.visitors:
        p = v.profile
        rows.append(
            [v.visited_at, v.scans, "、".join(v.jobs_asked), "、".join(v.interests)]
            + ([p.name, p.phone, p.email, p.school, p.major, degree_word(p.degree, language), p.graduation_year] if p else [not_shared, None, None, None, None, None, None])
        )
    return rows


def visitors_csv(report: views.BoothVisitors, language: str = "zh") -> str:
    return csv_document((VISITOR_HEADER, _visitor_rows(report, language)))


def visitors_xlsx(report: views.BoothVisitors, language: str = "zh") -> bytes:
    return workbook(Sheet(f"{report.label} 访客 Visitors", VISITOR_HEADER, _visitor_rows(report, language), text_columns={_PHONE_COLUMN}))


# ---------------------------------------------------------------- all of an employer's visitors


def _matches(visitor: views.Visitor, text: str) -> bool:
    """Search only what the employer may see: the jobs, and the profile where it was shared."""
    p = visitor.profile
    haystack = [*visitor.jobs_asked, *visitor.interests] + ([p.name, p.phone or "", p.email or "", p.school, p.major] if p else [])
    return any(text in value.lower() for value in haystack)


async def employer_visitors(
    *, actor: Actor, now: datetime, employer_id: uuid.UUID, q: str | None = None, stop_id: uuid.UUID | None = None, job_id: uuid.UUID | None = None
) -> views.EmployerVisitors:
    """Everyone scanned at the employer's booths, booth by booth, with the same consent rule as `booth_visitors` (which reads each booth)."""
    require_role(actor, "hr", "organiser")
    if not (actor.is_organiser or actor.works_for(employer_id)):
        raise Forbidden("not_your_employer", "HR staff see only their own employer's visitors.")
    where = Booth.employer == employer_id
    if stop_id is not None:
        where &= Booth.stop == stop_id
    booths = await Booth.select(Booth.id, Booth.label, Booth.stop, Booth.stop.name, Booth.stop.event.slug).where(where).order_by(Booth.stop.starts_at)
    job_title = None
    if job_id is not None:
        job = await Job.select(Job.title).where((Job.id == job_id) & (Job.employer == employer_id)).first()
        if job is None:
            raise NotFound("job_not_found", "No such job.")
        job_title = job["title"]
    text = q.strip().lower() if q else ""
    found = []
    for booth in booths:
        report = await booth_visitors(actor=actor, now=now, booth_id=booth["id"])
        for v in report.visitors:
            if job_title is not None and job_title not in v.interests and job_title not in v.jobs_asked:
                continue
            if text and not _matches(v, text):
                continue
            found.append(
                views.EmployerVisitor(
                    **{name: getattr(v, name) for name in v.__struct_fields__},
                    booth_id=booth["id"], booth_label=booth["label"], stop_id=booth["stop"], stop_name=booth["stop.name"], event_slug=booth["stop.event.slug"],
                )
            )
    return views.EmployerVisitors(employer_id=employer_id, total=len(found), visitors=found)


EMPLOYER_VISITOR_HEADER = ["站点 Stop", "展位 Booth", *VISITOR_HEADER]


def _employer_visitor_rows(report: views.EmployerVisitors, language: str) -> list[list[Any]]:
    rows = []
    for v in report.visitors:
        single = views.BoothVisitors(booth_id=v.booth_id, label=v.booth_label, unique_visitors=1, shared_profiles=int(v.shared), visitors=[v])
        rows.append([v.stop_name, v.booth_label, *_visitor_rows(single, language)[0]])
    return rows


def employer_visitors_csv(report: views.EmployerVisitors, language: str = "zh") -> str:
    return csv_document((EMPLOYER_VISITOR_HEADER, _employer_visitor_rows(report, language)))


def employer_visitors_xlsx(report: views.EmployerVisitors, language: str = "zh") -> bytes:
    return workbook(Sheet("访客 Visitors", EMPLOYER_VISITOR_HEADER, _employer_visitor_rows(report, language), text_columns={1, _PHONE_COLUMN + 2}))
