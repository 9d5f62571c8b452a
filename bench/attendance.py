"""How long the attendance report takes with 100,000 scans on an event.

    .venv/bin/python bench/attendance.py            # SQLite
    DATABASE_URL=postgresql://… .venv/bin/python bench/attendance.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = tempfile.mkdtemp(prefix="bench-reports-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA}/events.sqlite3")
os.environ.update(APP_ENV="test", SECRET_KEY="bench-secret-key-that-is-long-enough-000000", DATA_DIR=DATA, PICCOLO_CONF="piccolo_conf")

from events import db  # noqa: E402
from events.accounts import Actor  # noqa: E402
from events.attendance import event_attendance  # noqa: E402
from events.cli import migrate  # noqa: E402
from events.scanning import slot_of  # noqa: E402
from events.tables import ALL_TABLES, Account, Booth, CheckIn, Employer, Event, Registration, Scan, Stop, Visit  # noqa: E402

PEOPLE, STALLS, SCANS = 25_000, 50, 100_000


async def chunked(table, rows, size=1000):
    for start in range(0, len(rows), size):
        await table.insert(*rows[start : start + size])


async def main() -> None:
    await migrate()
    await db.open_database()
    for table in reversed(ALL_TABLES):
        await table.delete(force=True)
    now = datetime.now(UTC)
    event = Event(slug="bench-report", kind="night_market", title="报表基准", status="published", published_at=now, created_at=now, updated_at=now)
    await Event.insert(event)
    stop = Stop(event=event.id, name="今晚", address="某路", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2), capacity=PEOPLE,
                confirmed_count=PEOPLE, created_at=now, updated_at=now)
    await Stop.insert(stop)
    employers = [Employer(name=f"单位{n}", credit_code=f"9132{n:014d}", created_at=now, updated_at=now) for n in range(STALLS)]
    await chunked(Employer, employers)
    booths = [Booth(stop=stop.id, employer=e.id, label=f"A{n}", created_at=now, updated_at=now) for n, e in enumerate(employers)]
    await chunked(Booth, booths)
    seekers = [Account(role="seeker", name=f"学生{n}", password_hash="x", created_at=now, updated_at=now) for n in range(PEOPLE)]
    await chunked(Account, seekers)
    registrations = [Registration(stop=stop.id, seeker=s.id, status="confirmed", short_code=f"{n:08d}", created_at=now, updated_at=now) for n, s in enumerate(seekers)]
    await chunked(Registration, registrations)
    scans, check_ins, visits = [], [], []
    # Scans are unique per (nonce, sender); the seeded nonces are unique already, so any sender will do.
    for n in range(SCANS):
        person = registrations[n % PEOPLE]
        at = now - timedelta(minutes=n % 60)
        if n < PEOPLE:
            scan = Scan(nonce=f"g{n}", kind="check_in", stop=stop.id, registration=person.id, outcome="first", received_at=at, sender=stop.id)
            check_ins.append(CheckIn(registration=person.id, stop=stop.id, scan=scan.id, checked_in_at=at, slot=slot_of(at)))
        else:
            booth = booths[n % STALLS]
            scan = Scan(nonce=f"v{n}", kind="visit", stop=stop.id, booth=booth.id, registration=person.id, outcome="first", received_at=at, sender=booth.id)
            if n < PEOPLE * 3:
                visits.append(Visit(booth=booth.id, seeker=person.seeker, registration=person.id, stop=stop.id, scan=scan.id, visited_at=at, slot=slot_of(at)))
            else:
                scan.outcome = "repeat"
        scans.append(scan)
    await chunked(Scan, scans)
    await chunked(CheckIn, check_ins)
    seen = set()
    await chunked(Visit, [v for v in visits if (v.booth, v.seeker) not in seen and not seen.add((v.booth, v.seeker))])
    organiser = Actor(role="organiser", id=seekers[0].id)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        report = await event_attendance(actor=organiser, now=now, slug=event.slug)
        samples.append(time.perf_counter() - started)
    await db.close_database()
    print(f"database: {os.environ['DATABASE_URL'].split('://')[0]}; {len(scans)} scans, {len(check_ins)} check-ins, {len(report.booths)} booths")
    print(f"attendance report: median {statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f} ms) over 5 runs; checked in {report.stops[0].checked_in}")


if __name__ == "__main__":
    asyncio.run(main())
