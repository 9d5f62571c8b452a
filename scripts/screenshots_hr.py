"""Regenerate the back-office screenshots of the HR workspace and the organiser's employer pages (docs/screenshots/hr-*.png, employers-*.png).

    .venv/bin/python scripts/screenshots_hr.py

Starts `main.py run` on an empty data directory (so the demo loads), gives the first demo employer an
HR account through the API, and photographs its workspace on a 360×740 phone; then the organiser's
employer list and an import preview with one wrong row on a desktop-sized window.
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from browser import PHONE, launch  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from server import Server  # noqa: E402
from stdnum.cn import uscc  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "organiser-demo-1"  # noqa: S105 - the throwaway demo server's organiser
HR_PASSWORD = "hr-demo-2026"  # noqa: S105 - the throwaway demo server's HR person


def _sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码", "联系人", "手机", "邮箱", "岗位"])
    for n in range(1, 13):
        body = f"91320500{n + 700:09d}"
        code = body + uscc.calc_check_digit(body)
        if n == 7:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
        sheet.append([f"苏州示例{n:02d}科技有限公司", code, f"联系人{n}", f"1378800{n:04d}", f"hr{n}@suzhou.example.com", "Java 开发、测试工程师"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _sign_in(page, url: str, login: str, password: str) -> None:
    await page.goto(f"{url}/login")
    await page.get_by_label("手机号或邮箱").fill(login)
    await page.get_by_label("密码", exact=True).fill(password)
    await page.get_by_role("button", name="登录").click()


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server({"DATA_DIR": tempfile.mkdtemp(), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": "", "ORGANISER_PASSWORD": PASSWORD}, args=("run",))
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            token = (await http.post("/api/auth/login", json={"login": "organiser@example.com", "password": PASSWORD})).json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            employer = (await http.get("/api/employers", params={"limit": 1})).json()["items"][0]
            await http.post(f"/api/employers/{employer['id']}/staff", json={"name": "王敏", "email": "hr@demo.example.com", "password": HR_PASSWORD})
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await (await browser.new_context(**PHONE, locale="zh-CN")).new_page()
            await _sign_in(page, server.url, "hr@demo.example.com", HR_PASSWORD)
            await page.wait_for_url("**/hr")
            await page.screenshot(path=OUT / "hr-home.png", full_page=True)
            await page.goto(f"{server.url}/hr/jobs")
            await page.screenshot(path=OUT / "hr-jobs.png", full_page=True)
            await page.goto(f"{server.url}/hr/visitors")
            await page.screenshot(path=OUT / "hr-visitors.png", full_page=True)
            await page.goto(f"{server.url}/hr/team?lang=en")
            await page.screenshot(path=OUT / "hr-team-en.png", full_page=True)

            desk = await (await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")).new_page()
            await _sign_in(desk, server.url, "organiser@example.com", PASSWORD)
            await desk.goto(f"{server.url}/manage/employers")
            await desk.screenshot(path=OUT / "employers.png", full_page=True)
            await desk.goto(f"{server.url}/manage/employers/import")
            await desk.get_by_label("选择文件").set_input_files({"name": "employers.xlsx", "mimeType": "application/octet-stream", "buffer": _sheet()})
            await desk.get_by_role("button", name="检查文件").click()
            await desk.wait_for_selector("#import-summary")
            await desk.screenshot(path=OUT / "employers-import-preview.png", full_page=True)
            await browser.close()
    finally:
        server.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main())
