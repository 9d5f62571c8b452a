"""The benchmark's database: wiped, migrated and filled directly (bulk inserts), before and between measurements.

Rows get made-up but deterministic ids (`uid`), so the same scene is built on both engines and
the tickets, signed once, are valid on both. PostgreSQL is filled with COPY, SQLite with one
executemany per table in one transaction; the app's own code never runs here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import piccolo.engine.sqlite  # noqa: F401 - registers the sqlite3 adapters Piccolo stores UUIDs and timestamps with

ROOT = Path(__file__).resolve().parent.parent
EMPLOYERS = 20
LIVE_BOOTHS = 8
#: Registrations already checked in before any measurement: the stored scans, and the sync batches' repeats.
CHECKED_IN = 1000
LIST_EVENTS = 100
CITIES = ("南京", "苏州", "无锡", "常州", "上海", "杭州", "合肥", "武汉", "成都", "西安")
JOB_TITLES = ("Java 开发工程师", "前端开发工程师", "算法工程师", "测试工程师", "产品经理", "销售代表", "财务专员", "人力资源专员",
              "机械设计工程师", "电气工程师", "数据分析师", "运营专员", "嵌入式软件工程师", "客户经理", "市场策划")
CATEGORIES = ("技术", "研发", "产品", "销售", "职能", "制造", "运营", "市场")
EDUCATION = ("none", "high_school", "associate", "bachelor", "bachelor", "bachelor", "master", "master", "doctorate")
MAJORS = ("[]", '["计算机科学与技术", "软件工程"]', '["电气工程及其自动化"]', '["机械设计制造及其自动化", "车辆工程"]',
          '["会计学", "财务管理"]', '["市场营销", "工商管理"]', '["数学与应用数学", "统计学"]', "[]")


def uid(kind: int, n: int) -> uuid.UUID:
    """A readable, deterministic id: kind 1 employer, 2 account, 3 event, 4 stop, 5 booth, 6 registration, 7 scan, 8 check-in, 9 job."""
    return uuid.UUID(f"{kind:08x}-0000-4000-8000-{n:012x}")


def seeded_nonce(n: int) -> str:
    return f"seed-{n:08d}"


def slot_of(moment: datetime) -> int:
    return int(moment.timestamp()) // 900


ORGANISER = uid(2, 0)
LIVE_EVENT, JOBS_EVENT = uid(3, 1), uid(3, 2)
LIVE_STOP, BURST_STOP = uid(4, 1), uid(4, 2)
#: The outbox scenario's eight rounds (on, off, off, on, twice), each registering every burst seeker at two stops of its own.
OUTBOX_STOPS = tuple(uid(4, 800 + k) for k in range(16))


def hr(booth: int) -> uuid.UUID:
    return uid(2, 1 + booth)


def seeker(n: int) -> uuid.UUID:
    """Seeker n holds registration n at the live stop."""
    return uid(2, 1000 + n)


def live_booth(n: int) -> uuid.UUID:
    return uid(5, n)


def registration(n: int) -> uuid.UUID:
    return uid(6, n)


def feed_slug(stops: int) -> str:
    return f"bench-feed-{stops}"


class Database:
    """Just enough of either engine to fill and inspect it: execute, one value, bulk insert. SQL is written with `?`.

    Synchronous, like the rest of the benchmark: asyncpg runs on a loop of its own here.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.lite: sqlite3.Connection | None = None
        self.pg: asyncpg.Connection | None = None
        self.loop = asyncio.new_event_loop()

    def __enter__(self) -> Database:
        if self.url.startswith("sqlite:///"):
            self.lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None, timeout=60)
            self.lite.execute("PRAGMA journal_mode=WAL")
        else:
            self.pg = self.loop.run_until_complete(asyncpg.connect(self.url))
        return self

    def __exit__(self, *_: object) -> None:
        if self.lite is not None:
            self.lite.close()
        if self.pg is not None:
            self.loop.run_until_complete(self.pg.close())
        self.loop.close()

    def _pg(self, sql: str) -> str:
        parts = sql.split("?")
        return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))

    def execute(self, sql: str, *args: object) -> None:
        if self.lite is not None:
            self.lite.execute(sql, args)
        else:
            self.loop.run_until_complete(self.pg.execute(self._pg(sql), *args))

    def value(self, sql: str, *args: object) -> object:
        if self.lite is not None:
            return self.lite.execute(sql, args).fetchone()[0]
        return self.loop.run_until_complete(self.pg.fetchval(self._pg(sql), *args))

    def insert(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        """Many rows in one go: one transaction on SQLite, COPY on PostgreSQL."""
        if self.lite is not None:
            names = ", ".join(f'"{column}"' for column in columns)
            self.lite.execute("BEGIN")
            # Table and column names are this module's constants, never input.
            self.lite.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})', rows)  # noqa: S608
            self.lite.execute("COMMIT")
        else:
            with self._unchecked(table):
                self.loop.run_until_complete(self.pg.copy_records_to_table(table, records=rows, columns=list(columns)))

    @contextmanager
    def _unchecked(self, table: str) -> Iterator[None]:
        """PostgreSQL: foreign keys unchecked while bulk-inserting into a table that has no triggers of its own.

        Rows made here satisfy their foreign keys by construction, and checked one by one (PostgreSQL's internal
        triggers) a million scans take a minute instead of seconds. `replica` also silences the app's own
        triggers (tallies, versions, search indexes), which must fire: a table with any keeps its checks.
        """
        own = self.value("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = ? AND NOT t.tgisinternal", table)
        if own:
            yield
            return
        self.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            self.execute("SET session_replication_role = origin")

    # ---- rows made by the database itself: INSERT … SELECT over n in a range (a million rows in seconds, no Python per row).
    # The fragments below are SQL for one value of row n, in this engine's dialect; every value in them is this module's constant.

    def series(self, table: str, columns: dict[str, str], start: int, stop: int) -> None:
        """INSERT a row into `table` for each n in [start, stop); `columns` maps each column to its SQL in terms of n."""
        if stop <= start:
            return
        names, values = ", ".join(f'"{name}"' for name in columns), ", ".join(columns.values())
        if self.lite is not None:
            self.execute(f'INSERT INTO "{table}" ({names}) WITH RECURSIVE s(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM s WHERE n < {stop - 1}) '  # noqa: S608
                         f"SELECT {values} FROM s")
        else:
            with self._unchecked(table):
                self.execute(f'INSERT INTO "{table}" ({names}) SELECT {values} FROM generate_series({start}, {stop - 1}) AS s(n)')  # noqa: S608

    def literal(self, value: object) -> str:
        if isinstance(value, datetime):
            return f"'{value.astimezone(UTC)}'" if self.lite is not None else f"'{value.isoformat()}'::timestamptz"
        if isinstance(value, uuid.UUID):
            return f"'{value}'" if self.lite is not None else f"'{value}'::uuid"
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    def uid(self, kind: int, n: str) -> str:
        """uid(kind, n) as SQL."""
        if self.lite is not None:
            return f"printf('%08x-0000-4000-8000-%012x', {kind}, {n})"
        return f"('{kind:08x}-0000-4000-8000-' || lpad(to_hex({n}), 12, '0'))::uuid"

    def pick(self, values: tuple[str, ...], n: str) -> str:
        """values[n % len(values)] as SQL."""
        if self.lite is not None:
            return f"CASE ({n}) % {len(values)} {' '.join(f'WHEN {k} THEN {self.literal(value)}' for k, value in enumerate(values))} END"
        return f"(ARRAY[{', '.join(self.literal(value) for value in values)}])[1 + ({n}) % {len(values)}]"

    def minutes_before(self, moment: datetime, minutes: str) -> str:
        if self.lite is not None:
            return f"strftime('%Y-%m-%d %H:%M:%S+00:00', '{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}', '-' || ({minutes}) || ' minutes')"
        return f"({self.literal(moment)} - ({minutes}) * interval '1 minute')"

    def hex8(self, n: str) -> str:
        return f"printf('%08X', {n})" if self.lite is not None else f"upper(lpad(to_hex({n}), 8, '0'))"

    def analyze(self) -> None:
        # A production PostgreSQL's autovacuum analyses a freshly filled table within a minute; do it now
        # so plans are the ones production would get. SQLite has no autoanalyze, so it is left as it is.
        if self.pg is not None:
            self.loop.run_until_complete(self.pg.execute("ANALYZE"))


