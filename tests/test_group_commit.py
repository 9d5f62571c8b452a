"""Writers that share a transaction and a COMMIT (db.write_transaction): acknowledged only once durable, failing alone."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

import asyncpg
from conftest import DATABASE, confirmed_tickets, now

from events import db
from events.settings import settings
from events.tables import AuditEntry, CheckIn, Scan


class Boom(Exception):
    pass


async def _visible_elsewhere(marker: str) -> bool:
    """Whether a connection of its own, outside this process's pool, sees the row: i.e. whether it was committed."""
    query = 'SELECT COUNT(*) FROM "audit_entry" WHERE "detail" = '
    if DATABASE == "sqlite":
        def look() -> int:
            with sqlite3.connect(settings.sqlite_path) as connection:
                return connection.execute(query + "?", (marker,)).fetchone()[0]

        return await asyncio.to_thread(look) == 1
    connection = await asyncpg.connect(settings.database_url)
    try:
        return await connection.fetchval(query + "$1", marker) == 1
    finally:
        await connection.close()


async def test_every_writer_let_go_is_already_committed_and_a_failing_writer_spoils_only_itself(clean):
    markers = [f"writer-{uuid.uuid4()}" for _ in range(60)]

    async def writer(n: int, marker: str) -> bool:
        try:
            async with db.write_transaction():
                await AuditEntry.insert(AuditEntry(action="group_commit_test", target="test", detail=marker, at=now()))
                await asyncio.sleep(0)  # let the others queue up behind this one
                if n % 3 == 0:
                    raise Boom(marker)
        except Boom:
            return False
        # Let go: the row must already be durable, visible to a connection of its own.
        assert await _visible_elsewhere(marker), f"{marker} was acknowledged before its COMMIT"
        return True

    kept = await asyncio.gather(*(writer(n, marker) for n, marker in enumerate(markers)))
    stored = {row["detail"] for row in await AuditEntry.select(AuditEntry.detail).where(AuditEntry.action == "group_commit_test")}
    assert stored == {marker for marker, ok in zip(markers, kept, strict=True) if ok}
    assert len(stored) == 40


async def test_a_writer_inside_another_joins_it_rather_than_waiting_for_itself(clean):
    async with db.write_transaction(), db.write_transaction():
        await AuditEntry.insert(AuditEntry(action="nested", target="test", detail="inner", at=now()))
    assert await AuditEntry.count().where(AuditEntry.action == "nested") == 1


async def test_one_sync_batch_holding_a_nonce_twice_and_a_ticket_twice_counts_once(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    (ticket,) = await confirmed_tickets(tonight, 1)
    same = str(uuid.uuid4())
    scans = [
        {"kind": "check_in", "stop_id": tonight, "ticket": ticket["code"], "nonce": same},
        {"kind": "check_in", "stop_id": tonight, "ticket": ticket["code"], "nonce": same},
        {"kind": "check_in", "stop_id": tonight, "ticket": ticket["code"], "nonce": str(uuid.uuid4())},
        {"kind": "visit", "booth_id": night_market["b3"]["id"], "ticket": ticket["code"], "nonce": str(uuid.uuid4())},
        {"kind": "visit", "booth_id": night_market["b3"]["id"], "ticket": ticket["code"], "nonce": str(uuid.uuid4())},
    ]
    results = (await client.post("/api/scans/sync", json={"scans": scans}, headers=organiser)).json()["results"]
    assert [r["result"] for r in results] == ["checked_in", "checked_in", "already_checked_in", "visited", "already_visited"]
    assert results[0] == results[1]
    assert results[2]["first_at"] == results[0]["first_at"] and results[4]["first_at"] == results[3]["first_at"]
    assert await CheckIn.count() == 1 and await Scan.count() == 4


async def test_an_offline_scan_from_another_time_zone_is_answered_the_same_when_replayed(client, organiser, night_market):
    from datetime import timedelta, timezone

    tonight = night_market["tonight"]["id"]
    (ticket,) = await confirmed_tickets(tonight, 1)
    beijing = (now() - timedelta(minutes=5)).astimezone(timezone(timedelta(hours=8)))
    scan = {"kind": "check_in", "stop_id": tonight, "ticket": ticket["code"], "nonce": str(uuid.uuid4()), "scanned_at": beijing.isoformat()}
    first = (await client.post("/api/scans/sync", json={"scans": [scan]}, headers=organiser)).json()["results"]
    again = (await client.post("/api/scans/sync", json={"scans": [scan]}, headers=organiser)).json()["results"]
    assert first == again and first[0]["result"] == "checked_in"
