"""Regenerate docs/screenshots/*.png: the student's pages on a 360×740 phone, in Chinese and English.

    .venv/bin/python scripts/screenshots.py

Starts `main.py run` on an empty data directory (so the demo loads), signs a student up through
the pages, registers for the first campus stop and photographs each step. Chinese glyphs need a
CJK font (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import PHONE, launch  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from server import Server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server({"DATA_DIR": tempfile.mkdtemp(), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": ""}, args=("run",))
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
            await page.get_by_role("button", name="报名").first.click()
            await page.wait_for_url("**/me/tickets/*")
            await page.screenshot(path=OUT / "ticket.png", full_page=True)
            await page.goto(page.url + "?lang=en")
            await page.screenshot(path=OUT / "ticket-en.png", full_page=True)
            await page.goto(f"{server.url}/me/tickets")
            await page.screenshot(path=OUT / "tickets-en.png", full_page=True)
            await browser.close()
    finally:
        server.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main())
