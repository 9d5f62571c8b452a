"""The tables both kinds of report share: headline totals and their comparison, jobs, who came, the funnel.

Counts come from `events.report_queries`; here they become `Table`s, every count of people in a group through
`small()` ("<5"). `events.reports` puts them together into an event's or a period's report.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from events import i18n, views
from events import report_queries as q
from events.disciplines import DISCIPLINES, discipline_name, discipline_of
from events.funnel import PROGRESS
from events.report_model import Chart, Column, Table, Value, small
from events.tables import Job

#: Salary bands by the middle of a job's monthly range (CNY): (lowest included, Chinese, English); the last is open-ended.
SALARY_BANDS: tuple[tuple[int, str, str], ...] = (
    (0, "5000元以下", "Under 5,000"),
    (5000, "5000–7999元", "5,000–7,999"),
    (8000, "8000–11999元", "8,000–11,999"),
    (12000, "12000–19999元", "12,000–19,999"),
    (20000, "20000元及以上", "20,000 and more"),
)


def col(key: str, zh: str, en: str, kind: str = "count") -> Column:
    return Column(key=key, zh=zh, en=en, kind=kind)  # type: ignore[arg-type]


def words(language: str) -> Callable[[str, str], str]:
    return lambda zh, en: zh if language == "zh" else en


def arrival_rate(came: int, registered: int) -> float | None:
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


async def totals(event_ids: list[uuid.UUID], stops: list[dict[str, Any]], attendance: list[views.StopAttendance]) -> Totals:
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


def shown(field: str, value: int) -> int | str:
    people = next(is_people for key, _, _, is_people in HEADLINE if key == field)
    return small(value) if people else value


def summary(totals: Totals, language: str, *, with_events: bool) -> Table:
    w = words(language)
    rows: list[tuple[Value, ...]] = [(w(zh, en), shown(key, getattr(totals, key))) for key, zh, en, _ in HEADLINE if with_events or key != "events"]
    rate = arrival_rate(totals.started_checked_in, totals.started_registered) if totals.started_registered else None
    return Table(
        key="summary", zh="总体情况", en="Summary",
        columns=(col("figure", "指标", "Figure", "text"), col("value", "数值", "Value")),
        rows=rows,
        note_zh=f"到场率（已开始的站点）：{'—' if rate is None else f'{rate:.1%}'}。人数不足5的显示为“<5”。",
        note_en=f"Arrival rate (stops that have started): {'—' if rate is None else f'{rate:.1%}'}. Counts of 1 to 4 people show as “<5”.",
    )


def _change_rows(this: Totals, other: Totals | None, language: str) -> list[tuple[Value, ...]]:
    w = words(language)
    rows: list[tuple[Value, ...]] = []
    for key, zh, en, _people in HEADLINE:
        if key == "events":
            continue
        now_value, then_value = getattr(this, key), None if other is None else getattr(other, key)
        shown_now, shown_then = shown(key, now_value), None if then_value is None else shown(key, then_value)
        # A change is shown only between two figures that are both shown exactly: "<5" on either side hides it.
        exact = isinstance(shown_now, int) and isinstance(shown_then, int)
        change = now_value - then_value if exact and then_value is not None else None
        percent = round(change / then_value, 4) if change is not None and then_value else None
        rows.append((w(zh, en), shown_now, shown_then, change, percent))
    return rows


def change_table(
    key: str, zh: str, en: str, this: Totals, other: Totals | None, language: str, *, then_zh: str, then_en: str, note_zh: str, note_en: str
) -> Table:
    return Table(
        key=key, zh=zh, en=en,
        columns=(
            col("figure", "指标", "Figure", "text"), col("this", "本期", "This", "count"),
            col("then", then_zh, then_en, "count"), col("change", "增减", "Change", "number"), col("change_rate", "增减幅度", "Change (%)", "percent"),
        ),
        rows=_change_rows(this, other, language) if other is not None else [],
        chart=Chart(kind="bar", x="figure", y=("this", "then")) if other is not None else None,
        note_zh=note_zh, note_en=note_en,
    )


# ---------------------------------------------------------------- jobs


async def job_tables(event_ids: list[uuid.UUID], language: str) -> tuple[Table, ...]:
    w = words(language)
    columns = (col("jobs", "岗位数", "Jobs"), col("headcount", "招聘人数", "Headcount"))
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
            columns=(col("category", "岗位类别", "Category", "text"), *columns),
            rows=[(row["category"] or w("未分类", "Uncategorised"), row["count"], row["headcount"]) for row in by_category],
            chart=Chart(kind="bar", x="category", y=("jobs", "headcount")),
        ),
        Table(
            key="jobs_by_education", zh="学历要求", en="Jobs by education required",
            columns=(col("education", "学历要求", "Education", "text"), *columns),
            rows=[
                (i18n.translate(f"education.{level.value}", language), by_education[level.value]["count"], by_education[level.value]["headcount"])
                for level in Job.Education
                if level.value in by_education
            ],
            chart=Chart(kind="bar", x="education", y=("headcount",)),
        ),
        Table(
            key="jobs_by_salary", zh="月薪区间", en="Jobs by monthly salary",
            columns=(col("band", "月薪（区间中值）", "Monthly salary (middle of range)", "text"), *columns),
            rows=[(w(zh, en), *bands[low]) for low, zh, en in SALARY_BANDS],
            chart=Chart(kind="bar", x="band", y=("jobs",)),
            note_zh="按岗位月薪区间的中值归档，单位：元。", note_en="Filed by the middle of the job's monthly salary range, in CNY.",
        ),
    )


# ---------------------------------------------------------------- who came


def folded(groups: Iterable[tuple[Any, str, int]], language: str) -> list[tuple[Value, ...]]:
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
        shown.append((words(language)("其他（各组不足5人，合并）", "Other (groups under 5, merged)"), small(folded)))
    return shown


async def visitor_tables(stop_ids: list[uuid.UUID], visitors: int, language: str) -> tuple[Table, ...]:
    w = words(language)
    not_given = w("未填写", "Not given")
    degrees: dict[str, int] = defaultdict(int)
    majors: dict[str, int] = defaultdict(int)
    schools: dict[str, int] = defaultdict(int)
    years: dict[int, int] = defaultdict(int)
    for group in await q.visitor_profiles(stop_ids):
        degrees[group["degree"]] += group["count"]
        majors[group["major"]] += group["count"]
        schools[group["school"]] += group["count"]
        years[group["graduation_year"]] += group["count"]
    without_profile = visitors - sum(degrees.values())
    disciplines: dict[str, int] = defaultdict(int)
    for major, count in majors.items():
        disciplines[discipline_of(major)] += count
    order = {key: n for n, (key, _, _) in enumerate(DISCIPLINES)}
    column = col("visitors", "人数", "Visitors")
    note = (
        "到场求职者按个人资料分组；不足5人的组合并为“其他”。",
        "Visitors grouped by their profile; groups under 5 are merged into “Other”.",
    )

    def table(key: str, zh: str, en: str, label: tuple[str, str], groups: list[tuple[Any, str, int]], chart: bool = True) -> Table:
        # Visitors without a profile, and those who left this field empty, are one "not given" group.
        given = [group for group in groups if group[1] != not_given]
        groups = [*given, (len(given) + 1, not_given, without_profile + sum(group[2] for group in groups if group[1] == not_given))]
        return Table(
            key=key, zh=zh, en=en, columns=(col("group", *label, "text"), column), rows=folded(groups, language),
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


def funnel_tables(funnel: list[dict[str, Any]], language: str, *, by_employer: bool) -> tuple[Table, ...]:
    stages = [(stage.value, i18n.translate(f"stage.{stage.value}", "zh"), i18n.translate(f"stage.{stage.value}", "en")) for stage in PROGRESS]
    total = Table(
        key="funnel", zh="招聘进度（投递→签约）", en="Hiring funnel (interest to signed offer)",
        columns=(col("stage", "阶段", "Stage", "text"), col("interests", "达到该阶段的投递", "Interests reaching it")),
        rows=[(zh if language == "zh" else en, small(sum(row[key] for row in funnel))) for key, zh, en in stages],
        chart=Chart(kind="funnel", x="stage", y=("interests",)),
        note_zh="每份投递计入它曾到达的最远阶段及之前各阶段（含之后撤回或未通过的）。",
        note_en="Each interest counts at the furthest stage it ever reached and every stage before (withdrawn or declined ones too).",
    )
    if not by_employer:
        return (total,)
    employers = Table(
        key="funnel_by_employer", zh="各用人单位招聘进度", en="Funnel per employer",
        columns=(col("employer", "用人单位", "Employer", "text"), *(col(key, zh, en) for key, zh, en in stages)),
        rows=[(row["name"], *(small(row[key]) for key, _, _ in stages)) for row in funnel],
        chart=Chart(kind="stacked_bar", x="employer", y=tuple(key for key, _, _ in stages)),
    )
    return total, employers
