"""Reports for the bureau (统计报告): an event's or a period's figures as a `Report` of tables, counts only.

The counting is in `events.report_queries` (one aggregate query each) and, per stop, in
`events.attendance.stops_attendance`, so a stop's figures are the attendance export's; the tables both
kinds share are built in `events.report_tables`. Every count of people in a group goes through `small()`
("<5"). docs/reports.md defines every figure.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from events import i18n, views
from events import report_queries as q
from events import report_tables as rt
from events.accounts import Actor, require_organiser
from events.attendance import stops_attendance
from events.errors import DomainError
from events.report_model import Chart, Report, Section, Table, Value, small
from events.schedule import load_event
from events.settings import settings
from events.tables import Account, Event, Job

#: The longest period a report covers (a longer one is refused: `period_too_long`).
MAX_PERIOD_DAYS = 3 * 366


class PeriodInvalid(DomainError):
    """A period a report cannot cover: reversed, or longer than MAX_PERIOD_DAYS (400, with the code)."""

    status = 400


def _stop_name(stop: dict[str, Any]) -> str:
    """The stop's name (the schedule names a campus stop after its school and campus), else its school and campus."""
    return stop["name"] or " ".join(part for part in (stop["school"], stop["campus"]) if part)


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


async def _event_figures(event_id: uuid.UUID, now: datetime) -> tuple[list[dict[str, Any]], list[views.StopAttendance], rt.Totals]:
    stops = await q.scheduled_stops([event_id])
    attendance = await stops_attendance(stops=stops, now=now)
    return stops, attendance, await rt.totals([event_id], stops, attendance)


def _arrival_rows(arrivals: list[views.Arrivals]) -> list[tuple[Value, ...]]:
    """Every 15-minute slot from the first arrival's to the last's, a quiet one as 0 (the attendance export lists only slots with arrivals)."""
    if not arrivals:
        return []
    counts = {arrival.slot_start: arrival.count for arrival in arrivals}
    rows: list[tuple[Value, ...]] = []
    slot, last = arrivals[0].slot_start, arrivals[-1].slot_start
    while slot <= last:
        rows.append((slot, small(counts.get(slot, 0))))
        # Add in UTC: a slot is 15 minutes of real time even across a change of the clocks.
        slot = (slot.astimezone(UTC) + timedelta(minutes=15)).astimezone(slot.tzinfo)
    return rows


