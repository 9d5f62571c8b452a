"""The HR person's and the organiser's back-office stories in a real headless Chromium."""

from __future__ import annotations

import io
import re
import uuid

from browser import fits_the_screen
from conftest import HR_PASSWORD, ORGANISER_PASSWORD, credit_code, make_account, post_ok, sign_up_body
from openpyxl import load_workbook
from playwright.async_api import Page, expect
from test_employer_import import rows, wrong_check_digit, xlsx

from events.tables import Account


async def _sign_in(page: Page, base: str, login: str, password: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("手机号或邮箱").fill(login)
    await page.get_by_label("密码", exact=True).fill(password)
    await page.get_by_role("button", name="登录").click()


async def test_an_hr_person_posts_three_jobs_finds_the_scanner_and_exports_visitors(client, employer, night_market, live_server, phone):
    actor, hr = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    await _sign_in(phone, live_server.url, email, HR_PASSWORD)
    await phone.wait_for_url(f"{live_server.url}/hr")
    booth = night_market["a12"]["id"]
    await expect(phone.get_by_role("heading", name="A12 · 今晚")).to_be_visible()
    await expect(phone.get_by_role("img", name="展位 A12 的扫码页面二维码")).to_be_visible()
    assert await phone.get_by_role("link", name="打开扫码").get_attribute("href") == f"/scan/booths/{booth}"
    await fits_the_screen(phone)

    await phone.get_by_role("link", name="岗位").first.click()
    for title, low, high in (("Java 开发工程师", "12000", "20000"), ("测试工程师", "9000", "14000"), ("产品经理", "15000", "25000")):
        await phone.get_by_label("岗位名称").fill(title)
        await phone.get_by_label("月薪下限（元）").fill(low)
        await phone.get_by_label("月薪上限（元）").fill(high)
        await phone.get_by_label("招聘人数").fill("3")
        await phone.get_by_label("专业要求").fill("计算机科学与技术、软件工程")
        await phone.get_by_role("button", name="发布", exact=True).click()
        await expect(phone.get_by_role("status")).to_have_text("岗位已发布。")
    await fits_the_screen(phone)
    listed = (await client.get(f"/api/events/{night_market['slug']}/jobs")).json()
    assert sorted(j["title"] for j in listed["items"]) == ["Java 开发工程师", "产品经理", "测试工程师"]
    java = next(j for j in listed["items"] if j["title"] == "Java 开发工程师")

    # A student at tonight's market, scanned at the stall (through the API), who applied for the Java job.
    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/registrations", None, student)
    scanned = await client.post(f"/api/booths/{booth}/visits", json={"ticket": registration["ticket"]["code"], "nonce": str(uuid.uuid4()), "job_ids": [java["id"]]}, headers=hr)
    assert scanned.status_code == 201, scanned.text
    await post_ok(client, f"/api/jobs/{java['id']}/interests", None, student)

    await phone.get_by_role("link", name="到访学生").click()
    await expect(phone.locator("#visitor-count")).to_have_text("共 1 位到访学生")
    await expect(phone.get_by_role("cell", name=re.compile(r"^李华"))).to_be_visible()
    await fits_the_screen(phone)
    async with phone.expect_download() as info:
        await phone.get_by_role("link", name="导出 Excel").click()
    download = await info.value
    await phone.get_by_role("link", name="单位与同事").click()
    await expect(phone.get_by_role("heading", name="添加同事")).to_be_visible()
    await fits_the_screen(phone)
    sheet = load_workbook(io.BytesIO((await download.path()).read_bytes())).active
    assert [c.value for c in sheet[2]][1:7] == ["A12", sheet["C2"].value, 1, "Java 开发工程师", "Java 开发工程师", "李华"]


async def test_an_organiser_imports_twelve_employers_after_fixing_the_one_wrong_row(client, organiser, live_server, phone_context, tmp_path):
    page = await phone_context.new_page()
    await page.set_viewport_size({"width": 1280, "height": 900})
    email = (await client.get("/api/me", headers=organiser)).json()["email"]
    await _sign_in(page, live_server.url, email, ORGANISER_PASSWORD)
    await page.wait_for_url(f"{live_server.url}/manage")
    await page.goto(f"{live_server.url}/manage/employers")
    await page.get_by_role("link", name="批量导入").click()

    data = rows()
    good = data[6][1]
    data[6][1] = wrong_check_digit(good)
    wrong_file = tmp_path / "employers.xlsx"
    wrong_file.write_bytes(xlsx(data))
    await page.get_by_label("选择文件").set_input_files(wrong_file)
    await page.get_by_role("button", name="检查文件").click()
    await expect(page.get_by_role("alert")).to_contain_text("有 1 行存在问题，未写入任何数据")
    await expect(page.get_by_role("alert")).to_contain_text("行号 8: 信用代码：信用代码不正确")
    await expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert (await client.get("/api/employers", headers=organiser)).json()["total"] == 0

    data[6][1] = good
    fixed = tmp_path / "employers-fixed.xlsx"
    fixed.write_bytes(xlsx(data))
    await page.get_by_label("选择文件").set_input_files(fixed)
    await page.get_by_role("button", name="检查文件").click()
    await expect(page.locator("#import-summary")).to_have_text("全部 12 行检查通过，确认后一次性导入。")
    await page.get_by_role("button", name="确认导入 12 家单位").click()
    await expect(page.locator("#import-done")).to_have_text("已导入 12 家用人单位。")
    # Each contact's invitation link, shown once, for the organiser to send.
    await expect(page.locator("input.invitation-link")).to_have_count(12)
    assert "/invitations/" in await page.locator("input.invitation-link").first.input_value()
    assert (await client.get("/api/employers", headers=organiser)).json()["total"] == 12


async def test_the_credit_code_is_checked_as_it_is_typed(client, organiser, live_server, phone):
    email = (await client.get("/api/me", headers=organiser)).json()["email"]
    await _sign_in(phone, live_server.url, email, ORGANISER_PASSWORD)
    await phone.goto(f"{live_server.url}/manage/employers/new")
    code = credit_code()
    field = phone.get_by_label("统一社会信用代码")
    await field.fill(code[:10])
    await expect(phone.locator("#credit-code-status")).to_have_text("还差 8 位")
    await field.fill(wrong_check_digit(code))
    await expect(phone.locator("#credit-code-status")).to_have_text("✗ 信用代码不正确（请核对校验码）")
    await field.fill(code)
    await expect(phone.locator("#credit-code-status")).to_have_text("✓ 校验码正确")
    await fits_the_screen(phone)
    for path in ("/manage/employers", "/manage/employers/import"):
        await phone.goto(f"{live_server.url}{path}")
        await fits_the_screen(phone)
