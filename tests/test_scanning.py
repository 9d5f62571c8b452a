"""Gate check-ins and booth visits: counted once, refused with a code a scanner can switch on, safe to replay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from conftest import confirmed_tickets, many_seekers, now, post_ok

from events.tables import CheckIn, Scan, Visit


def nonce() -> str:
    return str(uuid.uuid4())


async def check_in(client, stop_id, ticket, headers, **extra):
    return await client.post(f"/api/stops/{stop_id}/check-ins", json={"ticket": ticket, "nonce": extra.pop("nonce", None) or nonce(), **extra}, headers=headers)


async def test_the_first_scan_checks_in_and_a_repeat_says_when_without_counting_again(client, organiser, night_market):
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    first = await check_in(client, night_market["tonight"]["id"], ticket["code"], organiser)
    assert first.status_code == 201 and first.json()["result"] == "checked_in"
    again = await check_in(client, night_market["tonight"]["id"], ticket["code"], organiser)
    assert again.status_code == 200 and again.json()["result"] == "already_checked_in"
    assert again.json()["first_at"] == first.json()["first_at"] and again.json()["seeker_name"].endswith("*")
    assert await CheckIn.count() == 1 and await Scan.count() == 2


async def test_a_replayed_nonce_gets_the_first_answer_and_is_stored_once(client, organiser, night_market):
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    same = nonce()
    answers = [await check_in(client, night_market["tonight"]["id"], ticket["code"], organiser, nonce=same) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert await Scan.count() == 1 and await CheckIn.count() == 1


async def test_a_typed_short_code_checks_in_like_the_qr(client, organiser, night_market):
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    typed = f"{ticket['short_code'][:4].lower()}-{ticket['short_code'][4:]}"
    assert (await check_in(client, night_market["tonight"]["id"], typed, organiser)).status_code == 201
    assert (await check_in(client, night_market["tonight"]["id"], ticket["code"], organiser)).json()["result"] == "already_checked_in"


async def test_a_typed_short_code_reads_o_as_zero_and_i_or_l_as_one_in_any_case(client, organiser, night_market):
    from events.tables import Registration

    tonight = night_market["tonight"]["id"]
    people = await confirmed_tickets(tonight, 2)
    await Registration.update({Registration.short_code: "K0Q1M2XA"}).where(Registration.id == people[0]["id"])
    await Registration.update({Registration.short_code: "71010101"}).where(Registration.id == people[1]["id"])
    assert (await check_in(client, tonight, "kOq I-m2xa", organiser)).json()["result"] == "checked_in"
    assert (await check_in(client, tonight, "7lOiOLoI", organiser)).json()["result"] == "checked_in"
    assert (await check_in(client, tonight, "K0Q1M2XU", organiser)).json()["code"] == "ticket_invalid"


async def test_a_short_code_typed_at_another_stops_gate_says_so(client, organiser, night_market):
    (tomorrows,) = await confirmed_tickets(night_market["tomorrow"]["id"], 1)
    answer = await check_in(client, night_market["tonight"]["id"], tomorrows["short_code"].lower(), organiser)
    assert answer.status_code == 409 and answer.json()["code"] == "ticket_other_stop"


async def test_refusals_carry_a_code_and_are_kept_as_scans(client, organiser, night_market):
    tonight, tomorrow = night_market["tonight"]["id"], night_market["tomorrow"]["id"]
    (other_night,) = await confirmed_tickets(tomorrow, 1)
    (cancelled,) = await confirmed_tickets(tonight, 1)
    await client.delete(f"/api/registrations/{cancelled['id']}", headers=cancelled["seeker"])
    cases = {
        "ticket_other_stop": other_night["code"],
        "ticket_invalid": "T1." + "A" * 128,
        "registration_cancelled": cancelled["code"],
    }
    for code, ticket in cases.items():
        response = await check_in(client, tonight, ticket, organiser)
        assert response.status_code == 409 and response.json()["code"] == code, (code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown_short = await check_in(client, tonight, "ZZZZZZZZ", organiser)
    assert unknown_short.json()["code"] == "ticket_invalid"
    assert await Scan.count() == 4 and await CheckIn.count() == 0


async def test_the_gate_is_closed_before_its_window_but_an_offline_scan_from_inside_it_counts(client, organiser, night_market):
    (ticket,) = await confirmed_tickets(night_market["tomorrow"]["id"], 1)
    closed = await check_in(client, night_market["tomorrow"]["id"], ticket["code"], organiser)
    assert closed.status_code == 409 and closed.json()["code"] == "stop_closed"
    (tonight_ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    scanned = (now() - timedelta(minutes=20)).isoformat()
    late = await check_in(client, night_market["tonight"]["id"], tonight_ticket["code"], organiser, scanned_at=scanned)
    assert late.status_code == 201 and late.json()["first_at"] == scanned.replace("+00:00", "Z")


async def test_a_waitlisted_ticket_does_not_open_the_gate(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    await client.patch(f"/api/stops/{stop_id}", json={"capacity": 0}, headers=organiser)
    (student,) = await many_seekers(1)
    waiting = await post_ok(client, f"/api/stops/{stop_id}/registrations", None, student)
    response = await check_in(client, stop_id, waiting["ticket"]["code"], organiser)
    assert response.status_code == 409 and response.json()["code"] == "waitlisted"


async def test_a_volunteers_access_opens_one_gate_until_revoked(client, organiser, night_market):
    tonight, tomorrow = night_market["tonight"]["id"], night_market["tomorrow"]["id"]
    access = await post_ok(client, f"/api/stops/{tonight}/scanner-access", {"label": "东门"}, organiser)
    assert access["link"].endswith(f"/scan/stops/{tonight}#access={access['code']}")
    volunteer = {"Authorization": f"Bearer {access['code']}"}
    (ticket,) = await confirmed_tickets(tonight, 1)
    assert (await check_in(client, tonight, ticket["code"], volunteer)).status_code == 201
    other = await check_in(client, tomorrow, ticket["code"], volunteer)
    assert other.status_code == 403 and other.json()["code"] == "not_your_stop"
    for method, path in (("get", f"/api/stops/{tonight}/registrations"), ("post", f"/api/stops/{tonight}/cancel"), ("get", "/api/me")):
        assert (await client.request(method, path, headers=volunteer)).status_code == 403, (method, path)
    visit = await client.post(f"/api/booths/{night_market['a12']['id']}/visits", json={"ticket": ticket["code"], "nonce": nonce()}, headers=volunteer)
    assert visit.status_code == 403

    assert (await client.delete(f"/api/stops/{tonight}/scanner-access/{access['id']}", headers=organiser)).status_code == 204
    revoked = await check_in(client, tonight, ticket["code"], volunteer)
    assert revoked.status_code == 401 and revoked.json()["code"] == "token_invalid"


async def test_an_expired_access_code_is_refused(client, organiser, night_market):
    from events.tables import ScannerAccess

    access = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/scanner-access", {}, organiser)
    await ScannerAccess.update({ScannerAccess.expires_at: now() - timedelta(seconds=1)}).where(ScannerAccess.id == access["id"])
    response = await check_in(client, night_market["tonight"]["id"], "x" * 10, {"Authorization": f"Bearer {access['code']}"})
    assert response.status_code == 401


async def test_hr_counts_one_visit_per_seeker_at_its_booth_and_notes_the_jobs_asked_about(client, hr, night_market):
    from conftest import job_body

    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    path = f"/api/booths/{night_market['a12']['id']}/visits"
    first = await client.post(path, json={"ticket": ticket["code"], "nonce": nonce(), "job_ids": [job["id"]]}, headers=hr)
    assert first.status_code == 201 and first.json()["result"] == "visited"
    again = await client.post(path, json={"ticket": ticket["short_code"], "nonce": nonce()}, headers=hr)
    assert again.status_code == 200 and again.json()["result"] == "already_visited"
    assert await Visit.count() == 1 and await Scan.count() == 2
    from events.tables import VisitJob

    assert [row["job"] for row in await VisitJob.select(VisitJob.job)] == [uuid.UUID(job["id"])]


async def test_hr_of_another_employer_cannot_scan_at_this_booth(client, other_hr, night_market):
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    response = await client.post(f"/api/booths/{night_market['a12']['id']}/visits", json={"ticket": ticket["code"], "nonce": nonce()}, headers=other_hr)
    assert response.status_code == 403 and response.json()["code"] == "not_your_booth"
    assert await Scan.count() == 0


async def test_a_sync_batch_answers_each_scan_and_a_resent_batch_counts_nothing_twice(client, hr, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    tickets = await confirmed_tickets(tonight, 5)
    scans = [{"kind": "check_in", "stop_id": tonight, "ticket": t["code"], "nonce": nonce()} for t in tickets]
    scans.append({"kind": "check_in", "stop_id": tonight, "ticket": tickets[0]["code"], "nonce": nonce()})
    scans.append({"kind": "visit", "booth_id": night_market["b3"]["id"], "ticket": tickets[1]["code"], "nonce": nonce()})
    first = (await client.post("/api/scans/sync", json={"scans": scans}, headers=organiser)).json()["results"]
    assert [r["result"] for r in first] == ["checked_in"] * 5 + ["already_checked_in", "visited"]
    again = (await client.post("/api/scans/sync", json={"scans": scans}, headers=organiser)).json()["results"]
    assert again == first
    assert await CheckIn.count() == 5 and await Scan.count() == 7 and await Visit.count() == 1
    hr_batch = [{"kind": "visit", "booth_id": night_market["b3"]["id"], "ticket": tickets[2]["code"], "nonce": nonce()}]
    refused = (await client.post("/api/scans/sync", json={"scans": hr_batch}, headers=hr)).json()["results"]
    assert refused[0]["result"] == "refused" and refused[0]["code"] == "not_your_booth"


async def test_a_batch_over_a_thousand_scans_is_refused(client, organiser, night_market):
    scans = [{"kind": "check_in", "stop_id": night_market["tonight"]["id"], "ticket": "K7Q4M2XA", "nonce": nonce()} for _ in range(1001)]
    response = await client.post("/api/scans/sync", json={"scans": scans}, headers=organiser)
    assert response.status_code == 400 and await Scan.count() == 0


@pytest.mark.parametrize("body", [{"ticket": "x"}, {"nonce": "12345678"}, {"ticket": "x", "nonce": "short"}])
async def test_a_scan_without_ticket_or_nonce_is_a_bad_request(client, organiser, night_market, body):
    response = await client.post(f"/api/stops/{night_market['tonight']['id']}/check-ins", json=body, headers=organiser)
    assert response.status_code == 400


async def test_metrics_count_requests_by_route_and_scans_by_result(client, organiser, night_market):
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    for _ in range(2):
        await check_in(client, night_market["tonight"]["id"], ticket["code"], organiser)
    text = (await client.get("/metrics")).text
    assert 'events_scans_total{kind="check_in",result="checked_in"}' in text
    assert 'events_scans_total{kind="check_in",result="already_checked_in"}' in text
    assert 'path="/api/stops/{stop_id}/check-ins"' in text and "events_request_duration_seconds_bucket" in text
    assert ticket["id"] not in text, "no ids (and so no unbounded series) in the metrics"


async def visit(client, booth_id, ticket, headers, nonce_):
    return await client.post(f"/api/booths/{booth_id}/visits", json={"ticket": ticket, "nonce": nonce_}, headers=headers)


async def test_a_nonce_belongs_to_its_sender_another_employers_scan_with_it_gets_its_own_answer(client, hr, other_hr, night_market):
    a12, b3 = night_market["a12"]["id"], night_market["b3"]["id"]
    first, second = await confirmed_tickets(night_market["tonight"]["id"], 2)
    same = nonce()
    mine = await visit(client, a12, first["code"], hr, same)
    assert mine.status_code == 201 and mine.json()["registration_id"] == first["id"]

    junk = await visit(client, b3, "T1." + "A" * 128, other_hr, same)
    assert junk.status_code == 409 and junk.json()["code"] == "ticket_invalid", junk.text
    assert "seeker_name" not in junk.json() or junk.json().get("seeker_name") is None
    theirs = await visit(client, b3, second["code"], other_hr, nonce())
    assert theirs.status_code == 201 and theirs.json()["registration_id"] == second["id"]
    assert await Scan.count() == 3 and await Visit.count() == 2
    again = await visit(client, a12, first["code"], hr, same)
    assert again.status_code == 201 and again.json() == mine.json(), "the first sender's replay still gets its own answer"


async def test_a_nonce_reused_by_its_sender_for_another_ticket_place_or_kind_is_refused(client, organiser, night_market):
    tonight, a12 = night_market["tonight"]["id"], night_market["a12"]["id"]
    first, second = await confirmed_tickets(tonight, 2)
    same = nonce()
    assert (await check_in(client, tonight, first["code"], organiser, nonce=same)).status_code == 201
    for response in (
        await check_in(client, tonight, second["code"], organiser, nonce=same),  # another ticket
        await check_in(client, tonight, first["short_code"], organiser, nonce=same),  # the same person, typed: another ticket as sent
        await visit(client, a12, first["code"], organiser, same),  # another kind and place
    ):
        assert response.status_code == 409 and response.json()["code"] == "nonce_reused", response.text
        assert "registration_id" not in response.json() and "seeker_name" not in response.json()
    assert await Scan.count() == 1 and await CheckIn.count() == 1


async def test_a_typed_code_resent_in_other_letters_is_the_same_scan(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    (ticket,) = await confirmed_tickets(tonight, 1)
    same, code = nonce(), ticket["short_code"]
    first = await check_in(client, tonight, f"{code[:4].lower()}-{code[4:].lower()}", organiser, nonce=same)
    again = await check_in(client, tonight, code, organiser, nonce=same)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await Scan.count() == 1


async def test_a_volunteers_phone_and_the_organiser_may_pick_the_same_nonce(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    access = await post_ok(client, f"/api/stops/{tonight}/scanner-access", {"label": "东门"}, organiser)
    volunteer = {"Authorization": f"Bearer {access['code']}"}
    first, second = await confirmed_tickets(tonight, 2)
    same = nonce()
    answers = [await check_in(client, tonight, t["code"], h, nonce=same) for t, h in ((first, organiser), (second, volunteer))]
    assert [(a.status_code, a.json()["registration_id"]) for a in answers] == [(201, first["id"]), (201, second["id"])]
    rows = await Scan.select(Scan.sender, Scan.staff, Scan.scanner_access)
    assert sorted(str(row["sender"]) == str(row["scanner_access"] or row["staff"]) and row["sender"] is not None for row in rows) == [True, True]
    assert {str(row["sender"]) for row in rows if row["scanner_access"]} == {access["id"]}


async def test_a_sync_batch_refuses_a_nonce_its_sender_reused_and_keeps_other_senders_apart(client, hr, organiser, night_market):
    tonight, a12 = night_market["tonight"]["id"], night_market["a12"]["id"]
    tickets = await confirmed_tickets(tonight, 3)
    same, other = nonce(), nonce()
    batch = [
        {"kind": "check_in", "stop_id": tonight, "ticket": tickets[0]["code"], "nonce": same},
        {"kind": "check_in", "stop_id": tonight, "ticket": tickets[1]["code"], "nonce": same},  # reused in the same batch
        {"kind": "check_in", "stop_id": tonight, "ticket": tickets[0]["code"], "nonce": same},  # a true replay in the same batch
        {"kind": "check_in", "stop_id": tonight, "ticket": tickets[2]["code"], "nonce": other},
    ]
    results = (await client.post("/api/scans/sync", json={"scans": batch}, headers=organiser)).json()["results"]
    assert [(r["result"], r["code"]) for r in results] == [("checked_in", None), ("refused", "nonce_reused"), ("checked_in", None), ("checked_in", None)]
    assert results[2] == results[0] and results[1]["registration_id"] is None
    # HR at its booth, offline, happened to pick the organiser's nonces: its scans are its own.
    hr_batch = [{"kind": "visit", "booth_id": a12, "ticket": t["code"], "nonce": n} for t, n in ((tickets[1], same), (tickets[0], other))]
    hr_results = (await client.post("/api/scans/sync", json={"scans": hr_batch}, headers=hr)).json()["results"]
    assert [(r["result"], r["registration_id"]) for r in hr_results] == [("visited", tickets[1]["id"]), ("visited", tickets[0]["id"])]
    assert await Scan.count() == 4 and await Visit.count() == 2