def _stop_tables(stops: list[dict[str, Any]], attendance: list[views.StopAttendance]) -> tuple[Table, ...]:
    rows: list[tuple[Value, ...]] = []
    for stop, a in zip(stops, attendance, strict=True):
        rows.append(
            (
                _stop_name(stop), a.starts_at, small(a.registered), small(a.checked_in), None if a.check_in_rate is None else rt.arrival_rate(a.checked_in, a.registered),
                small(a.waitlisted), None if a.no_shows is None else small(a.no_shows), small(a.walk_ins),
            )
        )
    table = Table(
        key="stops", zh="各站点到场情况", en="Attendance per stop",
        columns=(
            rt.col("stop", "站点", "Stop", "text"), rt.col("starts_at", "开始时间", "Starts", "datetime"), rt.col("registered", "已报名", "Registered"),
            rt.col("checked_in", "已签到", "Checked in"), rt.col("rate", "到场率", "Arrival rate", "percent"), rt.col("waitlisted", "候补", "Waitlisted"),
            rt.col("no_shows", "未到", "No-shows"), rt.col("walk_ins", "现场报名", "Walk-ins"),
        ),
        rows=rows,
        chart=Chart(kind="bar", x="stop", y=("registered", "checked_in")),
        note_zh="已报名：当前确认的报名；到场率 = 已签到 ÷ 已报名；站点开始前未到与到场率为空。人数不足5时到场率不显示。",
        note_en="Registered: confirmed registrations now; arrival rate = checked in ÷ registered; empty before a stop starts, and when a count is under 5.",
    )
    arrivals = [
        Table(
            key=f"arrivals_{n}", zh=f"每15分钟签到人数：{_stop_name(stop)}", en=f"Arrivals per 15 minutes: {_stop_name(stop)}",
            columns=(rt.col("slot", "时段开始", "Slot start", "datetime"), rt.col("arrivals", "签到人数", "Arrivals")),
            rows=_arrival_rows(a.arrivals),
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
    comparison = rt.change_table(
        "comparison", "与上届对比", "Compared with the previous edition", totals, previous_totals, language, then_zh="上届", then_en="Previous edition",
        note_zh=f"上届：{previous['title']}（{previous['slug']}）。" if previous else "未找到上届活动。",
        note_en=f"Previous edition: {previous['title']} ({previous['slug']})." if previous else "No previous edition found.",
    )

    employers = await q.employers([event.id], stop_ids)
    stalls = sorted(await q.stall_figures([event.id], stop_ids), key=lambda s: order[s["stop"]])
    funnel = await q.funnel_by_employer([event.id])
    sections = [
        Section(key="overview", zh="概况", en="Overview", tables=(rt.summary(totals, language, with_events=False), comparison)),
        Section(
            key="employers", zh="用人单位与岗位", en="Employers and jobs",
            tables=(
                Table(
                    key="employers", zh="参会用人单位", en="Employers taking part",
                    columns=(
                        rt.col("employer", "用人单位", "Employer", "text"), rt.col("booths", "展位数", "Booths", "number"), rt.col("hr_staff", "HR 人员", "HR staff"),
                        rt.col("jobs", "岗位数", "Jobs", "number"), rt.col("headcount", "招聘人数", "Headcount", "number"),
                    ),
                    rows=[(e["name"], e["booths"], small(e["hr_staff"]), e["jobs"], e["headcount"]) for e in employers],
                    note_zh="有展位或在本活动发布岗位的单位；HR 人员为其在用的 HR 账号。",
                    note_en="Employers with a booth or a job at this event; HR staff: their active HR accounts.",
                ),
                *await rt.job_tables([event.id], language),
            ),
        ),
        Section(key="stops", zh="站点到场", en="Attendance", tables=_stop_tables(stops, attendance)),
        Section(
            key="stalls", zh="展位/摊位", en="Booths and stalls",
            tables=(
                Table(
                    key="stalls", zh="各展位/摊位情况", en="Per booth",
                    columns=(
                        rt.col("stop", "站点", "Stop", "text"), rt.col("booth", "展位", "Booth", "text"), rt.col("employer", "用人单位", "Employer", "text"),
                        rt.col("visitors", "到访人数", "Unique visitors"), rt.col("interests", "投递意向", "Interests"), rt.col("bookings", "面试预约", "Bookings"),
                        rt.col("intentions", "达成意向", "Intentions"), rt.col("signed", "签约", "Signed offers"),
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
        Section(key="visitors", zh="求职者构成", en="Who came", tables=await rt.visitor_tables(stop_ids, totals.visitors, language)),
        Section(key="funnel", zh="招聘进度", en="Hiring funnel", tables=rt.funnel_tables(funnel, language, by_employer=True)),
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


async def _period_figures(first: date, last: date, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[views.StopAttendance], rt.Totals]:
    events = await q.events_starting(*_instants(first, last))
    event_ids = [event["id"] for event in events]
    stops = await q.scheduled_stops(event_ids)
    attendance = await stops_attendance(stops=stops, now=now)
    return events, stops, attendance, await rt.totals(event_ids, stops, attendance)


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
                small(registered), small(checked_in), rt.arrival_rate(started_came, started_registered) if started_registered else None,
            )
        )
    return rows


GROUP_COLUMNS = (
    rt.col("events", "活动数", "Events", "number"), rt.col("stops", "站点/场次", "Stops", "number"), rt.col("employers", "用人单位", "Employers", "number"),
    rt.col("jobs", "岗位数", "Jobs", "number"), rt.col("headcount", "招聘人数", "Headcount", "number"), rt.col("registered", "报名人次", "Registrations"),
    rt.col("checked_in", "签到人次", "Check-ins"), rt.col("rate", "到场率", "Arrival rate", "percent"),
)


async def period_report(*, actor: Actor, first: date, last: date, now: datetime, language: str = "zh") -> Report:
    """The figures of every published event whose first stop falls in [first, last] (days in the default time zone), with the year before."""
    require_organiser(actor)
    check_period(first, last)
    w = rt.words(language)
    events, stops, attendance, totals = await _period_figures(first, last, now)
    before_first, before_last = year_earlier(first), year_earlier(last)
    earlier = (await _period_figures(before_first, before_last, now))[3]
    event_ids, stop_ids = [event["id"] for event in events], [stop["id"] for stop in stops]
    zone = ZoneInfo(settings.default_timezone)

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
                rt.summary(totals, language, with_events=True),
                rt.change_table(
                    "year_on_year", "同比（上年同期）", "Year on year", totals, earlier, language, then_zh="上年同期", then_en="A year earlier",
                    note_zh=f"上年同期：{before_first} 至 {before_last}。", note_en=f"A year earlier: {before_first} to {before_last}.",
                ),
            ),
        ),
        Section(
            key="breakdown", zh="分类汇总", en="By kind and city",
            tables=(
                Table(
                    key="by_kind", zh="按活动类型", en="By kind of event", columns=(rt.col("kind", "活动类型", "Kind", "text"), *GROUP_COLUMNS),
                    rows=await _group_rows(events, stops, attendance, lambda e: e["kind"], lambda kind: i18n.translate(f"kind.{kind}", language)),
                    chart=Chart(kind="bar", x="kind", y=("jobs", "headcount")),
                ),
                Table(
                    key="by_city", zh="按城市", en="By city", columns=(rt.col("city", "城市", "City", "text"), *GROUP_COLUMNS),
                    rows=await _group_rows(events, stops, attendance, lambda e: e["city"], lambda city: city or w("未填写", "Not given")),
                    chart=Chart(kind="bar", x="city", y=("jobs", "headcount")),
                ),
                Table(
                    key="events", zh="活动列表", en="Events",
                    columns=(rt.col("event", "活动", "Event", "text"), rt.col("kind", "类型", "Kind", "text"), rt.col("city", "城市", "City", "text"), rt.col("starts_at", "开始", "Starts", "datetime")),
                    rows=[(e["title"], i18n.translate(f"kind.{e['kind']}", language), e["city"], e["starts_at"].astimezone(zone)) for e in events],
                ),
            ),
        ),
        Section(
            key="supply_demand", zh="供求情况", en="Supply and demand",
            tables=(
                Table(
                    key="supply_demand", zh="岗位供求（按岗位类别）", en="Jobs offered and seekers, by job category",
                    columns=(
                        rt.col("category", "岗位类别", "Category", "text"), rt.col("jobs", "岗位数", "Jobs", "number"), rt.col("headcount", "需求人数", "Headcount", "number"),
                        rt.col("seekers", "求职人数", "Seekers"), rt.col("ratio", "求人倍率", "Openings per seeker", "number"),
                    ),
                    rows=supply_rows,
                    chart=Chart(kind="bar", x="category", y=("headcount", "seekers")),
                    note_zh="求职人数：对该类别岗位投递过的不同求职者；求人倍率 = 需求人数 ÷ 求职人数（求职人数不足5时不计算）。",
                    note_en="Seekers: distinct people who applied to a job of the category; openings per seeker = headcount ÷ seekers (not given under 5 seekers).",
                ),
                *await rt.job_tables(event_ids, language),
            ),
        ),
        Section(key="visitors", zh="求职者构成", en="Who came", tables=await rt.visitor_tables(stop_ids, totals.visitors, language)),
        Section(key="funnel", zh="招聘进度", en="Hiring funnel", tables=rt.funnel_tables(funnel, language, by_employer=False)),
    ]
    return Report(
        kind="period", zh=f"{first} 至 {last} 招聘活动统计报告", en=f"Recruitment events, {first} to {last}: report",
        organiser=await _actor_name(actor), generated_at=now.replace(microsecond=0),
        subject={"first": first, "last": last, "year_earlier_first": before_first, "year_earlier_last": before_last, "events": len(events)},
        sections=sections,
    )
