"""Moving a slot (PATCH /api/slots/{id}): its bookings move with it, inside the stop, never below the places booked nor onto
another booking of a booked student; the feed shows the moved interview with a higher SEQUENCE and the student is told."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
from conftest import many_seekers, now, post_ok
from test_slots import at, open_slot

from events import messages
from events.tables import Booking, DomainEvent, Slot


async def patch(client, slot, body, headers):
    return await client.patch(f"/api/slots/{slot['id']}", json=body, headers=headers)


async def test_moving_a_slot_moves_its_bookings_and_raises_their_sequence(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, minutes_in=30, minutes=20, size=2)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    before = await Slot.select(Slot.sequence).where(Slot.id == slot["id"]).first()

    response = await patch(client, slot, {"starts_at": at(stop, 90)}, hr)

    assert response.status_code == 200, response.text
    moved = response.json()
    assert datetime.fromisoformat(moved["starts_at"]) == datetime.fromisoformat(at(stop, 90))
    assert datetime.fromisoformat(moved["ends_at"]) == datetime.fromisoformat(at(stop, 110)), "the length stays"
    row = await Booking.select(Booking.starts_at, Booking.ends_at, Booking.revision).where(Booking.id == booking["id"]).first()
    assert row["starts_at"] == datetime.fromisoformat(at(stop, 90)) and row["ends_at"] == datetime.fromisoformat(at(stop, 110))
    assert row["revision"] == 1
    assert (await Slot.select(Slot.sequence).where(Slot.id == slot["id"]).first())["sequence"] == before["sequence"] + 1
    [event] = await DomainEvent.select(DomainEvent.payload).where(DomainEvent.kind == "slot.changed").order_by(DomainEvent.occurred_at, ascending=False).limit(1)
    payload = json.loads(event["payload"])
    assert payload["change"] == "moved" and payload["booking_ids"] == [booking["id"]]
    assert datetime.fromisoformat(payload["old_starts_at"]) == datetime.fromisoformat(at(stop, 30))
    assert datetime.fromisoformat(payload["starts_at"]) == datetime.fromisoformat(at(stop, 90))


async def test_the_size_never_goes_below_the_places_booked(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, size=3)
    for student in await many_seekers(2):
        await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)

    refused = await patch(client, slot, {"size": 1}, hr)
    assert refused.status_code == 409 and refused.json()["code"] == "slot_size_below_booked"
    assert (await Slot.select(Slot.size).where(Slot.id == slot["id"]).first())["size"] == 3

    shrunk = await patch(client, slot, {"size": 2, "cancel_cutoff_minutes": 15}, hr)
    assert shrunk.status_code == 200 and shrunk.json()["places_left"] == 0 and shrunk.json()["cancel_cutoff_minutes"] == 15


async def test_a_move_onto_another_booking_of_a_booked_student_is_refused(client, hr, booth, stop):
    first = await open_slot(client, hr, booth, stop, minutes_in=30, minutes=20)
    second = await open_slot(client, hr, booth, stop, minutes_in=60, minutes=20)
    (student,) = await many_seekers(1)
    for slot in (first, second):
        await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)

    response = await patch(client, first, {"starts_at": at(stop, 50)}, hr)

    assert response.status_code == 409 and response.json()["code"] == "booking_overlaps"
    assert (await Slot.select(Slot.starts_at).where(Slot.id == first["id"]).first())["starts_at"] == datetime.fromisoformat(at(stop, 30))
    assert (await patch(client, first, {"starts_at": at(stop, 40)}, hr)).status_code == 200, "ending when the other starts is no overlap"


async def test_a_slot_stays_inside_its_stop_and_its_length_is_given_once(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    for body, status, code in [
        ({"starts_at": at(stop, 170)}, 422, "slot_outside_stop"),
        ({"starts_at": at(stop, -10)}, 422, "slot_outside_stop"),
        ({"minutes": 20, "ends_at": at(stop, 60)}, 422, "slot_length_twice"),
        ({"ends_at": at(stop, 31)}, 422, "slot_length_invalid"),
    ]:
        response = await patch(client, slot, body, hr)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    assert (await patch(client, slot, {"ends_at": at(stop, 80)}, hr)).json()["ends_at"] != slot["ends_at"]


async def test_only_the_slots_employer_and_organisers_move_it(client, hr, other_hr, organiser, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    assert (await patch(client, slot, {"size": 4}, other_hr)).status_code == 404
    assert (await patch(client, slot, {"size": 4}, student)).status_code == 403
    assert (await patch(client, slot, {"size": 4}, organiser)).status_code == 200


async def test_a_called_off_slot_is_not_moved(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    await post_ok(client, f"/api/slots/{slot['id']}/cancel", None, hr, status=200)
    response = await patch(client, slot, {"starts_at": at(stop, 90)}, hr)
    assert response.status_code == 409 and response.json()["code"] == "slot_cancelled"


async def test_the_feed_shows_the_moved_interview_with_a_higher_sequence_to_both_parsers(client, hr, booth, stop):
    from test_calendar import _token, feed, icaljs

    from events import feed_cache

    feed_cache.clear_caches()
    slot = await open_slot(client, hr, booth, stop, minutes_in=45, minutes=20)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    path = await _token(client, student)
    uid = f"booking-{booking['id']}"
    before = next(e for e in icaljs((await feed(client, path)).content)["events"] if e["uid"].startswith(uid))

    assert (await patch(client, slot, {"starts_at": at(stop, 120), "minutes": 30}, hr)).status_code == 200
    body = (await feed(client, path)).content

    after = next(e for e in icaljs(body)["events"] if e["uid"].startswith(uid))
    start, end = (datetime.fromisoformat(at(stop, m)).astimezone(UTC) for m in (120, 150))
    assert after["start_utc"] == start.strftime("%Y-%m-%dT%H:%M:%SZ") and after["status"] == "CONFIRMED"
    assert after["sequence"] > before["sequence"]
    [vevent] = [c for c in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(c["UID"]).startswith(uid)]
    assert vevent.decoded("DTSTART").astimezone(UTC) == start and vevent.decoded("DTEND").astimezone(UTC) == end
    assert int(vevent["SEQUENCE"]) == after["sequence"]


async def test_a_booked_student_is_told_of_the_move_with_the_old_time(client, hr, booth, stop):
    from events import delivery
    from events.tables import Message

    slot = await open_slot(client, hr, booth, stop, size=2)
    alice, _ = await many_seekers(2)
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, alice)
    alice_id = uuid.UUID((await client.get("/api/me", headers=alice)).json()["id"])
    await delivery.fan_out(now=now())

    assert (await patch(client, slot, {"size": 3}, hr)).status_code == 200
    await delivery.fan_out(now=now())
    assert await Message.count().where(Message.kind == "slot.moved") == 0, "a resize is no news"

    assert (await patch(client, slot, {"starts_at": at(stop, 100)}, hr)).status_code == 200
    await delivery.fan_out(now=now())
    rows = await Message.select(Message.account, Message.params).where(Message.kind == "slot.moved")
    assert {row["account"] for row in rows} == {alice_id}
    params = json.loads(rows[0]["params"]) if isinstance(rows[0]["params"], str) else rows[0]["params"]
    assert datetime.fromisoformat(params["old_starts_at"]) == datetime.fromisoformat(at(stop, 30))
    assert datetime.fromisoformat(params["starts_at"]) == datetime.fromisoformat(at(stop, 100))
    old = datetime.fromisoformat(at(stop, 30)).astimezone(ZoneInfo(params["timezone"]))
    for language in ("zh-CN", "en"):
        _, text, _ = messages.render_email("slot.moved", language, params)
        assert f"{old:%H:%M}" in text and "None" not in text


async def test_a_move_racing_bookings_never_leaves_a_booking_outside_the_slot_nor_the_slot_over_its_size(client, hr, booth, stop):
    for round_ in range(4):
        slot = await open_slot(client, hr, booth, stop, minutes_in=10 + 40 * round_, minutes=20, size=4)
        students = await many_seekers(6)
        await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, students[0])
        target = at(stop, 20 + 40 * round_)

        responses = await asyncio.gather(
            *(client.post(f"/api/slots/{slot['id']}/bookings", headers=h) for h in students[1:3]),
            patch(client, slot, {"starts_at": target, "size": 2}, hr),
            *(client.post(f"/api/slots/{slot['id']}/bookings", headers=h) for h in students[3:]),
        )

        assert all(r.status_code in (200, 201, 409) for r in responses), [r.text for r in responses]
        row = await Slot.select(Slot.starts_at, Slot.ends_at, Slot.size, Slot.booked_count).where(Slot.id == slot["id"]).first()
        held = await Booking.select(Booking.starts_at, Booking.ends_at).where((Booking.slot == slot["id"]) & (Booking.status == "booked"))
        assert len(held) == row["booked_count"] <= row["size"]
        assert all((b["starts_at"], b["ends_at"]) == (row["starts_at"], row["ends_at"]) for b in held)
        moved = responses[2]
        if moved.status_code == 200:
            assert row["size"] == 2 and row["starts_at"] == datetime.fromisoformat(target)
        else:
            assert moved.json()["code"] == "slot_size_below_booked" and row["size"] == 4


async def test_a_move_racing_cancellations_keeps_the_count_and_the_times_of_the_bookings_left(client, hr, booth, stop):
    for round_ in range(3):
        slot = await open_slot(client, hr, booth, stop, minutes_in=10 + 50 * round_, minutes=20, size=4)
        students = await many_seekers(4)
        made = [await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, h) for h in students]
        target = at(stop, 30 + 50 * round_)

        responses = await asyncio.gather(
            client.delete(f"/api/bookings/{made[0]['id']}", headers=students[0]),
            patch(client, slot, {"starts_at": target}, hr),
            client.delete(f"/api/bookings/{made[1]['id']}", headers=hr),
        )

        assert [r.status_code for r in responses] == [200, 200, 200], [r.text for r in responses]
        row = await Slot.select(Slot.starts_at, Slot.booked_count).where(Slot.id == slot["id"]).first()
        held = await Booking.select(Booking.starts_at).where((Booking.slot == slot["id"]) & (Booking.status == "booked"))
        assert row["booked_count"] == len(held) == 2 and row["starts_at"] == datetime.fromisoformat(target)
        assert {b["starts_at"] for b in held} == {row["starts_at"]}
