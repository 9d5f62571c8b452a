"""Who may call what: every route of the app against every role, with the status each one gets.

Each cell runs against a fresh scene and sends a valid body, so its status is about who calls,
never about what they sent. The roles act on records owned by `employer`: `hr` is its staff,
`other_hr` the staff of `other_employer`, which has no booth and no job anywhere.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import HR_PASSWORD, ORGANISER_PASSWORD, confirmed_tickets, credit_code, job_body, post_ok, sign_up_body, stop_body

ROLES = ("anonymous", "seeker", "hr", "other_hr", "organiser")

# A cell is a status, or (status, code) where the refusal's code is the point of the cell.
NOT_YOUR_JOB = (403, "not_your_job")
NOT_YOUR_EMPLOYER = (403, "not_your_employer")
PUBLIC = (200, 200, 200, 200, 200)
ORGANISER_CREATES = (401, 403, 403, 403, 201)
ORGANISER_ACTS = (401, 403, 403, 403, 200)
DRAFT = (404, 404, 404, 404, 200)

# Path placeholders name records of the scene: {slug}, {stop_id}, {job_id}... belong to the published
# talent train; {draft_*} to a draft night market where `employer` has a stall and a job; {closed_job_id}
# is a job `employer` closed. A query string picks a variant of the route.
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # method, path template, (anonymous, seeker, hr, other_hr, organiser)
    ("GET", "/health", PUBLIC),
    ("POST", "/api/auth/login", PUBLIC),
    ("GET", "/api/me", (401, 200, 200, 200, 200)),
    ("POST", "/api/employers", ORGANISER_CREATES),
    ("GET", "/api/employers", ORGANISER_ACTS),
    ("GET", "/api/employers/{employer_id}", PUBLIC),
    ("PATCH", "/api/employers/{employer_id}", (401, 403, 200, NOT_YOUR_EMPLOYER, 200)),
    # HR invite colleagues to their own employer; organisers add staff to any.
    ("POST", "/api/employers/{employer_id}/staff", (401, 403, 201, NOT_YOUR_EMPLOYER, 201)),
    ("POST", "/api/employers/{employer_id}/invitations", (401, 403, 201, NOT_YOUR_EMPLOYER, 201)),
    ("GET", "/api/employers/{employer_id}/staff", (401, 403, 200, NOT_YOUR_EMPLOYER, 200)),
    # {account_id} is `hr` itself: nobody deactivates themselves.
    ("POST", "/api/employers/{employer_id}/staff/{account_id}/deactivate", (401, 403, (409, "cannot_deactivate_self"), NOT_YOUR_EMPLOYER, 200)),
    ("GET", "/api/employers/{employer_id}/booths", (401, 403, 200, NOT_YOUR_EMPLOYER, 200)),
    ("GET", "/api/employers/{employer_id}/jobs", (401, 403, 200, NOT_YOUR_EMPLOYER, 200)),
    ("GET", "/api/employers/{employer_id}/visitors", (401, 403, 200, NOT_YOUR_EMPLOYER, 200)),
    # The organiser's cell needs a multipart upload: tests/test_employer_import.py.
    ("POST", "/api/employers/import", (401, 403, 403, 403, None)),
    ("GET", "/api/employers/credit-code-check?code=91320100MA1MXXXX0X", ORGANISER_ACTS),
    ("POST", "/api/events", ORGANISER_CREATES),
    ("GET", "/api/events", PUBLIC),
    ("GET", "/api/events/{slug}", PUBLIC),
    ("GET", "/api/events/{draft_slug}", DRAFT),
    ("PATCH", "/api/events/{slug}", ORGANISER_ACTS),
    ("POST", "/api/events/{draft_slug}/publish", ORGANISER_ACTS),
    ("POST", "/api/events/{slug}/cancel", ORGANISER_ACTS),
    ("POST", "/api/events/{slug}/stops", ORGANISER_CREATES),
    ("GET", "/api/stops/{stop_id}", PUBLIC),
    ("GET", "/api/stops/{draft_stop_id}", DRAFT),
    ("PATCH", "/api/stops/{stop_id}", ORGANISER_ACTS),
    ("POST", "/api/stops/{stop_id}/cancel", ORGANISER_ACTS),
    ("POST", "/api/stops/{stop_id}/booths", ORGANISER_CREATES),
    ("GET", "/api/stops/{stop_id}/booths", PUBLIC),
    ("GET", "/api/stops/{draft_stop_id}/booths", DRAFT),
    ("DELETE", "/api/booths/{booth_id}", (401, 403, 403, 403, 204)),
    # The console's additions: next term's copy, stalls laid out in bulk, the floor plan, moving an employer.
    ("POST", "/api/events/{slug}/duplicate", ORGANISER_CREATES),
    ("POST", "/api/stops/{stop_id}/booths/bulk", ORGANISER_CREATES),
    ("GET", "/api/stops/{stop_id}/floor-plan", PUBLIC),
    ("GET", "/api/stops/{draft_stop_id}/floor-plan", DRAFT),
    ("PATCH", "/api/booths/{booth_id}", ORGANISER_ACTS),
    # The body names `employer`: its own HR posts, another employer's HR is refused before anything is looked up.
    ("POST", "/api/events/{slug}/jobs", (401, 403, 201, NOT_YOUR_EMPLOYER, 201)),
    # HR staff prepare jobs at a draft where their employer has a booth (jobs._event_for).
    ("POST", "/api/events/{draft_slug}/jobs", (401, 403, 201, NOT_YOUR_EMPLOYER, 201)),
    ("GET", "/api/events/{slug}/jobs", PUBLIC),
    # `other_employer` has no booth at the train to copy jobs into.
    ("POST", "/api/events/{slug}/jobs/copy", (401, 403, 201, (409, "no_booth_at_event"), 201)),
    ("GET", "/api/events/{draft_slug}/jobs", (404, 404, 200, 404, 200)),
    # Jobs other than open ones need a signed-in organiser, or HR (who see only their own).
    ("GET", "/api/events/{slug}/jobs?status=all", (401, 403, 200, 200, 200)),
    ("GET", "/api/jobs/{job_id}", PUBLIC),
    ("GET", "/api/jobs/{closed_job_id}", (404, 404, 200, 404, 200)),
    ("GET", "/api/jobs/{draft_job_id}", (404, 404, 200, 404, 200)),
    ("PATCH", "/api/jobs/{job_id}", (401, 403, 200, NOT_YOUR_JOB, 200)),
    ("DELETE", "/api/jobs/{job_id}", (401, 403, 204, NOT_YOUR_JOB, 204)),
    # Seekers and their registrations; {registration_id} is `seeker`'s place at the train's second stop.
    ("POST", "/api/seekers", (201, 201, 201, 201, 201)),
    ("GET", "/api/privacy-notice", PUBLIC),
    ("PATCH", "/api/me", (401, 200, 200, 200, 200)),
    ("DELETE", "/api/me", (401, 204, 403, 403, 403)),
    ("GET", "/api/me/export", (401, 200, 403, 403, 403)),
    ("GET", "/api/me/messages", (401, 200, 200, 200, 200)),
    ("POST", "/api/stops/{stop_id}/registrations", (401, 201, 403, 403, 403)),
    ("GET", "/api/me/registrations", (401, 200, 403, 403, 403)),
    ("GET", "/api/registrations/{registration_id}", (401, 200, 403, 403, 200)),
    ("DELETE", "/api/registrations/{registration_id}", (401, 200, 403, 403, 200)),
    ("GET", "/api/registrations/{registration_id}/ticket.svg", (401, 200, 403, 403, 200)),
    ("GET", "/api/registrations/{registration_id}/ticket.png", (401, 200, 403, 403, 200)),
    ("GET", "/api/tickets/public-key", PUBLIC),
    ("GET", "/api/stops/{stop_id}/registrations", ORGANISER_ACTS),
    ("GET", "/api/stops/{stop_id}/registrations?format=csv", ORGANISER_ACTS),
    ("POST", "/api/stops/{stop_id}/close-registration", ORGANISER_ACTS),
    # `seeker`'s place is confirmed: the organiser is let in, and refused for the state.
    ("POST", "/api/registrations/{registration_id}/promote", (401, 403, 403, 403, (409, "not_waitlisted"))),
    # Calendar feeds: public ones for all; a private feed's secret token is the only credential it takes.
    ("GET", "/calendar/events.ics", PUBLIC),
    ("GET", "/calendar/events/{event_name}", PUBLIC),
    ("GET", "/calendar/events/{draft_event_name}", (404, 404, 404, 404, 404)),
    ("GET", "/calendar/private/{private_name}", PUBLIC),
    ("POST", "/api/me/calendar-token", (401, 201, 201, 201, 201)),
    ("DELETE", "/api/me/calendar-token", (401, 204, 204, 204, 204)),
    # Scanning and attendance; {live_*} belong to a night market whose first night is on now.
    ("POST", "/api/stops/{live_stop_id}/check-ins", (401, 403, 403, 403, 201)),
    ("POST", "/api/booths/{live_booth_id}/visits", (401, 403, 201, (403, "not_your_booth"), 201)),
    ("POST", "/api/scans/sync", (401, 403, 200, 200, 200)),
    ("POST", "/api/stops/{live_stop_id}/scanner-access", ORGANISER_CREATES),
    ("DELETE", "/api/stops/{live_stop_id}/scanner-access/{access_id}", (401, 403, 403, 403, 204)),
    ("GET", "/api/stops/{live_stop_id}/scanner-access", ORGANISER_ACTS),
    ("GET", "/api/events/{slug}/attendance", ORGANISER_ACTS),
    # Reports for the bureau (issue 15): organisers only, as JSON, PDF and XLSX, per event and per period.
    ("GET", "/api/events/{slug}/report", ORGANISER_ACTS),
    ("GET", "/api/events/{slug}/report.pdf", ORGANISER_ACTS),
    ("GET", "/api/events/{slug}/report.xlsx", ORGANISER_ACTS),
    ("GET", "/api/reports/period?from=2026-01-01&to=2026-12-31", ORGANISER_ACTS),
    ("GET", "/api/reports/period.pdf?from=2026-01-01&to=2026-12-31", ORGANISER_ACTS),
    ("GET", "/api/reports/period.xlsx?from=2026-01-01&to=2026-12-31", ORGANISER_ACTS),
    # The organiser's cell is an endless stream, tested against a live server in
    # test_scanner_pages.py (test_live_updates_stream_as_server_sent_events).
    ("GET", "/api/events/{slug}/attendance/live", (401, 403, 403, 403, None)),
    ("GET", "/api/booths/{live_booth_id}/visitors", (401, 403, 200, (403, "not_your_booth"), 200)),
    ("POST", "/api/jobs/{job_id}/interests", (401, 201, 403, 403, 403)),
    ("DELETE", "/api/jobs/{job_id}/interests", (401, (404, "interest_not_found"), 403, 403, 403)),
    ("GET", "/api/audit-log", ORGANISER_ACTS),
    # Each role changes its own password (the body carries that role's current one); organisers reset HR's.
    ("POST", "/api/me/password", (401, 204, 204, 204, 204)),
    ("POST", "/api/accounts/{account_id}/password", ORGANISER_ACTS),
    # Employer applications: anyone applies, organisers decide; {approved_application_id} was approved in the scene.
    ("POST", "/api/employer-applications", (201, 201, 201, 201, 201)),
    ("GET", "/api/employer-applications", ORGANISER_ACTS),
    ("GET", "/api/employer-applications/{application_id}", ORGANISER_ACTS),
    ("GET", "/api/employer-applications/{application_id}/licence", ORGANISER_ACTS),
    ("POST", "/api/employer-applications/{application_id}/approve", ORGANISER_ACTS),
    ("POST", "/api/employer-applications/{application_id}/reject", ORGANISER_ACTS),
    ("POST", "/api/employer-applications/{application_id}/withdraw", ORGANISER_ACTS),
    ("POST", "/api/employer-applications/{approved_application_id}/cancel", ORGANISER_ACTS),
    # An invitation's secret is the only credential it takes.
    ("GET", "/api/invitations/{token}", PUBLIC),
    ("POST", "/api/invitations/{token}", PUBLIC),
    # Forgotten passwords: the same 202 for anyone; a confirmation with a wrong code is refused for everyone alike.
    ("POST", "/api/auth/password-reset", (202, 202, 202, 202, 202)),
    ("POST", "/api/auth/password-reset/confirm", ((400, "password_reset_invalid"),) * 5),
    ("POST", "/api/stops/{stop_id}/broadcasts", (401, 403, 403, 403, 202)),
    ("POST", "/api/stops/{stop_id}/broadcasts?dry_run=true", ORGANISER_ACTS),
    ("GET", "/api/me/notifications", (401, 200, 200, 200, 200)),
    ("PUT", "/api/me/notifications", (401, 200, 200, 200, 200)),
    # Webhooks: {webhook_id} is an endpoint `hr` registered, {message_id} a delivery to it; other HR staff do not find them.
    ("POST", "/api/webhooks", (401, 403, 201, 201, 201)),
    ("GET", "/api/webhooks", (401, 403, 200, 200, 200)),
    ("PATCH", "/api/webhooks/{webhook_id}", (401, 403, 200, (404, "webhook_not_found"), 200)),
    ("DELETE", "/api/webhooks/{webhook_id}", (401, 403, 204, (404, "webhook_not_found"), 204)),
    ("POST", "/api/webhooks/{webhook_id}/rotate-secret", (401, 403, 200, (404, "webhook_not_found"), 200)),
    ("GET", "/api/webhooks/{webhook_id}/deliveries", (401, 403, 200, (404, "webhook_not_found"), 200)),
    ("POST", "/api/deliveries/{message_id}/redeliver", (401, 403, 202, (404, "delivery_not_found"), 202)),
    # Issue 14, slots: {slot_id} is a free slot at `employer`'s A12; `seeker` booked {booking_id} in another slot there and
    # was invited ({slot_invitation_id}) to a third, having shared their profile with `employer`.
    ("POST", "/api/booths/{booth_id}/slots", (401, 403, 201, (404, "booth_not_found"), 201)),
    ("GET", "/api/booths/{booth_id}/slots", (401, 403, 200, (404, "booth_not_found"), 200)),
    ("GET", "/api/stops/{stop_id}/slots", PUBLIC),
    ("GET", "/api/jobs/{job_id}/slots", PUBLIC),
    ("PATCH", "/api/slots/{slot_id}", (401, 403, 200, (404, "slot_not_found"), 200)),
    ("POST", "/api/slots/{slot_id}/cancel", (401, 403, 200, (404, "slot_not_found"), 200)),
    ("POST", "/api/slots/{slot_id}/bookings", (401, 201, 403, 403, 403)),
    ("DELETE", "/api/bookings/{booking_id}", (401, 200, 200, (404, "booking_not_found"), 200)),
    ("POST", "/api/bookings/{booking_id}/attendance", (401, 403, 200, (404, "booking_not_found"), 200)),
    ("GET", "/api/me/bookings", (401, 200, 403, 403, 403)),
    ("POST", "/api/slots/{slot_id}/invitations", (401, 403, 201, (404, "slot_not_found"), 201)),
    ("GET", "/api/me/slot-invitations", (401, 200, 403, 403, 403)),
    ("POST", "/api/slot-invitations/{slot_invitation_id}/accept", (401, 200, 403, 403, 403)),
    ("POST", "/api/slot-invitations/{slot_invitation_id}/decline", (401, 200, 403, 403, 403)),
    # HR see their own employer's no-shows (none, for `other_hr`).
    ("GET", "/api/events/{slug}/no-shows", (401, 403, 200, 200, 200)),
    # Hiring funnel (issue 14): an interest and a visit of `employer`, each with a note; notes are the employer's alone.
    ("PUT", "/api/interests/{interest_id}/stage", (401, 403, 200, (404, "interest_not_found"), 403)),
    ("GET", "/api/interests/{interest_id}/stage", (401, 403, 200, (404, "interest_not_found"), 403)),
    ("PUT", "/api/interests/{interest_id}/note", (401, 403, 200, (404, "interest_not_found"), (404, "interest_not_found"))),
    ("GET", "/api/interests/{interest_id}/note", (401, 403, 200, (404, "interest_not_found"), (404, "interest_not_found"))),
    ("PUT", "/api/visits/{visit_id}/note", (401, 403, 200, (404, "visit_not_found"), (404, "visit_not_found"))),
    ("GET", "/api/visits/{visit_id}/note", (401, 403, 200, (404, "visit_not_found"), (404, "visit_not_found"))),
    ("PUT", "/api/booths/{live_booth_id}/visitors/{live_registration_id}/note", (401, 403, 200, (404, "visit_not_found"), (404, "visit_not_found"))),
    ("GET", "/api/events/{slug}/funnel", (401, 403, 200, 200, 200)),
    ("GET", "/api/me/interests", (401, 200, 403, 403, 403)),
]


def _cell(expected: Any) -> tuple[int, str | None]:
    return expected if isinstance(expected, tuple) else (expected, None)


CELLS = [
    pytest.param(method, path, role, *_cell(expected), id=f"{method} {path} as {role}")
    for method, path, row in MATRIX
    for role, expected in zip(ROLES, row, strict=True)
    if expected is not None
]


def route_of(path: str) -> str:
    """The OpenAPI route a path template exercises: variant placeholders and query strings dropped."""
    return re.sub(r"\{(?:draft_|closed_|live_|approved_)?(?:event_|private_)?", "{", path.partition("?")[0])


@dataclass(frozen=True)
class Scene:
    """Headers per role and the ids that path templates name."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, str]
    organiser_email: str
    employer_id: str
    other_employer_id: str


