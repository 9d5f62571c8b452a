"""Debian's Chromium, driven by Playwright, the way a student's phone would show the pages."""

from __future__ import annotations

import shutil

from playwright.async_api import Browser, Playwright

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True, "timezone_id": "Asia/Shanghai"}
# Without the background-networking flags Chromium keeps calling home, and this closed network refuses it.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    return path


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)


async def fill_sign_up(page, *, name: str, phone: str, school: str, major: str, degree: str = "bachelor", password: str = "campus-2026") -> None:
    """Fill the Chinese sign-up form as a student would, consent included, and send it."""
    await page.get_by_label("姓名").fill(name)
    await page.get_by_label("手机号").fill(phone)
    await page.get_by_label("密码").fill(password)
    await page.get_by_label("学校").fill(school)
    await page.get_by_label("专业").fill(major)
    await page.get_by_label("学历").select_option(degree)
    await page.get_by_label("毕业年份").fill("2027")
    await page.get_by_label("我已阅读并同意").check()
    await page.get_by_role("button", name="注册").click()


async def fits_the_screen(page) -> None:
    """The page does not scroll sideways: nothing wider than the phone."""
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


async def sign_in_organiser(page, base_url: str):
    """A new organiser signed in on the login page, landed on the console; their Actor."""
    from conftest import ORGANISER_PASSWORD, make_account

    from events.tables import Account

    actor, _ = await make_account("organiser", password=ORGANISER_PASSWORD)
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    await page.goto(f"{base_url}/login")
    await page.get_by_label("手机号或邮箱").fill(email)
    await page.get_by_label("密码", exact=True).fill(ORGANISER_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/manage")
    return actor
