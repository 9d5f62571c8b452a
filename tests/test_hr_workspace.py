"""What HR staff work with: their booths, jobs (and copying them to the next event), visitors and colleagues; nothing of another employer's."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from conftest import job_body, make_account, post_ok, sign_up_body
from openpyxl import load_workbook

from events import employers, jobs
from events.errors import Forbidden, NotFound, Refused


async def _student_at(client, stop_id: str, phone: str = "138 1234 5678", name: str = "李华") -> tuple[dict[str, str], dict]:
    signed = await post_ok(client, "/api/seekers", sign_up_body(phone=phone, name=name), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{stop_id}/registrations", None, student)
    return student, registration


async def _visit(client, booth_id, ticket, headers, **extra):
    response = await client.post(f"/api/booths/{booth_id}/visits", json={"ticket": ticket, "nonce": str(uuid.uuid4()), **extra}, headers=headers)
    assert response.status_code in (200, 201), response.text


async def test_hr_lists_its_employers_booths_and_not_another_employers(client, hr, other_hr, employer, night_market):
    booths = (await client.get(f"/api/employers/{employer['id']}/booths", headers=hr)).json()
    assert [(b["label"], b["event_slug"], b["stop_name"]) for b in booths] == [("A12", night_market["slug"], "今晚")]
    response = await client.get(f"/api/employers/{employer['id']}/booths", headers=other_hr)
    assert response.status_code == 403 and response.json()["code"] == "not_your_employer"


async def test_copying_last_events_jobs_posts_them_open_once(client, organiser, hr, employer, booth, published_train, night_market):
    for title in ("Java 开发工程师", "测试工程师"):
        await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(title=title), hr)
    path = f"/api/events/{night_market['slug']}/jobs/copy"
    copied = await post_ok(client, path, {"from_event": published_train["slug"]}, hr, status=201)
    assert copied["copied"] == 2 and copied["skipped"] == 0
    assert {j["title"] for j in copied["jobs"]} == {"Java 开发工程师", "测试工程师"}
    assert all(j["event_slug"] == night_market["slug"] and j["status"] == "open" and j["salary_months"] == 13 for j in copied["jobs"])
    again = await post_ok(client, path, {"from_event": published_train["slug"]}, hr, status=201)
    assert again["copied"] == 0 and again["skipped"] == 2
    listed = (await client.get(f"/api/events/{night_market['slug']}/jobs", headers=hr)).json()
    assert listed["total"] == 2


async def test_copying_jobs_needs_a_booth_and_another_employers_hr_copies_only_its_own(client, organiser, hr, other_hr, employer, booth, published_train, night_market):
    await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(), hr)
    # other_employer has B3 at the night market but no jobs at the train: nothing of employer's is copied for it.
    copied = await post_ok(client, f"/api/events/{night_market['slug']}/jobs/copy", {"from_event": published_train["slug"]}, other_hr, status=201)
    assert copied["copied"] == 0
    response = await client.post(f"/api/events/{night_market['slug']}/jobs/copy", json={"from_event": published_train["slug"], "employer_id": employer["id"]}, headers=other_hr)
    assert response.status_code == 403 and response.json()["code"] == "not_your_employer"
    # Into an event where the employer has no booth: refused.
    response = await client.post(f"/api/events/{published_train['slug']}/jobs/copy", json={"from_event": night_market["slug"]}, headers=other_hr)
    assert response.status_code == 409 and response.json()["code"] == "no_booth_at_event"


async def test_another_employers_hr_cannot_change_close_or_see_closed_jobs(client, hr, other_hr, employer, night_market):
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    assert (await client.patch(f"/api/jobs/{job['id']}", json={"status": "closed"}, headers=other_hr)).status_code == 403
    assert (await client.get(f"/api/employers/{employer['id']}/jobs", headers=other_hr)).status_code == 403
    closed = await client.patch(f"/api/jobs/{job['id']}", json={"status": "closed"}, headers=hr)
    assert closed.json()["status"] == "closed"
    mine = (await client.get(f"/api/employers/{employer['id']}/jobs", headers=hr)).json()
    assert [(j["title"], j["status"]) for j in mine] == [("Java 开发工程师", "closed")]
    reopened = await client.patch(f"/api/jobs/{job['id']}", json={"status": "open"}, headers=hr)
    assert reopened.json()["status"] == "open"


async def test_visitors_across_booths_show_profiles_only_where_shared_and_filter_by_job_and_text(client, hr, other_hr, employer, night_market):
    tonight = night_market["tonight"]["id"]
    java = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="Java 开发工程师"), hr)
    await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="测试工程师"), hr)
    sharing, first = await _student_at(client, tonight)
    _quiet, second = await _student_at(client, tonight, phone="138 1234 5679", name="张伟")
    await _visit(client, night_market["a12"]["id"], first["ticket"]["code"], hr, job_ids=[java["id"]])
    await _visit(client, night_market["a12"]["id"], second["ticket"]["code"], hr)
    await post_ok(client, f"/api/jobs/{java['id']}/interests", None, sharing)
    path = f"/api/employers/{employer['id']}/visitors"

    everyone = (await client.get(path, headers=hr)).json()
    assert everyone["total"] == 2
    shared = [v for v in everyone["visitors"] if v["shared"]]
    assert [v["profile"]["name"] for v in shared] == ["李华"] and shared[0]["interests"] == ["Java 开发工程师"]
    assert [v["profile"] for v in everyone["visitors"] if not v["shared"]] == [None]
    assert everyone["visitors"][0]["booth_label"] == "A12" and everyone["visitors"][0]["stop_name"] == "今晚"

    by_job = (await client.get(path, params={"job_id": java["id"]}, headers=hr)).json()
    assert by_job["total"] == 1
    # A name the visitor did not share finds nobody; a shared one finds them.
    assert (await client.get(path, params={"q": "张伟"}, headers=hr)).json()["total"] == 0
    assert (await client.get(path, params={"q": "南京大学"}, headers=hr)).json()["total"] == 1
    assert (await client.get(path, params={"stop_id": night_market["tomorrow"]["id"]}, headers=hr)).json()["total"] == 0

    response = await client.get(path, headers=other_hr)
    assert response.status_code == 403 and response.json()["code"] == "not_your_employer"


async def test_visitor_exports_are_formula_safe_and_keep_phones_as_text(client, hr, employer, night_market):
    tonight = night_market["tonight"]["id"]
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="Java"), hr)
    student, registration = await _student_at(client, tonight, name='=HYPERLINK("http://x","y")')
    await _visit(client, night_market["a12"]["id"], registration["ticket"]["code"], hr)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    path = f"/api/employers/{employer['id']}/visitors"
    text = (await client.get(path, params={"format": "csv"}, headers=hr)).text
    fields = [f for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for f in row]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in fields and "'+8613812345678" in fields
    book = load_workbook(io.BytesIO((await client.get(path, params={"format": "xlsx"}, headers=hr)).content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "+8613812345678" for c in cells)


async def test_hr_invites_a_colleague_sees_a_password_once_and_deactivates_them(client, hr, employer):
    created = await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "李娜", "phone": "13900001111"}, hr)
    password = created["initial_password"]
    assert password
    colleague = await client.post("/api/auth/login", json={"login": "13900001111", "password": password})
    token = {"Authorization": f"Bearer {colleague.json()['access_token']}"}
    staff = (await client.get(f"/api/employers/{employer['id']}/staff", headers=hr)).json()
    assert "李娜" in [s["name"] for s in staff]
    done = await post_ok(client, f"/api/employers/{employer['id']}/staff/{created['account']['id']}/deactivate", None, hr, status=200)
    assert done["is_active"] is False
    # The colleague's sign-in ends at once, and a new one is refused.
    assert (await client.get(f"/api/employers/{employer['id']}/staff", headers=token)).status_code == 401
    assert (await client.post("/api/auth/login", json={"login": "13900001111", "password": password})).status_code == 401


async def test_hr_invites_a_colleague_by_link_and_deactivating_them_first_withdraws_the_link(client, hr, employer, other_hr):
    created = await post_ok(client, f"/api/employers/{employer['id']}/invitations", {"name": "李娜", "phone": "13900001112"}, hr)
    assert created["initial_password"] is None and created["account"]["role"] == "hr"
    token = created["invitation"]["url"].rsplit("/invitations/", 1)[1]
    # Nobody signs in before the link is used: the account has no password anyone knows.
    assert (await client.post("/api/auth/login", json={"login": "13900001112", "password": "!invited"})).status_code == 401
    staff = (await client.get(f"/api/employers/{employer['id']}/staff", headers=hr)).json()
    assert next(s for s in staff if s["name"] == "李娜")["is_invited"] is True
    await post_ok(client, f"/api/employers/{employer['id']}/staff/{created['account']['id']}/deactivate", None, hr, status=200)
    late = await client.post(f"/api/invitations/{token}", json={"password": "lina-2026x"})
    assert late.status_code == 404 and late.json()["code"] == "invitation_not_found"
    assert (await client.post("/api/auth/login", json={"login": "13900001112", "password": "lina-2026x"})).status_code == 401
    other = await client.post(f"/api/employers/{employer['id']}/invitations", json={"name": "x", "phone": "13900002223"}, headers=other_hr)
    assert other.status_code == 403
    missing = await client.post(f"/api/employers/{employer['id']}/invitations", json={"name": "x"}, headers=hr)
    assert missing.status_code == 422 and missing.json()["code"] == "login_required"


async def test_hr_cannot_deactivate_themselves_nor_touch_another_employers_team(client, employer, other_employer, other_hr):
    me, headers = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    response = await client.post(f"/api/employers/{employer['id']}/staff/{me.id}/deactivate", headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "cannot_deactivate_self"
    assert (await client.get(f"/api/employers/{employer['id']}/staff", headers=other_hr)).status_code == 403
    response = await client.post(f"/api/employers/{employer['id']}/staff", json={"name": "x", "phone": "13900002222"}, headers=other_hr)
    assert response.status_code == 403
    response = await client.post(f"/api/employers/{employer['id']}/staff/{me.id}/deactivate", headers=other_hr)
    assert response.status_code == 403
    # Naming another employer's account under one's own employer finds nobody.
    other_id = (await client.get(f"/api/employers/{other_employer['id']}/staff", headers=other_hr)).json()[0]["id"]
    response = await client.post(f"/api/employers/{employer['id']}/staff/{other_id}/deactivate", headers=headers)
    assert response.status_code == 404


async def test_domain_refuses_deactivating_oneself_and_other_employers(employer, other_employer):
    me, _ = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    stranger, _ = await make_account("hr", employer_id=uuid.UUID(other_employer["id"]))
    now = datetime.now(UTC)
    import pytest

    with pytest.raises(Refused):
        await employers.deactivate_staff(actor=me, now=now, employer_id=me.employer_id, account_id=me.id)
    with pytest.raises(Forbidden):
        await employers.deactivate_staff(actor=stranger, now=now, employer_id=me.employer_id, account_id=me.id)
    with pytest.raises(NotFound):
        await employers.deactivate_staff(actor=me, now=now, employer_id=me.employer_id, account_id=stranger.id)
    with pytest.raises(Forbidden):
        await jobs.employer_jobs(actor=stranger, employer_id=me.employer_id)