_phones = iter(range(10_000))


def application_body(ids: dict[str, str]) -> dict[str, Any]:
    return {
        "event": ids["slug"], "company": "南京青禾软件有限公司", "credit_code": credit_code(), "contact_name": "王敏",
        "contact_phone": "13812345678", "contact_email": "wangmin@qinghe.example.com", "stop_ids": [ids["stop_id"]],
    }


def body_for(method: str, route: str, scene: Scene, role: str) -> Any:
    """A valid body for the route (None where it takes none); fresh on every call, for unique fields."""
    bodies = {
        ("POST", "/api/auth/login"): lambda: {"login": scene.organiser_email, "password": ORGANISER_PASSWORD},
        ("POST", "/api/employers"): lambda: {"name": "无锡芯源微电子有限公司", "credit_code": credit_code()},
        ("PATCH", "/api/employers/{employer_id}"): lambda: {"city": "无锡"},
        ("POST", "/api/employers/{employer_id}/staff"): lambda: {"name": "李雷", "email": "lilei@example.com"},
        ("POST", "/api/employers/{employer_id}/invitations"): lambda: {"name": "韩梅", "email": "hanmei@example.com"},
        ("POST", "/api/events"): lambda: {"kind": "job_fair", "title": "2026 春季双选会"},
        ("PATCH", "/api/events/{slug}"): lambda: {"title": "2026 南京人才专列（第二季）"},
        ("POST", "/api/events/{slug}/stops"): lambda: stop_body(20, "河海大学"),
        ("PATCH", "/api/stops/{stop_id}"): lambda: {"capacity": 500},
        ("POST", "/api/stops/{stop_id}/booths"): lambda: {"employer_id": scene.other_employer_id, "label": "B7"},
        ("POST", "/api/events/{slug}/jobs"): lambda: job_body(employer_id=scene.employer_id),
        ("PATCH", "/api/jobs/{job_id}"): lambda: {"headcount": 5},
        ("POST", "/api/events/{slug}/jobs/copy"): lambda: {"from_event": scene.ids["draft_slug"], **({"employer_id": scene.employer_id} if role == "organiser" else {})},
        ("POST", "/api/seekers"): lambda: sign_up_body(phone=f"1370000{next(_phones):04d}"),
        ("PATCH", "/api/me"): lambda: {"name": "新名字"},
        ("POST", "/api/stops/{stop_id}/check-ins"): lambda: {"ticket": scene.ids["live_ticket"], "nonce": str(uuid.uuid4())},
        ("POST", "/api/booths/{booth_id}/visits"): lambda: {"ticket": scene.ids["live_ticket"], "nonce": str(uuid.uuid4())},
        ("POST", "/api/scans/sync"): lambda: {
            "scans": [{"kind": "check_in", "stop_id": scene.ids["live_stop_id"], "ticket": scene.ids["live_ticket"], "nonce": str(uuid.uuid4())}]
        },
        ("POST", "/api/stops/{stop_id}/scanner-access"): lambda: {"label": "东门"},
        ("POST", "/api/events/{slug}/duplicate"): lambda: {"title": "2027 南京人才专列"},
        ("POST", "/api/stops/{stop_id}/booths/bulk"): lambda: {"prefix": "Z", "first": 1, "last": 3},
        ("PATCH", "/api/booths/{booth_id}"): lambda: {"label": "C9"},
        ("POST", "/api/me/password"): lambda: {
            "current_password": ORGANISER_PASSWORD if role == "organiser" else HR_PASSWORD, "new_password": "matrix-pass-99"
        },
        ("POST", "/api/accounts/{account_id}/password"): lambda: {},
        ("POST", "/api/employer-applications"): lambda: application_body(scene.ids),
        ("POST", "/api/employer-applications/{application_id}/approve"): lambda: {"stop_ids": [scene.ids["stop_id"]]},
        ("POST", "/api/employer-applications/{application_id}/reject"): lambda: {"reason": "资料不全"},
        ("POST", "/api/employer-applications/{application_id}/cancel"): lambda: {"reason": "退出"},
        ("POST", "/api/invitations/{token}"): lambda: {"password": "invited-pass-1"},
        ("POST", "/api/auth/password-reset"): lambda: {"login": scene.organiser_email},
        ("POST", "/api/auth/password-reset/confirm"): lambda: {"login": scene.organiser_email, "code": "123456", "new_password": "matrix-pass-99"},
        ("POST", "/api/stops/{stop_id}/broadcasts"): lambda: {"audience": "registered", "subject": "入场提醒", "body": "请带好学生证。", "channels": ["email"]},
        ("PUT", "/api/me/notifications"): lambda: {"opt_in": True},
        ("POST", "/api/webhooks"): lambda: {"url": "https://93.184.215.14/hooks", "event_types": ["visit.created"]},
        ("PATCH", "/api/webhooks/{webhook_id}"): lambda: {"description": "ATS"},
        # issue 14, slots
        ("POST", "/api/booths/{booth_id}/slots"): lambda: {"starts_at": scene.ids["slot_starts_at"], "minutes": 15, "size": 2},
        ("POST", "/api/bookings/{booking_id}/attendance"): lambda: {"attended": True},
        ("PATCH", "/api/slots/{slot_id}"): lambda: {"size": 3},
        ("POST", "/api/slots/{slot_id}/invitations"): lambda: {"seeker_id": scene.ids["seeker_id"]},
        ("PUT", "/api/interests/{interest_id}/stage"): lambda: {"stage": "screened"},
        ("PUT", "/api/interests/{interest_id}/note"): lambda: {"rating": 3, "text": "覆盖"},
        ("PUT", "/api/visits/{visit_id}/note"): lambda: {"rating": 3, "text": "覆盖"},
        ("PUT", "/api/booths/{booth_id}/visitors/{registration_id}/note"): lambda: {"rating": 3},
    }
    make = bodies.get((method, route))
    return None if make is None else make()


