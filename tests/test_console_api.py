"""The organiser console's new API: stalls laid out in bulk, an event duplicated for next term, a seeker moved off the waitlist by hand."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from conftest import many_seekers, post_ok, set_capacity

from events.tables import BoothPlace, Event, Registration, Stop


async def test_forty_stalls_are_laid_out_in_floor_plan_order(client, organiser, night_market):
    tomorrow = night_market["tomorrow"]["id"]
    plan = await post_ok(client, f"/api/stops/{tomorrow}/booths/bulk", {"prefix": "A", "first": 1, "last": 40}, organiser)
    labels = [place["label"] for place in plan["places"]]
    assert labels == [f"A{n:02d}" for n in range(1, 41)]
    assert all(place["employer"] is None and place["is_laid_out"] for place in plan["places"])


async def test_a_layout_with_one_taken_label_is_refused_and_writes_nothing(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]  # holds A12 and B3 already
    response = await client.post(f"/api/stops/{tonight}/booths/bulk", json={"prefix": "A", "first": 1, "last": 20}, headers=organiser)
    assert response.status_code == 409
    assert response.json()["code"] == "booth_label_taken" and response.json()["labels"] == ["A12"]
    assert await BoothPlace.count() == 0
    again = await client.post(f"/api/stops/{tonight}/booths/bulk", json={"prefix": "C", "first": 1, "last": 3}, headers=organiser)
    assert again.status_code == 201
    dup = await client.post(f"/api/stops/{tonight}/booths/bulk", json={"prefix": "C", "first": 3, "last": 5}, headers=organiser)
    assert dup.json()["labels"] == ["C03"] and await BoothPlace.count() == 3


async def test_two_layouts_of_the_same_labels_at_once_write_one_set(client, organiser, night_market):
    tomorrow = night_market["tomorrow"]["id"]
    body = {"prefix": "N", "first": 1, "last": 10}
    answers = await asyncio.gather(*(client.post(f"/api/stops/{tomorrow}/booths/bulk", json=body, headers=organiser) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    assert await BoothPlace.count() == 10


async def test_a_bad_range_is_refused(client, organiser, night_market):
    tomorrow = night_market["tomorrow"]["id"]
    response = await client.post(f"/api/stops/{tomorrow}/booths/bulk", json={"prefix": "A", "first": 9, "last": 2}, headers=organiser)
    assert response.status_code == 422 and response.json()["code"] == "invalid_place_range"


async def test_the_floor_plan_shows_who_holds_each_place_and_an_employer_moves(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    await post_ok(client, f"/api/stops/{tonight}/booths/bulk", {"prefix": "D", "first": 1, "last": 2}, organiser)
    moved = await client.patch(f"/api/booths/{night_market['a12']['id']}", json={"label": "d02"}, headers=organiser)
    assert moved.status_code == 200 and moved.json()["label"] == "D02" and moved.json()["id"] == night_market["a12"]["id"]
    taken = await client.patch(f"/api/booths/{night_market['a12']['id']}", json={"label": "B3"}, headers=organiser)
    assert taken.status_code == 409 and taken.json()["code"] == "booth_label_taken"
    plan = (await client.get(f"/api/stops/{tonight}/floor-plan", headers=organiser)).json()
    assert [(p["label"], p["employer"]["name"] if p["employer"] else None) for p in plan["places"]] == [
        ("B3", "苏州星河生物医药有限公司"), ("D01", None), ("D02", "南京云帆科技有限公司")
    ]


async def test_hr_and_seekers_cannot_lay_out_places(client, hr, seeker, night_market):
    for headers in (hr, seeker, {}):
        response = await client.post(f"/api/stops/{night_market['tomorrow']['id']}/booths/bulk", json={"prefix": "A", "first": 1, "last": 2}, headers=headers)
        assert response.status_code in (401, 403)


async def test_an_event_is_duplicated_as_a_draft_half_a_year_on(client, organiser, published_train):
    copy = await post_ok(client, f"/api/events/{published_train['slug']}/duplicate", {"title": "2027 春季南京人才专列"}, organiser)
    assert copy["status"] == "draft" and copy["slug"] != published_train["slug"] and copy["title"] == "2027 春季南京人才专列"
    assert [s["school"] for s in copy["stops"]] == [s["school"] for s in published_train["stops"]]
    for old, new in zip(published_train["stops"], copy["stops"], strict=True):
        shift = datetime.fromisoformat(new["starts_at"]) - datetime.fromisoformat(old["starts_at"])
        assert shift == timedelta(weeks=26) and new["capacity"] == old["capacity"] and new["booths"] == []
    assert await Event.count() == 2


async def test_a_duplicate_that_would_start_in_the_past_is_refused(client, organiser, night_market):
    # Tonight started half an hour ago; one day later it still would not start in the past, but zero is refused by the schema.
    response = await client.post(f"/api/events/{night_market['slug']}/duplicate", json={"shift_days": 0}, headers=organiser)
    assert response.status_code == 400
    await Stop.update({Stop.starts_at: Stop.starts_at - timedelta(days=10), Stop.ends_at: Stop.ends_at - timedelta(days=10)}).where(Stop.name == "今晚")
    response = await client.post(f"/api/events/{night_market['slug']}/duplicate", json={"shift_days": 1}, headers=organiser)
    assert response.status_code == 422 and response.json()["code"] == "duplicate_in_past"
    assert await Event.count() == 1


async def test_seekers_cannot_duplicate(client, seeker, published_train):
    response = await client.post(f"/api/events/{published_train['slug']}/duplicate", json={}, headers=seeker)
    assert response.status_code == 403


async def _waitlisted(client, organiser, stop, count: int) -> list[dict]:
    await set_capacity(client, organiser, stop["id"], 1)
    students = await many_seekers(count + 1)
    answers = [await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, student) for student in students]
    assert [a["status"] for a in answers] == ["confirmed"] + ["waitlisted"] * count
    return answers[1:]


async def test_an_organiser_moves_the_third_in_line_into_a_freed_seat(client, organiser, stop):
    waiting = await _waitlisted(client, organiser, stop, 3)
    full = await client.post(f"/api/registrations/{waiting[2]['id']}/promote", headers=organiser)
    assert full.status_code == 409 and full.json()["code"] == "stop_full"
    await Stop.update({Stop.capacity: 2}).where(Stop.id == stop["id"])  # a seat frees without filling from the line
    promoted = await post_ok(client, f"/api/registrations/{waiting[2]['id']}/promote", None, organiser, status=200)
    assert promoted["status"] == "confirmed"
    again = await client.post(f"/api/registrations/{waiting[2]['id']}/promote", headers=organiser)
    assert again.status_code == 409 and again.json()["code"] == "not_waitlisted"


async def test_promotions_by_hand_at_once_never_exceed_capacity(client, organiser, stop):
    waiting = await _waitlisted(client, organiser, stop, 12)
    await Stop.update({Stop.capacity: 4}).where(Stop.id == stop["id"])  # three free seats, twelve waiting
    answers = await asyncio.gather(*(client.post(f"/api/registrations/{w['id']}/promote", headers=organiser) for w in waiting))
    assert sorted(a.status_code for a in answers) == [200] * 3 + [409] * 9
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"stop_full"}
    confirmed = await Registration.count().where((Registration.stop == stop["id"]) & (Registration.status == "confirmed"))
    row = await Stop.select(Stop.confirmed_count).where(Stop.id == stop["id"]).first()
    assert confirmed == row["confirmed_count"] == 4


async def test_hr_cannot_promote(client, organiser, hr, stop):
    waiting = await _waitlisted(client, organiser, stop, 1)
    assert (await client.post(f"/api/registrations/{waiting[0]['id']}/promote", headers=hr)).status_code == 403


async def test_registrations_are_found_by_name_or_phone_and_by_check_in(client, organiser, stop):
    await _waitlisted(client, organiser, stop, 2)
    people = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()["items"]
    name = people[1]["seeker"]["name"]
    from events import registrations
    from events.accounts import Actor
    from events.tables import Account

    actor = Actor(role="organiser", id=(await Account.select(Account.id).where(Account.role == "organiser").first())["id"])
    page = await registrations.stop_registrations(actor=actor, now=datetime.now().astimezone(), stop_id=stop["id"], status=None, limit=10, offset=0, q=name)
    assert [item.seeker.name for item in page.items] == [name] and page.total == 1
    phone = (await Account.select(Account.phone).where(Account.name == name).first())["phone"]
    page = await registrations.stop_registrations(actor=actor, now=datetime.now().astimezone(), stop_id=stop["id"], status=None, limit=10, offset=0, q=phone[-6:])
    assert [item.seeker.name for item in page.items] == [name]
    page = await registrations.stop_registrations(actor=actor, now=datetime.now().astimezone(), stop_id=stop["id"], status=None, limit=10, offset=0, checked_in=True)
    assert page.items == [] and page.total == 0


async def test_scanner_accesses_are_listed_without_their_codes(client, organiser, stop):
    minted = await post_ok(client, f"/api/stops/{stop['id']}/scanner-access", {"label": "东门"}, organiser)
    await client.delete(f"/api/stops/{stop['id']}/scanner-access/{minted['id']}", headers=organiser)
    listed = (await client.get(f"/api/stops/{stop['id']}/scanner-access", headers=organiser)).json()
    assert [(a["label"], a["is_active"]) for a in listed] == [("东门", False)] and "code" not in listed[0]
