"""Seekers: sign-up with consent, their own data, and what organisers may see of it."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import many_seekers, post_ok, set_capacity, sign_up_body

from events.seekers import PRIVACY_NOTICE_VERSION
from events.tables import Account, AuditEntry, Consent


async def test_a_student_signs_up_on_a_phone_and_is_signed_in_at_once(client):
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    assert signed["seeker"]["phone"] == "+8613812345678" and signed["seeker"]["role"] == "seeker"
    assert signed["seeker"]["profile"] == {"school": "南京大学", "major": "软件工程", "degree": "bachelor", "graduation_year": 2027}
    me = (await client.get("/api/me", headers={"Authorization": f"Bearer {signed['token']['access_token']}"})).json()
    assert me["id"] == signed["seeker"]["id"]
    consent = await Consent.select().where(Consent.seeker == me["id"]).first()
    assert (consent["purpose"], consent["version"]) == ("privacy_notice", PRIVACY_NOTICE_VERSION)
    login = await client.post("/api/auth/login", json={"login": "13812345678", "password": "campus-2026"})
    assert login.status_code == 200


@pytest.mark.parametrize(
    "change, code",
    [
        ({"accept_privacy_notice": False}, "privacy_consent_required"),
        ({"privacy_notice_version": "2020-01"}, "privacy_notice_outdated"),
        ({"phone": "025 8359 3186"}, "mainland_mobile_required"),
        ({"phone": "+1 415 555 2671"}, "mainland_mobile_required"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"password": "12345678"}, "weak_password"),
        ({"graduation_year": 1990}, "graduation_year_out_of_range"),
        ({"email": "not-an-email"}, "invalid_email"),
    ],
)
async def test_a_sign_up_that_breaks_a_rule_is_refused_and_leaves_nothing_behind(client, change, code):
    response = await client.post("/api/seekers", json=sign_up_body(**change))
    assert response.status_code == 422 and response.json()["code"] == code
    assert await Account.count() == 0 and await Consent.count() == 0


async def test_one_phone_number_signs_up_once(client):
    await post_ok(client, "/api/seekers", sign_up_body(), {})
    again = await client.post("/api/seekers", json=sign_up_body(name="另一个人"))
    assert again.status_code == 409 and again.json()["code"] == "login_taken"
    assert await Account.count() == 1 and await Consent.count() == 1


async def test_a_seeker_edits_the_profile(client):
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    headers = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    edited = (await client.patch("/api/me", json={"major": "人工智能", "degree": "master"}, headers=headers)).json()
    assert edited["profile"]["major"] == "人工智能" and edited["profile"]["degree"] == "master" and edited["profile"]["school"] == "南京大学"


async def test_hr_staff_have_no_student_profile_to_edit(client, hr):
    response = await client.patch("/api/me", json={"school": "南京大学"}, headers=hr)
    assert response.status_code == 422 and response.json()["code"] == "profile_is_for_seekers"
    assert (await client.patch("/api/me", json={"name": "王经理"}, headers=hr)).json()["name"] == "王经理"


async def test_a_seeker_exports_everything_stored_about_them(client, stop):
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    headers = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, headers)
    export = (await client.get("/api/me/export", headers=headers)).json()
    assert export["account"]["phone"] == "+8613812345678" and export["account"]["profile"]["school"] == "南京大学"
    assert [c["purpose"] for c in export["consents"]] == ["privacy_notice"]
    assert [r["id"] for r in export["registrations"]] == [registration["id"]]


async def test_deleting_an_account_erases_identity_keeps_counts_and_frees_the_seat(client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    headers = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, headers)
    (next_in_line,) = await many_seekers(1)
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, next_in_line)

    assert (await client.delete("/api/me", headers=headers)).status_code == 204

    row = await Account.select().where(Account.id == signed["seeker"]["id"]).first()
    assert (row["name"], row["phone"], row["email"], row["is_active"]) == ("已注销用户", None, None, False)
    assert (await client.get("/api/me", headers=headers)).status_code == 401
    assert (await client.post("/api/auth/login", json={"login": "13812345678", "password": "campus-2026"})).status_code == 401
    page = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()
    assert (page["confirmed"], page["cancelled"], page["total"]) == (1, 1, 2), "the count stays, the seat went to the next in line"
    assert (await client.get("/api/me/registrations", headers=next_in_line)).json()[0]["status"] == "confirmed"
    # The phone number is free for a new sign-up.
    assert (await client.post("/api/seekers", json=sign_up_body())).status_code == 201


async def test_organisers_see_masked_phones_unless_they_export_and_the_export_is_logged(client, organiser, stop):
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, {"Authorization": f"Bearer {signed['token']['access_token']}"})
    listed = (await client.get(f"/api/stops/{stop['id']}/registrations", headers=organiser)).json()
    assert listed["items"][0]["seeker"]["phone"] == "138****5678" and listed["items"][0]["seeker"]["email"] is None
    assert listed["items"][0]["seeker"]["school"] == "南京大学"
    assert await AuditEntry.count() == 0

    exported = await client.get(f"/api/stops/{stop['id']}/registrations", params={"format": "csv", "unmasked": True}, headers=organiser)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][0] == "报名编号 ID" and rows[1][5] == "'+8613812345678"  # the apostrophe keeps Excel from reading +86… as a formula or a number (events/exports.py)
    assert rows[1][4] == "李华"
    entry = await AuditEntry.select().first()
    assert entry["action"] == "export_registrations" and entry["target"] == f"stop:{stop['id']}"


async def test_hr_and_seekers_cannot_list_a_stops_registrations(client, stop, hr, seeker):
    for headers in (hr, seeker):
        assert (await client.get(f"/api/stops/{stop['id']}/registrations", headers=headers)).status_code == 403