@pytest.fixture
async def draft_market(client, organiser, employer) -> dict[str, Any]:
    """A draft night market with one night, where `employer` has stall B1 and an open job."""
    event = await post_ok(client, "/api/events", {"kind": "night_market", "title": "秦淮人才夜市", "city": "南京"}, organiser)
    stop = await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(21, school="", name="第1晚"), organiser)
    await post_ok(client, f"/api/stops/{stop['id']}/booths", {"employer_id": employer["id"], "label": "B1"}, organiser)
    job = await post_ok(client, f"/api/events/{event['slug']}/jobs", job_body(employer_id=employer["id"]), organiser)
    return {"slug": event["slug"], "stop_id": stop["id"], "job_id": job["id"]}


@pytest.fixture
async def scene(
    client, organiser, employer, other_employer, hr, other_hr, seeker, published_train, booth, job, draft_market, night_market
) -> Scene:
    """The published train with `employer`'s booth A12 and job, a spare booth, a closed job, and the draft market."""
    # The booth to remove: `employer` keeps A12 at the first stop, so its open job does not block the removal.
    spare = await post_ok(
        client, f"/api/stops/{published_train['stops'][1]['id']}/booths", {"employer_id": employer["id"], "label": "A15"}, organiser
    )
    closed = await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(title="测试工程师"), hr)
    response = await client.patch(f"/api/jobs/{closed['id']}", json={"status": "closed"}, headers=hr)
    assert response.status_code == 200, response.text
    me = (await client.get("/api/me", headers=organiser)).json()
    registration = await post_ok(client, f"/api/stops/{published_train['stops'][1]['id']}/registrations", None, seeker)
    private_feed = await post_ok(client, "/api/me/calendar-token", None, organiser)
    (live_ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    access = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/scanner-access", {}, organiser)
    applied = {"slug": published_train["slug"], "stop_id": booth["stop_id"]}
    submitted = await client.post(
        "/api/employer-applications", data={**application_body(applied), "stop_ids": [booth["stop_id"]], "hr_count": "1", "jobs": []},
        files={"licence": ("licence.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png")},
    )
    assert submitted.status_code == 201, submitted.text
    approved = await post_ok(client, "/api/employer-applications", application_body(applied), {})
    decision = await post_ok(client, f"/api/employer-applications/{approved['id']}/approve", {"stop_ids": [booth["stop_id"]]}, organiser, status=200)
    webhook = await post_ok(client, "/api/webhooks", {"url": "https://93.184.215.14/hooks", "event_types": ["visit.created"]}, hr)
    message_id = await _webhook_delivery(webhook["id"])
    slot_ids = await _slots_scene(client, hr, seeker, booth, published_train)
    return Scene(
        headers={"anonymous": {}, "seeker": seeker, "hr": hr, "other_hr": other_hr, "organiser": organiser},
        ids={
            "employer_id": employer["id"],
            "slug": published_train["slug"],
            "stop_id": booth["stop_id"],
            "booth_id": spare["id"],
            "job_id": job["id"],
            "closed_job_id": closed["id"],
            "draft_slug": draft_market["slug"],
            "draft_stop_id": draft_market["stop_id"],
            "draft_job_id": draft_market["job_id"],
            "registration_id": registration["id"],
            "event_name": f"{published_train['slug']}.ics",
            "draft_event_name": f"{draft_market['slug']}.ics",
            "private_name": private_feed["url"].rsplit("/", 1)[1],
            "live_stop_id": night_market["tonight"]["id"],
            "live_booth_id": night_market["a12"]["id"],
            "live_ticket": live_ticket["code"],
            "access_id": access["id"],
            "account_id": (await client.get("/api/me", headers=hr)).json()["id"],
            "application_id": submitted.json()["id"],
            "approved_application_id": approved["id"],
            "token": decision["invitations"][0]["url"].rsplit("/", 1)[1],
            "webhook_id": webhook["id"],
            "message_id": str(message_id),
            **slot_ids,
            **await _funnel_ids(client, hr, job, night_market),
        },
        organiser_email=me["email"],
        employer_id=employer["id"],
        other_employer_id=other_employer["id"],
    )


async def _webhook_delivery(webhook_id: str) -> uuid.UUID:
    """A delivery to the endpoint that was given up on, as the delivery worker leaves one."""
    from datetime import UTC, datetime

    from events.tables import Message

    at = datetime.now(UTC)
    row = Message(kind="visit.created", channel="webhook", webhook_id=webhook_id, idempotency_key=f"{uuid.uuid4()}:webhook:{webhook_id}", status="dead",
                  attempts=12, next_attempt_at=at, created_at=at, params='{"data": {}}')
    await Message.insert(row)
    return row.id
async def _funnel_ids(client, hr, job, night_market) -> dict[str, str]:
    """A seeker scanned at `employer`'s live stall who applied for its job; the interest and the visit carry a note each."""
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    await post_ok(client, f"/api/booths/{night_market['a12']['id']}/visits", {"ticket": ticket["code"], "nonce": str(uuid.uuid4())}, hr)
    visit_id = (await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=hr)).json()["visitors"][0]["visit_id"]
    interest = await post_ok(client, f"/api/jobs/{job['id']}/interests", None, ticket["seeker"])
    for path in (f"/api/visits/{visit_id}/note", f"/api/interests/{interest['id']}/note"):
        assert (await client.put(path, json={"rating": 4}, headers=hr)).status_code == 200
    return {"interest_id": interest["id"], "visit_id": visit_id, "live_registration_id": ticket["id"]}


