"""Reports (issue 15): every figure of a seeded event and period, counted again here in plain Python from the raw rows, equals the Report's.

The scene is written straight into the tables (the stops lie in the past, so nothing waits on a clock):
a talent train of three campus stops that have happened, one still to come and one cancelled; its
previous edition a year earlier; a night market in the same month; and, to be left out, a draft event in
that month and a job fair the month after.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import credit_code, make_account

from events import reports, tickets
from events.accounts import Actor
from events.attendance import event_attendance
from events.errors import Forbidden, Unauthorized
from events.report_model import SMALL
from events.tables import (
    Account,
    Booking,
    Booth,
    CheckIn,
    Consent,
    Employer,
    Event,
    Interest,
    Job,
    Registration,
    Scan,
    SeekerProfile,
    Slot,
    StageChange,
    Stop,
    Visit,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The moment the reports are asked for: after the October stops, before the December one.
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
HOST = "南京市人力资源和社会保障局"
MAIN_LINE = ["submitted", "screened", "interviewed", "intention", "signed"]
#: The discipline of each major the scene uses (学科门类), written out here rather than read from events.disciplines.
DISCIPLINE = {"软件工程": "工学", "计算机科学与技术": "工学", "数学": "理学", "会计学": "管理学", "英语": "文学", "火星考古": "其他", "": "其他"}
DEGREE = {"bachelor": "本科", "master": "硕士", "doctorate": "博士", "associate": "大专", "high_school": "高中", "none": "其他"}


def shown(count: int) -> int | str:
    """A count of people as the report must show it."""
    return SMALL if 0 < count < 5 else count


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


# ---------------------------------------------------------------- the scene


class Scene:
    """Writes rows and remembers nothing the tests need: they read everything back from the database."""

    def __init__(self) -> None:
        self.phone = iter(range(10**7, 10**8))

    async def employer(self, name: str, hr: int = 0, inactive_hr: int = 0) -> uuid.UUID:
        row = Employer(name=name, credit_code=credit_code(), city="南京")
        await Employer.insert(row)
        staff = [Account(role="hr", name=f"HR {n}", password_hash="x", employer=row.id, is_active=n < hr) for n in range(hr + inactive_hr)]
        if staff:
            await Account.insert(*staff)
        return row.id

    async def event(self, *, kind: str, title: str, city: str = "南京", host: str = HOST, status: str = "published", days: list[date]) -> tuple[uuid.UUID, list[uuid.UUID]]:
        event = Event(
            slug=f"e-{uuid.uuid4().hex[:10]}", kind=kind, title=title, host=host, city=city, status=status,
            starts_at=local(days[0], 14), ends_at=local(days[-1], 17), published_at=None if status == "draft" else local(days[0], 9) - timedelta(days=30),
        )
        await Event.insert(event)
        stops = [
            Stop(event=event.id, school=f"学校{n}", campus="主校区", address="南京", starts_at=local(day, 14), ends_at=local(day, 17), capacity=500)
            for n, day in enumerate(days)
        ]
        await Stop.insert(*stops)
        return event.id, [stop.id for stop in stops]

    async def seekers(self, profiles: list[tuple[str, str, str, int] | None]) -> list[uuid.UUID]:
        """One seeker per entry: (degree, major, school, graduation year), or None for one without a profile."""
        accounts = [Account(role="seeker", name=f"学生{n}", phone=f"+86139{next(self.phone)}", password_hash="x") for n in range(len(profiles))]
        await Account.insert(*accounts)
        rows = [
            SeekerProfile(account=account.id, degree=p[0], major=p[1], school=p[2], graduation_year=p[3])
            for account, p in zip(accounts, profiles, strict=True)
            if p is not None
        ]
        if rows:
            await SeekerProfile.insert(*rows)
        return [account.id for account in accounts]

    async def register(self, stop: uuid.UUID, seekers: list[uuid.UUID], status: str = "confirmed", at: datetime | None = None) -> list[uuid.UUID]:
        when = at or local(date(2026, 9, 1), 10)
        rows = [
            Registration(stop=stop, seeker=s, status=status, short_code=tickets.new_short_code(), created_at=when, confirmed_at=when if status == "confirmed" else None,
                         waitlist_seq=n + 1 if status == "waitlisted" else None)
            for n, s in enumerate(seekers)
        ]
        await Registration.insert(*rows)
        return [row.id for row in rows]

    async def scan(self, stop: uuid.UUID, registration: uuid.UUID, at: datetime, *, booth: uuid.UUID | None = None, outcome: str = "first") -> uuid.UUID:
        row = Scan(nonce=uuid.uuid4().hex, sender=uuid.uuid4(), kind="visit" if booth else "check_in", stop=stop, booth=booth, registration=registration,
                   outcome=outcome, scanned_at=at, received_at=at)
        await Scan.insert(row)
        return row.id

    async def check_in(self, stop: uuid.UUID, registration: uuid.UUID, at: datetime) -> None:
        scan = await self.scan(stop, registration, at)
        await CheckIn.insert(CheckIn(registration=registration, stop=stop, scan=scan, checked_in_at=at, slot=int(at.timestamp()) // 900))

    async def visit(self, booth: uuid.UUID, stop: uuid.UUID, seeker: uuid.UUID, registration: uuid.UUID, at: datetime) -> None:
        scan = await self.scan(stop, registration, at, booth=booth)
        await Visit.insert(Visit(booth=booth, seeker=seeker, registration=registration, stop=stop, scan=scan, visited_at=at, slot=int(at.timestamp()) // 900))

    async def booth(self, stop: uuid.UUID, employer: uuid.UUID, label: str) -> uuid.UUID:
        row = Booth(stop=stop, employer=employer, label=label)
        await Booth.insert(row)
        return row.id

    async def job(self, event: uuid.UUID, employer: uuid.UUID, *, category: str, headcount: int, salary: tuple[int, int], education: str, deleted: bool = False) -> uuid.UUID:
        row = Job(event=event, employer=employer, title=f"{category}岗", category=category, headcount=headcount, salary_min=salary[0], salary_max=salary[1],
                  education=education, deleted_at=NOW - timedelta(days=40) if deleted else None)
        await Job.insert(row)
        return row.id

    async def interest(self, seeker: uuid.UUID, job: uuid.UUID, employer: uuid.UUID, moves: list[str]) -> None:
        consent = Consent(seeker=seeker, purpose="share_profile", version="1", employer=employer, given_at=NOW - timedelta(days=40))
        await Consent.insert(consent)
        stage = moves[-1] if moves else "submitted"
        row = Interest(seeker=seeker, job=job, employer=employer, consent=consent.id, stage=stage, withdrawn_at=NOW - timedelta(days=1) if stage == "withdrawn" else None)
        await Interest.insert(row)
        previous = "submitted"
        for n, move in enumerate(moves):
            await StageChange.insert(StageChange(interest=row.id, from_stage=previous, to_stage=move, at=NOW - timedelta(days=30 - n)))
            previous = move

    async def bookings(self, booth: uuid.UUID, stop: uuid.UUID, employer: uuid.UUID, starts: datetime, states: list[tuple[uuid.UUID, str]]) -> None:
        slot = Slot(booth=booth, stop=stop, starts_at=starts, ends_at=starts + timedelta(minutes=20), size=len(states), booked_count=len(states))
        await Slot.insert(slot)
        await Booking.insert(
            *(Booking(slot=slot.id, seeker=s, stop=stop, employer=employer, starts_at=slot.starts_at, ends_at=slot.ends_at, status=state) for s, state in states)
        )


def _profiles(count: int, offset: int = 0) -> list[tuple[str, str, str, int] | None]:
    """A spread of degrees, majors, schools and years with big groups and groups of 1 to 4."""
    found: list[tuple[str, str, str, int] | None] = []
    for n in range(offset, offset + count):
        degree = "doctorate" if n % 23 == 0 else "master" if n % 3 == 0 else "associate" if n % 11 == 0 else "bachelor"
        major = ["软件工程", "计算机科学与技术", "数学", "会计学", "软件工程", "会计学"][n % 6] if n % 19 else ("英语" if n % 38 else "火星考古")
        school = "南京大学" if n % 2 else "东南大学" if n % 5 else "河海大学" if n % 7 else "三江学院"
        found.append(None if n % 29 == 7 else (degree, major, school, 2026 + n % 3 if n % 17 else 2024))
    return found


@pytest.fixture
async def scene() -> dict[str, Any]:
    s = Scene()
    yun, xing, hai, far = (
        await s.employer("南京云帆科技有限公司", hr=2, inactive_hr=1),
        await s.employer("苏州星河生物医药有限公司", hr=1),
        await s.employer("南通海工装备有限公司"),
        await s.employer("一家只在别的活动的公司", hr=3),
    )
    days = [date(2026, 10, 12), date(2026, 10, 14), date(2026, 10, 16), date(2026, 12, 1), date(2026, 10, 18)]
    train, (nju, seu, hhu, later, called_off) = await s.event(kind="talent_train", title="2026 南京高校人才专列", days=days)
    await Stop.update({Stop.status: "cancelled"}).where(Stop.id == called_off)

    people = await s.seekers(_profiles(70))
    a01 = await s.booth(nju, yun, "A01")
    a02 = await s.booth(nju, xing, "A02")
    seu_a01 = await s.booth(seu, yun, "A01")
    hhu_b01 = await s.booth(hhu, xing, "B01")
    await s.booth(called_off, hai, "C01")
    jobs = {
        "java": await s.job(train, yun, category="技术", headcount=5, salary=(12000, 20000), education="bachelor"),
        "algo": await s.job(train, yun, category="技术", headcount=2, salary=(20000, 35000), education="master"),
        "sales": await s.job(train, xing, category="销售", headcount=8, salary=(5000, 8000), education="associate"),
        "lab": await s.job(train, xing, category="研发", headcount=3, salary=(9000, 13000), education="master"),
        "crane": await s.job(train, hai, category="", headcount=4, salary=(3000, 4500), education="none"),
        "gone": await s.job(train, hai, category="技术", headcount=9, salary=(8000, 9000), education="bachelor", deleted=True),
    }

    # 南京大学: 40 confirmed (3 of them walk-ins, registered after the start), 4 waitlisted, 2 cancelled; 29 came, in several 15-minute slots.
    nju_start = local(days[0], 14)
    nju_regs = await s.register(nju, people[:37])
    nju_regs += await s.register(nju, people[37:40], at=nju_start + timedelta(minutes=20))
    await s.register(nju, people[40:44], status="waitlisted")
    await s.register(nju, people[44:46], status="cancelled")
    for n in range(26):
        await s.check_in(nju, nju_regs[n], nju_start + timedelta(minutes=2 + 7 * n))
    for n in range(37, 40):
        await s.check_in(nju, nju_regs[n], nju_start + timedelta(minutes=25 + n))
    for n in range(12):  # A01: 12 visitors; A02: 3 (a stall "<5")
        await s.visit(a01, nju, people[n], nju_regs[n], nju_start + timedelta(minutes=30 + n))
    for n in (20, 21, 22):
        await s.visit(a02, nju, people[n], nju_regs[n], nju_start + timedelta(minutes=40 + n))
    # 东南大学: 12 confirmed, 7 came; one visited without checking in at the gate.
    seu_start = local(days[1], 14)
    seu_regs = await s.register(seu, people[46:58])
    for n in range(7):
        await s.check_in(seu, seu_regs[n], seu_start + timedelta(minutes=5 * n))
    for n in (0, 1, 2, 3, 4, 10):
        await s.visit(seu_a01, seu, people[46 + n], seu_regs[n], seu_start + timedelta(minutes=40 + n))
    await s.visit(seu_a01, seu, people[0], (await s.register(seu, [people[0]]))[0], seu_start + timedelta(minutes=50))
    # 河海大学: 3 confirmed, 2 came (counts of "<5", no rate shown).
    hhu_regs = await s.register(hhu, people[58:61])
    for n in range(2):
        await s.check_in(hhu, hhu_regs[n], local(days[2], 14, 10 + 40 * n))  # 14:10 and 14:50: two quiet slots between
    await s.visit(hhu_b01, hhu, people[58], hhu_regs[0], local(days[2], 14, 30))
    # The December stop: 6 registered, not started; the cancelled one: 2 registrations that must count nowhere.
    await s.register(later, people[61:67])
    await s.register(called_off, people[67:69])

    # Interests at several stages: visitors of A01 and others, one withdrawn, one declined, one online only.
    for n, moves in enumerate([
        ["screened", "interviewed", "intention", "signed"], ["screened", "interviewed", "intention"], ["screened", "interviewed"], ["screened"], [],
        ["declined"], ["screened", "declined"], ["withdrawn"], ["screened", "interviewed", "intention", "signed"], [],
    ]):
        await s.interest(people[n], jobs["java" if n % 2 else "algo"], yun, moves)
    await s.interest(people[46], jobs["java"], yun, ["screened", "interviewed", "intention", "signed"])  # visited at 东南大学 and 南京大学
    await s.interest(people[20], jobs["sales"], xing, ["screened"])
    await s.interest(people[21], jobs["lab"], xing, [])
    await s.interest(people[65], jobs["sales"], xing, [])  # never came: applied online
    await s.interest(people[1], jobs["crane"], hai, ["screened", "interviewed", "intention", "signed"])
    await s.bookings(a01, nju, yun, nju_start + timedelta(hours=1), [(people[0], "attended"), (people[1], "booked"), (people[2], "no_show"), (people[3], "cancelled")])
    await s.bookings(a01, nju, yun, nju_start + timedelta(hours=2), [(people[4], "booked")])

    # The previous edition, a year earlier; and, not previous editions, the same host's fair in another city and another host's train.
    before, (before_stop,) = await s.event(kind="talent_train", title="2025 南京高校人才专列", days=[date(2025, 10, 13)])
    old_people = await s.seekers(_profiles(9, offset=100))
    old_regs = await s.register(before_stop, old_people)
    for n in range(6):
        await s.check_in(before_stop, old_regs[n], local(date(2025, 10, 13), 14, n))
    await s.job(before, yun, category="技术", headcount=3, salary=(10000, 15000), education="bachelor")
    await s.event(kind="talent_train", title="苏州人才专列", city="苏州", days=[date(2026, 3, 3)])
    await s.event(kind="talent_train", title="2026 南京高校人才专列", host="别的主办方", days=[date(2026, 9, 1)])

    # The same month: a night market (counted in the period); a draft (not counted); the month after: a job fair (not counted).
    market, (night,) = await s.event(kind="night_market", title="秦淮人才夜市", days=[date(2026, 10, 20)])
    night_people = await s.seekers(_profiles(8, offset=200))
    night_regs = await s.register(night, night_people)
    for n in range(8):
        await s.check_in(night, night_regs[n], local(date(2026, 10, 20), 18, 30 + n))
    await s.booth(night, far, "N1")
    await s.job(market, far, category="销售", headcount=6, salary=(6000, 9000), education="high_school")
    await s.interest(night_people[0], (await Job.select(Job.id).where(Job.event == market).first())["id"], far, [])
    draft, (draft_stop,) = await s.event(kind="job_fair", title="草稿双选会", status="draft", days=[date(2026, 10, 25)])
    await s.register(draft_stop, (await s.seekers(_profiles(5, offset=300))))
    await s.event(kind="job_fair", title="冬季双选会", days=[date(2026, 11, 5)])

    organiser, _ = await make_account("organiser")
    slug = (await Event.select(Event.slug).where(Event.id == train).first())["slug"]
    before_slug = (await Event.select(Event.slug).where(Event.id == before).first())["slug"]
    return {"organiser": organiser, "slug": slug, "train": train, "before_slug": before_slug, "market": market, "draft": draft}


# ---------------------------------------------------------------- counting again, from raw rows


class Rows:
    """Every row of the tables a report reads, and the figures counted from them in plain Python."""

    @classmethod
    async def read(cls) -> Rows:
        self = cls()
        for table in (Account, Booking, Booth, CheckIn, Employer, Event, Interest, Job, Registration, SeekerProfile, Slot, StageChange, Stop, Visit):
            setattr(self, table._meta.tablename, await table.select())
        self.by_id = {row["id"]: row for name in ("account", "registration", "stop", "event", "job", "booth", "slot", "employer") for row in getattr(self, name)}
        return self

    def stops_of(self, event_ids: set[uuid.UUID]) -> list[dict]:
        return sorted((s for s in self.stop if s["event"] in event_ids and s["status"] == "scheduled"), key=lambda s: s["starts_at"])

    def registered(self, stop: uuid.UUID, status: str = "confirmed") -> int:
        return sum(1 for r in self.registration if r["stop"] == stop and r["status"] == status)

    def check_ins(self, stop: uuid.UUID) -> list[dict]:
        return [c for c in self.check_in if c["stop"] == stop]

    def visitors(self, stop_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        came = {self.by_id[c["registration"]]["seeker"] for c in self.check_in if c["stop"] in stop_ids}
        return came | {v["seeker"] for v in self.visit if v["stop"] in stop_ids}

    def live_jobs(self, event_ids: set[uuid.UUID]) -> list[dict]:
        return [j for j in self.job if j["event"] in event_ids and j["deleted_at"] is None]

    def employers(self, event_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        stop_ids = {s["id"] for s in self.stops_of(event_ids)}
        return {b["employer"] for b in self.booth if b["stop"] in stop_ids} | {j["employer"] for j in self.live_jobs(event_ids)}

    def hr(self, employers: set[uuid.UUID]) -> int:
        return sum(1 for a in self.account if a["role"] == "hr" and a["is_active"] and a["employer"] in employers)

    def furthest(self, interest: uuid.UUID) -> int:
        return max((MAIN_LINE.index(c["to_stage"]) for c in self.stage_change if c["interest"] == interest and c["to_stage"] in MAIN_LINE), default=0)

    def interests(self, event_ids: set[uuid.UUID]) -> list[dict]:
        return [i for i in self.interest if self.by_id[i["job"]]["event"] in event_ids]

    def reached(self, interests: list[dict], stage: str) -> int:
        return sum(1 for i in interests if self.furthest(i["id"]) >= MAIN_LINE.index(stage))

    def started(self, stop: dict) -> bool:
        return NOW >= stop["starts_at"]

    def headline(self, event_ids: set[uuid.UUID]) -> dict[str, int]:
        stops = self.stops_of(event_ids)
        stop_ids = {s["id"] for s in stops}
        employers = self.employers(event_ids)
        interests = self.interests(event_ids)
        started = [s for s in stops if self.started(s)]
        return {
            "events": len(event_ids), "stops": len(stops), "employers": len(employers), "hr_staff": self.hr(employers),
            "jobs": len(self.live_jobs(event_ids)), "headcount": sum(j["headcount"] for j in self.live_jobs(event_ids)),
            "registered": sum(self.registered(s) for s in stop_ids), "waitlisted": sum(self.registered(s, "waitlisted") for s in stop_ids),
            "checked_in": sum(len(self.check_ins(s)) for s in stop_ids),
            "no_shows": sum(max(0, self.registered(s["id"]) - len(self.check_ins(s["id"]))) for s in started),
            "visitors": len(self.visitors(stop_ids)), "interests": len(interests),
            "intentions": self.reached(interests, "intention"), "signed": self.reached(interests, "signed"),
        }


PEOPLE = {"hr_staff", "registered", "waitlisted", "checked_in", "no_shows", "visitors", "interests", "intentions", "signed"}


def headline_shown(figures: dict[str, int], *, with_events: bool) -> list[Any]:
    order = ["events", "stops", "employers", "hr_staff", "jobs", "headcount", "registered", "waitlisted", "checked_in", "no_shows", "visitors", "interests", "intentions", "signed"]
    return [shown(figures[key]) if key in PEOPLE else figures[key] for key in order if with_events or key != "events"]


def folded(counts: Counter, other: str = "其他（各组不足5人，合并）") -> dict[str, Any]:
    """Groups of 5 or more as they are, smaller ones added up under one row."""
    kept = {group: count for group, count in counts.items() if count >= 5}
    rest = sum(count for count in counts.values() if 0 < count < 5)
    return {**kept, **({other: shown(rest)} if rest else {})}


def column(table, key: str) -> list[Any]:
    index = [c.key for c in table.columns].index(key)
    return [row[index] for row in table.rows]


def as_dict(table, key: str, value: str) -> dict[Any, Any]:
    return dict(zip(column(table, key), column(table, value), strict=True))


# ---------------------------------------------------------------- the event report


async def test_every_stop_figure_equals_the_raw_rows_and_the_attendance_export(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    stops = rows.stops_of({scene["train"]})
    table = report.table("stops")
    assert len(table.rows) == len(stops) == 4  # the cancelled stop is not reported
    attendance = {s.stop_id: s for s in (await event_attendance(actor=scene["organiser"], now=NOW, slug=scene["slug"])).stops}
    for stop, row in zip(stops, table.rows, strict=True):
        registered, came = rows.registered(stop["id"]), len(rows.check_ins(stop["id"]))
        walk_ins = sum(1 for c in rows.check_ins(stop["id"]) if rows.by_id[c["registration"]]["created_at"] >= stop["starts_at"])
        started = rows.started(stop)
        rate = None if not started else 0.0 if registered == 0 else round(came / registered, 4) if registered >= 5 and (came == 0 or came >= 5) else None
        expected = (
            f"{stop['school']} {stop['campus']}", stop["starts_at"], shown(registered), shown(came), rate,
            shown(rows.registered(stop["id"], "waitlisted")), shown(max(0, registered - came)) if started else None, shown(walk_ins),
        )
        assert row == expected
        # The same stop in the attendance export: the report shows its figures (or "<5" for them).
        exported = attendance[stop["id"]]
        assert (row[2], row[3], row[5], row[7]) == tuple(shown(n) for n in (exported.registered, exported.checked_in, exported.waitlisted, exported.walk_ins))
        assert row[4] in (None, exported.check_in_rate)
    assert table.rows[0][2:5] == (40, 29, round(29 / 40, 4)) and table.rows[0][7] == SMALL  # 3 walk-ins
    assert table.rows[2][2:5] == (SMALL, SMALL, None)  # 河海大学: 3 registered, 2 came
    assert table.rows[3][4] is None and table.rows[3][6] is None  # December: not started


async def test_arrivals_per_fifteen_minutes_count_each_check_in_once_in_the_stops_zone(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    came_stops = [s for s in rows.stops_of({scene["train"]}) if rows.check_ins(s["id"])]
    tables = [t for section in report.sections for t in section.tables if t.key.startswith("arrivals_")]
    assert len(tables) == len(came_stops) == 3
    for stop, table in zip(came_stops, tables, strict=True):
        slots = Counter(int(c["checked_in_at"].timestamp()) // 900 * 900 for c in rows.check_ins(stop["id"]))
        every = range(min(slots), max(slots) + 900, 900)  # quiet slots in between show 0
        expected = [(datetime.fromtimestamp(slot, UTC).astimezone(ZoneInfo(stop["timezone"])), shown(slots.get(slot, 0))) for slot in every]
        assert table.rows == expected
        assert all(row[0].utcoffset() == timedelta(hours=8) for row in table.rows)
    assert [row[1] for row in tables[2].rows] == [SMALL, 0, 0, SMALL]


async def test_the_summary_counts_the_events_people_jobs_and_funnel_from_raw_rows(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    figures = rows.headline({scene["train"]})
    assert column(report.table("summary"), "value") == headline_shown(figures, with_events=False)
    # The scene's own numbers, so that the check above cannot pass on two empty reports.
    assert (figures["stops"], figures["employers"], figures["hr_staff"], figures["jobs"], figures["headcount"]) == (4, 3, 3, 5, 22)
    assert (figures["registered"], figures["checked_in"], figures["signed"]) == (40 + 13 + 3 + 6, 29 + 7 + 2, 4)


async def test_employers_and_jobs_by_category_education_and_salary_band_match_the_rows(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    train = {scene["train"]}
    stop_ids = {s["id"] for s in rows.stops_of(train)}
    live = rows.live_jobs(train)
    expected_employers = []
    for employer in sorted(rows.employers(train), key=lambda e: rows.by_id[e]["name"]):
        mine = [j for j in live if j["employer"] == employer]
        expected_employers.append(
            (rows.by_id[employer]["name"], sum(1 for b in rows.booth if b["employer"] == employer and b["stop"] in stop_ids), shown(rows.hr({employer})),
             len(mine), sum(j["headcount"] for j in mine))
        )
    assert report.table("employers").rows == expected_employers

    def by(key) -> dict[Any, tuple[int, int]]:
        found: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
        for job in live:
            found[key(job)][0] += 1
            found[key(job)][1] += job["headcount"]
        return {k: tuple(v) for k, v in found.items()}

    categories = {row[0]: (row[1], row[2]) for row in report.table("jobs_by_category").rows}
    assert categories == {(k or "未分类"): v for k, v in by(lambda j: j["category"]).items()}
    education_words = {"none": "学历不限", "high_school": "高中及以上", "associate": "大专及以上", "bachelor": "本科及以上", "master": "硕士及以上", "doctorate": "博士"}
    assert {row[0]: (row[1], row[2]) for row in report.table("jobs_by_education").rows} == {education_words[k]: v for k, v in by(lambda j: j["education"]).items()}
    bands = [(20000, "20000元及以上"), (12000, "12000–19999元"), (8000, "8000–11999元"), (5000, "5000–7999元"), (0, "5000元以下")]
    salary = by(lambda j: next(name for low, name in bands if (j["salary_min"] + j["salary_max"]) / 2 >= low))
    assert {row[0]: (row[1], row[2]) for row in report.table("jobs_by_salary").rows} == {name: salary.get(name, (0, 0)) for _, name in bands}


async def test_each_stall_counts_its_visitors_interests_bookings_intentions_and_signed_offers(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    stops = rows.stops_of({scene["train"]})
    order = {s["id"]: n for n, s in enumerate(stops)}
    booths = sorted((b for b in rows.booth if b["stop"] in order), key=lambda b: (order[b["stop"]], b["label"]))
    expected = []
    for booth in booths:
        stop = rows.by_id[booth["stop"]]
        visitors = {v["seeker"] for v in rows.visit if v["booth"] == booth["id"]}
        interests = [
            i for i in rows.interest
            if i["seeker"] in visitors and i["employer"] == booth["employer"] and rows.by_id[i["job"]]["event"] == stop["event"]
        ]
        bookings = [b for b in rows.booking if rows.by_id[b["slot"]]["booth"] == booth["id"] and b["status"] != "cancelled"]
        expected.append(
            (f"{stop['school']} {stop['campus']}", booth["label"], rows.by_id[booth["employer"]]["name"], shown(len(visitors)), shown(len(interests)),
             shown(len(bookings)), shown(rows.reached(interests, "intention")), shown(rows.reached(interests, "signed")))
        )
    assert report.table("stalls").rows == expected
    assert expected[0][3:6] == (12, 10, SMALL)  # A01 at 南京大学: 12 visitors, 10 of their interests, 4 bookings


async def test_visitors_by_degree_discipline_school_and_year_fold_groups_under_five(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    visitors = rows.visitors({s["id"] for s in rows.stops_of({scene["train"]})})
    profiles = {p["account"]: p for p in rows.seeker_profile}

    def counted(key) -> Counter:
        return Counter(key(profiles[v]) if v in profiles else "未填写" for v in visitors)

    degrees = counted(lambda p: DEGREE[p["degree"]])
    assert as_dict(report.table("visitors_by_degree"), "group", "visitors") == folded(degrees)
    assert 0 < degrees["博士"] < 5 and "博士" not in as_dict(report.table("visitors_by_degree"), "group", "visitors")
    assert as_dict(report.table("visitors_by_discipline"), "group", "visitors") == folded(counted(lambda p: DISCIPLINE[p["major"]]))
    assert as_dict(report.table("visitors_by_school"), "group", "visitors") == folded(counted(lambda p: p["school"] or "未填写"))
    assert as_dict(report.table("visitors_by_graduation_year"), "group", "visitors") == folded(counted(lambda p: str(p["graduation_year"])))
    # Every visitor is in exactly one row of each table: the rows add up to the visitors (a "<5" row hides 1 to 4).
    for key in ("visitors_by_degree", "visitors_by_discipline", "visitors_by_school", "visitors_by_graduation_year"):
        values = column(report.table(key), "visitors")
        assert sum(v for v in values if isinstance(v, int)) + (1 if SMALL in values else 0) <= len(visitors) <= sum(v for v in values if isinstance(v, int)) + 4 * values.count(SMALL)


async def test_the_funnel_per_employer_counts_the_furthest_stage_each_interest_reached(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    rows = await Rows.read()
    interests = rows.interests({scene["train"]})
    expected = []
    for employer in sorted({i["employer"] for i in interests}, key=lambda e: rows.by_id[e]["name"]):
        mine = [i for i in interests if i["employer"] == employer]
        expected.append((rows.by_id[employer]["name"], *(shown(rows.reached(mine, stage)) for stage in MAIN_LINE)))
    assert report.table("funnel_by_employer").rows == expected
    assert column(report.table("funnel"), "interests") == [shown(rows.reached(interests, stage)) for stage in MAIN_LINE]
    assert column(report.table("funnel"), "interests")[0] == 15


async def test_the_previous_edition_is_the_same_hosts_earlier_event_of_the_same_name_and_kind(scene):
    report = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    assert report.subject["previous_edition"] == scene["before_slug"]
    rows = await Rows.read()
    before = next(e["id"] for e in rows.event if e["slug"] == scene["before_slug"])
    this, then = rows.headline({scene["train"]}), rows.headline({before})
    table = report.table("comparison")
    for (_figure, now_shown, then_shown, change, rate), key in zip(table.rows, [k for k in this if k != "events"], strict=True):
        assert (now_shown, then_shown) == (shown(this[key]) if key in PEOPLE else this[key], shown(then[key]) if key in PEOPLE else then[key])
        exact = isinstance(now_shown, int) and isinstance(then_shown, int)
        assert change == (this[key] - then[key] if exact else None)
        assert rate == (round((this[key] - then[key]) / then[key], 4) if exact and then[key] else None)
    # The previous edition has none before it.
    earlier = await reports.event_report(actor=scene["organiser"], slug=scene["before_slug"], now=NOW)
    assert earlier.subject["previous_edition"] is None and earlier.table("comparison").rows == []


async def test_english_reports_carry_the_same_figures(scene):
    zh = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW)
    en = await reports.event_report(actor=scene["organiser"], slug=scene["slug"], now=NOW, language="en")
    for key in ("summary", "stops", "stalls", "funnel_by_employer", "visitors_by_degree"):
        assert [[v for v in row if not isinstance(v, str) or v == SMALL] for row in zh.table(key).rows] == [
            [v for v in row if not isinstance(v, str) or v == SMALL] for row in en.table(key).rows
        ]
    assert "Bachelor's" in as_dict(en.table("visitors_by_degree"), "group", "visitors")
    json.dumps(en.as_json(), ensure_ascii=False)  # every value serialises


# ---------------------------------------------------------------- the period report


async def test_the_period_counts_every_published_event_starting_in_it_and_the_year_before(scene):
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    report = await reports.period_report(actor=scene["organiser"], first=first, last=last, now=NOW)
    rows = await Rows.read()

    def in_period(a: date, b: date) -> set[uuid.UUID]:
        return {e["id"] for e in rows.event if e["status"] == "published" and a <= e["starts_at"].astimezone(SHANGHAI).date() <= b}

    events = in_period(first, last)
    assert events == {scene["train"], scene["market"]}
    assert column(report.table("summary"), "value") == headline_shown(rows.headline(events), with_events=True)
    earlier = in_period(date(2025, 10, 1), date(2025, 10, 31))
    assert len(earlier) == 1
    this, then = rows.headline(events), rows.headline(earlier)
    assert column(report.table("year_on_year"), "then") == [shown(then[k]) if k in PEOPLE else then[k] for k in this if k != "events"]

    kinds = {"talent_train": "人才专列", "night_market": "人才夜市", "job_fair": "双选会"}
    expected_kinds = {}
    for kind in kinds:
        members = {e for e in events if rows.by_id[e]["kind"] == kind}
        if not members:
            continue
        stops = rows.stops_of(members)
        live = rows.live_jobs(members)
        registered = sum(rows.registered(s["id"]) for s in stops)
        came = sum(len(rows.check_ins(s["id"])) for s in stops)
        started_registered = sum(rows.registered(s["id"]) for s in stops if rows.started(s))
        started_came = sum(len(rows.check_ins(s["id"])) for s in stops if rows.started(s))
        expected_kinds[kinds[kind]] = (
            len(members), len(stops), len(rows.employers(members)), len(live), sum(j["headcount"] for j in live), shown(registered), shown(came),
            None if not started_registered else round(started_came / started_registered, 4) if started_registered >= 5 and started_came != 0 and started_came >= 5 else None,
        )
    assert {row[0]: tuple(row[1:]) for row in report.table("by_kind").rows} == expected_kinds
    assert [row[0] for row in report.table("by_city").rows] == ["南京"]

    # 供求: jobs and headcount offered per category against the distinct people who applied to that category.
    live = rows.live_jobs(events)
    seekers: dict[str, set] = defaultdict(set)
    for interest in rows.interests(events):
        seekers[rows.by_id[interest["job"]]["category"]].add(interest["seeker"])
    expected = {}
    for category in {j["category"] for j in live} | set(seekers):
        mine = [j for j in live if j["category"] == category]
        headcount, people = sum(j["headcount"] for j in mine), len(seekers[category])
        expected[category or "未分类"] = (len(mine), headcount, shown(people), round(headcount / people, 2) if people >= 5 else None)
    assert {row[0]: tuple(row[1:]) for row in report.table("supply_demand").rows} == expected
    assert expected["技术"][2] == 11


async def test_a_period_must_run_forwards_and_last_at_most_three_years(scene):
    with pytest.raises(reports.PeriodInvalid) as reversed_period:
        await reports.period_report(actor=scene["organiser"], first=date(2026, 10, 31), last=date(2026, 10, 1), now=NOW)
    assert (reversed_period.value.code, reversed_period.value.status) == ("period_reversed", 400)
    with pytest.raises(reports.PeriodInvalid) as long_period:
        await reports.period_report(actor=scene["organiser"], first=date(2020, 1, 1), last=date(2026, 1, 1), now=NOW)
    assert long_period.value.code == "period_too_long"
    assert reports.year_earlier(date(2028, 2, 29)) == date(2027, 2, 28)


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("role", ["hr", "seeker"])
async def test_only_organisers_get_reports(scene, role):
    employer = (await Employer.select(Employer.id).first())["id"] if role == "hr" else None
    actor, _ = await make_account(role, employer_id=employer)
    with pytest.raises(Forbidden):
        await reports.event_report(actor=actor, slug=scene["slug"], now=NOW)
    with pytest.raises(Forbidden):
        await reports.period_report(actor=actor, first=date(2026, 10, 1), last=date(2026, 10, 31), now=NOW)
    with pytest.raises(Unauthorized):
        await reports.event_report(actor=Actor(role="anonymous"), slug=scene["slug"], now=NOW)


async def test_the_demos_train_has_last_years_train_as_its_previous_edition(organiser_actor):
    from conftest import now

    from events import demo

    moment = now()
    await demo.load_demo(organiser=organiser_actor, now=moment)
    report = await reports.event_report(actor=organiser_actor, slug="nanjing-talent-train", now=moment)
    assert report.subject["previous_edition"] == "nanjing-talent-train-previous"
    last_year = await reports.event_report(actor=organiser_actor, slug="nanjing-talent-train-previous", now=moment)
    assert as_dict(last_year.table("stops"), "stop", "checked_in") == {"南京大学 仙林校区": 18}
    assert last_year.table("stalls").rows[0][1:5] == ("A01", "南京云帆科技有限公司", 10, 6)
    assert len(report.table("comparison").rows) == len(last_year.table("summary").rows)


async def test_an_event_without_stops_and_a_period_without_events_give_empty_reports(organiser_actor):
    event = Event(slug="empty-fair", kind="job_fair", title="空的双选会", status="draft")
    await Event.insert(event)
    report = await reports.event_report(actor=organiser_actor, slug="empty-fair", now=NOW)
    assert report.table("stops").rows == [] and report.table("stalls").rows == [] and report.subject["first_day"] is None
    assert column(report.table("summary"), "value") == [0] * 13
    period = await reports.period_report(actor=organiser_actor, first=date(2030, 1, 1), last=date(2030, 1, 31), now=NOW)
    assert period.table("by_kind").rows == [] and period.table("supply_demand").rows == [] and period.subject["events"] == 0
    json.dumps(period.as_json(), ensure_ascii=False)
