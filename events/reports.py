"""Reports for the bureau (统计报告): an event's or a period's figures as a `Report` of tables, counts only.

The counting is in `events.report_queries` (one aggregate query each) and, per stop, in
`events.attendance.stops_attendance`, so a stop's figures are the attendance export's. Here the counts
become tables, and every count of people in a group goes through `small()` ("<5"). docs/reports.md
defines every figure.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from events import i18n, views
from events import report_queries as q
from events.accounts import Actor, require_organiser
from events.attendance import stops_attendance
from events.disciplines import DISCIPLINES, discipline_name, discipline_of
from events.errors import DomainError
from events.funnel import PROGRESS
from events.report_model import Chart, Column, Report, Section, Table, Value, small
from events.schedule import load_event
from events.settings import settings
from events.tables import Account, Event, Job, SeekerProfile

#: The longest period a report covers (a longer one is refused: `period_too_long`).
MAX_PERIOD_DAYS = 3 * 366

#: Salary bands by the middle of a job's monthly range (CNY): (lowest included, Chinese, English); the last is open-ended.
SALARY_BANDS: tuple[tuple[int, str, str], ...] = (
    (0, "5000元以下", "Under 5,000"),
    (5000, "5000–7999元", "5,000–7,999"),
    (8000, "8000–11999元", "8,000–11,999"),
    (12000, "12000–19999元", "12,000–19,999"),
    (20000, "20000元及以上", "20,000 and more"),
)


class PeriodInvalid(DomainError):
    """A period a report cannot cover: reversed, or longer than MAX_PERIOD_DAYS (400, with the code)."""

    status = 400


def _col(key: str, zh: str, en: str, kind: str = "count") -> Column:
    return Column(key=key, zh=zh, en=en, kind=kind)  # type: ignore[arg-type]


def _words(language: str) -> Callable[[str, str], str]:
    return lambda zh, en: zh if language == "zh" else en


def _stop_name(stop: dict[str, Any]) -> str:
    """The name the schedule shows: a night's name, or a campus stop's school and campus."""
    return " ".join(part for part in (stop["name"], stop["school"], stop["campus"]) if part)


def _rate(came: int, registered: int) -> float | None:
    """Checked in / registered, as the attendance export rounds it; none when either side is hidden as "<5"."""
    if registered < 5 or 0 < came < 5:
        return None if registered else 0.0
    return round(came / registered, 4)


# ---------------------------------------------------------------- totals: the headline figures, shared by both reports


@dataclass(frozen=True)
class Totals:
    events: int
    stops: int
    employers: int
    hr_staff: int
    jobs: int
    headcount: int
    registered: int
    waitlisted: int
    checked_in: int
    no_shows: int
    visitors: int
    interests: int
    intentions: int
    signed: int
    #: Of stops that have started: registered and checked in (the arrival rate's parts).
    started_registered: int
    started_checked_in: int


#: (field, Chinese, English, whether it counts people: those go through small()).
HEADLINE: tuple[tuple[str, str, str, bool], ...] = (
    ("events", "招聘活动", "Events", False),
    ("stops", "站点/场次", "Stops", False),
    ("employers", "参会用人单位", "Employers", False),
    ("hr_staff", "HR 人员", "HR staff", True),
    ("jobs", "岗位数", "Jobs", False),
    ("headcount", "招聘人数", "Headcount", False),
    ("registered", "报名人次", "Registrations", True),
    ("waitlisted", "候补人次", "Waitlisted", True),
    ("checked_in", "签到人次", "Check-ins", True),
    ("no_shows", "未到人次", "No-shows", True),
    ("visitors", "到场求职者", "Visitors", True),
    ("interests", "投递意向", "Interests", True),
    ("intentions", "达成意向", "Intentions", True),
    ("signed", "签约", "Signed offers", True),
)


async def _totals(event_ids: list[uuid.UUID], stops: list[dict[str, Any]], attendance: list[views.StopAttendance]) -> Totals:
    stop_ids = [stop["id"] for stop in stops]
    jobs = await q.jobs_by_event(event_ids)
    funnel = await q.funnel_by_employer(event_ids)
    started = [a for a in attendance if a.has_started]
    return Totals(
        events=len(event_ids),
        stops=len(stops),
        employers=await q.employers_count(event_ids, stop_ids),
        hr_staff=await q.hr_staff_count(event_ids, stop_ids),
        jobs=sum(count for count, _ in jobs.values()),
        headcount=sum(headcount for _, headcount in jobs.values()),
        registered=sum(a.registered for a in attendance),
        waitlisted=sum(a.waitlisted for a in attendance),
        checked_in=sum(a.checked_in for a in attendance),
        no_shows=sum(a.no_shows or 0 for a in started),
        visitors=await q.visitors_count(stop_ids),
        interests=sum(row["submitted"] for row in funnel),
        intentions=sum(row["intention"] for row in funnel),
        signed=sum(row["signed"] for row in funnel),
        started_registered=sum(a.registered for a in started),
        started_checked_in=sum(a.checked_in for a in started),
    )


def _shown(field: str, value: int) -> int | str:
    people = next(is_people for key, _, _, is_people in HEADLINE if key == field)
    return small(value) if people else value


def _summary(totals: Totals, language: str, *, with_events: bool) -> Table:
    w = _words(language)
    rows: list[tuple[Value, ...]] = [(w(zh, en), _shown(key, getattr(totals, key))) for key, zh, en, _ in HEADLINE if with_events or key != "events"]
    rate = _rate(totals.started_checked_in, totals.started_registered) if totals.started_registered else None
    return Table(
        key="summary", zh="总体情况", en="Summary",
        columns=(_col("figure", "指标", "Figure", "text"), _col("value", "数值", "Value")),
        rows=rows,
        note_zh=f"到场率（已开始的站点）：{'—' if rate is None else f'{rate:.1%}'}。人数不足5的显示为“<5”。",
        note_en=f"Arrival rate (stops that have started): {'—' if rate is None else f'{rate:.1%}'}. Counts of 1 to 4 people show as “<5”.",
    )


def _change_rows(this: Totals, other: Totals | None, language: str) -> list[tuple[Value, ...]]:
    w = _words(language)
    rows: list[tuple[Value, ...]] = []
    for key, zh, en, _people in HEADLINE:
        if key == "events":
            continue
        now_value, then_value = getattr(this, key), None if other is None else getattr(other, key)
        shown_now, shown_then = _shown(key, now_value), None if then_value is None else _shown(key, then_value)
        # A change is shown only between two figures that are both shown exactly: "<5" on either side hides it.
        exact = isinstance(shown_now, int) and isinstance(shown_then, int)
        change = now_value - then_value if exact and then_value is not None else None
        percent = round(change / then_value, 4) if change is not None and then_value else None
        rows.append((w(zh, en), shown_now, shown_then, change, percent))
    return rows


def _change_table(
    key: str, zh: str, en: str, this: Totals, other: Totals | None, language: str, *, then_zh: str, then_en: str, note_zh: str, note_en: str
) -> Table:
    return Table(
        key=key, zh=zh, en=en,
        columns=(
            _col("figure", "指标", "Figure", "text"), _col("this", "本期", "This", "count"),
            _col("then", then_zh, then_en, "count"), _col("change", "增减", "Change", "number"), _col("change_rate", "增减幅度", "Change (%)", "percent"),
        ),
        rows=_change_rows(this, other, language) if other is not None else [],
        chart=Chart(kind="bar", x="figure", y=("this", "then")) if other is not None else None,
        note_zh=note_zh, note_en=note_en,
    )


# ---------------------------------------------------------------- jobs


async def _job_tables(event_ids: list[uuid.UUID], language: str) -> tuple[Table, ...]:
    w = _words(language)
    columns = (_col("jobs", "岗位数", "Jobs"), _col("headcount", "招聘人数", "Headcount"))
    by_category = sorted(await q.jobs_by(Job.category, event_ids), key=lambda row: (-row["headcount"], row["category"]))
    by_education = {row["education"]: row for row in await q.jobs_by(Job.education, event_ids)}
    bands: dict[int, list[int]] = {low: [0, 0] for low, _, _ in SALARY_BANDS}
    for row in await q.jobs_by((Job.salary_min, Job.salary_max), event_ids):
        middle = (row["salary_min"] + row["salary_max"]) / 2
        low = max(band for band, _, _ in SALARY_BANDS if middle >= band)
        bands[low][0] += row["count"]
        bands[low][1] += row["headcount"]
    return (
        Table(
            key="jobs_by_category", zh="岗位类别", en="Jobs by category",
            columns=(_col("category", "岗位类别", "Category", "text"), *columns),
            rows=[(row["category"] or w("未分类", "Uncategorised"), row["count"], row["headcount"]) for row in by_category],
            chart=Chart(kind="bar", x="category", y=("jobs", "headcount")),
        ),
        Table(
            key="jobs_by_education", zh="学历要求", en="Jobs by education required",
            columns=(_col("education", "学历要求", "Education", "text"), *columns),
            rows=[
                (i18n.translate(f"education.{level.value}", language), by_education[level.value]["count"], by_education[level.value]["headcount"])
                for level in Job.Education
                if level.value in by_education
            ],
            chart=Chart(kind="bar", x="education", y=("headcount",)),
        ),
        Table(
            key="jobs_by_salary", zh="月薪区间", en="Jobs by monthly salary",
            columns=(_col("band", "月薪（区间中值）", "Monthly salary (middle of range)", "text"), *columns),
            rows=[(w(zh, en), *bands[low]) for low, zh, en in SALARY_BANDS],
            chart=Chart(kind="bar", x="band", y=("jobs",)),
            note_zh="按岗位月薪区间的中值归档，单位：元。", note_en="Filed by the middle of the job's monthly salary range, in CNY.",
        ),
    )


# ---------------------------------------------------------------- who came


def _folded(groups: Iterable[tuple[Any, str, int]], language: str) -> list[tuple[Value, ...]]:
    """Rows (label, count) of groups of 5 people or more; groups of 1 to 4 folded into one "other" row, itself "<5" when small.

    Folding, rather than a "<5" row per small group, keeps total minus shown rows from naming a group's exact size:
    the difference is the folded row, which names no group.
    """
    shown, folded = [], 0
    for _order, label, count in groups:
        if count >= 5:
            shown.append((label, count))
        elif count:
            folded += count
    if folded:
        shown.append((_words(language)("其他（各组不足5人，合并）", "Other (groups under 5, merged)"), small(folded)))
    return shown


async def _visitor_tables(stop_ids: list[uuid.UUID], visitors: int, language: str) -> tuple[Table, ...]:
    w = _words(language)
    not_given = w("未填写", "Not given")
    degrees = await q.visitors_by(SeekerProfile.degree, stop_ids)
    majors = await q.visitors_by(SeekerProfile.major, stop_ids)
    schools = await q.visitors_by(SeekerProfile.school, stop_ids)
    years = await q.visitors_by(SeekerProfile.graduation_year, stop_ids)
    without_profile = visitors - sum(degrees.values())
    disciplines: dict[str, int] = defaultdict(int)
    for major, count in majors.items():
        disciplines[discipline_of(major)] += count
    order = {key: n for n, (key, _, _) in enumerate(DISCIPLINES)}
    column = _col("visitors", "人数", "Visitors")
    note = (
        "到场求职者按个人资料分组；不足5人的组合并为“其他”。",
        "Visitors grouped by their profile; groups under 5 are merged into “Other”.",
    )

    def table(key: str, zh: str, en: str, label: tuple[str, str], groups: list[tuple[Any, str, int]], chart: bool = True) -> Table:
        # Visitors without a profile, and those who left this field empty, are one "not given" group.
        given = [group for group in groups if group[1] != not_given]
        groups = [*given, (len(given) + 1, not_given, without_profile + sum(group[2] for group in groups if group[1] == not_given))]
        return Table(
            key=key, zh=zh, en=en, columns=(_col("group", *label, "text"), column), rows=_folded(groups, language),
            chart=Chart(kind="bar", x="group", y=("visitors",)) if chart else None, note_zh=note[0], note_en=note[1],
        )

    return (
        table(
            "visitors_by_degree", "求职者学历", "Visitors by degree", ("学历", "Degree"),
            [(n, i18n.translate(f"degree.{level.value}", language), degrees.get(level.value, 0)) for n, level in enumerate(Job.Education)],
        ),
        table(
            "visitors_by_discipline", "求职者专业（学科门类）", "Visitors by discipline", ("学科门类", "Discipline"),
            sorted(((order[key], discipline_name(key, language), count) for key, count in disciplines.items()), key=lambda g: (-g[2], g[0])),
        ),
        table(
            "visitors_by_school", "求职者学校", "Visitors by school", ("学校", "School"),
            sorted(((0, school or not_given, count) for school, count in schools.items()), key=lambda g: (-g[2], g[1])),
            chart=False,
        ),
        table(
            "visitors_by_graduation_year", "求职者毕业年份", "Visitors by graduation year", ("毕业年份", "Graduation year"),
            [(year, str(year), count) for year, count in sorted(years.items())],
        ),
    )


# ---------------------------------------------------------------- the funnel


def _funnel_tables(funnel: list[dict[str, Any]], language: str, *, by_employer: bool) -> tuple[Table, ...]:
    stages = [(stage.value, i18n.translate(f"stage.{stage.value}", "zh"), i18n.translate(f"stage.{stage.value}", "en")) for stage in PROGRESS]
    total = Table(
        key="funnel", zh="招聘进度（投递→签约）", en="Hiring funnel (interest to signed offer)",
        columns=(_col("stage", "阶段", "Stage", "text"), _col("interests", "达到该阶段的投递", "Interests reaching it")),
        rows=[(zh if language == "zh" else en, small(sum(row[key] for row in funnel))) for key, zh, en in stages],
        chart=Chart(kind="funnel", x="stage", y=("interests",)),
        note_zh="每份投递计入它曾到达的最远阶段及之前各阶段（含之后撤回或未通过的）。",
        note_en="Each interest counts at the furthest stage it ever reached and every stage before (withdrawn or declined ones too).",
    )
    if not by_employer:
        return (total,)
    employers = Table(
        key="funnel_by_employer", zh="各用人单位招聘进度", en="Funnel per employer",
        columns=(_col("employer", "用人单位", "Employer", "text"), *(_col(key, zh, en) for key, zh, en in stages)),
        rows=[(row["name"], *(small(row[key]) for key, _, _ in stages)) for row in funnel],
        chart=Chart(kind="stacked_bar", x="employer", y=tuple(key for key, _, _ in stages)),
    )
    return total, employers


# ---------------------------------------------------------------- one event


def _stem(title: str) -> str:
    """A title without its years and edition numbers: "2026 南京高校人才专列" and "第3届南京高校人才专列" share the stem "南京高校人才专列"."""
    stem = re.sub(r"第\s*[0-9一二三四五六七八九十百]+\s*[届期季场]", "", title)
    stem = re.sub(r"(19|20)\d{2}\s*(年度|年|届)?", "", stem)
    return re.sub(r"[\s\-–—·•_/（）()【】\[\]]+", "", stem)


async def previous_edition(event: Event) -> dict[str, Any] | None:
    """The event's previous edition: the latest earlier event of the same kind and host (主办单位) with the same title stem, else in the same city.

    The schema has no link between editions; docs/reports.md says why this rule.
    """
    if event.starts_at is None:
        return None
    candidates = await q.earlier_events(kind=event.kind, host=event.host, before=event.starts_at, exclude=event.id)
    stem = _stem(event.title)
    return next((c for c in candidates if _stem(c["title"]) == stem), None) or next((c for c in candidates if c["city"] == event.city), None)


async def _event_figures(event_id: uuid.UUID, now: datetime) -> tuple[list[dict[str, Any]], list[views.StopAttendance], Totals]:
    stops = await q.scheduled_stops([event_id])
    attendance = await stops_attendance(stops=stops, now=now)
    return stops, attendance, await _totals([event_id], stops, attendance)


def _stop_tables(stops: list[dict[str, Any]], attendance: list[views.StopAttendance]) -> tuple[Table, ...]:
    rows: list[tuple[Value, ...]] = []
    for stop, a in zip(stops, attendance, strict=True):
        rows.append(
            (
                _stop_name(stop), a.starts_at, small(a.registered), small(a.checked_in), None if a.check_in_rate is None else _rate(a.checked_in, a.registered),
                small(a.waitlisted), None if a.no_shows is None else small(a.no_shows), small(a.walk_ins),
            )
        )
    table = Table(
        key="stops", zh="各站点到场情况", en="Attendance per stop",
        columns=(
            _col("stop", "站点", "Stop", "text"), _col("starts_at", "开始时间", "Starts", "datetime"), _col("registered", "已报名", "Registered"),
            _col("checked_in", "已签到", "Checked in"), _col("rate", "到场率", "Arrival rate", "percent"), _col("waitlisted", "候补", "Waitlisted"),
            _col("no_shows", "未到", "No-shows"), _col("walk_ins", "现场报名", "Walk-ins"),
        ),
        rows=rows,
        chart=Chart(kind="bar", x="stop", y=("registered", "checked_in")),
        note_zh="已报名：当前确认的报名；到场率 = 已签到 ÷ 已报名；站点开始前未到与到场率为空。人数不足5时到场率不显示。",
        note_en="Registered: confirmed registrations now; arrival rate = checked in ÷ registered; empty before a stop starts, and when a count is under 5.",
    )
    arrivals = [
        Table(
            key=f"arrivals_{n}", zh=f"每15分钟签到人数：{_stop_name(stop)}", en=f"Arrivals per 15 minutes: {_stop_name(stop)}",
            columns=(_col("slot", "时段开始", "Slot start", "datetime"), _col("arrivals", "签到人数", "Arrivals")),
            rows=[(arrival.slot_start, small(arrival.count)) for arrival in a.arrivals],
            chart=Chart(kind="line", x="slot", y=("arrivals",)),
            note_zh="时间为站点当地时间。", note_en="Times in the stop's time zone.",
        )
        for n, (stop, a) in enumerate(zip(stops, attendance, strict=True), start=1)
        if a.arrivals
    ]
    return (table, *arrivals)


async def event_report(*, actor: Actor, slug: str, now: datetime, language: str = "zh") -> Report:
    """Everything issue 15 asks of one event, as a Report; for organisers only."""
    require_organiser(actor)
    event = await load_event(slug, actor)
    stops, attendance, totals = await _event_figures(event.id, now)
    stop_ids = [stop["id"] for stop in stops]
    names = {stop["id"]: _stop_name(stop) for stop in stops}
    order = {stop["id"]: n for n, stop in enumerate(stops)}

    previous = await previous_edition(event)
    previous_totals = (await _event_figures(previous["id"], now))[2] if previous else None
    comparison = _change_table(
        "comparison", "与上届对比", "Compared with the previous edition", totals, previous_totals, language, then_zh="上届", then_en="Previous edition",
        note_zh=f"上届：{previous['title']}（{previous['slug']}）。" if previous else "未找到上届活动。",
        note_en=f"Previous edition: {previous['title']} ({previous['slug']})." if previous else "No previous edition found.",
    )

    employers = await q.employers([event.id], stop_ids)
    stalls = sorted(await q.stall_figures([event.id], stop_ids), key=lambda s: order[s["stop"]])
    funnel = await q.funnel_by_employer([event.id])
    sections = [
        Section(key="overview", zh="概况", en="Overview", tables=(_summary(totals, language, with_events=False), comparison)),
        Section(
            key="employers", zh="用人单位与岗位", en="Employers and jobs",
            tables=(
                Table(
                    key="employers", zh="参会用人单位", en="Employers taking part",
                    columns=(
                        _col("employer", "用人单位", "Employer", "text"), _col("booths", "展位数", "Booths", "number"), _col("hr_staff", "HR 人员", "HR staff"),
                        _col("jobs", "岗位数", "Jobs", "number"), _col("headcount", "招聘人数", "Headcount", "number"),
                    ),
                    rows=[(e["name"], e["booths"], small(e["hr_staff"]), e["jobs"], e["headcount"]) for e in employers],
                    note_zh="有展位或在本活动发布岗位的单位；HR 人员为其在用的 HR 账号。",
                    note_en="Employers with a booth or a job at this event; HR staff: their active HR accounts.",
                ),
                *await _job_tables([event.id], language),
            ),
        ),
        Section(key="stops", zh="站点到场", en="Attendance", tables=_stop_tables(stops, attendance)),
        Section(
            key="stalls", zh="展位/摊位", en="Booths and stalls",
            tables=(
                Table(
                    key="stalls", zh="各展位/摊位情况", en="Per booth",
                    columns=(
                        _col("stop", "站点", "Stop", "text"), _col("booth", "展位", "Booth", "text"), _col("employer", "用人单位", "Employer", "text"),
                        _col("visitors", "到访人数", "Unique visitors"), _col("interests", "投递意向", "Interests"), _col("bookings", "面试预约", "Bookings"),
                        _col("intentions", "达成意向", "Intentions"), _col("signed", "签约", "Signed offers"),
                    ),
                    rows=[
                        (names[s["stop"]], s["label"], s["employer"], small(s["visitors"]), small(s["interests"]), small(s["bookings"]), small(s["intention"]), small(s["signed"]))
                        for s in stalls
                    ],
                    chart=Chart(kind="bar", x="booth", y=("visitors", "interests")),
                    note_zh="投递意向：到访过该展位的求职者对该单位本活动岗位的投递；达成意向、签约为其中到达该阶段的。",
                    note_en="Interests: applications to the employer's jobs at this event by people scanned at the booth; intentions and signed: those that reached the stage.",
                ),
            ),
        ),
        Section(key="visitors", zh="求职者构成", en="Who came", tables=await _visitor_tables(stop_ids, totals.visitors, language)),
        Section(key="funnel", zh="招聘进度", en="Hiring funnel", tables=_funnel_tables(funnel, language, by_employer=True)),
    ]
    zone = ZoneInfo(event.timezone)
    return Report(
        kind="event", zh=f"{event.title} 统计报告", en=f"{event.title}: report",
        organiser=event.host or await _actor_name(actor), generated_at=now.replace(microsecond=0),
        subject={
            "slug": event.slug, "title": event.title, "kind": event.kind, "city": event.city,
            "first_day": stops[0]["starts_at"].astimezone(zone).date() if stops else None,
            "last_day": stops[-1]["starts_at"].astimezone(zone).date() if stops else None,
            "previous_edition": previous["slug"] if previous else None,
        },
        sections=sections,
    )


async def _actor_name(actor: Actor) -> str:
    row = await Account.select(Account.name).where(Account.id == actor.id).first() if actor.id else None
    return row["name"] if row else ""


# ---------------------------------------------------------------- a period


def year_earlier(day: date) -> date:
    """The same day a year before; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def check_period(first: date, last: date) -> None:
    if last < first:
        raise PeriodInvalid("period_reversed", "The period ends before it begins.")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise PeriodInvalid("period_too_long", f"A report covers at most {MAX_PERIOD_DAYS} days.", max_days=MAX_PERIOD_DAYS)


