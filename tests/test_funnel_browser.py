"""The funnel in a real headless Chromium on a 360 px phone: the stall's one-tap note after a scan, HR moving an application along."""

from __future__ import annotations

from browser import fits_the_screen
from conftest import job_body, post_ok, sign_up_body
from playwright.async_api import expect

from events.tables import ContactNote


async def _student_at_tonight(client, night_market) -> tuple[dict, dict]:
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/registrations", None, student)
    return student, registration


async def test_the_stall_rates_a_visitor_with_one_tap_right_after_the_scan(client, hr, night_market, live_server, phone_context):
    _student, registration = await _student_at_tonight(client, night_market)
    await phone_context.add_cookies([{"name": "session", "value": hr["Authorization"].split()[1], "url": live_server.url}])
    stall = await phone_context.new_page()
    await stall.goto(f"{live_server.url}/scan/booths/{night_market['a12']['id']}")
    await expect(stall.get_by_role("heading", name="快速备注")).to_be_hidden()
    await stall.get_by_label("手动输入核验码或粘贴入场码").fill(registration["ticket"]["short_code"])
    await stall.get_by_role("button", name="核验").click()
    await expect(stall.locator("#status")).to_contain_text("到访已记录")
    await expect(stall.get_by_role("heading", name="快速备注")).to_be_visible()
    await fits_the_screen(stall)
    await stall.get_by_role("button", name="评 4 星").click()
    await expect(stall.locator("#quick-note-status")).to_have_text("备注已保存")
    await stall.get_by_label("一句话备注（可选）").fill("会 Go，想做后端")
    await stall.get_by_role("button", name="保存", exact=True).click()
    await expect(stall.locator("#quick-note-status")).to_have_text("备注已保存")
    rows = await ContactNote.select(ContactNote.rating, ContactNote.text)
    assert rows == [{"rating": 4, "text": "会 Go，想做后端"}]


async def test_an_organiser_scanning_at_a_stall_is_offered_no_note(client, organiser, night_market, live_server, phone_context):
    await phone_context.add_cookies([{"name": "session", "value": organiser["Authorization"].split()[1], "url": live_server.url}])
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/scan/booths/{night_market['a12']['id']}")
    await expect(page.get_by_role("heading", name="扫码", exact=True)).to_be_visible()
    assert await page.locator("#quick-note").count() == 0


async def test_hr_move_an_application_to_interviewed_and_note_it_on_a_phone(client, hr, night_market, live_server, phone_context):
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="算法工程师"), hr)
    student, _registration = await _student_at_tonight(client, night_market)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    await phone_context.add_cookies([{"name": "session", "value": hr["Authorization"].split()[1], "url": live_server.url}])
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/hr/interests")
    await expect(page.get_by_role("cell", name="已投递")).to_be_visible()
    await fits_the_screen(page)
    await page.get_by_role("link", name="处理 李华 的投递").click()
    await page.get_by_label("推进到").select_option("interviewed")
    await page.get_by_label("说明（可选）").fill("现场面试")
    await page.get_by_role("button", name="更新进度").click()
    await expect(page.get_by_role("status")).to_have_text("进度已更新。")
    await expect(page.locator("#history")).to_contain_text("已投递 → 已面试")
    await page.get_by_label("4 星").check()
    await page.get_by_label("标签").fill("算法、可实习")
    await page.get_by_role("button", name="保存备注").click()
    await expect(page.get_by_role("status")).to_have_text("备注已保存。")
    await fits_the_screen(page)
    mine = (await client.get("/api/me/interests", headers=student)).json()
    assert [i["stage"] for i in mine] == ["interviewed"]
