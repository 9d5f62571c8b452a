"""Employer applications (企业入驻 / 展位申请): applying, deciding, the employer waitlist, invitation links."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from conftest import credit_code, now, post_ok, set_capacity  # noqa: F401

from events.tables import Account, AuditEntry, Booth, Employer, EmployerApplication, Invitation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def application_body(event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "event": event["slug"],
        "company": "南京青禾软件有限公司",
        "credit_code": credit_code(),
        "contact_name": "王敏",
        "contact_phone": "13812345678",
        "contact_email": "wangmin@qinghe.example.com",
        "stop_ids": [event["stops"][0]["id"]],
        "hr_count": 2,
        "jobs": ["Java 开发工程师", "管培生"],
        **extra,
    }


async def apply(client, event, **extra) -> dict[str, Any]:
    return await post_ok(client, "/api/employer-applications", application_body(event, **extra), {})


async def approve(client, organiser, application_id, stop_ids, labels=None):
    body = {"stop_ids": stop_ids, **({"booth_labels": labels} if labels else {})}
    return await client.post(f"/api/employer-applications/{application_id}/approve", json=body, headers=organiser)


async def set_booth_limit(client, organiser, stop_id: str, limit: int | None) -> None:
    response = await client.patch(f"/api/stops/{stop_id}", json={"booth_limit": limit}, headers=organiser)
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- applying


async def test_an_employer_applies_without_an_account_and_the_organiser_sees_it_submitted(client, organiser, published_train):
    made = await apply(client, published_train)
    assert made["status"] == "submitted" and made["contact_phone"] == "+8613812345678" and made["jobs"] == ["Java 开发工程师", "管培生"]
    assert [stop["id"] for stop in made["stops"]] == [published_train["stops"][0]["id"]]
    listed = (await client.get(f"/api/employer-applications?event={published_train['slug']}&status=submitted", headers=organiser)).json()
    assert [item["id"] for item in listed["items"]] == [made["id"]] and listed["total"] == 1
    assert (await client.get("/api/employer-applications?status=approved", headers=organiser)).json()["total"] == 0


async def test_only_organisers_read_applications(client, hr, published_train):
    made = await apply(client, published_train)
    assert (await client.get("/api/employer-applications")).status_code == 401
    assert (await client.get(f"/api/employer-applications/{made['id']}", headers=hr)).status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("credit_code", "91320100MA1MXXXX0Y", "invalid_credit_code"),
        ("contact_phone", "12345", "invalid_phone"),
        ("contact_email", "not-an-email", "invalid_email"),
        ("stop_ids", ["0b7e3c1e-4a55-4f0e-9f51-2a8f3d6c9b10"], "stop_not_in_event"),
    ],
)
async def test_bad_fields_are_refused_with_their_code_and_nothing_is_written(client, published_train, field, value, code):
    response = await client.post("/api/employer-applications", json=application_body(published_train, **{field: value}))
    assert response.status_code == 422 and response.json()["code"] == code
    assert await EmployerApplication.count() == 0


async def test_a_credit_code_with_a_wrong_check_digit_is_refused(client, published_train):
    good = credit_code()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = await client.post("/api/employer-applications", json=application_body(published_train, credit_code=wrong))
    assert response.status_code == 422 and response.json()["code"] == "invalid_credit_code"
    assert await EmployerApplication.count() == 0


async def test_a_second_open_application_of_the_same_company_to_the_event_is_refused(client, published_train):
    body = application_body(published_train)
    await post_ok(client, "/api/employer-applications", body, {})
    again = await client.post("/api/employer-applications", json=body)
    assert again.status_code == 409 and again.json()["code"] == "application_pending"


async def test_a_draft_event_takes_no_applications(client, talent_train):
    response = await client.post("/api/employer-applications", json=application_body(talent_train))
    assert response.status_code == 404 and response.json()["code"] == "event_not_found"


def multipart(event, licence: bytes, content_type: str, **extra) -> dict[str, Any]:
    body = application_body(event, **extra)
    data = {name: value for name, value in body.items() if not isinstance(value, list)}
    data["hr_count"] = str(data["hr_count"])
    data["stop_ids"] = body["stop_ids"]
    data["jobs"] = "\n".join(body["jobs"])
    return {"data": data, "files": {"licence": ("licence.bin", licence, content_type)}}


async def test_a_licence_is_typed_by_its_bytes_and_organisers_read_it_back(client, organiser, published_train):
    # A PNG sent as "application/pdf" is a PNG: the client's type is never believed.
    response = await client.post("/api/employer-applications", **multipart(published_train, PNG, "application/pdf"))
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["licence_type"] == "image/png" and made["jobs"] == ["Java 开发工程师", "管培生"]
    licence = await client.get(f"/api/employer-applications/{made['id']}/licence", headers=organiser)
    assert licence.status_code == 200 and licence.content == PNG and licence.headers["content-type"] == "image/png"
    assert "sandbox" in licence.headers["content-security-policy"]
    assert (await client.get(f"/api/employer-applications/{made['id']}/licence")).status_code == 401
    assert await AuditEntry.exists().where(AuditEntry.action == "read_application_licence")


async def test_a_pdf_licence_is_accepted(client, published_train):
    response = await client.post("/api/employer-applications", **multipart(published_train, PDF, "image/png"))
    assert response.status_code == 201 and response.json()["licence_type"] == "application/pdf"


async def test_a_licence_that_is_not_an_image_or_pdf_is_refused_whatever_it_claims(client, published_train):
    response = await client.post("/api/employer-applications", **multipart(published_train, b"<html><script>alert(1)</script>", "image/png"))
    assert response.status_code == 422 and response.json()["code"] == "licence_type_not_allowed"
    assert await EmployerApplication.count() == 0


async def test_a_licence_over_5_mb_is_refused_and_nothing_is_written(client, published_train):
    just_over = PNG + b"\x00" * (5 * 1024 * 1024 - len(PNG) + 1)
    response = await client.post("/api/employer-applications", **multipart(published_train, just_over, "image/png"))
    assert response.status_code == 422 and response.json()["code"] == "licence_too_large"
    far_over = PNG + b"\x00" * (7 * 1024 * 1024)
    response = await client.post("/api/employer-applications", **multipart(published_train, far_over, "image/png"))
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert await EmployerApplication.count() == 0


async def test_applications_are_rate_limited_per_address(client, published_train):
    for _ in range(20):
        await client.post("/api/employer-applications", json={"event": "x"})
    response = await client.post("/api/employer-applications", json=application_body(published_train))
    assert response.status_code == 429 and response.json()["code"] == "application_address_rate_limited"


# ---------------------------------------------------------------- deciding


async def test_approval_creates_the_employer_its_hr_accounts_with_invitations_and_booths(client, organiser, published_train):
    made = await apply(client, published_train)
    stops = [stop["id"] for stop in published_train["stops"][:2]]
    response = await approve(client, organiser, made["id"], stops, {stops[0]: "c7"})
    assert response.status_code == 200, response.text
    decision = response.json()
    assert decision["application"]["status"] == "approved"
    employer_id = decision["application"]["employer_id"]
    assert (await Employer.select(Employer.name).where(Employer.id == employer_id).first())["name"] == "南京青禾软件有限公司"
    labels = {row["stop"]: row["label"] for row in await Booth.select(Booth.stop, Booth.label).where(Booth.employer == employer_id)}
    assert {str(stop): label for stop, label in labels.items()} == {stops[0]: "C7", stops[1]: "E01"}
    links = decision["invitations"]
    assert len(links) == 2 and links[0]["email"] == "wangmin@qinghe.example.com" and links[0]["phone"] == "+8613812345678"
    assert links[1]["email"] is None and links[1]["phone"] is None
    # Only the token's hash is stored.
    token = links[0]["url"].rsplit("/", 1)[1]
    assert not await Invitation.exists().where(Invitation.token_hash == token)
    assert await AuditEntry.exists().where(AuditEntry.action == "approve_employer_application")
    # Nobody signs in before accepting the invitation.
    refused = await client.post("/api/auth/login", json={"login": "wangmin@qinghe.example.com", "password": "!invited"})
    assert refused.status_code == 401


async def test_approval_reuses_an_employer_with_the_same_credit_code(client, organiser, published_train, employer):
    made = await apply(client, published_train, credit_code=employer["credit_code"])
    decision = (await approve(client, organiser, made["id"], [published_train["stops"][0]["id"]])).json()
    assert decision["application"]["employer_id"] == employer["id"]
    assert await Employer.count() == 1


async def test_a_rejection_needs_a_reason_and_is_final(client, organiser, published_train):
    made = await apply(client, published_train)
    empty = await client.post(f"/api/employer-applications/{made['id']}/reject", json={"reason": " "}, headers=organiser)
    assert empty.status_code == 400
    rejected = await post_ok(client, f"/api/employer-applications/{made['id']}/reject", {"reason": "营业执照已过期"}, organiser, status=200)
    assert rejected["status"] == "rejected" and rejected["reason"] == "营业执照已过期"
    late = await approve(client, organiser, made["id"], [published_train["stops"][0]["id"]])
    assert late.status_code == 409 and late.json()["code"] == "application_already_decided"
    assert await Employer.count() == 0 and await Account.count().where(Account.role == "hr") == 0
    assert await AuditEntry.exists().where(AuditEntry.action == "reject_employer_application")


async def test_the_state_machine_allows_only_its_transitions(client, organiser, published_train):
    made = await apply(client, published_train)
    base = f"/api/employer-applications/{made['id']}"
    assert (await client.post(f"{base}/cancel", json={}, headers=organiser)).status_code == 409  # submitted → cancelled: no
    assert (await approve(client, organiser, made["id"], [published_train["stops"][0]["id"]])).status_code == 200
    assert (await client.post(f"{base}/withdraw", headers=organiser)).status_code == 409  # approved → withdrawn: no
    assert (await client.post(f"{base}/reject", json={"reason": "x"}, headers=organiser)).status_code == 409
    cancelled = await post_ok(client, f"{base}/cancel", {"reason": "企业临时退出"}, organiser, status=200)
    assert cancelled["status"] == "cancelled"
    assert await Booth.count() == 0  # nobody was scanned there: the booth is freed
    assert (await client.post(f"{base}/cancel", json={}, headers=organiser)).status_code == 409
    other = await apply(client, published_train)
    withdrawn = await post_ok(client, f"/api/employer-applications/{other['id']}/withdraw", None, organiser, status=200)
    assert withdrawn["status"] == "withdrawn"


async def test_the_database_refuses_a_status_outside_the_state_machine(client, published_train):
    made = await apply(client, published_train)
    with pytest.raises(Exception, match="(?i)check"):
        await EmployerApplication.update({EmployerApplication.status: "lost"}).where(EmployerApplication.id == made["id"])
    assert (await EmployerApplication.select(EmployerApplication.status).first())["status"] == "submitted"


async def test_two_organisers_deciding_the_same_application_at_once_cannot_both_win(client, organiser, published_train):
    for _ in range(3):
        made = await apply(client, published_train, credit_code=credit_code())
        answers = await asyncio.gather(
            approve(client, organiser, made["id"], [published_train["stops"][0]["id"]]),
            client.post(f"/api/employer-applications/{made['id']}/reject", json={"reason": "资料不全"}, headers=organiser),
        )
        assert sorted(answer.status_code for answer in answers) == [200, 409], [answer.text for answer in answers]
        status = (await EmployerApplication.select(EmployerApplication.status).where(EmployerApplication.id == made["id"]).first())["status"]
        winner = answers[0] if answers[0].status_code == 200 else answers[1]
        assert status == ("approved" if winner is answers[0] else "rejected")
        # The loser left nothing behind: employers and accounts exist only for approvals.
        assert await Employer.count() == await EmployerApplication.count().where(EmployerApplication.status == "approved")


async def test_two_approvals_at_once_of_the_same_application_make_one_set_of_accounts(client, organiser, published_train):
    made = await apply(client, published_train)
    answers = await asyncio.gather(*(approve(client, organiser, made["id"], [published_train["stops"][0]["id"]]) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409]
    assert await Account.count().where(Account.role == "hr") == 2 and await Booth.count() == 1


# ---------------------------------------------------------------- the employer waitlist


async def test_two_concurrent_approvals_of_the_last_free_booth_give_one_approval_and_one_waitlisted(client, organiser, published_train, employer):
    stop = published_train["stops"][0]["id"]
    await post_ok(client, f"/api/stops/{stop}/booths", {"employer_id": employer["id"], "label": "A01"}, organiser)
    await set_booth_limit(client, organiser, stop, 2)
    first, second = await apply(client, published_train), await apply(client, published_train, credit_code=credit_code())
    answers = await asyncio.gather(approve(client, organiser, first["id"], [stop]), approve(client, organiser, second["id"], [stop]))
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    statuses = sorted(answer.json()["application"]["status"] for answer in answers)
    assert statuses == ["approved", "waitlisted"]
    assert await Booth.count().where(Booth.stop == stop) == 2
    waiting = next(answer.json() for answer in answers if answer.json()["application"]["status"] == "waitlisted")
    assert waiting["invitations"] == [] and waiting["application"]["waitlist_position"] == 1
    assert waiting["application"]["approved_stop_ids"] == [stop]


async def test_a_waitlisted_application_gets_the_booth_that_frees_and_later_ones_keep_their_order(client, organiser, published_train):
    stop = published_train["stops"][0]["id"]
    await set_booth_limit(client, organiser, stop, 1)
    holder, early, late = [await apply(client, published_train, credit_code=credit_code()) for _ in range(3)]
    assert (await approve(client, organiser, holder["id"], [stop])).json()["application"]["status"] == "approved"
    assert (await approve(client, organiser, early["id"], [stop])).json()["application"]["status"] == "waitlisted"
    assert (await approve(client, organiser, late["id"], [stop])).json()["application"]["status"] == "waitlisted"
    listed = (await client.get("/api/employer-applications?status=waitlisted", headers=organiser)).json()["items"]
    assert [(item["id"], item["waitlist_position"]) for item in listed] == [(early["id"], 1), (late["id"], 2)]

    await post_ok(client, f"/api/employer-applications/{holder['id']}/cancel", {"reason": "退出"}, organiser, status=200)
    # The booth is free, but the earlier application waits for it: the later one stays in line.
    assert (await approve(client, organiser, late["id"], [stop])).json()["application"]["status"] == "waitlisted"
    promoted = (await approve(client, organiser, early["id"], [stop])).json()
    assert promoted["application"]["status"] == "approved" and len(promoted["invitations"]) == 2


async def test_a_stop_without_a_booth_limit_never_waitlists(client, organiser, published_train):
    stop = published_train["stops"][0]["id"]
    for _ in range(3):
        made = await apply(client, published_train, credit_code=credit_code())
        assert (await approve(client, organiser, made["id"], [stop])).json()["application"]["status"] == "approved"


async def test_approvals_against_laid_out_places_take_the_first_free_place_and_the_last_one_goes_to_one(client, organiser, published_train, employer):
    stop = published_train["stops"][0]["id"]
    await post_ok(client, f"/api/stops/{stop}/booths/bulk", {"prefix": "A", "first": 1, "last": 10}, organiser)
    for label in ("A01", "A02", "A03", "A04", "A05", "A06", "A07", "A09", "A10"):
        # Nine of ten places held by hand (one employer per booth), leaving A08: the only free place.
        held = await post_ok(client, "/api/employers", {"name": f"展位 {label}", "credit_code": credit_code()}, organiser)
        await post_ok(client, f"/api/stops/{stop}/booths", {"employer_id": held["id"], "label": label}, organiser)
    plan = (await client.get(f"/api/stops/{stop}/floor-plan")).json()
    assert (plan["booth_limit"], plan["booth_capacity"], plan["booths_taken"], plan["booths_free"]) == (None, 10, 9, 1)
    first, second = await apply(client, published_train), await apply(client, published_train, credit_code=credit_code())
    answers = await asyncio.gather(approve(client, organiser, first["id"], [stop]), approve(client, organiser, second["id"], [stop]))
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    assert sorted(answer.json()["application"]["status"] for answer in answers) == ["approved", "waitlisted"]
    winner = next(answer.json()["application"] for answer in answers if answer.json()["application"]["status"] == "approved")
    # The free place of the floor plan, not an invented E01.
    assert (await Booth.select(Booth.label).where(Booth.employer == winner["employer_id"]).first())["label"] == "A08"
    assert await Booth.count().where(Booth.stop == stop) == 10
    plan = (await client.get(f"/api/stops/{stop}/floor-plan")).json()
    assert plan["booths_free"] == 0 and all(place["booth_id"] for place in plan["places"])
    waiting = next(answer.json()["application"] for answer in answers if answer.json()["application"]["status"] == "waitlisted")
    assert waiting["stops"][0]["booth_capacity"] == 10 and waiting["stops"][0]["booths_free"] == 0


async def test_an_approval_takes_places_in_floor_plan_order_and_a_booth_limit_overrides_the_places(client, organiser, published_train):
    stop = published_train["stops"][0]["id"]
    await post_ok(client, f"/api/stops/{stop}/booths/bulk", {"prefix": "B", "first": 9, "last": 11}, organiser)
    made = await apply(client, published_train)
    decision = (await approve(client, organiser, made["id"], [stop])).json()
    assert (await Booth.select(Booth.label).where(Booth.employer == decision["application"]["employer_id"]).first())["label"] == "B09"
    # A limit of its own wins over the three places: one booth taken, so the stop is full.
    await set_booth_limit(client, organiser, stop, 1)
    shown = (await client.get(f"/api/stops/{stop}")).json()
    assert shown["booth_limit"] == 1
    plan = (await client.get(f"/api/stops/{stop}/floor-plan")).json()
    assert (plan["booth_limit"], plan["booth_capacity"], plan["booths_free"]) == (1, 1, 0)
    other = await apply(client, published_train, credit_code=credit_code())
    assert (await approve(client, organiser, other["id"], [stop])).json()["application"]["status"] == "waitlisted"
    # Raised above the places: once they are all held, the approval falls back to E01.
    await set_booth_limit(client, organiser, stop, 5)
    for label in ("B10", "B11"):
        held = await post_ok(client, "/api/employers", {"name": f"展位 {label}", "credit_code": credit_code()}, organiser)
        await post_ok(client, f"/api/stops/{stop}/booths", {"employer_id": held["id"], "label": label}, organiser)
    approved = (await approve(client, organiser, other["id"], [stop])).json()["application"]
    assert approved["status"] == "approved"
    assert (await Booth.select(Booth.label).where(Booth.employer == approved["employer_id"]).first())["label"] == "E01"


async def test_a_taken_label_refuses_the_approval_and_writes_nothing(client, organiser, published_train, employer):
    stop = published_train["stops"][0]["id"]
    await post_ok(client, f"/api/stops/{stop}/booths", {"employer_id": employer["id"], "label": "A01"}, organiser)
    made = await apply(client, published_train)
    response = await approve(client, organiser, made["id"], [stop], {stop: "A01"})
    assert response.status_code == 409 and response.json()["code"] == "booth_label_taken"
    assert (await client.get(f"/api/employer-applications/{made['id']}", headers=organiser)).json()["status"] == "submitted"
    assert await Employer.count() == 1 and await Account.count().where(Account.role == "hr") == 0


# ---------------------------------------------------------------- invitations


async def _approved_links(client, organiser, published_train) -> list[dict[str, Any]]:
    made = await apply(client, published_train)
    return (await approve(client, organiser, made["id"], [published_train["stops"][0]["id"]])).json()["invitations"]


async def test_an_invitation_sets_the_password_once_and_signs_the_hr_person_in(client, organiser, published_train):
    token = (await _approved_links(client, organiser, published_train))[0]["url"].rsplit("/", 1)[1]
    shown = (await client.get(f"/api/invitations/{token}")).json()
    assert shown["name"] == "王敏" and shown["employer_name"] == "南京青禾软件有限公司" and shown["needs_login"] is False
    weak = await client.post(f"/api/invitations/{token}", json={"password": "short"})
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    signed = await post_ok(client, f"/api/invitations/{token}", {"password": "qinghe-2026"}, {}, status=200)
    me = (await client.get("/api/me", headers={"Authorization": f"Bearer {signed['access_token']}"})).json()
    assert me["role"] == "hr" and me["email"] == "wangmin@qinghe.example.com"
    assert (await client.post("/api/auth/login", json={"login": "13812345678", "password": "qinghe-2026"})).status_code == 200
    again = await client.post(f"/api/invitations/{token}", json={"password": "other-2026x"})
    assert again.status_code == 410 and again.json()["code"] == "invitation_used"
    assert (await client.get(f"/api/invitations/{token}")).status_code == 410
    assert (await client.get("/api/invitations/" + "x" * 43)).status_code == 404


async def test_an_expired_invitation_is_gone(client, organiser, published_train):
    token = (await _approved_links(client, organiser, published_train))[0]["url"].rsplit("/", 1)[1]
    await Invitation.update({Invitation.expires_at: now() - timedelta(minutes=1)}, force=True)
    response = await client.post(f"/api/invitations/{token}", json={"password": "qinghe-2026"})
    assert response.status_code == 410 and response.json()["code"] == "invitation_expired"


async def test_a_second_hr_account_chooses_its_login_when_accepting(client, organiser, published_train):
    token = (await _approved_links(client, organiser, published_train))[1]["url"].rsplit("/", 1)[1]
    assert (await client.get(f"/api/invitations/{token}")).json()["needs_login"] is True
    missing = await client.post(f"/api/invitations/{token}", json={"password": "qinghe-2026"})
    assert missing.status_code == 422 and missing.json()["code"] == "login_required"
    await post_ok(client, f"/api/invitations/{token}", {"password": "qinghe-2026", "email": "li@qinghe.example.com"}, {}, status=200)
    assert (await client.post("/api/auth/login", json={"login": "li@qinghe.example.com", "password": "qinghe-2026"})).status_code == 200


async def test_two_tabs_accepting_the_same_invitation_at_once_use_it_once(client, organiser, published_train):
    token = (await _approved_links(client, organiser, published_train))[0]["url"].rsplit("/", 1)[1]
    answers = await asyncio.gather(*(client.post(f"/api/invitations/{token}", json={"password": f"qinghe-2026-{n}"}) for n in range(3)))
    assert sorted(answer.status_code for answer in answers) == [200, 410, 410]


async def test_a_label_for_a_stop_that_is_not_chosen_is_refused(client, organiser, published_train):
    made = await apply(client, published_train)
    first, second = (stop["id"] for stop in published_train["stops"][:2])
    response = await approve(client, organiser, made["id"], [first], {second: "A1"})
    assert response.status_code == 422 and response.json()["code"] == "label_for_unchosen_stop"
    assert (await client.get(f"/api/employer-applications/{made['id']}", headers=organiser)).json()["status"] == "submitted"


async def test_the_organisers_employer_list_says_how_each_employer_was_vetted(client, organiser, published_train, employer, other_employer):
    approved = await apply(client, published_train, company="南京青禾软件有限公司")
    assert (await approve(client, organiser, approved["id"], [published_train["stops"][0]["id"]])).status_code == 200
    # An employer already listed applies again: its open application shows; one refused shows as rejected.
    await apply(client, published_train, company=other_employer["name"], credit_code=other_employer["credit_code"])
    refused = await apply(client, published_train, company="无锡新材料有限公司")
    await post_ok(client, f"/api/employer-applications/{refused['id']}/reject", {"reason": "材料不全"}, organiser, status=200)

    listed = (await client.get("/api/employers", params={"limit": 50}, headers=organiser)).json()["items"]
    assert {item["name"]: item["vetting"] for item in listed} == {
        employer["name"]: "added",
        other_employer["name"]: "applying",
        "南京青禾软件有限公司": "approved",
    }
    client.cookies.set("session", organiser["Authorization"].split()[1])
    page = await client.get("/manage/employers")
    client.cookies.clear()
    assert page.status_code == 200 and "入驻已通过" in page.text and "入驻申请中" in page.text and "主办方添加" in page.text