def _instants(first: date, last: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.default_timezone)
    return datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC), datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


async def _period_figures(first: date, last: date, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[views.StopAttendance], Totals]:
    events = await q.events_starting(*_instants(first, last))
    event_ids = [event["id"] for event in events]
    stops = await q.scheduled_stops(event_ids)
    attendance = await stops_attendance(stops=stops, now=now)
    return events, stops, attendance, await _totals(event_ids, stops, attendance)


async def _group_rows(events, stops, attendance, key: Callable[[dict[str, Any]], str], label: Callable[[str], str]) -> list[tuple[Value, ...]]:
    """One row per group of events (kind or city): events, stops, employers, jobs, headcount, registered, checked in, arrival rate."""
    jobs = await q.jobs_by_event([event["id"] for event in events])
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        groups[key(event)].append(event)
    rows = []
    for name, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        member_ids = {event["id"] for event in members}
        member_stops = [(stop, a) for stop, a in zip(stops, attendance, strict=True) if stop["event"] in member_ids]
        started = [a for _, a in member_stops if a.has_started]
        registered, checked_in = sum(a.registered for _, a in member_stops), sum(a.checked_in for _, a in member_stops)
        started_registered, started_came = sum(a.registered for a in started), sum(a.checked_in for a in started)
        rows.append(
            (
                label(name), len(members), len(member_stops),
                await q.employers_count(list(member_ids), [stop["id"] for stop, _ in member_stops]),
                sum(jobs.get(event_id, (0, 0))[0] for event_id in member_ids), sum(jobs.get(event_id, (0, 0))[1] for event_id in member_ids),
                small(registered), small(checked_in), _rate(started_came, started_registered) if started_registered else None,
            )
        )
    return rows


