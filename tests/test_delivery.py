"""The delivery worker: every planned message reaches a real SMTP server once per recipient, retries, gives up, and survives workers racing."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, timedelta

import pytest
from conftest import DATABASE, make_account, many_seekers, now, set_capacity, stop_body

from events import db, delivery, notify, outbox
from events.accounts import Actor
from events.errors import Forbidden
from events.notify import Outcome
from events.settings import settings
from events.tables import Account, DeliveryAttempt, DomainEvent, Message


async def register(client, stop_id, headers):
    response = await client.post(f"/api/stops/{stop_id}/registrations", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def seeker_with_email() -> tuple[Actor, dict[str, str]]:
    return await make_account("seeker")


async def test_a_seeker_promoted_off_the_waitlist_is_told_by_email_with_the_ticket_link(client, organiser, stop, smtp):
    await set_capacity(client, organiser, stop["id"], 1)
    (_, first_headers), (_, second_headers) = await seeker_with_email(), await seeker_with_email()
    seated = await register(client, stop["id"], first_headers)
    waiting = await register(client, stop["id"], second_headers)
    await client.delete(f"/api/registrations/{seated['id']}", headers=first_headers)
    await delivery.run_once(now=now())
    promoted = [item for item in smtp.inbox.received if item.kind == "registration.promoted"]
    assert len(promoted) == 1 and promoted[0].to.startswith("seeker-")
    assert promoted[0].params["ticket_url"].endswith(f"/me/tickets/{waiting['id']}")
    waitlisted = [item for item in smtp.inbox.received if item.kind == "registration.waitlisted"]
    assert [item.params["position"] for item in waitlisted] == [1]
    mine = (await client.get("/api/me/messages", headers=second_headers)).json()
    assert sorted((m["kind"], m["channel"], m["status"]) for m in mine["items"]) == [
        ("registration.promoted", "email", "delivered"), ("registration.waitlisted", "email", "delivered")
    ]
    assert mine["total"] == 2 and all(m["address_masked"].startswith("s***@") for m in mine["items"])


async def test_a_seeker_without_email_is_told_by_sms_and_the_address_is_masked(client, stop, smtp):
    (headers,) = await many_seekers(1)
    await register(client, stop["id"], headers)
    await delivery.run_once(now=now())
    (item,) = smtp.inbox.received
    assert item.to.endswith("@sms.test") and item.kind == "registration.confirmed"
    (message,) = await Message.select(Message.channel, Message.address_masked, Message.params)
    assert message["channel"] == "sms" and "****" in message["address_masked"]
    assert item.to.split("@")[0] not in message["params"]


async def test_a_moved_stop_tells_everyone_registered_what_changed(client, organiser, stop, smtp):
    students = [await seeker_with_email() for _ in range(2)]
    for _, headers in students:
        await register(client, stop["id"], headers)
    await delivery.run_once(now=now())
    moved = stop_body(11)
    await client.patch(f"/api/stops/{stop['id']}", json={"starts_at": moved["starts_at"], "ends_at": moved["ends_at"]}, headers=organiser)
    await client.patch(f"/api/stops/{stop['id']}", json={"capacity": 500}, headers=organiser)  # not something students act on
    await delivery.run_once(now=now())
    changed = [item for item in smtp.inbox.received if item.kind == "stop.changed"]
    emails = {row["email"] for row in await Account.select(Account.email).where(Account.id.is_in([actor.id for actor, _ in students]))}
    assert sorted(item.to for item in changed) == sorted(emails)
    old, new = changed[0].params["changes"]["starts_at"]
    assert datetime.fromisoformat(old) == datetime.fromisoformat(stop["starts_at"]) and datetime.fromisoformat(new) == datetime.fromisoformat(moved["starts_at"])
    assert set(changed[0].params["changes"]) == {"starts_at", "ends_at"}


async def test_fanning_an_event_out_twice_makes_one_message_per_recipient(client, stop, smtp):
    for _ in range(3):
        await register(client, stop["id"], (await seeker_with_email())[1])
    assert await delivery.fan_out(now=now()) >= 3
    before = await Message.count()
    await DomainEvent.update({DomainEvent.processed_at: None}, force=True)
    assert await delivery.fan_out(now=now()) >= 3
    assert await Message.count() == before == 3


async def test_a_channel_that_is_not_configured_skips_its_messages(client, stop, monkeypatch):
    monkeypatch.setitem(notify.CHANNEL_MODULES, "email", ("events.no_such_channel", "send_email"))
    await register(client, stop["id"], (await seeker_with_email())[1])
    await delivery.run_once(now=now())
    (message,) = await Message.select(Message.status, Message.last_error)
    assert message["status"] == "skipped"


async def test_a_failing_provider_is_retried_with_backoff_and_given_up_after_the_last_attempt(client, stop):
    answers: list[str] = []

    async def failing(outgoing, *, config):
        answers.append(outgoing.address)
        return Outcome("retry", response_code=503, response=f"mailbox {outgoing.address} busy")

    delivery.use_channel("email", failing)
    config = dataclasses.replace(settings, delivery_max_attempts=3)
    try:
        await register(client, stop["id"], (await seeker_with_email())[1])
        start = now()
        await delivery.run_once(now=start, config=config)
        (message,) = await Message.select()
        assert message["status"] == "failed" and message["attempts"] == 1
        # 2**1 * 30 s, ±20 %
        assert timedelta(seconds=47) < message["next_attempt_at"] - start < timedelta(seconds=73)
        assert "@" in message["last_error"] and answers[0] not in message["last_error"]
        await delivery.run_once(now=start + timedelta(seconds=10), config=config)
        assert len(answers) == 1, "not before its time"
        for hours in (1, 2):
            await delivery.run_once(now=start + timedelta(hours=hours), config=config)
        (message,) = await Message.select(Message.status, Message.attempts)
        assert (message["status"], message["attempts"], len(answers)) == ("dead", 3, 3)
        outcomes = [row["outcome"] for row in await DeliveryAttempt.select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.attempted_at)]
        assert outcomes == ["retry", "retry", "give_up"]
    finally:
        delivery.use_channel("email", None)


async def test_a_message_whose_worker_died_mid_send_is_sent_again_once_its_lease_runs_out(client, stop, smtp):
    await register(client, stop["id"], (await seeker_with_email())[1])
    start = now()
    await delivery.fan_out(now=start)
    # A worker claims the message and dies before it can say how the send went.
    (claimed,) = await delivery.claim(now=start, limit=10)
    await delivery.run_once(now=start + timedelta(seconds=1))
    assert smtp.inbox.received == [], "still leased to the dead worker"
    await delivery.run_once(now=start + timedelta(seconds=settings.delivery_lease_seconds + 1))
    assert [item.message_id for item in smtp.inbox.received] == [str(claimed.id)]
    (message,) = await Message.select(Message.status, Message.attempts)
    assert (message["status"], message["attempts"]) == ("delivered", 2)


async def test_two_workers_at_once_never_send_a_message_twice(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1000)
    students = await many_seekers(120)
    for headers in students:
        await register(client, stop["id"], headers)
    sent: list[uuid.UUID] = []

    async def slow(outgoing, *, config):
        sent.append(outgoing.message_id)
        await asyncio.sleep(0.01)
        return Outcome("delivered", response_code=250)

    delivery.use_channel("sms", slow)
    config = dataclasses.replace(settings, delivery_concurrency=8, delivery_poll_seconds=0.05)
    stop_workers = asyncio.Event()
    try:
        workers = [asyncio.create_task(delivery.run_worker(stop=stop_workers, config=config)) for _ in range(2)]
        for _ in range(600):
            if await Message.count().where(Message.status == "delivered") == 120:
                break
            await asyncio.sleep(0.05)
        stop_workers.set()
        await asyncio.gather(*workers)
    finally:
        delivery.use_channel("sms", None)
    assert len(sent) == len(set(sent)) == 120
    assert await DeliveryAttempt.count() == 120


async def test_an_organiser_may_send_a_message_again_and_a_seeker_may_not(client, stop, smtp, organiser_actor):
    actor, headers = await seeker_with_email()
    await register(client, stop["id"], headers)
    await delivery.run_once(now=now())
    (message,) = await Message.select(Message.id)
    with pytest.raises(Forbidden):
        await delivery.redeliver(message["id"], actor, now())
    # A webhook's owner may; without the webhooks' table (or as someone else) nobody but organisers.
    await Message.update({Message.webhook_id: uuid.uuid4()}).where(Message.id == message["id"])
    with pytest.raises(Forbidden):
        await delivery.redeliver(message["id"], actor, now())
    again = await delivery.redeliver(message["id"], organiser_actor, now())
    assert again.status == "pending" and again.attempts == 0
    await delivery.run_once(now=now())
    assert [item.message_id for item in smtp.inbox.received] == [str(message["id"])] * 2
    assert len({item.key for item in smtp.inbox.received}) == 1, "the same idempotency key, so the receiver can drop the repeat"


async def test_my_messages_lists_only_my_own_newest_first_in_pages(client, organiser, stop, smtp):
    mine, headers = await seeker_with_email()
    other = await seeker_with_email()
    await set_capacity(client, organiser, stop["id"], 1)
    await register(client, stop["id"], other[1])
    registered = await register(client, stop["id"], headers)  # waitlisted
    await client.delete(f"/api/registrations/{registered['id']}", headers=headers)
    await register(client, stop["id"], headers)
    await delivery.run_once(now=now())
    first = (await client.get("/api/me/messages?limit=1", headers=headers)).json()
    rest = (await client.get("/api/me/messages?limit=1&offset=1", headers=headers)).json()
    assert (first["total"], first["limit"], first["offset"]) == (2, 1, 0)
    assert {m["id"] for m in first["items"] + rest["items"]} == {str(row["id"]) for row in await Message.select(Message.id).where(Message.account == mine.id)}
    assert set(first["items"][0]) == {"id", "kind", "channel", "status", "address_masked", "attempts", "created_at", "delivered_at", "last_response_code"}
    assert (await client.get("/api/me/messages")).status_code == 401


async def test_recording_an_event_wakes_the_inline_worker(client, stop, smtp):
    config = dataclasses.replace(settings, delivery_poll_seconds=600)  # only the wake-up can make it prompt
    async with delivery.inline_worker(config):
        await register(client, stop["id"], (await seeker_with_email())[1])
        for _ in range(200):
            if smtp.inbox.received:
                break
            await asyncio.sleep(0.05)
    assert [item.kind for item in smtp.inbox.received] == ["registration.confirmed"]


async def test_employers_hear_a_decision_with_its_reason_and_invited_hr_get_their_link(client, organiser, published_train, employer, smtp):
    from test_applications import apply

    made = await apply(client, published_train, contact_email="wangmin@qinghe.example.com")
    response = await client.post(f"/api/employer-applications/{made['id']}/reject", json={"reason": "营业执照已过期"}, headers=organiser)
    assert response.status_code == 200, response.text
    invited = await client.post(f"/api/employers/{employer['id']}/invitations", json={"name": "李雷", "email": "lilei@example.com"}, headers=organiser)
    assert invited.status_code == 201, invited.text
    await delivery.run_once(now=now())
    by_kind = {item.kind: item for item in smtp.inbox.received}
    decided = by_kind["employer_application.decided"]
    assert (decided.to, decided.params["decision"], decided.params["reason"]) == ("wangmin@qinghe.example.com", "rejected", "营业执照已过期")
    invitation = by_kind["invitation.created"]
    assert invitation.to == "lilei@example.com" and invitation.params["url"] == invited.json()["invitation"]["url"]
    (masked,) = await Message.select(Message.address_masked).where(Message.kind == "employer_application.decided")
    assert masked["address_masked"] == "w***@qinghe.example.com"


async def test_my_messages_is_documented_with_an_example(client):
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/me/messages"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("MessagePage")
    message = schema["components"]["schemas"]["Message"]["properties"]
    assert message["address_masked"]["examples"] == ["138****5678"]


async def test_a_subscriber_that_fails_holds_back_only_its_own_event(client, stop, smtp, monkeypatch):
    async def broken(event, *, now):
        raise ValueError("a bug in a subscriber")

    monkeypatch.setitem(notify._SUBSCRIBERS, "test.broken", [broken])
    async with db.write_transaction():
        await outbox.record("test.broken", {}, now=now())
    await register(client, stop["id"], (await seeker_with_email())[1])
    start = now()
    await delivery.run_once(now=start)
    assert [item.kind for item in smtp.inbox.received] == ["registration.confirmed"]
    (held,) = await DomainEvent.select(DomainEvent.processed_at, DomainEvent.claimed_until).where(DomainEvent.kind == "test.broken")
    assert held["processed_at"] is None and held["claimed_until"] > start


async def test_two_fan_outs_at_once_make_each_message_once(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1000)
    for headers in await many_seekers(150):
        await register(client, stop["id"], headers)
    moment = now()
    results = await asyncio.gather(*(delivery.fan_out(now=moment, limit=40) for _ in range(4)))
    while await delivery.fan_out(now=moment, limit=40):
        pass
    if DATABASE == "postgresql":
        assert sum(results) <= await DomainEvent.count(), "SKIP LOCKED: no event taken by two fan-outs"
    assert await Message.count() == 150
    assert await DomainEvent.count().where(DomainEvent.processed_at.is_null()) == 0


async def test_messages_are_written_in_the_language_the_person_chose(client, stop, smtp):
    _, headers = await seeker_with_email()
    changed = await client.patch("/api/me", json={"language": "en"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["language"] == "en"
    await register(client, stop["id"], headers)
    await delivery.run_once(now=now())
    assert [item.language for item in smtp.inbox.received] == ["en"]
    refused = await client.patch("/api/me", json={"language": "fr"}, headers=headers)
    assert refused.status_code == 400, refused.text


async def test_a_worker_whose_lease_ran_out_does_not_overwrite_the_result_of_the_worker_that_took_over(client, stop, smtp):
    await register(client, stop["id"], (await seeker_with_email())[1])
    start = now()
    await delivery.fan_out(now=start)
    (slow,) = await delivery.claim(now=start, limit=10)
    (taken_over,) = await delivery.claim(now=start + timedelta(seconds=settings.delivery_lease_seconds + 1), limit=10)
    assert taken_over.attempt == slow.attempt + 1

    async def refusing(outgoing, *, config):
        return Outcome("give_up", response_code=550, response="mailbox unavailable")

    assert await delivery.send(taken_over) == "delivered"
    delivery.use_channel("email", refusing)
    await delivery.send(slow)  # the slow worker finally hears back, and its answer differs
    (message,) = await Message.select(Message.status, Message.attempts)
    assert (message["status"], message["attempts"]) == ("delivered", 2)
    assert sorted(row["outcome"] for row in await DeliveryAttempt.select(DeliveryAttempt.outcome)) == ["delivered", "give_up"], "both attempts are logged"


def test_the_inline_worker_lets_hot_writes_go_first_but_only_for_so_long(monkeypatch):
    """While a batcher keeps being given scans or registrations, the inline worker holds back; never longer than MAX_HOLD_SECONDS."""
    import time

    from events import batching

    monkeypatch.setattr(batching, "_last_item_at", time.monotonic())
    assert delivery._Yield(inline=False).hold() is False  # a separate worker process never holds back
    inline = delivery._Yield(inline=True)
    assert inline.hold() is True and inline.hold() is True
    monkeypatch.setattr(delivery, "MAX_HOLD_SECONDS", 0.0)
    assert inline.hold() is False  # held long enough: it goes ahead
    monkeypatch.setattr(delivery, "MAX_HOLD_SECONDS", 60.0)
    assert inline.hold() is False  # ... and works through what is due, however busy, before it holds again
    inline.drained()
    assert inline.hold() is True
    monkeypatch.setattr(batching, "_last_item_at", time.monotonic() - delivery.QUIET_SECONDS - 1)
    assert delivery._Yield(inline=True).hold() is False  # quiet: nothing to yield to


async def test_a_batchers_item_marks_the_process_busy():
    from events import batching

    async def write(items):
        return items

    before = batching._last_item_at
    await batching.Batcher(write, limit=10).submit(1)
    assert batching._last_item_at > before
