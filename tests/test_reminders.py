"""Reminders 24 and 2 hours before a stop, swept with explicit clocks; and HR's daily digest of interests, for those who opted in."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conftest import confirmed_tickets, make_account, now, post_ok, stop_body

from events import delivery, digests, reminders
from events.tables import Message


async def reminder_rows() -> list[dict[str, Any]]:
    rows = await Message.select().where(Message.kind.is_in(list(reminders.LEADS))).order_by(Message.created_at)
    return [{**row, "params": json.loads(row["params"])} for row in rows]


def starts(stop: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(stop["starts_at"])


async def test_each_reminder_is_made_once_in_its_window(client, stop, seeker):
    registration = await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
    start = starts(stop)
    assert await reminders.schedule_reminders(now=start - timedelta(hours=24, minutes=1)) == 0
    assert await reminders.schedule_reminders(now=start - timedelta(hours=23)) == 1
    assert await reminders.schedule_reminders(now=start - timedelta(hours=3)) == 0, "the 24-hour one is there already"
    assert await reminders.schedule_reminders(now=start - timedelta(hours=2)) == 1
    assert await reminders.schedule_reminders(now=start - timedelta(minutes=5)) == 0
    assert await reminders.schedule_reminders(now=start) == 0, "nothing once it has started"
    day, hours = await reminder_rows()
    assert (day["kind"], hours["kind"]) == ("reminder.24h", "reminder.2h")
    assert day["idempotency_key"] == f"reminder.24h:{registration['id']}:{start.astimezone(ZoneInfo('UTC')).isoformat()}"
    assert day["channel"] == "email" and day["status"] == "pending" and day["domain_event"] is None
    assert day["params"]["registration_id"] == registration["id"] and datetime.fromisoformat(day["params"]["starts_at"]) == start
    assert day["params"]["ticket_url"].endswith(f"/me/tickets/{registration['id']}")


async def test_a_moved_stop_gets_its_reminders_again_for_the_new_time_and_never_twice_for_one_time(client, organiser, stop, seeker):
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
    start = starts(stop)
    assert await reminders.schedule_reminders(now=start - timedelta(hours=23)) == 1
    moved = start + timedelta(days=1)
    response = await client.patch(
        f"/api/stops/{stop['id']}", json={"starts_at": moved.isoformat(), "ends_at": (moved + timedelta(hours=3)).isoformat()}, headers=organiser
    )
    assert response.status_code == 200, response.text
    assert await reminders.schedule_reminders(now=start - timedelta(hours=22)) == 0, "the old time is not in the window any more"
    assert await reminders.schedule_reminders(now=moved - timedelta(hours=23)) == 1
    assert await reminders.schedule_reminders(now=moved - timedelta(hours=20)) == 0
    keys = [row["idempotency_key"] for row in await reminder_rows()]
    assert len(keys) == 2 and keys[0] != keys[1] and keys[1].endswith(moved.astimezone(ZoneInfo("UTC")).isoformat())


async def test_a_cancelled_registration_or_stop_gets_no_reminder(client, organiser, published_train, seeker):
    first, second = published_train["stops"][0], published_train["stops"][1]
    registration = await post_ok(client, f"/api/stops/{first['id']}/registrations", None, seeker)
    other = (await make_account("seeker"))[1]
    await post_ok(client, f"/api/stops/{second['id']}/registrations", None, other)
    assert (await client.delete(f"/api/registrations/{registration['id']}", headers=seeker)).status_code == 200
    assert (await client.post(f"/api/stops/{second['id']}/cancel", headers=organiser)).status_code == 200
    for stop in (first, second):
        for hours in (23, 1):
            assert await reminders.schedule_reminders(now=starts(stop) - timedelta(hours=hours)) == 0
    assert await reminder_rows() == []


async def test_someone_who_registers_inside_a_window_gets_only_the_later_reminder(client, organiser, published_train, seeker):
    start = (now() + timedelta(hours=20)).replace(microsecond=0)
    soon = await post_ok(
        client, f"/api/events/{published_train['slug']}/stops",
        stop_body(0, "南京邮电大学", starts_at=start.isoformat(), ends_at=(start + timedelta(hours=3)).isoformat()), organiser,
    )
    await post_ok(client, f"/api/stops/{soon['id']}/registrations", None, seeker)
    # Registered 20 hours before the start: the confirmation has just told them; the 24-hour reminder is skipped.
    assert await reminders.schedule_reminders(now=start - timedelta(hours=19)) == 0
    assert await reminders.schedule_reminders(now=start - timedelta(hours=1)) == 1
    assert [row["kind"] for row in await reminder_rows()] == ["reminder.2h"]


async def test_the_worker_sends_a_reminder_it_was_given_like_any_other_message(client, stop, seeker):
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
    at = starts(stop) - timedelta(hours=23)
    assert await reminders.sweep(now=at) == 1
    await delivery.run_once(now=at)
    (row,) = await reminder_rows()
    # No e-mail channel in this branch's tests: the worker settles it as skipped, not failed.
    assert row["status"] in {"delivered", "skipped"} and row["attempts"] <= 1


# ---------------------------------------------------------------- HR's daily digest


def next_digest_hour(moment: datetime) -> datetime:
    """The first DIGEST_HOUR (20:00 Shanghai) after `moment`."""
    local = moment.astimezone(ZoneInfo("Asia/Shanghai"))
    at = local.replace(hour=digests.settings.digest_hour, minute=0, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


async def test_hr_who_opted_in_get_one_digest_a_day_of_the_interests_their_employer_received(client, employer, hr, job):
    colleague = (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1]
    await client.put("/api/me/notifications", json={"opt_in": True}, headers=hr)
    for _ in range(2):
        student = (await make_account("seeker"))[1]
        await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    evening = next_digest_hour(now())
    assert await digests.schedule_digests(now=evening - timedelta(minutes=1)) == 0, "not before the digest hour"
    assert await digests.schedule_digests(now=evening + timedelta(minutes=30)) == 1, "only the HR who opted in"
    assert await digests.schedule_digests(now=evening + timedelta(hours=2)) == 0, "one a day"
    (row,) = await Message.select().where(Message.kind == digests.KIND)
    me = (await client.get("/api/me", headers=hr)).json()
    params = json.loads(row["params"])
    assert str(row["account"]) == me["id"] and params["count"] == 2 and params["employer_name"] == employer["name"]
    assert [item["job_title"] for item in params["interests"]] == [job["title"]] * 2
    assert params["unsubscribe_url"] and "@" not in json.dumps(params) and "+86" not in json.dumps(params)
    # The next evening counts the next 24 hours: nothing new, no digest.
    assert await digests.schedule_digests(now=evening + timedelta(days=1, minutes=30)) == 0
    assert (await client.get("/api/me", headers=colleague)).status_code == 200


async def test_the_workers_sweep_loop_makes_the_reminders_that_are_due_and_stops_when_told(client, organiser, published_train):
    start = (now() + timedelta(hours=5)).replace(microsecond=0)
    soon = await post_ok(
        client, f"/api/events/{published_train['slug']}/stops",
        stop_body(0, "南京邮电大学", starts_at=start.isoformat(), ends_at=(start + timedelta(hours=3)).isoformat()), organiser,
    )
    await confirmed_tickets(soon["id"], 2)  # registered a day ago
    stop = asyncio.Event()
    loop = asyncio.create_task(reminders.run_sweeps(stop=stop, every=3600))
    for _ in range(100):
        if len(await reminder_rows()) == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, 10)
    assert [row["kind"] for row in await reminder_rows()] == ["reminder.24h", "reminder.24h"]


async def test_four_sweeps_at_once_make_each_reminder_once(client, stop):
    await confirmed_tickets(stop["id"], 3)
    at = starts(stop) - timedelta(hours=23)
    made = await asyncio.gather(*(reminders.schedule_reminders(now=at) for _ in range(4)))
    assert sum(made) == 3
    assert len({row["idempotency_key"] for row in await reminder_rows()}) == len(await reminder_rows()) == 3