GROUP_COLUMNS = (
    _col("events", "活动数", "Events", "number"), _col("stops", "站点/场次", "Stops", "number"), _col("employers", "用人单位", "Employers", "number"),
    _col("jobs", "岗位数", "Jobs", "number"), _col("headcount", "招聘人数", "Headcount", "number"), _col("registered", "报名人次", "Registrations"),
    _col("checked_in", "签到人次", "Check-ins"), _col("rate", "到场率", "Arrival rate", "percent"),
)


async def period_report(*, actor: Actor, first: date, last: date, now: datetime, language: str = "zh") -> Report:
    """The figures of every published event whose first stop falls in [first, last] (days in the default time zone), with the year before."""
    require_organiser(actor)
    check_period(first, last)
    w = _words(language)
    events, stops, attendance, totals = await _period_figures(first, last, now)
    before_first, before_last = year_earlier(first), year_earlier(last)
    earlier = (await _period_figures(before_first, before_last, now))[3]
    event_ids, stop_ids = [event["id"] for event in events], [stop["id"] for stop in stops]

    demand = {row["category"]: row for row in await q.jobs_by(Job.category, event_ids)}
    seekers = await q.seekers_by_category(event_ids)
    supply_rows: list[tuple[Value, ...]] = []
    for category in sorted(set(demand) | set(seekers), key=lambda c: (-(demand[c]["headcount"] if c in demand else 0), c)):
        jobs, headcount = (demand[category]["count"], demand[category]["headcount"]) if category in demand else (0, 0)
        people = seekers.get(category, 0)
        supply_rows.append(
            (category or w("未分类", "Uncategorised"), jobs, headcount, small(people), round(headcount / people, 2) if people >= 5 else None)
        )
    funnel = await q.funnel_by_employer(event_ids)
    sections = [
        Section(
            key="overview", zh="概况", en="Overview",
            tables=(
                _summary(totals, language, with_events=True),
                _change_table(
                    "year_on_year", "同比（上年同期）", "Year on year", totals, earlier, language, then_zh="上年同期", then_en="A year earlier",
                    note_zh=f"上年同期：{before_first} 至 {before_last}。", note_en=f"A year earlier: {before_first} to {before_last}.",
                ),
            ),
        ),
        Section(
            key="breakdown", zh="分类汇总", en="By kind and city",
            tables=(
                Table(
                    key="by_kind", zh="按活动类型", en="By kind of event", columns=(_col("kind", "活动类型", "Kind", "text"), *GROUP_COLUMNS),
                    rows=await _group_rows(events, stops, attendance, lambda e: e["kind"], lambda kind: i18n.translate(f"kind.{kind}", language)),
                    chart=Chart(kind="bar", x="kind", y=("jobs", "headcount")),
                ),
                Table(
                    key="by_city", zh="按城市", en="By city", columns=(_col("city", "城市", "City", "text"), *GROUP_COLUMNS),
                    rows=await _group_rows(events, stops, attendance, lambda e: e["city"], lambda city: city or w("未填写", "Not given")),
                    chart=Chart(kind="bar", x="city", y=("jobs", "headcount")),
                ),
                Table(
                    key="events", zh="活动列表", en="Events",
                    columns=(_col("event", "活动", "Event", "text"), _col("kind", "类型", "Kind", "text"), _col("city", "城市", "City", "text"), _col("starts_at", "开始", "Starts", "datetime")),
                    rows=[(e["title"], i18n.translate(f"kind.{e['kind']}", language), e["city"], e["starts_at"]) for e in events],
                ),
            ),
        ),
        Section(
            key="supply_demand", zh="供求情况", en="Supply and demand",
            tables=(
                Table(
                    key="supply_demand", zh="岗位供求（按岗位类别）", en="Jobs offered and seekers, by job category",
                    columns=(
                        _col("category", "岗位类别", "Category", "text"), _col("jobs", "岗位数", "Jobs", "number"), _col("headcount", "需求人数", "Headcount", "number"),
                        _col("seekers", "求职人数", "Seekers"), _col("ratio", "求人倍率", "Openings per seeker", "number"),
                    ),
                    rows=supply_rows,
                    chart=Chart(kind="bar", x="category", y=("headcount", "seekers")),
                    note_zh="求职人数：对该类别岗位投递过的不同求职者；求人倍率 = 需求人数 ÷ 求职人数（求职人数不足5时不计算）。",
                    note_en="Seekers: distinct people who applied to a job of the category; openings per seeker = headcount ÷ seekers (not given under 5 seekers).",
                ),
                *await _job_tables(event_ids, language),
            ),
        ),
        Section(key="visitors", zh="求职者构成", en="Who came", tables=await _visitor_tables(stop_ids, totals.visitors, language)),
        Section(key="funnel", zh="招聘进度", en="Hiring funnel", tables=_funnel_tables(funnel, language, by_employer=False)),
    ]
    return Report(
        kind="period", zh=f"{first} 至 {last} 招聘活动统计报告", en=f"Recruitment events, {first} to {last}: report",
        organiser=await _actor_name(actor), generated_at=now.replace(microsecond=0),
        subject={"first": first, "last": last, "year_earlier_first": before_first, "year_earlier_last": before_last, "events": len(events)},
        sections=sections,
    )
