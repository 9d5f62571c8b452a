"""Four workers on PostgreSQL sharing Redis: capacity, duplicate scans, replayed batches, live updates and rate limits hold across workers."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter

import httpx
import pytest
from conftest import confirmed_tickets, live_server_env, many_seekers
from server import Server

from events import db
from events.tables import CheckIn, Registration, Scan

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL") or not db.engine().__class__.__name__.startswith("Postgres"),
    reason="several workers need PostgreSQL and Redis (CI has both)",
)


@pytest.fixture
async def four_workers(app):
    server = Server({**live_server_env(), "WORKERS": "4", "LOGIN_RATE_LIMIT_ACCOUNT": "3/minute"})
    server.start()
    yield server
    server.stop()


async def test_four_workers_keep_capacity_count_scans_once_and_share_live_updates_and_limits(client, organiser, night_market, four_workers):
    tonight, tomorrow = night_market["tonight"]["id"], night_market["tomorrow"]["id"]
    await client.patch(f"/api/stops/{tomorrow}", json={"capacity": 50}, headers=organiser)
    students = await many_seekers(200)
    people = await confirmed_tickets(tonight, 300)
    url = four_workers.url

    async with httpx.AsyncClient(base_url=url, headers=organiser, timeout=30) as http:
        async with http.stream("GET", f"/api/events/{night_market['slug']}/attendance/live") as stream:
            lines = stream.aiter_lines()
            assert await anext(lines) == "event: ready"

            # New connections per request spread the load over the four workers.
            async def fresh(method: str, path: str, **kwargs):
                async with httpx.AsyncClient(base_url=url, timeout=30) as one:
                    return await one.request(method, path, **kwargs)

            registrations = await asyncio.gather(*(fresh("POST", f"/api/stops/{tomorrow}/registrations", headers=s) for s in students))
            scans = [{"kind": "check_in", "stop_id": tonight, "ticket": p["code"], "nonce": str(uuid.uuid4())} for p in people]
            scans += [{**s, "nonce": str(uuid.uuid4())} for s in scans[:60]]  # repeats with new nonces
            batches = [scans[n::12] for n in range(12)]
            first = await asyncio.gather(*(fresh("POST", "/api/scans/sync", json={"scans": b}, headers=organiser) for b in batches))
            again = await asyncio.gather(*(fresh("POST", "/api/scans/sync", json={"scans": b}, headers=organiser) for b in batches))

            counted = 0
            async with asyncio.timeout(30):
                while counted < 300:
                    if (await anext(lines)).startswith("event: count"):
                        counted += 1

    assert Counter(r.status_code for r in registrations) == {201: 200}
    statuses = Counter(r.json()["status"] for r in registrations)
    assert statuses == {"confirmed": 50, "waitlisted": 150}
    assert await Registration.count().where((Registration.stop == tomorrow) & (Registration.status == "confirmed")) == 50
    assert {r.status_code for r in first + again} == {200}
    assert [r.json() for r in again] == [r.json() for r in first], "a replayed batch, on any worker, gets the first answers"
    assert await Scan.count() == 360 and await CheckIn.count() == 300
    assert counted == 300, "the dashboard on one worker heard every check-in, whichever worker counted it"

    # Three failed sign-ins spread over workers exhaust one shared window.
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"  # fresh: a counter from an earlier run in the same minute would still count
    answers = [(await fresh("POST", "/api/auth/login", json={"login": email, "password": "wrong-password-1"})).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
