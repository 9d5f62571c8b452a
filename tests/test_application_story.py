"""The employer's story in a real headless Chromium: apply on a phone, an organiser approves on a desktop, the HR person activates the account."""

from __future__ import annotations

import httpx
import pytest
from browser import fits_the_screen
from conftest import ORGANISER_PASSWORD, credit_code, make_account
from playwright.async_api import async_playwright, expect
from test_applications import PNG

from events.tables import Account


@pytest.fixture
async def browser():
    from browser import launch

    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()



async def test_an_employer_applies_is_approved_and_its_hr_person_activates_the_account(client, published_train, live_server, browser):
    from browser import PHONE

    # The employer, on a phone.
    phone = await (await browser.new_context(**PHONE, locale="zh-CN")).new_page()
    await phone.goto(f"{live_server.url}/apply-employer")
    await phone.get_by_role("link", name=published_train["title"]).click()
    await expect(phone.get_by_role("heading", name="企业入驻申请")).to_be_visible()
    await fits_the_screen(phone)
    await phone.get_by_label("单位名称").fill("南京青禾软件有限公司")
    await phone.get_by_label("统一社会信用代码").fill("91320100MA1MXXXX0Y")
    await phone.get_by_label("联系人", exact=True).fill("王敏")
    await phone.get_by_label("联系人手机号").fill("13812345678")
    await phone.get_by_label("联系人邮箱").fill("wangmin@qinghe.example.com")
    await phone.get_by_label("南京大学").check()
    await phone.get_by_label("计划招聘的岗位").fill("Java 开发工程师\n管培生")
    await phone.get_by_label("营业执照（选填）").set_input_files({"name": "执照.png", "mimeType": "image/png", "buffer": PNG})
    await phone.get_by_role("button", name="提交申请").click()
    # A wrong check digit: said next to the field, in Chinese, with the rest kept.
    await expect(phone.locator("#credit_code-error")).to_contain_text("统一社会信用代码不正确")
    await expect(phone.get_by_label("单位名称")).to_have_value("南京青禾软件有限公司")
    await fits_the_screen(phone)
    await phone.get_by_label("统一社会信用代码").fill(credit_code())
    await phone.get_by_label("营业执照（选填）").set_input_files({"name": "执照.png", "mimeType": "image/png", "buffer": PNG})
    await phone.get_by_role("button", name="提交申请").click()
    await expect(phone.get_by_role("heading", name="申请已提交")).to_be_visible()

    # The organiser, on a desktop.
    actor, _ = await make_account("organiser", password=ORGANISER_PASSWORD)
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    desk = await (await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")).new_page()
    await desk.goto(f"{live_server.url}/login?next=/manage/applications")
    await desk.get_by_label("手机号或邮箱").fill(email)
    await desk.get_by_label("密码").fill(ORGANISER_PASSWORD)
    await desk.get_by_role("button", name="登录").click()
    await expect(desk.get_by_role("heading", name="入驻申请")).to_be_visible()
    await desk.get_by_role("link", name="南京青禾软件有限公司").click()
    await expect(desk.get_by_role("link", name="查看营业执照")).to_be_visible()
    first_stop = published_train["stops"][0]["id"]
    await desk.locator(f"#label-{first_stop}").fill("C8")
    await desk.get_by_role("button", name="通过并分配展位").click()
    await expect(desk.get_by_role("heading", name="HR 账号激活链接")).to_be_visible()
    link = await desk.locator("input.invitation-link").first.input_value()
    assert link.startswith("http") and "/invitations/" in link

    # The HR person follows the link on a phone, sets a password and lands on /hr, signed in.
    hr_context = await browser.new_context(**PHONE, locale="zh-CN")
    hr_phone = await hr_context.new_page()
    await hr_phone.goto(live_server.url + "/invitations/" + link.rsplit("/", 1)[1])
    await expect(hr_phone.get_by_text("王敏，欢迎代表 南京青禾软件有限公司")).to_be_visible()
    await fits_the_screen(hr_phone)
    await hr_phone.get_by_label("密码").fill("qinghe-2026")
    await hr_phone.get_by_role("button", name="设置密码并登录").click()
    await hr_phone.wait_for_url(f"{live_server.url}/hr")
    session = next(cookie["value"] for cookie in await hr_context.cookies() if cookie["name"] == "session")
    async with httpx.AsyncClient(base_url=live_server.url) as api:
        me = (await api.get("/api/me", headers={"Authorization": f"Bearer {session}"})).json()
        assert me["role"] == "hr" and me["email"] == "wangmin@qinghe.example.com"
        booths = (await api.get(f"/api/stops/{first_stop}/booths")).json()
        assert [booth["label"] for booth in booths if booth["employer"]["name"] == "南京青禾软件有限公司"] == ["C8"]
