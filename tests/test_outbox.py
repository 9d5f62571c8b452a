"""The outbox: domain events commit with the change they describe, or not at all."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import confirmed_tickets, many_seekers, now, set_capacity, stop_body

from events import db, delivery, outbox
from events.tables import DomainEvent, Message


async def events_of(kind: str) -> list[dict]:
    rows = await DomainEvent.select(DomainEvent.payload).where(DomainEvent.kind == kind).order_by(DomainEvent.occurred_at)
    return [json.loads(row["payload"]) for row in rows]


async def register(client, stop_id, headers):
    response = await client.post(f"/api/stops/{stop_id}/registrations", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_change_that_rolls_back_records_nothing(app):
    with pytest.raises(LookupError):
        async with db.write_transaction():
            await outbox.record("stop.cancelled", {"stop_id": uuid.uuid4()}, now=now())
            raise LookupError("the change failed after its event was recorded")
    assert await DomainEvent.count() == 0


async def test_domain_events_get_time_ordered_ids_so_a_batch_appends_to_the_end_of_the_index(app):
    # Random (v4) ids put every row of a scan batch on its own index page; v7 ids start with the time (events/db.py).
    async with db.write_transaction():
        await outbox.record_many("check_in.created", [{"scan_id": uuid.uuid4()} for _ in range(50)], now=now())
    async with db.write_transaction():
        await outbox.record("stop.cancelled", {"stop_id": uuid.uuid4()}, now=now())
    ids = [uuid.UUID(str(row["id"])) for row in await DomainEvent.select(DomainEvent.id)]
    assert len(ids) == 51
    assert {found.version for found in ids} == {7}
    # Made in order, they sort in order: the last one recorded is the greatest.
    last = await DomainEvent.select(DomainEvent.id).where(DomainEvent.kind == "stop.cancelled").first()
    assert max(ids) == uuid.UUID(str(last["id"]))


async def test_recording_outside_a_write_transaction_is_refused(app):
    with pytest.raises(RuntimeError, match="write_transaction"):
        await outbox.record("stop.cancelled", {"stop_id": uuid.uuid4()}, now=now())
    assert await DomainEvent.count() == 0


async def test_a_refused_registration_records_nothing_and_an_accepted_one_records_its_ids(client, stop, seeker):
    registered = await register(client, stop["id"], seeker)
    again = await client.post(f"/api/stops/{stop['id']}/registrations", headers=seeker)
    assert again.status_code == 409
    (payload,) = await events_of("registration.confirmed")
    assert payload["registration_id"] == registered["id"] and payload["stop_id"] == stop["id"]
    assert await DomainEvent.count().where(DomainEvent.kind.like("registration.%")) == 1


async def test_the_waitlisted_hear_their_place_in_line(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    for headers in await many_seekers(3):
        await register(client, stop["id"], headers)
    assert [p["position"] for p in await events_of("registration.waitlisted")] == [1, 2]


async def test_each_promotion_records_the_promoted_registration(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    first, second, third, fourth = await many_seekers(4)
    seated = await register(client, stop["id"], first)
    waiting = [await register(client, stop["id"], headers) for headers in (second, third, fourth)]
    await client.delete(f"/api/registrations/{seated['id']}", headers=first)
    assert [p["registration_id"] for p in await events_of("registration.promoted")] == [waiting[0]["id"]]
    await set_capacity(client, organiser, stop["id"], 3)
    assert sorted(p["registration_id"] for p in await events_of("registration.promoted")) == sorted(w["id"] for w in waiting)
    assert len(await events_of("registration.cancelled")) == 1


async def test_a_moved_stop_records_what_changed_old_and_new(client, organiser, stop):
    moved = stop_body(11)
    response = await client.patch(f"/api/stops/{stop['id']}", json={"starts_at": moved["starts_at"], "ends_at": moved["ends_at"], "address": "新地址"}, headers=organiser)
    assert response.status_code == 200, response.text
    (payload,) = await events_of("stop.changed")
    assert payload["changes"]["address"] == [stop["address"], "新地址"]
    assert set(payload["changes"]) == {"starts_at", "ends_at", "address"}
    await client.post(f"/api/stops/{stop['id']}/cancel", headers=organiser)
    assert [p["stop_id"] for p in await events_of("stop.cancelled")] == [stop["id"]]


async def test_a_scan_batch_records_one_event_per_first_check_in_and_none_for_repeats(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    tickets = await confirmed_tickets(tonight, 3)
    scans = [{"kind": "check_in", "stop_id": tonight, "ticket": t["code"], "nonce": str(uuid.uuid4())} for t in tickets]
    scans.append({**scans[0], "nonce": str(uuid.uuid4())})
    response = await client.post("/api/scans/sync", json={"scans": scans}, headers=organiser)
    assert response.status_code == 200, response.text
    assert sorted(p["registration_id"] for p in await events_of("check_in.created")) == sorted(t["id"] for t in tickets)


async def test_an_event_nobody_listens_to_is_recorded_processed_and_one_an_endpoint_asks_for_is_fanned_out(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    first, second = await confirmed_tickets(tonight, 2)

    async def check_in(ticket) -> None:
        response = await client.post(f"/api/stops/{tonight}/check-ins", json={"ticket": ticket["code"], "nonce": str(uuid.uuid4())}, headers=organiser)
        assert response.status_code in (200, 201), response.text

    async def check_in_events() -> list[dict]:
        return await DomainEvent.select(DomainEvent.payload, DomainEvent.processed_at, DomainEvent.occurred_at).where(DomainEvent.kind == "check_in.created")

    # No webhook endpoint asks for check-ins, and no other subscriber plans anything for them: recorded, already processed.
    await check_in(first)
    (quiet,) = await check_in_events()
    assert quiet["processed_at"] == quiet["occurred_at"]
    assert await delivery.fan_out(now=now()) == 0

    response = await client.post("/api/webhooks", json={"url": "https://93.184.215.14/h", "event_types": ["check_in.created"]}, headers=organiser)
    assert response.status_code == 201, response.text
    await check_in(second)
    heard = next(row for row in await check_in_events() if json.loads(row["payload"])["registration_id"] == second["id"])
    assert heard["processed_at"] is None
    assert await delivery.fan_out(now=now()) == 1
    assert await Message.count().where((Message.channel == "webhook") & (Message.kind == "check_in.created")) == 1


def test_the_delivery_worker_runs_inline_on_sqlite_and_apart_beside_postgresql_and_test_channels_stay_in_tests():
    from events.settings import SettingsError, load

    base = {"APP_ENV": "test", "SECRET_KEY": "x" * 40}
    assert load({**base, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}).delivery_worker == "inline"
    assert load({**base, "DATABASE_URL": "postgresql://db/events"}).delivery_worker == "off"
    assert load({**base, "DATABASE_URL": "postgresql://db/events", "DELIVERY_WORKER": "inline"}).delivery_worker == "inline"
    with pytest.raises(SettingsError):
        load({**base, "DELIVERY_WORKER": "sometimes"})
    with pytest.raises(SettingsError, match="tests only"):
        load({**base, "APP_ENV": "production", "DELIVERY_TEST_CHANNELS": "email=channels:send"})
    assert load({**base, "BENCH": "1", "BENCH_OUTBOX": "off"}).outbox is False
    assert load({**base, "APP_ENV": "production", "BENCH": "1", "BENCH_OUTBOX": "off"}).outbox is True


async def test_feeds_are_forgotten_after_a_recorded_change_commits_and_not_when_it_rolls_back(app):
    from events import feed_scopes

    before = feed_scopes.generation()
    with pytest.raises(LookupError):
        async with db.write_transaction():
            await outbox.record("stop.cancelled", {"stop_id": uuid.uuid4()}, now=now())
            raise LookupError
    assert feed_scopes.generation() == before
    async with db.write_transaction():
        await outbox.record("stop.cancelled", {"stop_id": uuid.uuid4()}, now=now())
        assert feed_scopes.generation() == before, "not before the commit"
    assert feed_scopes.generation() == before + 1