def reset(url: str) -> None:
    """An empty, migrated database."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        with Database(url) as db:
            db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "main.py", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


@dataclass(frozen=True)
class Plan:
    """How big the scene is."""

    #: Registrations at the live stop that nobody has scanned yet (tickets for every scan run and sync batch).
    fresh_tickets: int
    burst_seekers: int
    burst_capacity: int
    feed_stops: tuple[int, ...]
    jobs: int
    stored_scans: int


def _employers(now: datetime):
    for n in range(EMPLOYERS):
        yield (uid(1, n), f"基准用人单位{n:02d}", f"91320100{n:09d}X", "软件和信息技术服务业", CITIES[n % len(CITIES)], now, now)


def _staff(now: datetime):
    yield (ORGANISER, "organiser", "基准主办方", "bench-organiser@example.com", None, "x", None, True, now, now)
    for n in range(LIVE_BOOTHS):
        yield (hr(n), "hr", f"HR {n}", f"bench-hr-{n}@example.com", None, "x", uid(1, n), True, now, now)


def _event(id_: uuid.UUID, slug: str, kind: str, title: str, city: str, starts: datetime, ends: datetime, now: datetime) -> tuple:
    return (id_, slug, kind, title, "", "基准主办单位", city, "Asia/Shanghai", "published", starts, ends, now - timedelta(days=1), now, now)


def _stop(id_: uuid.UUID, event: uuid.UUID, name: str, n: int, starts: datetime, hours: int, capacity: int, confirmed: int, now: datetime) -> tuple:
    return (id_, event, name, f"大学{n % 300}", f"某市某区某路{n}号", CITIES[n % len(CITIES)], starts, starts + timedelta(hours=hours),
            "Asia/Shanghai", capacity, "scheduled", 0, confirmed, 0, now, now)


EVENT_COLUMNS = ("id", "slug", "kind", "title", "description", "host", "city", "timezone", "status", "starts_at", "ends_at", "published_at",
                 "created_at", "updated_at")
STOP_COLUMNS = ("id", "event", "name", "school", "address", "city", "starts_at", "ends_at", "timezone", "capacity", "status", "sequence",
                "confirmed_count", "waitlist_seq", "created_at", "updated_at")
SCAN_COLUMNS = ("id", "nonce", "kind", "stop", "registration", "outcome", "device", "staff", "sender", "received_at", "job_ids")


def scene(db: Database, plan: Plan, now: datetime) -> None:
    """Everything the scenarios need, in a new database."""
    registrations = CHECKED_IN + plan.fresh_tickets
    live_starts = now - timedelta(minutes=30)
    db.insert("employer", ("id", "name", "credit_code", "industry", "city", "created_at", "updated_at"), _employers(now))
    db.insert("account", ("id", "role", "name", "email", "phone", "password_hash", "employer", "is_active", "created_at", "updated_at"), _staff(now))
    at = db.literal(now)
    db.series("account", {"id": db.uid(2, "1000 + n"), "role": "'seeker'", "name": "'学生' || n", "password_hash": "'x'", "created_at": at,
                          "updated_at": at}, 0, max(registrations, plan.burst_seekers))

    events = [_event(LIVE_EVENT, "bench-night", "night_market", "基准人才夜市", "南京", live_starts, now + timedelta(days=1, hours=3), now),
              _event(JOBS_EVENT, "bench-jobs", "job_fair", "基准双选会", "南京", now + timedelta(days=7), now + timedelta(days=7, hours=4), now)]
    events += [_event(uid(3, 10 + k), feed_slug(size), "talent_train", f"基准人才专列 {size} 站", "南京", now + timedelta(days=1),
                      now + timedelta(days=1 + size % 700), now) for k, size in enumerate(plan.feed_stops)]
    events += [_event(uid(3, 100 + k), f"bench-fair-{k}", "job_fair", f"基准招聘会 {k}", CITIES[k % len(CITIES)], now + timedelta(days=k),
                      now + timedelta(days=k, hours=4), now) for k in range(LIST_EVENTS)]
    db.insert("event", EVENT_COLUMNS, events)

    stops = [_stop(LIVE_STOP, LIVE_EVENT, "今晚", 1, live_starts, 6, registrations, registrations, now),
             _stop(BURST_STOP, LIVE_EVENT, "明晚", 2, now + timedelta(days=1), 3, plan.burst_capacity, 0, now),
             _stop(uid(4, 3), JOBS_EVENT, "主会场", 3, now + timedelta(days=7), 4, 5000, 0, now),
             *(_stop(stop_id, LIVE_EVENT, f"第{k + 3}晚", 4 + k, now + timedelta(days=2 + k), 3, plan.burst_seekers, 0, now)
               for k, stop_id in enumerate(OUTBOX_STOPS))]
    stops += [_stop(uid(4, 10 + k), uid(3, 100 + k), "主会场", k, now + timedelta(days=k), 4, 1000, 0, now) for k in range(LIST_EVENTS)]
    feed_booths = []
    for k, size in enumerate(plan.feed_stops):
        for n in range(size):
            stop_id = uid(4, 100_000 * (k + 1) + n)
            stops.append(_stop(stop_id, uid(3, 10 + k), f"第{n + 1}站", n, now + timedelta(days=1 + n % 700, hours=n % 8), 3, 300, 0, now))
            feed_booths += [(uid(5, 1_000_000 * (k + 1) + 3 * n + j), stop_id, uid(1, (n + j) % EMPLOYERS), f"A{j + 1}", now, now) for j in range(3)]
    db.insert("stop", STOP_COLUMNS, stops)
    live_booths = [(live_booth(n), LIVE_STOP, uid(1, n), f"A{n + 1:02d}", now, now) for n in range(LIVE_BOOTHS)]
    db.insert("booth", ("id", "stop", "employer", "label", "created_at", "updated_at"), live_booths + feed_booths)

    confirmed_at = db.literal(now - timedelta(days=1))
    db.series("registration", {"id": db.uid(6, "n"), "stop": db.literal(LIVE_STOP), "seeker": db.uid(2, "1000 + n"), "status": "'confirmed'",
                               "short_code": db.hex8("n"), "confirmed_at": confirmed_at, "created_at": confirmed_at, "updated_at": confirmed_at},
              0, registrations)
    checked_at = now - timedelta(minutes=10)
    db.insert("scan", SCAN_COLUMNS, ((uid(7, n), seeded_nonce(n), "check_in", LIVE_STOP, registration(n), "first", "gate", ORGANISER, ORGANISER,
                                            checked_at, "[]") for n in range(CHECKED_IN)))
    db.insert("check_in", ("id", "registration", "stop", "scan", "checked_in_at", "slot"),
                    ((uid(8, n), registration(n), LIVE_STOP, uid(7, n), checked_at, slot_of(checked_at)) for n in range(CHECKED_IN)))
    grow_scans(db, plan.stored_scans, now)
    grow_jobs(db, plan.jobs, now)
    booking_slots(db, now)


def count(db: Database, table: str, where: str = "", *args: object) -> int:
    return int(db.value(f'SELECT count(*) FROM "{table}" {where}', *args))  # noqa: S608 - constants, never input


def grow_scans(db: Database, target: int, now: datetime) -> int:
    """Top the scan table up to `target` rows with re-scans of the checked-in registrations; returns the rows stored."""
    have = count(db, "scan")
    db.series("scan", {"id": db.uid(7, "10000000 + n"), "nonce": "'fill-' || n", "kind": "'check_in'", "stop": db.literal(LIVE_STOP),
                       "registration": db.uid(6, f"n % {CHECKED_IN}"), "outcome": "'repeat'", "device": "'gate'", "staff": db.literal(ORGANISER),
                       "sender": db.literal(ORGANISER),
                       "received_at": db.literal(now - timedelta(minutes=5))}, have, target)
    db.analyze()
    return max(have, target)


def grow_jobs(db: Database, target: int, now: datetime) -> int:
    """Top the jobs event up to `target` jobs (a mix of titles, salaries, education and majors; 10% closed, 1% deleted); returns the jobs there."""
    have = count(db, "job")
    salary = "(4000 + (n * 37) % 26000)"
    created = db.minutes_before(now, "n % 86400")
    db.series("job", {
        "id": db.uid(9, "n"), "event": db.literal(JOBS_EVENT), "employer": db.uid(1, f"n % {EMPLOYERS}"), "title": db.pick(JOB_TITLES, "n"),
        "description": f"'岗位职责：负责' || {db.pick(JOB_TITLES, 'n')} || '相关工作，参与项目' || (n % 97) || '。任职要求：' || "
                       f"{db.pick(CATEGORIES, 'n')} || '方向，沟通能力强。'",
        "category": db.pick(CATEGORIES, "n"), "city": db.pick(CITIES, "n"), "headcount": "1 + n % 10", "salary_min": salary,
        "salary_max": f"{salary} + 2000 + (n % 5) * 1000", "salary_months": "12 + n % 4", "education": db.pick(EDUCATION, "n"),
        "majors": db.pick(MAJORS, "n"), "status": "CASE WHEN n % 10 = 9 THEN 'closed' ELSE 'open' END",
        "deleted_at": f"CASE WHEN n % 100 = 42 THEN {db.literal(now)} END", "created_at": created, "updated_at": created,
    }, have, target)
    db.analyze()
    return max(have, target)


def touch_stop(db: Database, stop_id: uuid.UUID, now: datetime) -> None:
    """Move one stop by an hour, as an organiser's edit would: a new time, a higher sequence, a newer updated_at."""
    db.execute("UPDATE stop SET starts_at = ?, ends_at = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?",
                     now + timedelta(days=3), now + timedelta(days=3, hours=2), now, stop_id)


