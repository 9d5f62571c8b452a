"""The student's pages in a real headless Chromium on a 360×740 phone: sign up, register, see the QR, cancel."""

from __future__ import annotations

import pytest
from conftest import post_ok, stop_body
from playwright.async_api import Page, expect


@pytest.fixture
async def phone(phone_context):
    return await phone_context.new_page()


async def _fits_the_screen(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


async def test_a_student_signs_up_registers_sees_the_qr_and_cancels(client, organiser, published_train, live_server, phone):
    await phone.goto(f"{live_server.url}/events")
    await expect(phone.get_by_role("link", name=published_train["title"])).to_be_visible()
    await _fits_the_screen(phone)

    await phone.get_by_role("link", name=published_train["title"]).click()
    await expect(phone.get_by_role("heading", name="南京大学 仙林校区")).to_be_visible()
    await _fits_the_screen(phone)
    await phone.get_by_role("button", name="报名").first.click()

    await expect(phone.get_by_role("heading", name="注册")).to_be_visible()
    await _fits_the_screen(phone)
    await phone.get_by_label("姓名").fill("李华")
    await phone.get_by_label("手机号").fill("13812345678")
    await phone.get_by_label("密码").fill("campus-2026")
    await phone.get_by_label("学校").fill("南京大学")
    await phone.get_by_label("专业").fill("软件工程")
    await phone.get_by_label("学历").select_option("master")
    await phone.get_by_label("毕业年份").fill("2027")
    await phone.get_by_label("我已阅读并同意").check()
    await phone.get_by_role("button", name="注册").click()

    # Signing up from the stop's Register button lands registered, not back on the button.
    await phone.wait_for_url("**/me/tickets/*")
    await expect(phone.get_by_text("报名成功")).to_be_visible()
    qr = phone.get_by_role("img", name="入场码 QR")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box["width"] >= 280, "the QR fills most of a phone's width, to scan in a dim hall"
    short_code = await phone.locator("#short-code").inner_text()
    assert len(short_code) == 8
    await _fits_the_screen(phone)

    mine = (await client.get("/api/stops/{}/registrations".format(published_train["stops"][0]["id"]), headers=organiser)).json()
    assert [(item["short_code"], item["status"], item["seeker"]["degree"]) for item in mine["items"]] == [(short_code, "confirmed", "master")]

    phone.on("dialog", lambda dialog: dialog.accept())
    await phone.get_by_role("button", name="取消报名").click()
    await phone.wait_for_url("**/me/tickets")
    await expect(phone.get_by_text("已取消")).to_be_visible()

    await phone.goto(f"{live_server.url}/me/tickets?lang=en")
    await expect(phone.get_by_text("Cancelled")).to_be_visible()
    await expect(phone.get_by_role("link", name="My tickets")).to_be_visible()
    await _fits_the_screen(phone)


async def test_a_refused_registration_reads_as_a_page_in_the_students_language(client, organiser, talent_train, live_server, phone):
    # A stop whose registration opens next week.
    body = stop_body(30, "河海大学", registration_opens_at=stop_body(7)["starts_at"])
    await post_ok(client, f"/api/events/{talent_train['slug']}/stops", body, organiser)
    await post_ok(client, f"/api/events/{talent_train['slug']}/publish", None, organiser, status=200)
    await phone.goto(f"{live_server.url}/events/{talent_train['slug']}?lang=en")
    await expect(phone.get_by_text("Registration has not opened")).to_be_visible()


async def test_a_sign_up_with_a_landline_is_refused_with_the_form_kept(live_server, phone):
    await phone.goto(f"{live_server.url}/signup")
    await phone.get_by_label("姓名").fill("李华")
    await phone.get_by_label("手机号").fill("025 8359 3186")
    await phone.get_by_label("密码").fill("campus-2026")
    await phone.get_by_label("学校").fill("南京大学")
    await phone.get_by_label("专业").fill("软件工程")
    await phone.get_by_label("我已阅读并同意").check()
    await phone.get_by_role("button", name="注册").click()
    await expect(phone.get_by_role("alert")).to_have_text("请填写中国大陆手机号。")
    await expect(phone.get_by_label("学校")).to_have_value("南京大学")


async def test_a_form_post_without_the_csrf_token_is_refused(live_server, phone):
    await phone.goto(f"{live_server.url}/login")
    response = await phone.request.post(f"{live_server.url}/login", form={"login": "13812345678", "password": "x"})
    assert response.status == 403


async def test_a_student_subscribes_to_their_registrations_from_the_tickets_page(client, published_train, live_server, phone):
    import httpx
    from conftest import many_seekers

    (student,) = await many_seekers(1)
    await post_ok(client, f"/api/stops/{published_train['stops'][0]['id']}/registrations", None, student)
    # Sign the browser in with the same token the API uses, as the session cookie.
    await phone.context.add_cookies([{"name": "session", "value": student["Authorization"].split()[1], "url": live_server.url}])
    await phone.goto(f"{live_server.url}/me/tickets")
    await phone.get_by_role("button", name="订阅我的报名日历").click()
    link = phone.get_by_role("link", name="一键订阅")
    await expect(link).to_be_visible()
    webcal = await link.get_attribute("href")
    assert webcal.startswith("webcal://") and webcal.endswith(".ics")
    async with httpx.AsyncClient() as http:
        feed = await http.get("http://" + webcal.removeprefix("webcal://"))
    assert feed.status_code == 200 and published_train["stops"][0]["id"].encode() in feed.content
    await _fits_the_screen(phone)


async def test_an_event_page_offers_its_feed_to_calendar_apps(published_train, live_server, phone):
    await phone.goto(f"{live_server.url}/events/{published_train['slug']}")
    add = phone.get_by_role("link", name="添加到日历")
    assert await add.get_attribute("href") == f"webcal://127.0.0.1:{live_server.port}/calendar/events/{published_train['slug']}.ics"


async def test_pages_forbid_inline_scripts_and_framing_and_every_response_forbids_sniffing(client, published_train):
    page = await client.get(f"/events/{published_train['slug']}")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text, "no inline script that the policy would block"
    api = await client.get("/api/events")
    assert api.headers["x-content-type-options"] == "nosniff" and api.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_cross_origin_calls_are_closed_unless_an_origin_is_configured(client):
    import dataclasses

    import httpx

    from events.app import create_app
    from events.settings import settings

    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    closed = await client.options("/api/events", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = create_app(dataclasses.replace(settings, cors_allow_origins=("https://app.example.com",)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=opened), base_url="http://test") as http:
        allowed = await http.options("/api/events", headers={**preflight, "Origin": "https://app.example.com"})
        refused = await http.options("/api/events", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in refused.headers
