"""The organiser's story in a real headless Chromium at 360 px: no API, only the console's pages."""

from __future__ import annotations

import re
from datetime import timedelta

from browser import fits_the_screen, sign_in_organiser
from conftest import future
from playwright.async_api import Page, expect

from events.tables import BoothPlace, Event, ScannerAccess, Stop


async def _add_stop(page: Page, *, school: str, campus: str, address: str, days: int, again: bool) -> None:
    start = future(days)
    if school:
        await page.get_by_label(re.compile(r"^学校")).fill(school)
    await page.get_by_label("校区 / 场馆").fill(campus)
    await page.get_by_label("地址", exact=True).fill(address)
    await page.get_by_label("开始时间", exact=True).fill(start.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("结束时间", exact=True).fill((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("名额", exact=True).fill("300")
    await page.get_by_role("button", name="保存并继续添加" if again else "保存", exact=True).click()


async def test_an_organiser_runs_a_talent_train_and_a_night_market_from_the_console(live_server, phone_context):
    page = await phone_context.new_page()
    await sign_in_organiser(page, live_server.url)
    await expect(page.get_by_role("heading", name="近期活动")).to_be_visible()

    # A talent train with three campus stops.
    await page.get_by_role("link", name="活动", exact=True).click()
    await page.get_by_role("link", name="+ 人才专列").click()
    await page.get_by_label("活动名称").fill("2027 春季南京人才专列")
    await page.get_by_label("城市").fill("南京")
    await page.get_by_role("button", name="创建").click()
    await expect(page.get_by_role("status")).to_have_text("已创建。")
    await page.get_by_role("link", name="添加站点 / 场次").click()
    await _add_stop(page, school="南京大学", campus="仙林校区", address="南京市栖霞区仙林大道163号", days=20, again=True)
    await expect(page.get_by_role("status")).to_have_text("已创建。")
    await _add_stop(page, school="东南大学", campus="九龙湖校区", address="南京市江宁区东南大学路2号", days=22, again=True)
    await _add_stop(page, school="河海大学", campus="江宁校区", address="南京市江宁区佛城西路8号", days=24, again=False)
    await expect(page.get_by_role("link", name="河海大学 江宁校区")).to_be_visible()
    await fits_the_screen(page)
    await page.get_by_role("button", name="发布").click()
    await expect(page.get_by_role("status")).to_contain_text("已发布")

    # A night market with 20 stalls laid out at once.
    await page.goto(f"{live_server.url}/manage/events")
    await page.get_by_role("link", name="+ 人才夜市").click()
    await page.get_by_label("活动名称").fill("秦淮人才夜市")
    await page.get_by_role("button", name="创建").click()
    await page.get_by_role("link", name="添加站点 / 场次").click()
    await _add_stop(page, school="", campus="老门东", address="南京市秦淮区剪子巷", days=21, again=False)
    await page.get_by_role("link", name="老门东").click()
    await page.get_by_label("前缀").fill("A")
    await page.get_by_label("起始号").fill("1")
    await page.get_by_label("结束号").fill("20")
    await page.get_by_role("button", name="生成").click()
    await expect(page.get_by_role("status")).to_have_text("展位编号已生成。")
    await expect(page.locator("#floor-plan tbody tr")).to_have_count(20)
    await expect(page.locator("#floor-plan")).to_contain_text("A20")
    await fits_the_screen(page)
    # The same range again is refused, next to the field, and nothing is added.
    await page.get_by_role("button", name="生成").click()
    await expect(page.locator("#e-prefix")).to_contain_text("本场已有编号 A01")
    await page.get_by_role("link", name="秦淮人才夜市").click()
    await page.get_by_role("button", name="发布").click()
    await expect(page.get_by_role("status")).to_contain_text("已发布")

    # Gate volunteers' access, printed as a sheet of QR codes.
    await page.get_by_role("link", name="老门东").click()
    await page.get_by_role("link", name="入口志愿者").click()
    await page.get_by_label("备注（如：东门）").fill("东门")
    await page.get_by_label("数量").fill("2")
    await page.get_by_role("button", name="生成授权").click()
    await expect(page.get_by_role("heading", name="志愿者扫码授权")).to_be_visible()
    await expect(page.get_by_role("img", name="QR 东门 1")).to_be_visible()
    await expect(page.get_by_role("img", name="QR 东门 2")).to_be_visible()
    code = await page.locator(".access-code").first.inner_text()
    assert len(code.replace("-", "")) == 12
    await fits_the_screen(page)
    await page.emulate_media(media="print")
    await expect(page.locator("nav.console")).to_be_hidden()

    events = {row["title"]: row["status"] for row in await Event.select(Event.title, Event.status)}
    assert events == {"2027 春季南京人才专列": "published", "秦淮人才夜市": "published"}
    assert await Stop.count() == 4 and await BoothPlace.count() == 20 and await ScannerAccess.count() == 2
