"""Issue 15's scenario: an event with 50,000 registrations and 200,000 scans, its report.pdf and report.xlsx timed, and the
server's ping rate while a report renders against its rate alone (rendering runs in a worker process, off the event loop).

The event is seeded with bulk SQL like the rest of bench/seed.py (no app code): four stops yesterday and the days before,
80% of each stop checked in over twelve 15-minute slots, three booth visits per person who came, gate re-scans up to
four scans per registration, 200 jobs, and an interest (at every stage of the funnel) for a quarter of the people who came.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timedelta

import httpx
import load
import seed
from report import Row

REGISTRATIONS = 50_000
STOPS, BOOTHS_PER_STOP, JOBS = 4, 10, 200
EVENT = seed.uid(3, 900)
SLUG = "bench-report"
SCHOOLS = ("南京大学", "东南大学", "河海大学", "南京航空航天大学", "南京理工大学", "南京师范大学", "中国药科大学", "南京农业大学")
MAJORS = ("计算机科学与技术", "软件工程", "电气工程及其自动化", "机械设计制造及其自动化", "会计学", "市场营销", "汉语言文学", "临床医学",
          "数学与应用数学", "法学", "土木工程", "英语")
DEGREES = ("bachelor", "bachelor", "bachelor", "master", "master", "associate", "doctorate")
STAGES = ("submitted", "submitted", "submitted", "screened", "screened", "interviewed", "intention", "signed", "declined", "withdrawn")
PING_CLIENTS = 16


def _stop(k: int):
    return seed.uid(4, 900 + k)


def seed_report_event(db: seed.Database, registrations: int, now: datetime) -> dict[str, int]:
    """The report's event; returns what it holds."""
    base = now - timedelta(days=1)
    base_epoch = int(base.timestamp())
    came = registrations * 4 // 5
    waitlisted_from = registrations * 19 // 20
    db.insert("event", seed.EVENT_COLUMNS, [seed._event(EVENT, SLUG, "job_fair", "基准报告双选会", "南京", base - timedelta(days=STOPS), base, now)])
    confirmed = [len(range(k, waitlisted_from, STOPS)) for k in range(STOPS)]
    db.insert("stop", seed.STOP_COLUMNS, [seed._stop(_stop(k), EVENT, f"第{k + 1}场", k, base - timedelta(days=k, hours=3), 3, registrations, confirmed[k], now)
                                         for k in range(STOPS)])
    db.insert("booth", ("id", "stop", "employer", "label", "created_at", "updated_at"),
              [(seed.uid(5, 800_000 + k * BOOTHS_PER_STOP + j), _stop(k), seed.uid(1, (k * 5 + j) % seed.EMPLOYERS), f"R{j + 1:02d}", now, now)
               for k in range(STOPS) for j in range(BOOTHS_PER_STOP)])
    at = db.literal(now)
    seeker, stop_of = db.uid(2, "5000000 + n"), db.uid(4, f"900 + n % {STOPS}")
    db.series("account", {"id": seeker, "role": "'seeker'", "name": "'学生' || n", "password_hash": "'x'", "created_at": at, "updated_at": at}, 0, registrations)
    db.series("seeker_profile", {"id": db.uid(13, "n"), "account": seeker, "school": db.pick(SCHOOLS, "n / 3"), "major": db.pick(MAJORS, "n / 7"),
                                 "degree": db.pick(DEGREES, "n"), "graduation_year": "2025 + n % 4", "created_at": at, "updated_at": at}, 0, registrations)
    long_ago = db.literal(now - timedelta(days=10))
    db.series("registration", {"id": db.uid(6, "5000000 + n"), "stop": stop_of, "seeker": seeker,
                               "status": f"CASE WHEN n >= {waitlisted_from} THEN 'waitlisted' ELSE 'confirmed' END", "short_code": db.hex8("5000000 + n"),
                               "confirmed_at": long_ago, "created_at": long_ago, "updated_at": long_ago}, 0, registrations)
    # Person n (n < came) arrives at their stop in one of its first twelve 15-minute slots, and visits three booths a minute later.
    arrival = f"(n % {STOPS}) * 1440 + 15 * ((n / {STOPS}) % 12) + 1"
    arrived_at, slot = db.minutes_before(base, arrival), f"({base_epoch} - ({arrival}) * 60) / 900"
    organiser = db.literal(seed.ORGANISER)
    db.series("scan", {"id": db.uid(7, "50000000 + n"), "nonce": "'rg-' || n", "kind": "'check_in'", "stop": stop_of, "registration": db.uid(6, "5000000 + n"),
                       "outcome": "'first'", "device": "'gate'", "staff": organiser, "sender": organiser, "received_at": arrived_at}, 0, came)
    db.series("check_in", {"id": db.uid(8, "5000000 + n"), "registration": db.uid(6, "5000000 + n"), "stop": stop_of, "scan": db.uid(7, "50000000 + n"),
                           "checked_in_at": arrived_at, "slot": slot}, 0, came)
    for j in range(3):
        booth = db.uid(5, f"800000 + (n % {STOPS}) * {BOOTHS_PER_STOP} + (n / {STOPS} + {3 * j}) % {BOOTHS_PER_STOP}")
        db.series("scan", {"id": db.uid(7, f"60000000 + {j * registrations} + n"), "nonce": f"'rv{j}-' || n", "kind": "'visit'", "stop": stop_of, "booth": booth,
                           "registration": db.uid(6, "5000000 + n"), "outcome": "'first'", "device": "'booth'", "staff": organiser, "sender": organiser,
                           "received_at": arrived_at}, 0, came)
        db.series("visit", {"id": db.uid(12, f"{j * registrations} + n"), "booth": booth, "seeker": seeker, "registration": db.uid(6, "5000000 + n"),
                            "stop": stop_of, "scan": db.uid(7, f"60000000 + {j * registrations} + n"), "visited_at": arrived_at, "slot": slot}, 0, came)
    repeats = 4 * registrations - 4 * came
    db.series("scan", {"id": db.uid(7, "70000000 + n"), "nonce": "'rr-' || n", "kind": "'check_in'", "stop": db.uid(4, f"900 + (n % {came}) % {STOPS}"),
                       "registration": db.uid(6, f"5000000 + n % {came}"), "outcome": "'repeat'", "device": "'gate'", "staff": organiser, "sender": organiser,
                       "received_at": at}, 0, repeats)
    salary = "(4000 + (n * 37) % 26000)"
    db.series("job", {"id": db.uid(9, "50000000 + n"), "event": db.literal(EVENT), "employer": db.uid(1, f"n % {seed.EMPLOYERS}"), "title": db.pick(seed.JOB_TITLES, "n"),
                      "description": "''", "category": db.pick(seed.CATEGORIES, "n"), "city": "'南京'", "headcount": "1 + n % 10", "salary_min": salary,
                      "salary_max": f"{salary} + 3000", "salary_months": "13", "education": db.pick(seed.EDUCATION, "n"), "majors": db.pick(seed.MAJORS, "n"),
                      "status": "'open'", "created_at": long_ago, "updated_at": long_ago}, 0, JOBS)
    interests = came // 4
    person = db.uid(2, "5000000 + 4 * n")
    db.series("consent", {"id": db.uid(14, "n"), "seeker": person, "purpose": "'share_profile'", "version": "'bench'", "employer": db.uid(1, f"n % {seed.EMPLOYERS}"),
                          "given_at": at}, 0, interests)
    db.series("interest", {"id": db.uid(15, "n"), "seeker": person, "job": db.uid(9, f"50000000 + n % {JOBS}"), "employer": db.uid(1, f"n % {seed.EMPLOYERS}"),
                           "consent": db.uid(14, "n"), "created_at": at, "stage": db.pick(STAGES, "n / 3")}, 0, interests)
    db.analyze()
    scans = came * 4 + repeats
    return {"registrations": registrations, "scans": scans, "check_ins": came, "visits": 3 * came, "interests": interests}


