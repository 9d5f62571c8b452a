"""The gate scanner on a volunteer's phone (typed codes, a dead network, a sync), and the organiser's live dashboard."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import httpx
from browser import fits_the_screen
from conftest import confirmed_tickets, post_ok
from playwright.async_api import expect

from events.tables import CheckIn, Scan

#: Where the tests leave screenshots of what they saw, for a person to look at.
SHOTS = Path(tempfile.gettempdir()) / "scanner-screenshots"
SHOTS.mkdir(exist_ok=True)


async def _scan(page, code):
    await page.get_by_label("手动输入核验码或粘贴入场码").fill(code)
    await page.get_by_role("button", name="核验").click()


async def test_a_volunteer_scans_goes_offline_keeps_scanning_and_the_queue_syncs_when_the_network_returns(
    client, organiser, night_market, live_server, phone_context
):
    tonight = night_market["tonight"]["id"]
    access = await post_ok(client, f"/api/stops/{tonight}/scanner-access", {"label": "东门"}, organiser)
    people = await confirmed_tickets(tonight, 4)
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/scan/stops/{tonight}#access={access['code']}")
    pending = page.locator("#pending")

    await _scan(page, people[0]["short_code"])
    await expect(page.locator("#status")).to_contain_text("签到成功")
    await _scan(page, people[0]["short_code"])
    await expect(page.locator("#status")).to_contain_text("不重复计数")

    await phone_context.set_offline(True)
    await _scan(page, people[1]["short_code"])
    await _scan(page, people[2]["code"])  # a QR payload pasted in: checked on the phone, offline
    await expect(page.locator("#status")).to_contain_text("离线核验通过")
    await _scan(page, people[3]["short_code"])
    await expect(pending).to_have_attribute("data-count", "3")
    assert await CheckIn.count() == 1

    await phone_context.set_offline(False)
    await expect(pending).to_have_attribute("data-count", "0", timeout=15_000)
    assert await CheckIn.count() == 4 and await Scan.count() == 5
    await fits_the_screen(page)


async def test_a_forged_ticket_is_refused_on_the_phone_before_any_network(client, organiser, night_market, live_server, phone_context):
    tonight = night_market["tonight"]["id"]
    access = await post_ok(client, f"/api/stops/{tonight}/scanner-access", {}, organiser)
    (person,) = await confirmed_tickets(tonight, 1)
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/scan/stops/{tonight}#access={access['code']}")
    await phone_context.set_offline(True)
    forged = person["code"][:-4] + ("AAAA" if not person["code"].endswith("AAAA") else "BBBB")
    await _scan(page, forged)
    await expect(page.locator("#status")).to_contain_text("伪造")


async def test_the_dashboard_updates_itself_when_a_scan_arrives(client, organiser, night_market, live_server, phone_context):
    tonight = night_market["tonight"]["id"]
    (person,) = await confirmed_tickets(tonight, 1)
    token = organiser["Authorization"].split()[1]
    await phone_context.add_cookies([{"name": "session", "value": token, "url": live_server.url}])
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/dashboard/events/{night_market['slug']}")
    await expect(page.locator("#live")).to_be_visible()
    first = page.locator("[data-stat=checked_in]").first
    await expect(first).to_have_text("0")
    async with httpx.AsyncClient(base_url=live_server.url, headers=organiser) as http:
        response = await http.post(f"/api/stops/{tonight}/check-ins", json={"ticket": person["code"], "nonce": "dashboard-test-0001"})
        assert response.status_code == 201
    await expect(first).to_have_text("1", timeout=10_000)


async def test_live_updates_stream_as_server_sent_events(client, organiser, night_market, live_server):
    tonight = night_market["tonight"]["id"]
    (person,) = await confirmed_tickets(tonight, 1)
    async with httpx.AsyncClient(base_url=live_server.url, headers=organiser, timeout=20) as http:
        async with http.stream("GET", f"/api/events/{night_market['slug']}/attendance/live") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            assert await anext(lines) == "event: ready"
            await http.post(f"/api/stops/{tonight}/check-ins", json={"ticket": person["code"], "nonce": "sse-test-00000001"})
            async with asyncio.timeout(10):
                while not (await anext(lines)).startswith("event: count"):
                    pass
                data = json.loads((await anext(lines)).removeprefix("data: "))
    assert data == {"kind": "check_in", "stop_id": tonight, "booth_id": "", "result": "checked_in"}


async def test_hr_notes_the_jobs_asked_about_and_the_student_applies_from_the_event_page(client, hr, night_market, live_server, phone_context):
    from conftest import job_body, sign_up_body

    from events.tables import Interest, VisitJob

    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="算法工程师"), hr)
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/registrations", None, student)

    await phone_context.add_cookies([{"name": "session", "value": hr["Authorization"].split()[1], "url": live_server.url}])
    stall = await phone_context.new_page()
    await stall.goto(f"{live_server.url}/scan/booths/{night_market['a12']['id']}")
    await stall.get_by_label("算法工程师").check()
    await _scan(stall, registration["ticket"]["short_code"])
    await expect(stall.locator("#status")).to_contain_text("到访已记录")
    assert [str(row["job"]) for row in await VisitJob.select(VisitJob.job)] == [job["id"]]

    await phone_context.clear_cookies()
    await phone_context.add_cookies([{"name": "session", "value": student["Authorization"].split()[1], "url": live_server.url}])
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/events/{night_market['slug']}")
    await page.get_by_role("button", name="投递简历 · 算法工程师").click()
    await expect(page.get_by_text("已投递")).to_be_visible()
    assert await Interest.count() == 1
    visitors = (await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=hr)).json()["visitors"]
    assert visitors[0]["shared"] is True and visitors[0]["jobs_asked"] == ["算法工程师"] and visitors[0]["interests"] == ["算法工程师"]


async def _gate(client, organiser, live_server, phone_context, stop_id):
    access = await post_ok(client, f"/api/stops/{stop_id}/scanner-access", {"label": "南门"}, organiser)
    page = await phone_context.new_page()
    await page.goto(f"{live_server.url}/scan/stops/{stop_id}#access={access['code']}")
    return page


async def _kept_by_the_service_worker(page, path):
    """Wait until the service worker controls the page and has kept it (a function, not a string: the page's CSP forbids eval)."""
    async with asyncio.timeout(15):  # a page that registers no worker would wait forever
        await page.evaluate(
            """async (path) => {
                await navigator.serviceWorker.ready;
                while (!navigator.serviceWorker.controller || !(await caches.match(path))) await new Promise((r) => setTimeout(r, 50));
            }""",
            path,
        )


async def test_every_scan_gets_its_own_banner_at_once_in_words_even_offline(client, organiser, night_market, live_server, phone_context):
    from events.tables import Registration

    tonight = night_market["tonight"]["id"]
    people = await confirmed_tickets(tonight, 3)
    (tomorrows,) = await confirmed_tickets(night_market["tomorrow"]["id"], 1)
    await Registration.update({Registration.short_code: "K0Q1M2XA"}).where(Registration.id == people[2]["id"])
    page = await _gate(client, organiser, live_server, phone_context, tonight)
    status = page.locator("#status")
    await expect(status).to_be_hidden()  # no empty box before the first scan

    await _scan(page, tomorrows["short_code"].lower())
    await expect(status).to_have_text("✗ 这是其他站点的入场码")
    await _scan(page, "koqi m2xa")  # Crockford's look-alikes, lower case, a space
    await expect(status).to_contain_text("签到成功")

    await phone_context.set_offline(True)
    await _scan(page, people[0]["short_code"].lower())
    short = people[0]["short_code"]
    await expect(status).to_have_text(f"已保存核验码 {short[:4]}-{short[4:]}，联网后核验")
    await _scan(page, people[1]["code"])
    await expect(status).to_have_text("✓ 离线核验通过（已在本机核对签名），联网后同步")
    await _scan(page, "hello")
    await expect(status).to_contain_text("核验码是 8 位字母和数字")
    await expect(page.locator("#pending")).to_have_attribute("data-count", "2")

    await phone_context.set_offline(False)
    await expect(page.locator("#pending")).to_have_attribute("data-count", "0", timeout=15_000)
    await expect(page.locator("#results .result-ok")).to_have_count(3)
    # The banner stays with the latest scan; the answers about the earlier ones went to the list.
    await expect(status).to_contain_text("核验码是 8 位字母和数字")
    shown = await page.locator("main").inner_text()
    assert "ticket_" not in shown and "wrong_stop" not in shown and "refused" not in shown
    assert await CheckIn.count() == 3
    await page.screenshot(path=str(SHOTS / "scanner-after-sync.png"), full_page=True)


async def test_a_scanner_page_visited_once_opens_and_keeps_its_queue_with_the_server_gone(client, organiser, night_market, live_server, phone_context):
    tonight = night_market["tonight"]["id"]
    people = await confirmed_tickets(tonight, 2)
    page = await _gate(client, organiser, live_server, phone_context, tonight)
    await _kept_by_the_service_worker(page, f"/scan/stops/{tonight}")

    live_server.stop()  # the network is down: nothing answers
    await _scan(page, people[0]["short_code"])
    await expect(page.locator("#status")).to_contain_text("联网后核验")
    await page.reload()
    await expect(page.get_by_role("heading", name="扫码", exact=True)).to_be_visible()
    await expect(page.locator("#pending")).to_have_attribute("data-count", "1")
    await expect(page.locator("#results")).to_contain_text(people[0]["short_code"][:4])
    await _scan(page, people[1]["code"])
    await expect(page.locator("#status")).to_contain_text("离线核验通过")
    await page.screenshot(path=str(SHOTS / "scanner-offline.png"), full_page=True)

    live_server.start()
    await expect(page.locator("#pending")).to_have_attribute("data-count", "0", timeout=20_000)
    assert await CheckIn.count() == 2


async def test_the_scanner_can_be_installed_to_the_home_screen(client, organiser, night_market, live_server, phone_context):
    tonight = night_market["tonight"]["id"]
    page = await _gate(client, organiser, live_server, phone_context, tonight)
    href = await page.locator("link[rel=manifest]").get_attribute("href")
    manifest = await client.get(href)
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == f"/scan/stops/{tonight}" and body["scope"] == "/scan/" and body["display"] == "standalone"
    for icon in body["icons"]:
        image = await client.get(icon["src"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert (await client.get("/scan/manifest.webmanifest", params={"start": "https://evil.example/"})).status_code == 422
    await _kept_by_the_service_worker(page, f"/scan/stops/{tonight}")
    assert await page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)") == f"{live_server.url}/scan/sw.js"
    session = await page.context.new_cdp_session(page)
    errors = (await session.send("Page.getInstallabilityErrors"))["installabilityErrors"]
    # Chromium's own verdict; a Playwright context is an incognito one, which no site can change.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors


async def test_signing_out_forgets_the_scanner_pages_kept_with_that_sign_in(client, hr, night_market, live_server, phone_context):
    await phone_context.add_cookies([{"name": "session", "value": hr["Authorization"].split()[1], "url": live_server.url}])
    stall = await phone_context.new_page()
    path = f"/scan/booths/{night_market['a12']['id']}"
    await stall.goto(f"{live_server.url}{path}")
    await _kept_by_the_service_worker(stall, path)

    await stall.get_by_role("button", name="退出").click()
    await stall.wait_for_url("**/events?signed_out=1")
    await expect(stall.locator("html[data-scanner-pages-forgotten]")).to_have_count(1)
    kept = await stall.evaluate("async (path) => Boolean(await caches.match(path))", path)
    assert kept is False, "a signed-out phone still holds the HR scanner page and its sign-in"
    assert await stall.evaluate("async () => Boolean(await caches.match('/static/scanner.js'))"), "the scanner's scripts stay kept"
