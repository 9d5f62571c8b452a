"""Time calendar feeds of 500 and 10,000 stops on a real server: cold, cached, 304, and after one stop changes.

    .venv/bin/python bench/feeds.py            # SQLite in a temporary directory
    DATABASE_URL=postgresql://… .venv/bin/python bench/feeds.py

Each figure is also given as a ratio to GET /health measured in the same run, so runs on
different machines compare. The full benchmark suite (issue: performance) will grow from here.
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
sys.path.insert(0, str(ROOT / "tests"))
DATA = tempfile.mkdtemp(prefix="bench-feeds-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA}/events.sqlite3")
os.environ.update(APP_ENV="test", SECRET_KEY="bench-secret-key-that-is-long-enough-000000", DATA_DIR=DATA, PICCOLO_CONF="piccolo_conf")  # noqa: S105

import httpx  # noqa: E402
from server import Server  # noqa: E402

from events import db  # noqa: E402
from events.cli import migrate  # noqa: E402
from events.tables import ALL_TABLES, Booth, Employer, Event, Stop  # noqa: E402


async def seed(stops: int) -> str:
    await db.open_database()
    for table in reversed(ALL_TABLES):
        await table.delete(force=True)
    now = datetime.now(UTC)
    employers = [Employer(name=f"用人单位{n}", credit_code=f"91320100{n:09d}X"[:18], created_at=now, updated_at=now) for n in range(20)]
    await Employer.insert(*employers)
    event = Event(slug=f"bench-{stops}", kind="talent_train", title=f"基准专列 {stops}", status="published", published_at=now, created_at=now, updated_at=now)
    await Event.insert(event)
    rows, booths = [], []
    for n in range(stops):
        start = now + timedelta(days=1 + n % 700, hours=n % 8)
        stop = Stop(event=event.id, name=f"第{n}站", school=f"大学{n % 300}", address=f"某市某区某路{n}号", starts_at=start,
                    ends_at=start + timedelta(hours=3), capacity=300, created_at=now, updated_at=now)
        rows.append(stop)
        booths.extend(Booth(stop=stop.id, employer=employers[k].id, label=f"A{k}", created_at=now, updated_at=now) for k in range(3))
    for chunk in range(0, len(rows), 500):
        await Stop.insert(*rows[chunk : chunk + 500])
    for chunk in range(0, len(booths), 500):
        await Booth.insert(*booths[chunk : chunk + 500])
    await db.close_database()
    return event.slug


def timed(client: httpx.Client, path: str, repeat: int, **headers: str) -> tuple[float, int, int]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, response.status_code, len(response.content)


def main() -> None:
    asyncio.run(migrate())
    print(f"database: {os.environ['DATABASE_URL'].split('://')[0]}")
    print(f"{'stops':>6} {'case':<26} {'ms':>9} {'x /health':>10} {'status':>6} {'bytes':>10}")
    for stops in (500, 10_000):
        slug = asyncio.run(seed(stops))
        server = Server({})
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                baseline, _, _ = timed(client, "/health", 50)
                path = f"/calendar/events/{slug}.ics"
                cold = timed(client, path, 1)
                cached = timed(client, path, 20)
                etag = client.get(path).headers["etag"]
                not_modified = timed(client, path, 20, **{"If-None-Match": etag})
                # One stop moves: its VEVENT is rebuilt, the other VEVENTs' bytes are reused.
                stop_id = asyncio.run(_first_stop(slug))
                asyncio.run(_touch(stop_id))
                one_changed = timed(client, path, 1)
            for case, (ms, status, size) in (("uncached (cold render)", cold), ("cached document", cached), ("304 If-None-Match", not_modified),
                                             ("after one stop changed", one_changed)):
                print(f"{stops:>6} {case:<26} {ms:>9.1f} {ms / baseline:>10.1f} {status:>6} {size:>10}")
            print(f"{stops:>6} {'GET /health (baseline)':<26} {baseline:>9.2f} {1:>10.1f}")
        finally:
            server.stop()


async def _first_stop(slug: str):
    await db.open_database()
    row = await Stop.select(Stop.id).where(Stop.event.slug == slug).first()
    await db.close_database()
    return row["id"]


async def _touch(stop_id) -> None:
    await db.open_database()
    start = datetime.now(UTC) + timedelta(days=3)
    await Stop.update(
        {Stop.starts_at: start, Stop.ends_at: start + timedelta(hours=2), Stop.sequence: Stop.sequence + 1, Stop.updated_at: datetime.now(UTC)}
    ).where(Stop.id == stop_id)
    await db.close_database()


if __name__ == "__main__":
    main()