def registration_counts(db: Database, stop_id: uuid.UUID) -> dict[str, int]:
    counts = {status: count(db, "registration", "WHERE stop = ? AND status = ?", stop_id, status) for status in ("confirmed", "waitlisted")}
    counts["confirmed_count"] = int(db.value("SELECT confirmed_count FROM stop WHERE id = ?", stop_id))
    return counts


def json_line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- issue 14, slots: the booking burst

#: Slots at the burst stop's booth, and places in each: 12 × 2 = 24 places for the booking burst.
BURST_SLOTS, SLOT_SIZE = 12, 2
BURST_BOOTH = uid(5, 900)


def burst_slot(n: int) -> uuid.UUID:
    return uid(10, n)


def booking_slots(db: Database, now: datetime) -> None:
    """A booth at the burst stop (tomorrow night) with twelve 15-minute slots of two places, back to back."""
    db.insert("booth", ("id", "stop", "employer", "label", "created_at", "updated_at"), [(BURST_BOOTH, BURST_STOP, uid(1, 0), "S1", now, now)])
    opens = now + timedelta(days=1)
    db.insert("slot", ("id", "booth", "stop", "starts_at", "ends_at", "size", "booked_count", "job_ids", "eligibility", "cancel_cutoff_minutes",
                       "status", "sequence", "created_by", "created_at", "updated_at"),
              [(burst_slot(n), BURST_BOOTH, BURST_STOP, opens + timedelta(minutes=15 * n), opens + timedelta(minutes=15 * (n + 1)), SLOT_SIZE, 0, "[]",
                "{}", 60, "open", 0, ORGANISER, now, now) for n in range(BURST_SLOTS)])


def booking_counts(db: Database) -> dict[str, int]:
    return {
        "booked": count(db, "booking", "WHERE stop = ? AND status = ?", BURST_STOP, "booked"),
        "booked_count": int(db.value("SELECT SUM(booked_count) FROM slot WHERE booth = ?", BURST_BOOTH)),
        "seekers": int(db.value("SELECT COUNT(DISTINCT seeker) FROM booking WHERE stop = ?", BURST_STOP)),
    }
