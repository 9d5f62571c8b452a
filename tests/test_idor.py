"""Someone else's ids: every endpoint that takes an id answers 404 or 403 to the wrong caller, and never shows the record."""

from __future__ import annotations

import pytest
from conftest import confirmed_tickets, job_body, many_seekers, post_ok


@pytest.fixture
async def records(client, organiser, hr, night_market):
    """`mine` belongs to the first seeker and to `employer` (whose HR is `hr`); the second seeker and `other_hr` try to use them."""
    mine, theirs = await many_seekers(2)
    registration = await post_ok(client, f"/api/stops/{night_market['tomorrow']['id']}/registrations", None, mine)
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, mine)
    access = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/scanner-access", {}, organiser)
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    return {"mine": mine, "theirs": theirs, "registration": registration, "job": job, "access": access, "ticket": ticket}


CASES = [
    # (caller, method, path, body, allowed statuses)
    ("theirs", "GET", "/api/registrations/{registration}", None, {404}),
    ("theirs", "DELETE", "/api/registrations/{registration}", None, {404}),
    ("theirs", "GET", "/api/registrations/{registration}/ticket.svg", None, {404}),
    ("theirs", "GET", "/api/registrations/{registration}/ticket.png", None, {404}),
    ("theirs", "DELETE", "/api/jobs/{job}/interests", None, {404}),
    ("other_hr", "PATCH", "/api/jobs/{job}", {"headcount": 1}, {403}),
    ("other_hr", "DELETE", "/api/jobs/{job}", None, {403}),
    ("other_hr", "PATCH", "/api/employers/{employer}", {"city": "苏州"}, {403}),
    ("other_hr", "GET", "/api/booths/{a12}/visitors", None, {403}),
    ("other_hr", "POST", "/api/booths/{a12}/visits", "scan", {403}),
    ("other_hr", "GET", "/api/stops/{tomorrow}/registrations", None, {403}),
    ("other_hr", "GET", "/api/events/{slug}/attendance", None, {403}),
    ("hr", "GET", "/api/registrations/{registration}", None, {403}),
    ("organiser", "DELETE", "/api/stops/{tomorrow}/scanner-access/{access}", None, {404}),
    ("volunteer", "POST", "/api/stops/{tomorrow}/check-ins", "scan", {403}),
]


@pytest.mark.parametrize(("caller", "method", "path", "body", "allowed"), CASES, ids=[f"{c[0]} {c[1]} {c[2]}" for c in CASES])
async def test_another_users_id_gets_a_refusal_and_no_data(client, organiser, hr, other_hr, employer, night_market, records, caller, method, path, body, allowed):
    headers = {
        "theirs": records["theirs"],
        "other_hr": other_hr,
        "hr": hr,
        "organiser": organiser,
        "volunteer": {"Authorization": f"Bearer {records['access']['code']}"},
    }[caller]
    url = path.format(
        registration=records["registration"]["id"],
        job=records["job"]["id"],
        employer=employer["id"],
        a12=night_market["a12"]["id"],
        tomorrow=night_market["tomorrow"]["id"],
        slug=night_market["slug"],
        access=records["access"]["id"],
    )
    if body == "scan":
        body = {"ticket": records["ticket"]["code"], "nonce": f"idor-{method}-{len(url)}-probe"}
    response = await client.request(method, url, json=body, headers=headers)
    assert response.status_code in allowed, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    text = response.text
    for secret in (records["registration"]["ticket"]["code"], records["registration"]["ticket"]["short_code"], records["ticket"]["code"]):
        assert secret not in text
    # And nothing changed.
    registration = (await client.get(f"/api/registrations/{records['registration']['id']}", headers=records["mine"])).json()
    assert registration["status"] == records["registration"]["status"]
    job = (await client.get(f"/api/jobs/{records['job']['id']}", headers=hr)).json()
    assert job["headcount"] == records["job"]["headcount"] and job["status"] == "open"
