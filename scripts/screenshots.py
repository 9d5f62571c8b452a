"""Regenerate docs/screenshots/*.png: the student's pages on a 360×740 phone, in Chinese and English, and the
organiser console on a 1280-wide desktop.

    .venv/bin/python scripts/screenshots.py

Starts `main.py run` on an empty data directory (so the demo loads), signs a student up through
the pages, registers for the first campus stop and photographs each step; then tonight's stall night
(laid out C01–C20), its scanner, dashboard and the organiser's console pages. Chinese glyphs need a
CJK font (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import PHONE, launch  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from server import Server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "organiser-demo-1"  # noqa: S105 - the throwaway demo server's organiser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "timezone_id": "Asia/Shanghai"}


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server({"DATA_DIR": tempfile.mkdtemp(), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": "", "ORGANISER_PASSWORD": PASSWORD}, args=("run",))
    server.start()
    try:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await (await browser.new_context(**PHONE, locale="zh-CN")).new_page()
            await page.goto(f"{server.url}/events")
            await page.screenshot(path=OUT / "events.png", full_page=True)
            await page.goto(f"{server.url}/events/nanjing-talent-train")
            await page.screenshot(path=OUT / "event.png")
            await page.get_by_role("button", name="报名").first.click()
            await page.get_by_label("姓名").fill("李华")
            await page.get_by_label("手机号").fill("13812345678")
            await page.get_by_label("密码").fill("campus-2026")
            await page.get_by_label("学校").fill("南京大学")
            await page.get_by_label("专业").fill("软件工程")
            await page.screenshot(path=OUT / "signup.png", full_page=True)
            await page.get_by_label("我已阅读并同意").check()
            await page.get_by_role("button", name="注册").click()
            # Signing up from a stop's register button lands on the new ticket.
            await page.wait_for_url("**/me/tickets/*")
            await page.screenshot(path=OUT / "ticket.png", full_page=True)
            await page.goto(page.url + "?lang=en")
            await page.screenshot(path=OUT / "ticket-en.png", full_page=True)
            await page.goto(f"{server.url}/me/tickets")
            await page.screenshot(path=OUT / "tickets-en.png", full_page=True)

            # The organiser: a gate volunteer's scanner for tonight's first stall night, and the live dashboard.
            organiser = await _organiser_session(server.url, browser)
            night = await _tonight(server.url, organiser)
            scanner = await (await browser.new_context(**PHONE, locale="zh-CN")).new_page()
            await scanner.goto(f"{server.url}/scan/stops/{night['stop_id']}#access={night['access']}")
            for code in night["codes"][:6] + night["codes"][:1]:
                await scanner.get_by_label("手动输入核验码或粘贴入场码").fill(code)
                await scanner.get_by_role("button", name="核验").click()
                await scanner.wait_for_timeout(300)
            await scanner.screenshot(path=OUT / "scanner.png", full_page=True)
            await organiser.goto(f"{server.url}/dashboard/events/{night['slug']}")
            await organiser.wait_for_timeout(500)
            await organiser.screenshot(path=OUT / "dashboard.png", full_page=True)
            # Employer applications: the public form on a phone.
            await page.goto(f"{server.url}/apply-employer?event=qinhuai-night-market&lang=zh")
            await page.screenshot(path=OUT / "apply-employer.png", full_page=True)

            # The organiser console on a desktop: the overview, an event with its stops, tonight's floor plan, registrations,
            # a gate volunteers' sheet, and the applications with the demo's pending one.
            desk = await _organiser_session(server.url, browser, DESKTOP)
            await desk.wait_for_url("**/manage")
            await desk.screenshot(path=OUT / "manage.png", full_page=True)
            await desk.goto(f"{server.url}/manage/events/nanjing-talent-train")
            await desk.screenshot(path=OUT / "manage-event.png", full_page=True)
            await desk.goto(f"{server.url}/manage/stops/{night['stop_id']}")
            await desk.locator("#floor-plan").scroll_into_view_if_needed()
            await desk.screenshot(path=OUT / "manage-stalls.png", full_page=True)
            await desk.goto(f"{server.url}/manage/stops/{night['stop_id']}/registrations")
            await desk.screenshot(path=OUT / "manage-registrations.png", full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1500})
            await desk.goto(f"{server.url}/manage/stops/{night['stop_id']}/volunteers")
            await desk.get_by_label("备注（如：东门）").fill("西门")
            await desk.get_by_label("数量").fill("3")
            await desk.get_by_role("button", name="生成授权").click()
            await desk.wait_for_selector(".sheet")
            await desk.screenshot(path=OUT / "manage-volunteers.png", full_page=True)
            await desk.goto(f"{server.url}/manage/applications")
            await desk.screenshot(path=OUT / "manage-applications.png", full_page=True)
            await desk.get_by_role("link", name="南京青禾软件有限公司").click()
            await desk.screenshot(path=OUT / "manage-application.png", full_page=True)
            await browser.close()
    finally:
        server.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


async def _organiser_session(url: str, browser, shape: dict = PHONE):
    """A page signed in as the demo organiser, whose password `main.py run` printed."""
    page = await (await browser.new_context(**shape, locale="zh-CN")).new_page()
    await page.goto(f"{url}/login")
    await page.get_by_label("手机号或邮箱").fill("organiser@example.com")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    return page


async def _tonight(url: str, page) -> dict:
    """A night market on now, with twenty stalls' worth of visits and forty arrivals over the last hour."""
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        token = (await http.post("/api/auth/login", json={"login": "organiser@example.com", "password": PASSWORD})).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        now = datetime.now(UTC)
        event = (await http.post("/api/events", json={"kind": "night_market", "title": "今晚 · 新街口人才夜市", "city": "南京"})).json()
        stop = (await http.post(f"/api/events/{event['slug']}/stops", json={
            "name": "第一晚", "address": "南京市秦淮区新街口", "capacity": 500,
            "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat()})).json()
        employers = (await http.get("/api/employers", params={"limit": 12})).json()["items"]
        # Twenty stalls laid out, twelve of them let: the floor plan shows both.
        await http.post(f"/api/stops/{stop['id']}/booths/bulk", json={"prefix": "C", "first": 1, "last": 20})
        booths = [(await http.post(f"/api/stops/{stop['id']}/booths", json={"employer_id": e["id"], "label": f"C{n + 1:02d}"})).json() for n, e in enumerate(employers)]
        await http.post(f"/api/events/{event['slug']}/publish")
        codes, scans = [], []
        for n in range(60):
            signed = (await http.post("/api/seekers", json={
                "name": f"学生{n}", "phone": f"1391234{n:04d}", "password": "campus-2026", "school": "南京大学", "major": "软件工程",
                "degree": "bachelor", "graduation_year": 2027, "accept_privacy_notice": True, "privacy_notice_version": "2026-11"})).json()
            seeker = {"Authorization": f"Bearer {signed['token']['access_token']}"}
            registration = (await http.post(f"/api/stops/{stop['id']}/registrations", headers=seeker)).json()
            codes.append(registration["ticket"]["short_code"])
            if n >= 20:
                at = (now - timedelta(minutes=55) + timedelta(minutes=n % 50)).isoformat()
                scans.append({"kind": "check_in", "stop_id": stop["id"], "ticket": registration["ticket"]["code"], "nonce": f"shot-gate-{n:04d}", "scanned_at": at})
                for k in range(1 + n % 4):
                    booth = booths[(n * 7 + k * 3) % len(booths)]
                    scans.append({"kind": "visit", "booth_id": booth["id"], "ticket": registration["ticket"]["code"], "nonce": f"shot-{n:04d}-{k}", "scanned_at": at})
        await http.post("/api/scans/sync", json={"scans": scans})
        access = (await http.post(f"/api/stops/{stop['id']}/scanner-access", json={"label": "东门"})).json()
    return {"slug": event["slug"], "stop_id": stop["id"], "access": access["code"], "codes": codes}


if __name__ == "__main__":
    asyncio.run(main())