def _timed(client: httpx.Client, path: str, runs: int) -> tuple[list[float], int]:
    seconds, errors = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - started)
        errors += answer.status_code != 200 or not answer.content
    return seconds, errors


def reports(suite) -> None:
    """report.pdf and report.xlsx of the big event: the first request (which starts the worker process) and the next ones; then the ping alone and while rendering."""
    registrations = REGISTRATIONS if suite.mode.name == "full" else REGISTRATIONS // 10
    held = seed_report_event(suite.database, registrations, seed.utcnow())
    suite.progress(f"report event: {held['registrations']:,} registrations, {held['scans']:,} scans, {held['visits']:,} visits, {held['interests']:,} interests")
    organiser = suite.credentials.bearer(seed.ORGANISER, "organiser")
    runs = 3 if suite.mode.name == "full" else 2
    with httpx.Client(base_url=suite.url, timeout=120, headers={"Authorization": organiser}) as client:
        for format in ("pdf", "xlsx"):
            seconds, errors = _timed(client, f"/api/events/{SLUG}/report.{format}", runs)
            row = Row(scenario=f"report.{format}: {registrations:,} registrations, {held['scans']:,} scans", key=f"report_{format}", db=suite.db_name,
                      concurrency=1, size=registrations, requests=len(seconds), p50_ms=statistics.median(seconds) * 1000, p99_ms=max(seconds) * 1000, errors=errors,
                      note=f"first {seconds[0]:.2f} s (a worker's first report also starts its render process), then " + ", ".join(f"{s:.2f} s" for s in seconds[1:]) + "; p99 = the slowest")
            row.judge("≤10 s each", max(seconds) <= 10 and errors == 0)
            suite.record(row)

    # The ping alone, then the same while a report renders again and again: the event loop must go on answering.
    alone = suite.ping(PING_CLIENTS)
    stop, rendered = threading.Event(), []

    def render_meanwhile() -> None:
        with httpx.Client(base_url=suite.url, timeout=120, headers={"Authorization": organiser}) as client:
            while not stop.is_set():
                rendered.append(client.get(f"/api/events/{SLUG}/report.pdf").status_code)

    worker = threading.Thread(target=render_meanwhile, daemon=True)
    worker.start()
    time.sleep(0.5)
    during = load.run(suite.url, suite.requests([load.line("GET", "/bench/ping")]), connections=PING_CLIENTS, seconds=max(suite.mode.seconds, 4))
    stop.set()
    worker.join(timeout=120)
    row = Row(scenario="ping while report.pdf renders (vs ping alone)", key="report_ping", db=suite.db_name, concurrency=PING_CLIENTS,
              requests=during.requests, rate=during.rate, ping_rate=alone.rate, p50_ms=during.p50_ms, p99_ms=during.p99_ms, errors=during.errors,
              note=f"{len(rendered)} reports rendered meanwhile ({sum(status != 200 for status in rendered)} failed)")
    row.judge("≥0.50× ping alone", (row.ratio or 0) >= 0.5 and during.errors == 0 and all(status == 200 for status in rendered))
    suite.record(row)
    suite.settle()
