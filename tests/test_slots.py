"""Interview slots and bookings: HR open slots, seekers book and cancel, places never overbook, no-shows are counted."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from conftest import confirmed_tickets, make_account, many_seekers, now, post_ok

from events import bookings
from events.accounts import actor_from_token
from events.tables import Booking, DomainEvent, Slot


def at(stop, minutes: int) -> str:
    """`minutes` after the stop opens, as ISO 8601."""
    return (datetime.fromisoformat(stop["starts_at"]) + timedelta(minutes=minutes)).isoformat()


async def open_slot(client, hr, booth, stop, *, minutes_in: int = 30, minutes: int = 20, size: int = 2, **extra) -> dict:
    (slot,) = await post_ok(client, f"/api/booths/{booth['id']}/slots", {"starts_at": at(stop, minutes_in), "minutes": minutes, "size": size, **extra}, hr)
    return slot


async def seeker_actor(headers):
    return await actor_from_token(headers["Authorization"].split()[1])


async def test_a_series_every_fifteen_minutes_opens_one_slot_per_quarter_hour(client, hr, booth, stop):
    body = {"starts_at": at(stop, 30), "minutes": 15, "every_minutes": 15, "until": at(stop, 180), "size": 2}
    made = await post_ok(client, f"/api/booths/{booth['id']}/slots", body, hr)

    assert len(made) == 10
    assert [s["places_left"] for s in made] == [2] * 10
    assert made[1]["starts_at"] == made[0]["ends_at"]
    listed = (await client.get(f"/api/stops/{stop['id']}/slots")).json()
    assert [s["id"] for s in listed] == [s["id"] for s in made]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"minutes_in": -60}, "slot_outside_stop"),
        ({"minutes_in": 170}, "slot_outside_stop"),
        ({"every_minutes": 15}, "series_incomplete"),
    ],
)
async def test_slots_outside_the_stop_or_half_a_series_are_refused(client, hr, booth, stop, body, code):
    minutes_in = body.pop("minutes_in", 30)
    response = await client.post(f"/api/booths/{booth['id']}/slots", json={"starts_at": at(stop, minutes_in), "minutes": 20, **body}, headers=hr)
    assert response.status_code == 422 and response.json()["code"] == code


async def test_another_employers_hr_cannot_open_slots_at_the_booth(client, other_hr, booth, stop):
    response = await client.post(f"/api/booths/{booth['id']}/slots", json={"starts_at": at(stop, 30), "minutes": 20}, headers=other_hr)
    assert response.status_code == 404


async def test_forty_students_racing_for_twelve_slots_of_two_get_exactly_twenty_four_places(client, hr, booth, stop):
    # Twelve interviewers at once: every slot overlaps every other, so nobody may hold two.
    slots = [await open_slot(client, hr, booth, stop) for _ in range(12)]
    students = await many_seekers(40)

    responses = await asyncio.gather(*(client.post(f"/api/slots/{s['id']}/bookings", headers=h) for h in students for s in slots))

    assert Counter(r.status_code for r in responses) == {201: 24, 409: 480 - 24}
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"slot_full", "booking_overlaps"}
    rows = await Booking.select(Booking.seeker, Booking.slot).where(Booking.status == "booked")
    assert len(rows) == 24
    assert max(Counter(row["seeker"] for row in rows).values()) == 1, "nobody holds two overlapping places"
    assert Counter(row["slot"] for row in rows) == {uuid.UUID(s["id"]): 2 for s in slots}
    assert {row["booked_count"] for row in await Slot.select(Slot.booked_count)} == {2}


async def test_two_students_racing_for_the_last_place_get_one_booking_and_one_slot_full(client, hr, booth, stop):
    for _ in range(3):
        slot = await open_slot(client, hr, booth, stop, size=2)
        first, a, b = await many_seekers(3)
        await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, first)
        responses = await asyncio.gather(client.post(f"/api/slots/{slot['id']}/bookings", headers=a), client.post(f"/api/slots/{slot['id']}/bookings", headers=b))
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert next(r for r in responses if r.status_code == 409).json()["code"] == "slot_full"


async def test_one_student_booking_two_overlapping_slots_at_once_gets_one(client, hr, booth, stop):
    (student,) = await many_seekers(1)
    for n in range(4):
        early = await open_slot(client, hr, booth, stop, minutes_in=30 * n, minutes=20)
        late = await open_slot(client, hr, booth, stop, minutes_in=30 * n + 10, minutes=20)
        responses = await asyncio.gather(*(client.post(f"/api/slots/{s['id']}/bookings", headers=student) for s in (early, late)))
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert next(r for r in responses if r.status_code == 409).json()["code"] == "booking_overlaps"


async def test_asks_for_slots_at_two_stops_and_an_unknown_slot_at_once_are_each_answered_on_their_own(
    client, hr, organiser, employer, booth, published_train
):
    # Bookings of every slot share one batch: an unknown slot in it, or a full one, must not refuse the others.
    first, second = published_train["stops"][:2]
    other_booth = await post_ok(client, f"/api/stops/{second['id']}/booths", {"employer_id": employer["id"], "label": "B7"}, organiser)
    here = await open_slot(client, hr, booth, first, size=1)
    there = await open_slot(client, hr, other_booth, second, size=1)
    (student, rival) = await many_seekers(2)
    asks = [(here, student), (there, student), ({"id": str(uuid.uuid4())}, student), (here, rival), (there, rival)]
    responses = await asyncio.gather(*(client.post(f"/api/slots/{slot['id']}/bookings", headers=who) for slot, who in asks))
    assert responses[2].status_code == 404 and responses[2].json()["code"] == "slot_not_found"
    for slot, stop_ in ((here, first), (there, second)):
        # Either student may have been first: one place each, one "full" each.
        answers = [r for r, (asked, _) in zip(responses, asks, strict=True) if asked is slot]
        assert sorted(r.status_code for r in answers) == [201, 409]
        assert next(r for r in answers if r.status_code == 409).json()["code"] == "slot_full"
        assert next(r for r in answers if r.status_code == 201).json()["slot"]["stop_id"] == stop_["id"]
    assert await Booking.count() == 2
    assert {row["booked_count"] for row in await Slot.select(Slot.booked_count)} == {1}


async def test_booking_the_same_slot_twice_at_once_gives_one_booking(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, size=5)
    (student,) = await many_seekers(1)
    responses = await asyncio.gather(*(client.post(f"/api/slots/{slot['id']}/bookings", headers=student) for _ in range(3)))
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_booked"}
    assert await Booking.count() == 1


async def test_a_full_slot_still_tells_each_student_the_first_reason_that_applies_to_them(client, hr, booth, stop):
    """A full slot refuses from reads alone (bookings.book), with the batch's order of reasons: a student who holds the
    place hears `already_booked`, one holding an overlapping slot `booking_overlaps`, anyone else `slot_full`."""
    slot = await open_slot(client, hr, booth, stop, minutes_in=60, minutes=20, size=1)
    overlapping = await open_slot(client, hr, booth, stop, minutes_in=70, minutes=20, size=3)
    holder, elsewhere, other = await many_seekers(3)
    mine = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, holder)
    await post_ok(client, f"/api/slots/{overlapping['id']}/bookings", None, elsewhere)
    answers = {name: await client.post(f"/api/slots/{slot['id']}/bookings", headers=headers) for name, headers in
               (("holder", holder), ("elsewhere", elsewhere), ("other", other))}
    assert {name: (r.status_code, r.json()["code"]) for name, r in answers.items()} == {
        "holder": (409, "already_booked"), "elsewhere": (409, "booking_overlaps"), "other": (409, "slot_full")}
    assert answers["holder"].json()["booking_id"] == mine["id"]
    assert await Booking.count().where(Booking.slot == slot["id"]) == 1
    # Once the place comes free the next student gets it: the full slot's refusal was a reading, not a state.
    await client.delete(f"/api/bookings/{mine['id']}", headers=holder)
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, other)


async def test_back_to_back_slots_do_not_overlap(client, hr, booth, stop):
    (student,) = await many_seekers(1)
    first = await open_slot(client, hr, booth, stop, minutes_in=30, minutes=15)
    second = await open_slot(client, hr, booth, stop, minutes_in=45, minutes=15)
    await post_ok(client, f"/api/slots/{first['id']}/bookings", None, student)
    await post_ok(client, f"/api/slots/{second['id']}/bookings", None, student)


async def test_a_cancelled_place_goes_to_the_next_student_and_a_no_show_is_counted(client, hr, booth, stop, organiser, published_train):
    slot = await open_slot(client, hr, booth, stop, size=1)
    alice, bob = await many_seekers(2)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, alice)
    full = await client.post(f"/api/slots/{slot['id']}/bookings", headers=bob)
    assert full.status_code == 409 and full.json()["code"] == "slot_full"

    cancelled = await client.delete(f"/api/bookings/{booking['id']}", headers=alice)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.delete(f"/api/bookings/{booking['id']}", headers=alice)
    assert again.status_code == 200, "cancelling twice changes nothing"
    bobs = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, bob)

    # The slot has started: HR mark Bob absent.
    hr_actor = await actor_from_token(hr["Authorization"].split()[1])
    later = now() + timedelta(days=30)
    marked = await bookings.mark_attendance(actor=hr_actor, now=later, booking_id=uuid.UUID(bobs["id"]), attended=False)
    assert marked.status == "no_show"

    managed = (await client.get(f"/api/booths/{booth['id']}/slots", headers=hr)).json()
    assert [(b["seeker_id"], b["seeker_no_shows"]) for b in managed[0]["bookings"]] == [(str((await seeker_actor(bob)).id), 1)]
    report = (await client.get(f"/api/events/{published_train['slug']}/no-shows", headers=organiser)).json()
    assert [(e["bookings"], e["attended"], e["no_shows"]) for e in report["employers"]] == [(1, 0, 1)]
    assert [s["no_shows"] for s in report["seekers"]] == [1]


async def test_no_show_only_once_the_slot_started_and_never_for_a_cancelled_booking(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    early = await client.post(f"/api/bookings/{booking['id']}/attendance", json={"attended": False}, headers=hr)
    assert early.status_code == 409 and early.json()["code"] == "slot_not_started"
    came = await client.post(f"/api/bookings/{booking['id']}/attendance", json={"attended": True}, headers=hr)
    assert came.status_code == 200 and came.json()["status"] == "attended"
    late_cancel = await client.delete(f"/api/bookings/{booking['id']}", headers=student)
    assert late_cancel.status_code == 409 and late_cancel.json()["code"] == "booking_marked"


async def test_another_employers_hr_can_neither_see_nor_mark_the_bookings(client, hr, other_hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    assert (await client.post(f"/api/bookings/{booking['id']}/attendance", json={"attended": True}, headers=other_hr)).status_code == 404
    assert (await client.delete(f"/api/bookings/{booking['id']}", headers=other_hr)).status_code == 404
    assert (await client.get(f"/api/booths/{booth['id']}/slots", headers=other_hr)).status_code == 404
    assert (await client.post(f"/api/slots/{slot['id']}/cancel", headers=other_hr)).status_code == 404
    (stranger,) = await many_seekers(1)
    assert (await client.delete(f"/api/bookings/{booking['id']}", headers=stranger)).status_code == 404


async def test_a_student_cannot_cancel_after_the_cut_off(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, cancel_cutoff_minutes=120)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    assert booking["cancel_until"] < booking["slot"]["starts_at"]
    too_late = datetime.fromisoformat(booking["slot"]["starts_at"]) - timedelta(minutes=60)
    with pytest.raises(Exception) as refused:
        await bookings.cancel_booking(actor=await seeker_actor(student), now=too_late, booking_id=uuid.UUID(booking["id"]))
    assert refused.value.code == "cancel_cutoff_passed"
    # The employer's HR still can.
    assert (await client.delete(f"/api/bookings/{booking['id']}", headers=hr)).json()["status"] == "cancelled"


async def test_a_slot_for_master_graduates_of_2027_refuses_a_bachelor(client, hr, booth, stop):
    from conftest import sign_up_body

    slot = await open_slot(client, hr, booth, stop, eligibility={"education_min": "master", "graduation_years": [2027]})
    signed_up = await post_ok(client, "/api/seekers", sign_up_body(), {})
    headers = {"Authorization": f"Bearer {signed_up['token']['access_token']}"} if "token" in signed_up else None
    if headers is None:
        login = await post_ok(client, "/api/auth/login", {"login": "13812345678", "password": "campus-2026"}, {}, status=200)
        headers = {"Authorization": f"Bearer {login['access_token']}"}
    refused = await client.post(f"/api/slots/{slot['id']}/bookings", headers=headers)
    assert refused.status_code == 409 and refused.json()["code"] == "not_eligible"
    (no_profile,) = await many_seekers(1)
    assert (await client.post(f"/api/slots/{slot['id']}/bookings", headers=no_profile)).json()["code"] == "not_eligible"


async def test_calling_a_slot_off_cancels_its_bookings(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    called_off = await post_ok(client, f"/api/slots/{slot['id']}/cancel", None, hr, status=200)
    assert called_off["status"] == "cancelled" and called_off["places_left"] == 0
    mine = (await client.get("/api/me/bookings", headers=student)).json()
    assert [(b["id"], b["status"]) for b in mine] == [(booking["id"], "cancelled")]
    assert (await client.post(f"/api/slots/{slot['id']}/bookings", headers=student)).json()["code"] == "slot_cancelled"


async def test_my_bookings_and_the_outbox(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    mine = (await client.get("/api/me/bookings", headers=student)).json()
    assert [(b["id"], b["slot"]["booth_label"], b["invited"]) for b in mine] == [(booking["id"], "A12", False)]
    await client.delete(f"/api/bookings/{booking['id']}", headers=student)
    kinds = Counter(row["kind"] for row in await DomainEvent.select(DomainEvent.kind))
    assert kinds["slot.changed"] == 1 and kinds["booking.created"] == 1 and kinds["booking.cancelled"] == 1


async def test_slots_of_a_job_are_the_ones_tied_to_it_or_to_none(client, hr, booth, stop, job, published_train):
    tied = await open_slot(client, hr, booth, stop, job_ids=[job["id"]])
    anyone = await open_slot(client, hr, booth, stop, minutes_in=60)
    other = await post_ok(client, f"/api/events/{published_train['slug']}/jobs", {**_job(), "title": "测试工程师"}, hr)
    await open_slot(client, hr, booth, stop, minutes_in=90, job_ids=[other["id"]])
    listed = (await client.get(f"/api/jobs/{job['id']}/slots")).json()
    assert [s["id"] for s in listed] == [tied["id"], anyone["id"]]
    by_stop = (await client.get(f"/api/stops/{stop['id']}/slots", params={"job_id": job["id"]})).json()
    assert [s["id"] for s in by_stop] == [tied["id"], anyone["id"]]


def _job():
    from conftest import job_body

    return job_body()


# ---------------------------------------------------------------- invitations


async def test_hr_invite_a_visitor_who_shares_their_profile_and_accepting_books_the_place(client, hr, booth, stop, job):
    slot = await open_slot(client, hr, booth, stop, size=1)
    sharer, stranger = await many_seekers(2)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, sharer, status=201)
    sharer_id, stranger_id = (await seeker_actor(sharer)).id, (await seeker_actor(stranger)).id

    refused = await client.post(f"/api/slots/{slot['id']}/invitations", json={"seeker_id": str(stranger_id)}, headers=hr)
    assert refused.status_code == 404 and refused.json()["code"] == "seeker_not_found"
    invitation = await post_ok(client, f"/api/slots/{slot['id']}/invitations", {"seeker_id": str(sharer_id)}, hr)
    assert invitation["state"] == "invited"
    twice = await client.post(f"/api/slots/{slot['id']}/invitations", json={"seeker_id": str(sharer_id)}, headers=hr)
    assert twice.status_code == 409 and twice.json()["code"] == "already_invited"

    assert [i["id"] for i in (await client.get("/api/me/slot-invitations", headers=sharer)).json()] == [invitation["id"]]
    refused = await client.post(f"/api/slot-invitations/{invitation['id']}/accept", headers=stranger)
    assert refused.status_code == 404 and refused.json()["code"] == "slot_invitation_not_found"
    accepted = await post_ok(client, f"/api/slot-invitations/{invitation['id']}/accept", None, sharer, status=200)
    assert accepted["state"] == "accepted" and accepted["booking_id"]
    mine = (await client.get("/api/me/bookings", headers=sharer)).json()
    assert [(b["id"], b["invited"]) for b in mine] == [(accepted["booking_id"], True)]
    answered = await client.post(f"/api/slot-invitations/{invitation['id']}/decline", headers=sharer)
    assert answered.status_code == 409 and answered.json()["code"] == "invitation_answered"


async def test_accepting_an_invitation_to_a_full_slot_is_refused_and_leaves_it_open(client, hr, booth, stop, job):
    slot = await open_slot(client, hr, booth, stop, size=1)
    sharer, other = await many_seekers(2)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, sharer, status=201)
    invitation = await post_ok(client, f"/api/slots/{slot['id']}/invitations", {"seeker_id": str((await seeker_actor(sharer)).id)}, hr)
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, other)
    full = await client.post(f"/api/slot-invitations/{invitation['id']}/accept", headers=sharer)
    assert full.status_code == 409 and full.json()["code"] == "slot_full"
    declined = await post_ok(client, f"/api/slot-invitations/{invitation['id']}/decline", None, sharer, status=200)
    assert declined["state"] == "declined" and declined["booking_id"] is None


# ---------------------------------------------------------------- at the booth


async def test_scanning_a_booked_student_at_the_booth_shows_their_booking(client, night_market, employer):
    tonight, a12 = night_market["tonight"], night_market["a12"]
    hr_actor, hr = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    starts = now() + timedelta(minutes=40)
    (slot,) = await post_ok(client, f"/api/booths/{a12['id']}/slots", {"starts_at": starts.isoformat(), "minutes": 20, "size": 2}, hr)
    booked, walk_in = await confirmed_tickets(tonight["id"], 2)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, booked["seeker"])

    scan = await post_ok(client, f"/api/booths/{a12['id']}/visits", {"ticket": booked["code"], "nonce": uuid.uuid4().hex}, hr)
    assert scan["booking"]["id"] == booking["id"] and scan["booking"]["status"] == "booked"
    other = await post_ok(client, f"/api/booths/{a12['id']}/visits", {"ticket": walk_in["code"], "nonce": uuid.uuid4().hex}, hr)
    assert other["booking"] is None

    marked = await post_ok(client, f"/api/bookings/{scan['booking']['id']}/attendance", {"attended": True}, hr, status=200)
    assert marked["status"] == "attended"


# ---------------------------------------------------------------- the seeker's calendar feed


async def test_a_booking_is_its_own_vevent_in_the_seekers_feed_and_shows_cancelled_with_a_higher_sequence(client, hr, booth, stop):
    from test_calendar import _token, feed, icaljs

    from events import feed_cache

    feed_cache.clear_caches()
    slot = await open_slot(client, hr, booth, stop, minutes_in=45, minutes=20)
    (student,) = await many_seekers(1)
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, student)
    path = await _token(client, student)
    first = await feed(client, path)
    assert len(icaljs(first.content)["events"]) == 1, "the stop only"

    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    booked = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert booked.status_code == 200
    events = {e["uid"].split("@")[0]: e for e in icaljs(booked.content)["events"]}
    mine = events[f"booking-{booking['id']}"]
    assert mine["status"] == "CONFIRMED" and "A12" in mine["summary"] and "面试" in mine["summary"]
    assert mine["start_utc"] == datetime.fromisoformat(slot["starts_at"]).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    await client.delete(f"/api/bookings/{booking['id']}", headers=student)
    cancelled = {e["uid"].split("@")[0]: e for e in icaljs((await feed(client, path)).content)["events"]}[f"booking-{booking['id']}"]
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] > mine["sequence"]


async def test_the_demo_has_interview_slots_and_a_few_bookings(client, organiser_actor):
    from events.demo import load_demo

    await load_demo(organiser=organiser_actor, now=now())
    assert await Slot.count() == 6
    assert Counter(row["booked_count"] for row in await Slot.select(Slot.booked_count)) == {2: 1, 1: 1, 0: 4}
    assert await Booking.count().where(Booking.status == "booked") == 3


async def test_a_booth_with_slots_is_not_removed(client, organiser, hr, booth, stop):
    await open_slot(client, hr, booth, stop)
    response = await client.delete(f"/api/booths/{booth['id']}", headers=organiser)
    assert response.status_code == 409 and response.json()["code"] == "booth_has_slots"


async def test_unknown_eligibility_fields_are_refused(client, hr, booth, stop):
    body = {"starts_at": at(stop, 30), "minutes": 20, "eligibility": {"education_min": "master", "gpa": 3.5}}
    assert (await client.post(f"/api/booths/{booth['id']}/slots", json=body, headers=hr)).status_code == 400


async def test_the_data_export_lists_bookings_and_deleting_the_account_frees_the_place(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, size=1)
    leaving, next_in = await many_seekers(2)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, leaving)
    exported = (await client.get("/api/me/export", headers=leaving)).json()
    assert [b["id"] for b in exported["bookings"]] == [booking["id"]] and exported["slot_invitations"] == []

    assert (await client.delete("/api/me", headers=leaving)).status_code in (200, 204)
    assert (await Booking.select(Booking.status).where(Booking.id == booking["id"]).first())["status"] == "cancelled"
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, next_in)


async def test_students_are_told_of_a_booking_an_invitation_and_a_cancellation_they_did_not_make(client, hr, booth, stop, job):
    from events import delivery
    from events.tables import Message

    async def told() -> Counter:
        await delivery.fan_out(now=now())
        return Counter(row["kind"] for row in await Message.select(Message.kind))

    slot = await open_slot(client, hr, booth, stop, size=2)
    other = await open_slot(client, hr, booth, stop, minutes_in=60)
    alice, bob = await many_seekers(2)
    mine = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, alice)
    bobs = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, bob)
    assert (await told())["booking.created"] == 2

    await client.delete(f"/api/bookings/{mine['id']}", headers=alice)
    assert (await told())["booking.cancelled"] == 0, "their own cancellation is not news to them"
    await client.delete(f"/api/bookings/{bobs['id']}", headers=hr)
    assert (await told())["booking.cancelled"] == 1

    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, alice)
    alice_id = (await client.get("/api/me", headers=alice)).json()["id"]
    await post_ok(client, f"/api/slots/{other['id']}/invitations", {"seeker_id": alice_id}, hr)
    await post_ok(client, f"/api/slots/{other['id']}/bookings", None, bob)
    await post_ok(client, f"/api/slots/{other['id']}/cancel", None, hr, status=200)
    kinds = await told()
    assert kinds["slot.invitation_created"] == 1 and kinds["slot.cancelled"] == 1
