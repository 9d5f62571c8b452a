"""Races the database must settle: many requests at once for one booth label, one employer's booth, one slug."""

from __future__ import annotations

import asyncio
from collections import Counter

from conftest import credit_code, post_ok


async def _employers(client, organiser, count):
    return [await post_ok(client, "/api/employers", {"name": f"公司 {n}", "credit_code": credit_code()}, organiser) for n in range(count)]


async def test_forty_organisers_racing_for_one_booth_label_leave_exactly_one_booth(client, organiser, published_train):
    stop_id = published_train["stops"][0]["id"]
    employers = await _employers(client, organiser, 40)
    responses = await asyncio.gather(
        *(client.post(f"/api/stops/{stop_id}/booths", json={"employer_id": e["id"], "label": "A12"}, headers=organiser) for e in employers)
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 39}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"booth_label_taken"}
    booths = (await client.get(f"/api/stops/{stop_id}/booths")).json()
    assert [b["label"] for b in booths] == ["A12"]


async def test_one_employer_given_forty_labels_at_once_gets_exactly_one_booth(client, organiser, published_train, employer):
    stop_id = published_train["stops"][0]["id"]
    responses = await asyncio.gather(
        *(client.post(f"/api/stops/{stop_id}/booths", json={"employer_id": employer["id"], "label": f"B{n}"}, headers=organiser) for n in range(40))
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 39}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"employer_already_has_booth"}
    assert len((await client.get(f"/api/stops/{stop_id}/booths")).json()) == 1


async def test_thirty_events_created_at_once_with_one_slug_leave_one_event(client, organiser):
    body = {"kind": "job_fair", "title": "秋季双选会", "slug": "autumn-fair"}
    responses = await asyncio.gather(*(client.post("/api/events", json=body, headers=organiser) for _ in range(30)))
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 29}
    assert (await client.get("/api/events", params={"status": "draft"}, headers=organiser)).json()["total"] == 1


async def test_fifty_stops_added_at_once_are_all_kept_and_the_event_span_covers_them(client, organiser, talent_train):
    from conftest import stop_body

    responses = await asyncio.gather(
        *(client.post(f"/api/events/{talent_train['slug']}/stops", json=stop_body(20 + n, f"大学 {n}"), headers=organiser) for n in range(50))
    )
    assert Counter(r.status_code for r in responses) == {201: 50}
    detail = (await client.get(f"/api/events/{talent_train['slug']}", headers=organiser)).json()
    assert len(detail["stops"]) == 53
    assert detail["ends_at"] == max(stop["ends_at"] for stop in detail["stops"])
