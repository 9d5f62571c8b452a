"""The student's pages in a real headless Chromium on a 360×740 phone: sign up, register, see the QR, cancel."""

from __future__ import annotations

from browser import fill_sign_up, fits_the_screen
from conftest import post_ok, stop_body
from playwright.async_api import expect


async def test_a_student_signs_up_registers_sees_the_qr_and_cancels(client, organiser, published_train, live_server, phone):
    await phone.goto(f"{live_server.url}/events")
    await expect(phone.get_by_role("link", name=published_train["title"])).to_be_visible()
    await fits_the_screen(phone)

    await phone.get_by_role("link", name=published_train["title"]).click()
    await expect(phone.get_by_role("heading", name="南京大学 仙林校区")).to_be_visible()
    await fits_the_screen(phone)
    await phone.get_by_role("button", name="报名").first.click()

    await expect(phone.get_by_role("heading", name="注册")).to_be_visible()
    await fits_the_screen(phone)
    await fill_sign_up(phone, name="李华", phone="13812345678", school="南京大学", major="软件工程", degree="master")

    # Signing up from the stop's Register button lands registered, not back on the button.
    await phone.wait_for_url("**/me/tickets/*")
    await expect(phone.get_by_text("报名成功")).to_be_visible()
    qr = phone.get_by_role("img", name="入场码 QR")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box["width"] >= 280, "the QR fills most of a phone's width, to scan in a dim hall"
    short_code = await phone.locator("#short-code").inner_text()
    assert len(short_code) == 8
    await fits_the_screen(phone)

    mine = (await client.get("/api/stops/{}/registrations".format(published_train["stops"][0]["id"]), headers=organiser)).json()
    assert [(item["short_code"], item["status"], item["seeker"]["degree"]) for item in mine["items"]] == [(short_code, "confirmed", "master")]

    phone.on("dialog", lambda dialog: dialog.accept())
    await phone.get_by_role("button", name="取消报名").click()
    await phone.wait_for_url("**/me/tickets")
    await expect(phone.get_by_text("已取消")).to_be_visible()

    await phone.goto(f"{live_server.url}/me/tickets?lang=en")
    await expect(phone.get_by_text("Cancelled")).to_be_visible()
    await expect(phone.get_by_role("link", name="My tickets")).to_be_visible()
    await fits_the_screen(phone)


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
    await expect(phone.get_by_label("我已阅读并同意")).to_be_checked()


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
    await fits_the_screen(phone)


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


# ---------------------------------------------------------------- what a ticket shows, by its state


def _session(headers: dict[str, str]) -> dict[str, str]:
    """The pages' session cookie for an account whose API headers these are (the cookie holds the same token)."""
    return {"Cookie": f"session={headers['Authorization'].split()[1]}"}


def _main(html: str) -> str:
    """The words inside <main>, without tags: what the reader sees below the header."""
    import re

    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


async def test_a_cancelled_stop_shows_a_cancelled_state_and_no_qr_on_my_tickets_and_the_ticket(client, organiser, stop, seeker):
    registration = await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
    await post_ok(client, f"/api/stops/{stop['id']}/cancel", None, organiser, status=200)
    for path in ("/me/tickets", f"/me/tickets/{registration['id']}"):
        page = await client.get(path, headers=_session(seeker))
        assert page.status_code == 200
        assert "本场已取消" in _main(page.text), path
        assert "<svg" not in page.text and registration["ticket"]["short_code"] not in page.text, f"{path} shows a code that admits nobody"
        assert "报名成功" not in page.text and "入场时出示此码" not in page.text and "查看入场码" not in page.text, path


