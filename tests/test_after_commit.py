"""What runs around a committed write never fails it: slow dashboards, batch writers that misbehave, event loops that change, slow work held inside the writer lock."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import uuid

import pytest
from conftest import DATABASE, confirmed_tickets, now

from events import accounts, db, live
from events.batching import Batcher
from events.tables import AuditEntry


async def test_a_dashboard_that_stops_reading_loses_its_oldest_updates_and_every_scan_is_answered(client, organiser, night_market, monkeypatch):
    monkeypatch.setattr(live, "LISTENER_BACKLOG", 2)
    tonight = night_market["tonight"]
    event = (await client.get(f"/api/events/{night_market['slug']}")).json()
    listening = live.listen(uuid.UUID(event["id"]))
    # Reading the first update subscribes the dashboard; then it never reads again.
    first = asyncio.ensure_future(anext(listening))
    await asyncio.sleep(0)
    try:
        tickets = await confirmed_tickets(tonight["id"], 5)
        answers = [
            await client.post(f"/api/stops/{tonight['id']}/check-ins", json={"ticket": ticket["code"], "nonce": f"slow-dashboard-{n}"}, headers=organiser)
            for n, ticket in enumerate(tickets)
        ]
        assert [answer.status_code for answer in answers] == [201] * 5, answers[-1].text
        await first
        # The dashboard kept the newest two of the four updates it did not read.
        held = [await anext(listening), await anext(listening)]
        assert [json.loads(update)["stop_id"] for update in held] == [tonight["id"]] * 2
        assert not [json.loads(update) for update in held if json.loads(update)["kind"] != "check_in"]
    finally:
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await listening.aclose()


async def test_a_batch_writer_that_answers_the_wrong_number_of_results_fails_every_caller_instead_of_leaving_one_waiting():
    async def write(items: list[int]) -> list[int]:
        await asyncio.sleep(0)
        return items[:-1]  # one short

    batcher: Batcher[int, int] = Batcher(write, limit=10)
    answers = await asyncio.wait_for(asyncio.gather(*(batcher.submit(n) for n in range(4)), return_exceptions=True), timeout=10)
    assert all(isinstance(answer, RuntimeError) for answer in answers), answers
    assert batcher.idle


async def test_a_batch_writer_runs_in_a_context_of_its_own_not_in_the_first_callers():
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")
    seen: list[str] = []

    async def write(items: list[str]) -> list[str]:
        seen.append(request_id.get())
        return items

    batcher: Batcher[str, str] = Batcher(write, limit=10)

    async def caller(name: str) -> str:
        request_id.set(name)
        return await batcher.submit(name)

    assert await asyncio.gather(caller("first"), caller("second")) == ["first", "second"]
    assert seen and set(seen) == {"none"}


def _write_in_a_new_event_loop() -> None:
    async def write() -> None:
        async with db.write_transaction():
            await AuditEntry.insert(AuditEntry(action="loop_test", target="test", detail="other loop", at=now()))
        await db.close_database()

    asyncio.run(write())


@pytest.mark.skipif(DATABASE != "sqlite", reason="the writer lock and the connection pool of the embedded SQLite")
async def test_writes_work_in_a_second_event_loop_and_again_in_the_first():
    """`main.py run` loads the demo with asyncio.run(), then serves in another loop (issue #11: every write answered 500)."""
    async with db.write_transaction():
        await AuditEntry.insert(AuditEntry(action="loop_test", target="test", detail="first loop", at=now()))
    await asyncio.to_thread(_write_in_a_new_event_loop)
    async with db.write_transaction():
        await AuditEntry.insert(AuditEntry(action="loop_test", target="test", detail="first loop again", at=now()))
    stored = {row["detail"] for row in await AuditEntry.select(AuditEntry.detail).where(AuditEntry.action == "loop_test")}
    assert stored == {"first loop", "other loop", "first loop again"}


async def test_passwords_are_never_hashed_inside_a_write_transaction():
    with pytest.raises(RuntimeError, match="before the write transaction"):
        async with db.write_transaction():
            await accounts.hash_password("campus-2026")


@pytest.mark.skipif(DATABASE != "sqlite", reason="only SQLite has one writer lock that everyone waits for")
async def test_a_writer_that_holds_the_sqlite_write_lock_too_long_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="events.db"):
        async with db.write_transaction():
            await asyncio.sleep(0)
        assert not caplog.records
        async with db.write_transaction():
            await asyncio.sleep(db.SLOW_WRITER_SECONDS * 2)
    assert any("held the SQLite write lock" in record.getMessage() for record in caplog.records)