async def _slots_scene(client, hr, seeker, a12, published_train) -> dict[str, str]:
    """Issue 14, slots: three slots at A12 (the spare booth {booth_id} stays free to be removed): one free, one `seeker` booked, one `seeker` is invited to."""
    from datetime import datetime, timedelta

    opens = datetime.fromisoformat(published_train["stops"][0]["starts_at"])
    made = await post_ok(
        client, f"/api/booths/{a12['id']}/slots",
        {"starts_at": (opens + timedelta(minutes=30)).isoformat(), "minutes": 20, "every_minutes": 30, "until": (opens + timedelta(minutes=120)).isoformat()}, hr,
    )
    second_job = await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(title="数据分析师"), hr)
    await post_ok(client, f"/api/jobs/{second_job['id']}/interests", None, seeker)
    seeker_id = (await client.get("/api/me", headers=seeker)).json()["id"]
    booking = await post_ok(client, f"/api/slots/{made[1]['id']}/bookings", None, seeker)
    invitation = await post_ok(client, f"/api/slots/{made[2]['id']}/invitations", {"seeker_id": seeker_id}, hr)
    return {
        "slot_id": made[0]["id"], "booking_id": booking["id"], "slot_invitation_id": invitation["id"], "seeker_id": seeker_id,
        # For a new slot at the spare booth {booth_id}, at the train's second stop.
        "slot_starts_at": (datetime.fromisoformat(published_train["stops"][1]["starts_at"]) + timedelta(minutes=150)).isoformat(),
    }