async def test_a_waitlisted_place_shows_its_place_in_line_and_no_qr_until_it_is_confirmed(client, organiser, stop, live_server, phone):
    from conftest import many_seekers, set_capacity

    await set_capacity(client, organiser, stop["id"], 1)
    first, second = await many_seekers(2)
    held = await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, first)
    waiting = await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, second)
    assert waiting["status"] == "waitlisted"

    mine = await client.get("/me/tickets", headers=_session(second))
    assert "候补第 1 位" in _main(mine.text) and "查看入场码" not in mine.text
    await phone.context.add_cookies([{"name": "session", "value": second["Authorization"].split()[1], "url": live_server.url}])
    await phone.goto(f"{live_server.url}/me/tickets/{waiting['id']}")
    await expect(phone.get_by_text("候补第 1 位")).to_be_visible()
    await expect(phone.get_by_role("img", name="入场码 QR")).to_have_count(0)
    await expect(phone.locator("#short-code")).to_have_count(0)
    assert waiting["ticket"]["short_code"] not in await phone.content()
    await fits_the_screen(phone)

    # The first gives the seat up: the waitlisted place is confirmed and its code appears.
    assert (await client.delete(f"/api/registrations/{held['id']}", headers=first)).status_code == 200
    await phone.reload()
    await expect(phone.get_by_text("报名成功")).to_be_visible()
    await expect(phone.get_by_role("img", name="入场码 QR")).to_be_visible()
    await expect(phone.locator("#short-code")).to_have_text(waiting["ticket"]["short_code"])

    # The organiser cancels the stop: the code goes again, and the page says why.
    await post_ok(client, f"/api/stops/{stop['id']}/cancel", None, organiser, status=200)
    await phone.reload()
    await expect(phone.get_by_text("本场已取消").first).to_be_visible()
    await expect(phone.get_by_role("img", name="入场码 QR")).to_have_count(0)
    await expect(phone.get_by_role("button", name="取消报名")).to_have_count(0)


# ---------------------------------------------------------------- pages see what the API lets the visitor see


async def test_a_draft_stops_gate_page_is_404_to_strangers_as_in_the_api(client, organiser, talent_train, seeker):
    stop_id = talent_train["stops"][0]["id"]
    for api_headers, page_headers in (({}, {}), (seeker, _session(seeker))):
        api = await client.get(f"/api/stops/{stop_id}", headers=api_headers)
        page = await client.get(f"/scan/stops/{stop_id}", headers=page_headers)
        assert api.status_code == page.status_code == 404
        assert talent_train["title"] not in page.text, "a draft's title leaks through the scanner page"
    organisers = await client.get(f"/scan/stops/{stop_id}", headers=_session(organiser))
    assert organisers.status_code == 200 and talent_train["title"] in organisers.text


async def test_a_booth_scanner_page_follows_the_domains_rules(client, organiser, talent_train, employer, hr, other_hr):
    stop_id = talent_train["stops"][0]["id"]
    booth = await post_ok(client, f"/api/stops/{stop_id}/booths", {"employer_id": employer["id"], "label": "A12"}, organiser)
    # The event is a draft: its own HR cannot scan there through the API, nor open the page.
    draft = await client.get(f"/scan/booths/{booth['id']}", headers=_session(hr))
    assert draft.status_code == 404 and talent_train["title"] not in draft.text
    await post_ok(client, f"/api/events/{talent_train['slug']}/publish", None, organiser, status=200)
    assert (await client.get(f"/scan/booths/{booth['id']}", headers=_session(hr))).status_code == 200
    others = await client.get(f"/scan/booths/{booth['id']}", headers=_session(other_hr))
    assert others.status_code == 403 and "只能在本单位的展位扫码" in _main(others.text)


# ---------------------------------------------------------------- rough edges


async def test_error_pages_speak_the_pages_language_and_know_who_is_signed_in(client, seeker):
    import re
    import uuid

    missing = f"/me/tickets/{uuid.uuid4()}"
    zh = await client.get(missing, headers=_session(seeker))
    assert zh.status_code == 404
    assert "找不到这条报名记录" in _main(zh.text)
    assert not re.search(r"[A-Za-z]{2,}", _main(zh.text)), f"English inside the Chinese page: {_main(zh.text)}"
    assert "退出" in zh.text and 'href="/login"' not in zh.text, "the header offers a signed-in visitor to sign in"

    # A mangled link (not an id at all) gets the same page, not the router's JSON.
    mangled = await client.get("/me/tickets/not-a-ticket", headers=_session(seeker))
    assert mangled.status_code == 404 and mangled.headers["content-type"].startswith("text/html")
    assert not re.search(r"[A-Za-z]{2,}", _main(mangled.text)) and "退出" in mangled.text

    en = await client.get(missing + "?lang=en", headers=_session(seeker))
    assert "There is no such registration." in _main(en.text) and "Sign out" in en.text

    # Refusals of the framework itself (a filter the page does not know) read the same way.
    odd = await client.get("/events?kind=rocket", headers=_session(seeker))
    assert odd.status_code == 400
    assert not re.search(r"[A-Za-z]{2,}", _main(odd.text)), f"English inside the Chinese page: {_main(odd.text)}"
    assert "退出" in odd.text


