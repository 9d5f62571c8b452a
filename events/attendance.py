"""Attendance: who came to each stop and each booth, in counts the database adds up (no per-row loops), and its exports."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from piccolo.query.functions.aggregate import Count

from events import views
from events.accounts import Actor, require_organiser, require_role
from events.errors import Forbidden, NotFound
from events.interests import sharing_seekers
from events.scanning import SLOT_SECONDS
from events.schedule import load_event
from events.tables import AuditEntry, Booth, CheckIn, Interest, Job, Registration, Scan, SeekerProfile, Stop, Visit, VisitJob


def _by(rows: list[dict[str, Any]], *keys: str) -> dict[Any, int]:
    return {tuple(row[key] for key in keys) if len(keys) > 1 else row[keys[0]]: row["count"] for row in rows}


async def event_attendance(*, actor: Actor, now: datetime, slug: str) -> views.EventAttendance:
    """Per stop: registered, waitlisted, cancelled, checked in, walk-ins, no-shows, rate and 15-minute arrivals; per booth: visitors, scans, interests per job."""
    require_organiser(actor)
    event = await load_event(slug, actor)
    stops = await Stop.select(Stop.id, Stop.name, Stop.starts_at, Stop.ends_at, Stop.timezone).where(Stop.event == event.id).order_by(Stop.starts_at)
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
        stop_reports.append(
            views.StopAttendance(
                stop_id=stop["id"],
                name=stop["name"],
                starts_at=stop["starts_at"].astimezone(zone),
                ends_at=stop["ends_at"].astimezone(zone),
                registered=registered,
                waitlisted=statuses.get((stop["id"], "waitlisted"), 0),
                cancelled=statuses.get((stop["id"], "cancelled"), 0),
                checked_in=came,
                walk_ins=walk_ins.get(stop["id"], 0),
                no_shows=max(0, registered - came),
                check_in_rate=round(came / registered, 4) if registered else 0.0,
                arrivals=[views.Arrivals(slot_start=a.slot_start.astimezone(zone), count=a.count) for a in arrivals[stop["id"]]],
                gate_scans=gate_scans[stop["id"]],
            )
        )

    booths = await Booth.select(Booth.id, Booth.stop, Booth.label, Booth.employer, Booth.employer.name).where(Booth.stop.is_in(stop_ids)).order_by(Booth.label)
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
            label=booth["label"],
            employer=views.EmployerSummary(id=booth["employer"], name=booth["employer.name"]),
            unique_visitors=visitors.get(booth["id"], 0),
            total_scans=scans.get(booth["id"], 0),
            interests=jobs_of[booth["employer"]],
        )
        for booth in booths
    ]
    return views.EventAttendance(event_slug=event.slug, title=event.title, generated_at=now, stops=stop_reports, booths=booth_reports)


# ---------------------------------------------------------------- exports

STOP_HEADER = ["站点 Stop", "开始 Starts", "已报名 Registered", "候补 Waitlisted", "已取消 Cancelled", "已签到 Checked in", "现场报名 Walk-ins", "未到 No-shows", "签到率 Rate"]
BOOTH_HEADER = ["摊位 Booth", "用人单位 Employer", "到访人数 Visitors", "扫码次数 Scans", "投递意向 Interests"]
ARRIVAL_HEADER = ["站点 Stop", "时段 Slot (15 min)", "签到人数 Arrivals"]


def _local(moment: datetime) -> datetime:
    """Excel has no time zones: a wall-clock time in the stop's zone."""
    return moment.replace(tzinfo=None)


def _rows(report: views.EventAttendance) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    stops = [[s.name, _local(s.starts_at), s.registered, s.waitlisted, s.cancelled, s.checked_in, s.walk_ins, s.no_shows, s.check_in_rate] for s in report.stops]
    booths = [[b.label, b.employer.name, b.unique_visitors, b.total_scans, sum(j.interests for j in b.interests)] for b in report.booths]
    arrivals = [[s.name, _local(a.slot_start), a.count] for s in report.stops for a in s.arrivals]
    return stops, booths, arrivals


def attendance_csv(report: views.EventAttendance) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    stops, booths, arrivals = _rows(report)
    for header, rows in ((STOP_HEADER, stops), (BOOTH_HEADER, booths), (ARRIVAL_HEADER, arrivals)):
        writer.writerow(header)
        writer.writerows([[value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value for value in row] for row in rows])
        writer.writerow([])
    return out.getvalue()


def _xlsx(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        for letter, width in zip("ABCDEFGHIJK", [max(12, len(str(h)) * 2) for h in header], strict=False):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def attendance_xlsx(report: views.EventAttendance) -> bytes:
    stops, booths, arrivals = _rows(report)
    return _xlsx([("站点 Stops", STOP_HEADER, stops), ("摊位 Booths", BOOTH_HEADER, booths), ("到场 Arrivals", ARRIVAL_HEADER, arrivals)])


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


def _visitor_rows(report: views.BoothVisitors) -> list[list[Any]]:
    rows = []
    for v in report.visitors:
        p = v.profile
        rows.append(
            [_local(v.visited_at), v.scans, "、".join(v.jobs_asked), "、".join(v.interests)]
            + ([p.name, p.phone or "", p.email or "", p.school, p.major, p.degree, p.graduation_year or ""] if p else ["（未授权 not shared）", "", "", "", "", "", ""])
        )
    return rows


def visitors_csv(report: views.BoothVisitors) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(VISITOR_HEADER)
    writer.writerows([[value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value for value in row] for row in _visitor_rows(report)])
    return out.getvalue()


def visitors_xlsx(report: views.BoothVisitors) -> bytes:
    return _xlsx([(f"{report.label} 访客 Visitors", VISITOR_HEADER, _visitor_rows(report))])



