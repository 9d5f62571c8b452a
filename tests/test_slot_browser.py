"""Interview slots in a real headless Chromium on a 360 px phone: HR open a series, a student books it and sees it on My tickets, HR mark them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from browser import fits_the_screen
from conftest import HR_PASSWORD, make_account, now, post_ok, sign_up_body
from playwright.async_api import expect
from test_hr_browser import _sign_in

from events.tables import Account, Booking


async def test_hr_open_slots_in_bulk_a_student_books_one_and_hr_mark_them_attended(client, employer, night_market, live_server, phone_context):
    actor, _hr = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    hr_page = await phone_context.new_page()
    await _sign_in(hr_page, live_server.url, email, HR_PASSWORD)
    await hr_page.wait_for_url(f"{live_server.url}/hr")
    await hr_page.get_by_role("link", name="面试时段").first.click()
    await expect(hr_page.get_by_role("heading", name="A12 · 今晚")).to_be_visible()
    await fits_the_screen(hr_page)

    start = (now() + timedelta(minutes=40)).astimezone(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    booth = night_market["a12"]["id"]
    form = hr_page.locator(f'form[action="/hr/slots/booths/{booth}"]')
    await form.get_by_label("开始时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_label("每场时长（分钟）").fill("15")
    await form.get_by_label("每场人数").fill("2")
    await form.get_by_label("批量：每隔（分钟）").fill("15")
    await form.get_by_label("批量：截止时间").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_role("button", name="开放").click()
    await expect(hr_page.get_by_role("status")).to_have_text("已开放 4 个面试时段。")
    await fits_the_screen(hr_page)

    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    assert signed["token"]["access_token"]
    student = await phone_context.browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    phone = await student.new_page()
    await _sign_in(phone, live_server.url, "13812345678", "campus-2026")
    await phone.wait_for_url(f"{live_server.url}/events")
    await phone.goto(f"{live_server.url}/events/{night_market['slug']}")
    await phone.get_by_role("link", name="预约面试").first.click()
    await expect(phone.get_by_text("剩余 2 个名额").first).to_be_visible()
    await fits_the_screen(phone)
    await phone.get_by_role("button", name="预约").first.click()
    await phone.wait_for_url(f"{live_server.url}/me/tickets#booking-*")
    await expect(phone.get_by_role("heading", name="我的面试预约")).to_be_visible()
    await expect(phone.locator("article[id^=booking-]").get_by_text("已预约")).to_be_visible()
    await fits_the_screen(phone)

    await hr_page.reload()
    await hr_page.get_by_role("button", name="李华：标记到场情况 · 已到场").click()
    await expect(hr_page.get_by_text("已面试")).to_be_visible()
    assert await Booking.count().where(Booking.status == "attended") == 1
    await student.close()


async def test_the_booth_scanner_shows_a_booked_visitors_slot_and_marks_them_come_in_one_tap(client, hr, night_market, live_server, phone_context):
    from conftest import confirmed_tickets

    a12 = night_market["a12"]["id"]
    (slot,) = await post_ok(client, f"/api/booths/{a12}/slots", {"starts_at": (now() + timedelta(minutes=40)).isoformat(), "minutes": 20}, hr)
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    booking = await post_ok(client, f"/api/slots/{slot['id']}/bookings", None, ticket["seeker"])

    await phone_context.add_cookies([{"name": "session", "value": hr["Authorization"].split()[1], "url": live_server.url}])
    stall = await phone_context.new_page()
    await stall.goto(f"{live_server.url}/scan/booths/{a12}")
    await stall.get_by_label("手动输入核验码或粘贴入场码").fill(ticket["short_code"])
    await stall.get_by_role("button", name="核验").click()
    await expect(stall.locator("#results .booking")).to_contain_text("已预约")
    await fits_the_screen(stall)
    await stall.get_by_role("button", name="标记到场").click()
    await expect(stall.locator("#results .booking")).to_contain_text("已标记到场")
    assert (await Booking.select(Booking.status).where(Booking.id == booking["id"]).first())["status"] == "attended"