def _check_problem(response: httpx.Response, *, status: int, code: str | None) -> None:
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers["content-type"]
    problem = response.json()
    assert problem["status"] == status
    assert isinstance(problem.get("code"), str) and problem["code"], problem
    if code is not None:
        assert problem["code"] == code, problem
    elif status == 401:
        assert problem["code"] == "authentication_required", problem
    elif status == 403:
        assert problem["code"].endswith("_only"), f"a role refusal: {problem}"
    elif status == 404:
        assert problem["code"].endswith("_not_found"), problem


@pytest.mark.parametrize(("method", "path", "role", "status", "code"), CELLS)
async def test_each_role_gets_the_status_the_access_matrix_gives_it(client, scene, method, path, role, status, code):
    body = body_for(method, route_of(path), scene, role)
    response = await client.request(method, path.format(**scene.ids), json=body, headers=scene.headers[role])
    assert response.status_code == status, f"{method} {path} as {role}: got {response.status_code} {response.text}"
    if not response.is_success:
        _check_problem(response, status=status, code=code)


async def test_the_access_matrix_has_rows_for_exactly_the_routes_of_the_openapi_schema(app):
    methods = ("get", "post", "put", "patch", "delete")
    schema = {
        (method.upper(), path)
        for path, item in app.openapi_schema.paths.items()
        for method in methods
        if getattr(item, method, None) is not None
    }
    covered = {(method, route_of(path)) for method, path, _row in MATRIX}
    assert schema - covered == set(), "routes without a row in the access matrix"
    assert covered - schema == set(), "matrix rows for routes the app does not have"
