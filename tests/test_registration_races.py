"""Registration under a burst: capacity is never exceeded, the waitlist stays in order, nothing is counted twice."""

from __future__ import annotations

import asyncio
from collections import Counter

from conftest import many_seekers, set_capacity

from events.tables import Registration, Stop


async def _counts(stop_id):
    rows = await Registration.select(Registration.status).where(Registration.stop == stop_id)
    return Counter(row["status"] for row in rows)


async def test_five_hundred_at_once_for_a_hundred_seats_confirm_exactly_a_hundred(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 100)
    students = await many_seekers(500)
    responses = await asyncio.gather(*(client.post(f"/api/stops/{stop['id']}/registrations", headers=h) for h in students))

    assert Counter(r.status_code for r in responses) == {201: 500}, [r.text for r in responses if r.status_code != 201][:3]
    bodies = [r.json() for r in responses]
    assert Counter(b["status"] for b in bodies) == {"confirmed": 100, "waitlisted": 400}
    positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
    assert positions == list(range(1, 401)), "distinct, consecutive places in line"
    assert len({b["id"] for b in bodies}) == 500
    assert await _counts(stop["id"]) == {"confirmed": 100, "waitlisted": 400}
    assert (await Stop.select(Stop.confirmed_count).where(Stop.id == stop["id"]).first())["confirmed_count"] == 100

    # Fifty confirmed seekers cancel at once: fifty promotions, still exactly a hundred seated.
    seated = [(h, b) for h, b in zip(students, bodies, strict=True) if b["status"] == "confirmed"][:50]
    cancels = await asyncio.gather(*(client.delete(f"/api/registrations/{b['id']}", headers=h) for h, b in seated))
    assert Counter(r.status_code for r in cancels) == {200: 50}
    assert await _counts(stop["id"]) == {"confirmed": 100, "waitlisted": 350, "cancelled": 50}
    first_in_line = sorted((b for b in bodies if b["status"] == "waitlisted"), key=lambda b: b["waitlist_position"])[:50]
    promoted = await Registration.select(Registration.status).where(Registration.id.is_in([b["id"] for b in first_in_line]))
    assert {row["status"] for row in promoted} == {"confirmed"}, "the first fifty in line, and only they, were promoted"
    remaining = (await client.get(f"/api/stops/{stop['id']}/registrations", params={"status": "waitlisted", "limit": 1000}, headers=organiser)).json()
    assert sorted(item["waitlist_position"] for item in remaining["items"]) == list(range(1, 351))


async def test_one_seeker_registering_twice_at_once_gets_one_registration(client, organiser, stop):
    (student,) = await many_seekers(1)
    for _ in range(5):
        responses = await asyncio.gather(*(client.post(f"/api/stops/{stop['id']}/registrations", headers=student) for _ in range(2)))
        assert sorted(r.status_code for r in responses) == [201, 409]
        registration = next(r.json() for r in responses if r.status_code == 201)
        assert await Registration.count().where(Registration.stop == stop["id"]) == 1
        await client.delete(f"/api/registrations/{registration['id']}", headers=student)


async def test_cancellations_racing_registrations_never_overbook(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 20)
    early = await many_seekers(40)
    bodies = [r.json() for r in await asyncio.gather(*(client.post(f"/api/stops/{stop['id']}/registrations", headers=h) for h in early))]
    late = await many_seekers(40)
    responses = await asyncio.gather(
        *(client.delete(f"/api/registrations/{b['id']}", headers=h) for h, b in zip(early[:20], bodies[:20], strict=True)),
        *(client.post(f"/api/stops/{stop['id']}/registrations", headers=h) for h in late),
        client.patch(f"/api/stops/{stop['id']}", json={"capacity": 25}, headers=organiser),
    )
    assert Counter(r.status_code for r in responses) == {200: 21, 201: 40}, [r.text for r in responses if r.status_code >= 300][:3]
    counts = await _counts(stop["id"])
    assert counts["confirmed"] == 25 and counts["cancelled"] == 20 and counts["waitlisted"] == 80 - 20 - 25
    assert (await Stop.select(Stop.confirmed_count).where(Stop.id == stop["id"]).first())["confirmed_count"] == 25
