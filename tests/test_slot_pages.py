"""Interview-slot pages: students book from the stop and the job, see and cancel bookings on My tickets, answer invitations; HR open slots in bulk and mark attendance."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from conftest import many_seekers, post_ok
from test_hr_pages import form_post, sign_in
from test_pages import _main
from test_slots import at, open_slot

from events.tables import Booking


def _no_english(html: str) -> None:
    # Times, booth labels and ids carry Latin letters only as single characters (A12); whole English words are a bug.
    text = re.sub(r"<[^>]+>", " ", _main(html))
    assert not re.search(r"[A-Za-z]{2,}", text), f"English inside the Chinese page: {text}"


async def test_a_student_books_from_the_stop_page_sees_it_on_my_tickets_and_cancels(client, hr, booth, stop, published_train):
    slot = await open_slot(client, hr, booth, stop, size=2)
    (student,) = await many_seekers(1)
    event_page = (await client.get(f"/events/{published_train['slug']}")).text
    assert f'href="/stops/{stop["id"]}/slots"' in event_page

    sign_in(client, student)
    page = await client.get(f"/stops/{stop['id']}/slots")
    assert page.status_code == 200 and f'action="/slots/{slot["id"]}/book"' in page.text and "剩余 2 个名额" in page.text
    _no_english(page.text)
    booked = await form_post(client, f"/stops/{stop['id']}/slots", f"/slots/{slot['id']}/book", {})
    assert booked.status_code in (302, 303) and booked.headers["location"].startswith("/me/tickets#booking-")
    booking_id = booked.headers["location"].split("#booking-")[1]

    tickets = await client.get("/me/tickets")
    assert f'id="booking-{booking_id}"' in tickets.text and "已预约" in tickets.text and "A12" in tickets.text
    _no_english(tickets.text)
    again = await client.get(f"/stops/{stop['id']}/slots")
    assert f'action="/slots/{slot["id"]}/book"' not in again.text, "a slot held shows as booked, without a button"

    cancelled = await form_post(client, "/me/tickets", f"/me/bookings/{booking_id}/cancel", {})
    assert cancelled.status_code in (302, 303)
    assert (await Booking.select(Booking.status).where(Booking.id == booking_id).first())["status"] == "cancelled"


async def test_a_full_slot_refused_on_the_page_says_so_in_chinese(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, size=1)
    first, second = await many_seekers(2)
    sign_in(client, second)
    token_page = f"/stops/{stop['id']}/slots"
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, first)
    refused = await form_post(client, token_page, f"/slots/{slot['id']}/book", {})
    assert refused.status_code == 409 and "该时段已约满" in refused.text
    _no_english(refused.text)


async def test_the_job_page_lists_the_jobs_slots(client, hr, booth, stop, job, published_train):
    slot = await open_slot(client, hr, booth, stop, job_ids=[job["id"]])
    assert f'href="/jobs/{job["id"]}/slots"' in (await client.get(f"/events/{published_train['slug']}")).text
    page = await client.get(f"/jobs/{job['id']}/slots")
    assert page.status_code == 200 and f'id="slot-{slot["id"]}"' in page.text and "登录后预约" in page.text
    _no_english(page.text.replace(job["title"], ""))  # the job's own title is the employer's words
    english = await client.get(f"/jobs/{job['id']}/slots?lang=en")
    assert "Sign in to book" in english.text


async def test_a_student_accepts_an_invitation_on_my_tickets(client, hr, booth, stop, job):
    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    seeker_id = (await client.get("/api/me", headers=student)).json()["id"]
    invitation = await post_ok(client, f"/api/slots/{slot['id']}/invitations", {"seeker_id": seeker_id}, hr)
    sign_in(client, student)
    page = await client.get("/me/tickets")
    assert "邀请你参加面试" in page.text and f'/me/slot-invitations/{invitation["id"]}/accept' in page.text
    accepted = await form_post(client, "/me/tickets", f"/me/slot-invitations/{invitation['id']}/accept", {})
    assert accepted.status_code in (302, 303)
    assert await Booking.count().where(Booking.seeker == uuid.UUID(seeker_id)) == 1


async def test_hr_open_a_series_in_bulk_and_mark_a_booked_student(client, hr, booth, stop):
    sign_in(client, hr)
    page = await client.get("/hr/slots")
    assert page.status_code == 200 and "开放面试时段" in page.text
    _no_english(page.text)
    start = datetime.fromisoformat(stop["starts_at"]) + timedelta(minutes=30)
    until = start + timedelta(hours=2, minutes=30)
    form = {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "minutes": "15", "size": "2", "every_minutes": "15", "until": until.strftime("%Y-%m-%dT%H:%M"),
            "cancel_cutoff_minutes": "60"}
    opened = await form_post(client, "/hr/slots", f"/hr/slots/booths/{booth['id']}", form)
    assert opened.status_code in (302, 303) and opened.headers["location"] == "/hr/slots?opened=10"
    assert "已开放 10 个面试时段" in (await client.get("/hr/slots?opened=10")).text

    slots = (await client.get(f"/api/stops/{stop['id']}/slots")).json()
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slots[0]['id']}/bookings", None, student)
    page = await client.get("/hr/slots")
    assert f'/hr/slots/bookings/{booking["id"]}/attendance' in page.text
    marked = await form_post(client, "/hr/slots", f"/hr/slots/bookings/{booking['id']}/attendance", {"attended": "1"})
    assert marked.status_code in (302, 303)
    assert (await Booking.select(Booking.status).where(Booking.id == booking["id"]).first())["status"] == "attended"


async def test_a_slot_outside_the_stop_is_refused_next_to_its_field(client, hr, booth, stop):
    sign_in(client, hr)
    late = datetime.fromisoformat(at(stop, 600))
    refused = await form_post(client, "/hr/slots", f"/hr/slots/booths/{booth['id']}", {"starts_at": late.strftime("%Y-%m-%dT%H:%M"), "minutes": "15"})
    assert refused.status_code == 422 and "面试时段须在本场活动时间内" in refused.text and 'aria-invalid="true"' in refused.text
    _no_english(refused.text)


async def test_hr_slot_pages_send_nobody_to_sign_in_and_refuse_students(client, seeker):
    response = await client.get("/hr/slots")
    assert response.status_code == 302 and response.headers["location"] == "/login?next=/hr/slots"
    sign_in(client, seeker)
    assert (await client.get("/hr/slots")).status_code == 403


async def test_hr_invite_a_student_who_shared_their_profile_from_the_slots_page(client, hr, booth, stop, job):
    from events.tables import SlotInvitation

    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    seeker_id = (await client.get("/api/me", headers=student)).json()["id"]
    sign_in(client, hr)
    page = await client.get("/hr/slots")
    assert f'action="/hr/slots/{slot["id"]}/invitations"' in page.text and f'value="{seeker_id}"' in page.text
    _no_english(page.text)
    sent = await form_post(client, "/hr/slots", f"/hr/slots/{slot['id']}/invitations", {"seeker_id": seeker_id})
    assert sent.status_code in (302, 303) and "邀请已发送" in (await client.get(sent.headers["location"])).text
    assert await SlotInvitation.count().where(SlotInvitation.seeker == uuid.UUID(seeker_id)) == 1
    again = await form_post(client, "/hr/slots", f"/hr/slots/{slot['id']}/invitations", {"seeker_id": seeker_id})
    assert again.status_code == 409 and "已邀请过该学生" in again.text


async def test_hr_move_a_booked_slot_from_its_edit_form(client, hr, booth, stop):
    slot = await open_slot(client, hr, booth, stop, minutes_in=30, minutes=20, size=2)
    (student,) = await many_seekers(1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    sign_in(client, hr)
    page = await client.get("/hr/slots")
    assert f'action="/hr/slots/{slot["id"]}/move"' in page.text and "调整时段" in page.text
    _no_english(page.text)

    later = datetime.fromisoformat(at(stop, 90))
    moved = await form_post(client, "/hr/slots", f"/hr/slots/{slot['id']}/move", {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "minutes": "30", "size": "2"})
    assert moved.status_code in (302, 303) and "时段已调整" in (await client.get(moved.headers["location"])).text
    row = await Booking.select(Booking.starts_at, Booking.ends_at).where(Booking.id == booking["id"]).first()
    assert (row["starts_at"], row["ends_at"]) == (later, later + timedelta(minutes=30))

    refused = await form_post(client, "/hr/slots", f"/hr/slots/{slot['id']}/move", {"size": "0"})
    assert refused.status_code == 422 and "请填写范围内的整数" in refused.text
    (other,) = await many_seekers(1)
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, other)
    shrunk = await form_post(client, "/hr/slots", f"/hr/slots/{slot['id']}/move", {"size": "1"})
    assert shrunk.status_code == 409 and "人数不能少于已预约人数" in shrunk.text
    _no_english(shrunk.text)


async def test_a_move_onto_a_booked_students_other_interview_is_explained_in_hr_words(client, hr, booth, stop):
    first = await open_slot(client, hr, booth, stop, minutes_in=30, minutes=20)
    second = await open_slot(client, hr, booth, stop, minutes_in=60, minutes=20)
    (student,) = await many_seekers(1)
    for slot in (first, second):
        await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    sign_in(client, hr)
    clash = datetime.fromisoformat(at(stop, 55)).strftime("%Y-%m-%dT%H:%M")
    refused = await form_post(client, "/hr/slots", f"/hr/slots/{first['id']}/move", {"starts_at": clash})
    assert refused.status_code == 409 and "另有面试预约" in refused.text
    _no_english(refused.text)


async def test_hr_move_a_booked_students_application_to_its_next_stage_beside_the_booking(client, hr, booth, stop, job):
    from events.tables import Interest, StageChange

    slot = await open_slot(client, hr, booth, stop)
    (student,) = await many_seekers(1)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, student)
    (interest,) = await Interest.select(Interest.id, Interest.stage).where(Interest.job == job["id"])
    sign_in(client, hr)

    page = await client.get("/hr/slots")
    action = f'action="/hr/slots/interests/{interest["id"]}/stage"'
    assert action in page.text and f'href="/hr/interests/{interest["id"]}"' in page.text and "已投递" in page.text
    _no_english(page.text.replace(job["title"], ""))

    moved = await form_post(client, "/hr/slots", f"/hr/slots/interests/{interest['id']}/stage", {"stage": "interviewed", "slot": slot["id"]})
    assert moved.status_code in (302, 303) and moved.headers["location"] == f"/hr/slots?staged=1#slot-{slot['id']}"
    assert (await Interest.select(Interest.stage).where(Interest.id == interest["id"]).first())["stage"] == "interviewed"
    assert await StageChange.count().where(StageChange.interest == interest["id"]) == 1
    after = (await client.get(moved.headers["location"])).text
    assert "进度已更新" in after and 'value="screened"' not in after, "only later stages are offered"

    backwards = await form_post(client, "/hr/slots", f"/hr/slots/interests/{interest['id']}/stage", {"stage": "screened", "slot": slot["id"]})
    assert backwards.status_code == 409 and "该投递当前不能推进到这个阶段" in backwards.text