async def test_a_browser_at_a_path_with_no_page_gets_a_page_and_a_program_gets_problem_json(client):
    import re

    page = await client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"[A-Za-z]{2,}", _main(page.text)), f"English inside the Chinese page: {_main(page.text)}"
    program = await client.get("/no-such-page", headers={"Accept": "application/json"})
    assert program.status_code == 404 and program.headers["content-type"].startswith("application/problem+json")
    api = await client.get("/api/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


async def test_signing_in_from_a_stops_register_button_lands_registered(client, published_train, live_server, phone):
    from conftest import HR_PASSWORD, make_account

    _actor, headers = await make_account("seeker")
    email = (await client.get("/api/me", headers=headers)).json()["email"]
    await phone.goto(f"{live_server.url}/events/{published_train['slug']}")
    await phone.get_by_role("button", name="报名").first.click()
    await expect(phone.get_by_role("heading", name="注册")).to_be_visible()
    await phone.get_by_role("main").get_by_role("link", name="登录").click()
    await phone.get_by_label("手机号或邮箱").fill(email)
    await phone.get_by_label("密码").fill(HR_PASSWORD)
    await phone.get_by_role("main").get_by_role("button", name="登录").click()
    await phone.wait_for_url("**/me/tickets/*")
    await expect(phone.get_by_text("报名成功")).to_be_visible()
    await expect(phone.get_by_role("heading", name=published_train["title"])).to_be_visible()


async def test_english_pages_say_one_opening_and_one_employer(client, hr, booth, published_train):
    from conftest import job_body

    await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(headcount=1), hr)
    page = _main((await client.get(f"/events/{published_train['slug']}?lang=en")).text)
    assert "1 opening" in page and "1 openings" not in page
    assert "1 employer" in page and "1 employers" not in page
    assert "0 employers" in page, "other counts keep the plural"


async def test_stalls_are_listed_in_floor_plan_order(client, organiser, published_train):
    from conftest import credit_code

    stop_id = published_train["stops"][0]["id"]
    for label in ("A10", "A2", "A1", "B1"):
        employer = await post_ok(client, "/api/employers", {"name": f"单位 {label}", "credit_code": credit_code(), "city": "南京"}, organiser)
        await post_ok(client, f"/api/stops/{stop_id}/booths", {"employer_id": employer["id"], "label": label}, organiser)
    listed = (await client.get(f"/api/stops/{stop_id}/booths")).json()
    assert [booth["label"] for booth in listed] == ["A1", "A2", "A10", "B1"]
    page = _main((await client.get(f"/events/{published_train['slug']}")).text)
    assert page.index("A1 单位 A1") < page.index("A2 单位 A2") < page.index("A10 单位 A10") < page.index("B1 单位 B1")


async def test_the_consent_label_names_the_notice_once(client):
    for lang, name in (("zh", "个人信息保护说明"), ("en", "privacy notice")):
        page = (await client.get(f"/signup?lang={lang}")).text
        label = page.split('<label class="check"', 1)[1].split("</label>", 1)[0]
        assert label.lower().count(name) == 1, label


async def test_stops_outside_shanghai_name_their_time_zone(client, organiser, talent_train):
    from conftest import stop_body

    await post_ok(client, f"/api/events/{talent_train['slug']}/stops", stop_body(16, "早稻田大学", timezone="Asia/Tokyo", address="東京都新宿区戸塚町1-104"), organiser)
    await post_ok(client, f"/api/events/{talent_train['slug']}/publish", None, organiser, status=200)
    zh = _main((await client.get(f"/events/{talent_train['slug']}")).text)
    assert zh.count("当地时间 Asia/Tokyo UTC+9") == 1, "only the Tokyo stop names its zone"
    en = _main((await client.get(f"/events/{talent_train['slug']}?lang=en")).text)
    assert en.count("local time, Asia/Tokyo, UTC+9") == 1


async def test_the_site_has_a_favicon(client):
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00", "an ICO file"
    assert '<link rel="icon" href="/favicon.ico">' in (await client.get("/events")).text
