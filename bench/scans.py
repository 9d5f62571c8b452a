"""Scan throughput on a real server: gate check-ins with distinct tickets from 1, 16 and 64 concurrent scanners.

    .venv/bin/python bench/scans.py            # SQLite, one worker
    DATABASE_URL=postgresql://… .venv/bin/python bench/scans.py   # PostgreSQL, two workers

Reports scans/s, p50, p99 and errors, each next to GET /health measured the same way in the same
run (the ratio is what compares across machines). Bounded: 1,500 scans per level.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
DATA = tempfile.mkdtemp(prefix="bench-scans-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA}/events.sqlite3")
os.environ.update(
    APP_ENV="test",
    SECRET_KEY="bench-secret-key-that-is-long-enough-000000",
    DATA_DIR=DATA,
    PICCOLO_CONF="piccolo_conf",
    PASSWORD_HASH_PROFILE="fast",
    # One organiser token drives every scanner here: lift the per-account scan limit the benchmark would otherwise measure.
    SCAN_RATE_LIMIT_ACCOUNT="1000000/minute",
    SCAN_RATE_LIMIT_ADDRESS="1000000/minute",
)

import httpx  # noqa: E402
from server import Server  # noqa: E402

from events import db, tickets  # noqa: E402
from events.accounts import issue_token  # noqa: E402
from events.cli import migrate  # noqa: E402
from events.tables import ALL_TABLES, Account, Event, Registration, Stop  # noqa: E402

LEVELS = (1, 16, 64)
PER_LEVEL = 1500


async def seed(count: int) -> tuple[str, str, list[str]]:
    await db.open_database()
    for table in reversed(ALL_TABLES):
        await table.delete(force=True)
    now = datetime.now(UTC)
    organiser = Account(role="organiser", name="bench", email="bench@example.com", password_hash="x", created_at=now, updated_at=now)
    await Account.insert(organiser)
    event = Event(slug="bench-night", kind="night_market", title="基准夜市", status="published", published_at=now, created_at=now, updated_at=now)
    await Event.insert(event)
    stop = Stop(event=event.id, name="今晚", address="某路", starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=3), capacity=count,
                confirmed_count=count, created_at=now, updated_at=now)
    await Stop.insert(stop)
    seekers = [Account(role="seeker", name=f"学生{n}", phone=f"+86139{n:08d}", password_hash="x", created_at=now, updated_at=now) for n in range(count)]
    registrations = [Registration(stop=stop.id, seeker=s.id, status="confirmed", short_code=f"{n:08d}", created_at=now, updated_at=now) for n, s in enumerate(seekers)]
    for start in range(0, count, 500):
        await Account.insert(*seekers[start : start + 500])
        await Registration.insert(*registrations[start : start + 500])
    await db.close_database()
    token = issue_token(account_id=organiser.id, role="organiser", now=now).access_token
    return str(stop.id), token, [tickets.issue(registration_id=r.id, stop_id=stop.id) for r in registrations]


async def drive(url: str, concurrency: int, requests: list[tuple[str, dict | None]], headers: dict[str, str]) -> tuple[float, list[float], int]:
    """Send the requests from `concurrency` clients at once; returns requests/s, latencies and errors."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            while queue:
                path, body = queue.pop()
                started = time.perf_counter()
                response = await (http.post(path, json=body) if body is not None else http.get(path))
                latencies.append(time.perf_counter() - started)
                errors += response.status_code >= 400

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(requests) / (time.perf_counter() - started), latencies, errors


def p(latencies: list[float], q: float) -> float:
    return statistics.quantiles(latencies, n=100)[q - 1] * 1000 if len(latencies) > 1 else latencies[0] * 1000


async def main() -> None:
    await migrate()
    stop_id, token, codes = await seed(PER_LEVEL * len(LEVELS))
    server = Server({})
    server.start()
    headers = {"Authorization": f"Bearer {token}"}
    print(f"database: {os.environ['DATABASE_URL'].split('://')[0]}, workers: {server.env.get('WORKERS') or ('1' if 'sqlite' in os.environ['DATABASE_URL'] else '2')}")
    print(f"{'scanners':>8} {'scans/s':>9} {'x ping':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}   {'ping/s':>8}")
    try:
        for level, concurrency in enumerate(LEVELS):
            ping_rate, _, _ = await drive(server.url, concurrency, [("/health", None)] * PER_LEVEL, {})
            mine = codes[level * PER_LEVEL : (level + 1) * PER_LEVEL]
            scans = [(f"/api/stops/{stop_id}/check-ins", {"ticket": code, "nonce": str(uuid.uuid4())}) for code in mine]
            rate, latencies, errors = await drive(server.url, concurrency, scans, headers)
            print(f"{concurrency:>8} {rate:>9.0f} {rate / ping_rate:>7.2f} {p(latencies, 50):>8.1f} {p(latencies, 99):>8.1f} {errors:>6}   {ping_rate:>8.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
