"""Registration: seats, the waitlist, cancellation and the registration window."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from conftest import future, many_seekers, post_ok, set_capacity, stop_body

from events import tickets


async def _register(client, stop_id, headers):
    return await client.post(f"/api/stops/{stop_id}/registrations", headers=headers)


async def test_a_seeker_gets_a_confirmed_place_and_a_signed_ticket(client, stop, seeker):
    response = await _register(client, stop["id"], seeker)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed" and body["waitlist_position"] is None
    content = tickets.read(body["ticket"]["code"])
    assert (str(content.registration_id), str(content.stop_id)) == (body["id"], stop["id"])
    assert len(body["ticket"]["short_code"]) == 8
    assert body["ticket"]["qr_url"] == f"/api/registrations/{body['id']}/ticket.svg"
    assert body["stop"]["starts_at"] == stop["starts_at"]


async def test_registering_twice_is_a_conflict_that_names_the_first_registration(client, stop, seeker):
    first = (await _register(client, stop["id"], seeker)).json()
    again = await _register(client, stop["id"], seeker)
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    assert again.json()["registration_id"] == first["id"]


async def test_when_seats_run_out_seekers_join_the_waitlist_in_order(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 2)
    students = await many_seekers(5)
    answers = [(await _register(client, stop["id"], headers)).json() for headers in students]
    assert [a["status"] for a in answers] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [a["waitlist_position"] for a in answers] == [None, None, 1, 2, 3]
    detail = (await client.get(f"/api/stops/{stop['id']}")).json()
    assert detail["seats_left"] == 0


async def test_cancelling_a_confirmed_place_promotes_the_first_in_line(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    first, second, third = await many_seekers(3)
    seated = (await _register(client, stop["id"], first)).json()
    await _register(client, stop["id"], second)
    await _register(client, stop["id"], third)
    cancelled = await client.delete(f"/api/registrations/{seated['id']}", headers=first)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled" and cancelled.json()["ticket"] is None
    mine = {h["Authorization"]: (await client.get("/api/me/registrations", headers=h)).json()[0] for h in (second, third)}
    assert mine[second["Authorization"]]["status"] == "confirmed"
    assert (mine[third["Authorization"]]["status"], mine[third["Authorization"]]["waitlist_position"]) == ("waitlisted", 1)


async def test_cancelling_twice_promotes_only_once(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    first, second, third = await many_seekers(3)
    seated = (await _register(client, stop["id"], first)).json()
    await _register(client, stop["id"], second)
    await _register(client, stop["id"], third)
    for _ in range(2):
        await client.delete(f"/api/registrations/{seated['id']}", headers=first)
    page = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()
    assert (page["confirmed"], page["waitlisted"], page["cancelled"]) == (1, 1, 1)


async def test_a_seeker_who_cancelled_may_register_again_and_keeps_the_same_ticket(client, stop, seeker):
    first = (await _register(client, stop["id"], seeker)).json()
    await client.delete(f"/api/registrations/{first['id']}", headers=seeker)
    again = await _register(client, stop["id"], seeker)
    assert again.status_code == 201 and again.json()["id"] == first["id"] and again.json()["status"] == "confirmed"
    assert again.json()["ticket"]["short_code"] == first["ticket"]["short_code"]


async def test_raising_capacity_promotes_from_the_waitlist_and_lowering_it_unseats_no_one(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 2)
    students = await many_seekers(6)
    for headers in students:
        await _register(client, stop["id"], headers)
    raised = await set_capacity(client, organiser, stop["id"], 4)
    page = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()
    assert (page["confirmed"], page["waitlisted"], raised["seats_left"]) == (4, 2, 0)
    statuses = [(await client.get("/api/me/registrations", headers=h)).json()[0]["status"] for h in students]
    assert statuses == ["confirmed"] * 4 + ["waitlisted"] * 2, "promotion follows the order of the waitlist"
    lowered = await set_capacity(client, organiser, stop["id"], 1)
    page = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()
    assert (page["confirmed"], page["waitlisted"], lowered["seats_left"]) == (4, 2, 0)
    for headers in students[:3]:
        registration = (await client.get("/api/me/registrations", headers=headers)).json()[0]
        await client.delete(f"/api/registrations/{registration['id']}", headers=headers)
    page = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()
    assert (page["confirmed"], page["waitlisted"]) == (1, 2)


async def test_a_cancelled_stop_refuses_registration(client, organiser, stop, seeker):
    await client.post(f"/api/stops/{stop['id']}/cancel", headers=organiser)
    response = await _register(client, stop["id"], seeker)
    assert response.status_code == 409 and response.json()["code"] == "stop_cancelled"


async def test_a_draft_stop_is_not_found_for_registration(client, talent_train, seeker):
    response = await _register(client, talent_train["stops"][0]["id"], seeker)
    assert response.status_code == 404


async def test_registration_honours_the_window_of_the_stop_then_of_the_event(client, organiser, talent_train, seeker):
    slug = talent_train["slug"]
    opens = future(3)
    await client.patch(f"/api/events/{slug}", json={"registration_opens_at": opens.isoformat()}, headers=organiser)
    await post_ok(client, f"/api/events/{slug}/publish", None, organiser, status=200)
    stop_id = talent_train["stops"][0]["id"]
    early = await _register(client, stop_id, seeker)
    assert early.status_code == 409 and early.json()["code"] == "registration_not_open"
    stop = (await client.patch(f"/api/stops/{stop_id}", json={"registration_opens_at": future(-1).isoformat()}, headers=organiser)).json()
    assert stop["registration_opens_at"] == future(-1).isoformat()
    assert (await _register(client, stop_id, seeker)).status_code == 201


async def test_an_organiser_closes_registration_for_a_stop(client, organiser, stop, seeker):
    closed = await post_ok(client, f"/api/stops/{stop['id']}/close-registration", None, organiser, status=200)
    assert closed["registration_closes_at"] <= closed["starts_at"]
    response = await _register(client, stop["id"], seeker)
    assert response.status_code == 409 and response.json()["code"] == "registration_closed"


async def test_a_registration_window_that_closes_before_it_opens_is_refused(client, organiser, talent_train):
    body = stop_body(20, "南京大学", registration_opens_at=future(5).isoformat(), registration_closes_at=future(4).isoformat())
    response = await client.post(f"/api/events/{talent_train['slug']}/stops", json=body, headers=organiser)
    assert response.status_code == 422 and response.json()["code"] == "registration_window_inverted"


async def test_a_stop_that_has_ended_refuses_registration(client, organiser, seeker):
    event = await post_ok(client, "/api/events", {"kind": "job_fair", "title": "昨日双选会"}, organiser)
    start = future(0) - timedelta(hours=30)
    await post_ok(
        client,
        f"/api/events/{event['slug']}/stops",
        stop_body(0, "南京大学", starts_at=start.isoformat(), ends_at=(start + timedelta(hours=3)).isoformat()),
        organiser,
    )
    detail = await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
    response = await _register(client, detail["stops"][0]["id"], seeker)
    assert response.status_code == 409 and response.json()["code"] == "stop_ended"


async def test_only_seekers_register(client, stop, organiser, hr):
    assert (await _register(client, stop["id"], {})).status_code == 401
    for headers in (organiser, hr):
        assert (await _register(client, stop["id"], headers)).status_code == 403


async def test_another_seekers_registration_is_not_found(client, stop, seeker):
    mine = (await _register(client, stop["id"], seeker)).json()
    (stranger,) = await many_seekers(1)
    for method, path in (("get", ""), ("delete", ""), ("get", "/ticket.svg"), ("get", "/ticket.png")):
        response = await getattr(client, method)(f"/api/registrations/{mine['id']}{path}", headers=stranger)
        assert response.status_code == 404, (method, path)


async def test_the_ticket_comes_as_svg_and_png(client, stop, seeker):
    mine = (await _register(client, stop["id"], seeker)).json()
    svg = await client.get(mine["ticket"]["qr_url"], headers=seeker)
    png = await client.get(mine["ticket"]["png_url"], headers=seeker)
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.lstrip().startswith("<svg")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


async def test_a_cancelled_registration_has_no_ticket_image(client, stop, seeker):
    mine = (await _register(client, stop["id"], seeker)).json()
    await client.delete(f"/api/registrations/{mine['id']}", headers=seeker)
    response = await client.get(mine["ticket"]["qr_url"], headers=seeker)
    assert response.status_code == 409 and response.json()["code"] == "registration_cancelled"


async def test_the_answer_to_registering_is_what_reading_the_registration_back_gives(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    students = await many_seekers(3)
    answers = await asyncio.gather(*(_register(client, stop["id"], headers) for headers in students))
    for answer, headers in zip(answers, students, strict=True):
        assert answer.status_code == 201
        read_back = (await client.get(f"/api/registrations/{answer.json()['id']}", headers=headers)).json()
        assert answer.json() == read_back
    assert sorted(a.json()["waitlist_position"] or 0 for a in answers) == [0, 1, 2]


async def _seat_many(stop_id: str, statuses: list[tuple[str, int | None]]) -> list[str]:
    """Registrations with these (status, waitlist_seq) at the stop, inserted directly; their ids in the same order."""
    from events.accounts import actor_from_token
    from events.tables import Registration

    seekers = await many_seekers(len(statuses))
    rows = []
    for (status, seq), headers in zip(statuses, seekers, strict=True):
        actor = await actor_from_token(headers["Authorization"].split()[1])
        rows.append(Registration(stop=stop_id, seeker=actor.id, status=status, waitlist_seq=seq, short_code=tickets.new_short_code()))
    for start in range(0, len(rows), 500):
        await Registration.insert(*rows[start : start + 500])
    return [str(row.id) for row in rows]


async def test_waitlist_positions_of_a_long_list_match_the_line_and_cost_a_few_queries_whatever_its_length(client, organiser, published_train):
    import random

    from events import db

    stop_id, other_stop = published_train["stops"][0]["id"], published_train["stops"][1]["id"]
    rng = random.Random(8)
    # 1,200 waiting with gaps in their numbers (people left the line), shuffled among confirmed and cancelled places.
    seqs = rng.sample(range(1, 3000), 1200)
    statuses = [("waitlisted", seq) for seq in seqs] + [("confirmed", None)] * 150 + [("cancelled", None)] * 50
    rng.shuffle(statuses)
    ids = await _seat_many(stop_id, statuses)
    await _seat_many(other_stop, [("waitlisted", seq) for seq in range(1, 40)])  # another stop's line does not count
    # Independently: a waiting registration's place is one more than the number of waiting registrations with a lower number.
    waiting = sorted((seq, id_) for id_, (status, seq) in zip(ids, statuses, strict=True) if status == "waitlisted")
    expected = {id_: sum(1 for other, _ in waiting if other < seq) + 1 for seq, id_ in waiting}

    found, queries = {}, []
    for status, offset in (("waitlisted", 0), ("waitlisted", 1000), (None, 0), (None, 950)):
        before = db.engine().query_id
        query = {"limit": 1000, "offset": offset} | ({"status": status} if status else {})
        response = await client.get(f"/api/stops/{stop_id}/registrations", params=query, headers=organiser)
        queries.append(db.engine().query_id - before)
        assert response.status_code == 200, response.text
        for item in response.json()["items"]:
            if item["status"] == "waitlisted":
                assert found.setdefault(item["id"], item["waitlist_position"]) == item["waitlist_position"]
            else:
                assert item["waitlist_position"] is None
    assert found == expected
    assert max(queries) <= 10, f"queries per page: {queries}; a count per waitlisted row would be hundreds"

    export = await client.get(f"/api/stops/{stop_id}/registrations", params={"format": "csv", "status": "waitlisted"}, headers=organiser)
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))[1:]
    assert {row[0]: int(row[2]) for row in rows} == expected


async def test_a_seekers_own_list_numbers_each_waiting_place(client, organiser, published_train):
    first, second = published_train["stops"][0]["id"], published_train["stops"][1]["id"]
    for stop_id in (first, second):
        await set_capacity(client, organiser, stop_id, 0)
    ahead = await many_seekers(3)
    for headers in ahead[:3]:
        await _register(client, first, headers)
    for headers in ahead[:1]:
        await _register(client, second, headers)
    (me,) = await many_seekers(1)
    await _register(client, first, me)
    await _register(client, second, me)
    mine = (await client.get("/api/me/registrations", headers=me)).json()
    assert sorted((r["stop"]["id"], r["waitlist_position"]) for r in mine) == sorted([(first, 4), (second, 2)])
