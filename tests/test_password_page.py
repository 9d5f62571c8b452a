"""Changing one's password on the pages, in a real headless Chromium: the header offers it, this browser stays signed in, every other sign-in ends."""

from __future__ import annotations

import httpx
from conftest import HR_PASSWORD, make_account
from playwright.async_api import expect

from events.tables import Account


async def test_a_student_changes_the_password_from_the_header_and_other_sign_ins_end(live_server, phone):
    actor, _ = await make_account("seeker")
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    async with httpx.AsyncClient(base_url=live_server.url) as api:
        laptop = (await api.post("/api/auth/login", json={"login": email, "password": HR_PASSWORD})).json()["access_token"]

        await phone.goto(f"{live_server.url}/login")
        await phone.get_by_label("手机号或邮箱").fill(email)
        await phone.get_by_label("密码", exact=True).fill(HR_PASSWORD)
        await phone.get_by_role("button", name="登录").click()
        await phone.get_by_role("link", name="账户").click()
        await expect(phone.get_by_role("heading", name="修改密码")).to_be_visible()

        await phone.get_by_label("当前密码").fill("not-my-password-1")
        await phone.get_by_label("新密码").fill("lantern-2026")
        await phone.get_by_role("button", name="修改密码").click()
        await expect(phone.get_by_role("alert")).to_have_text("当前密码不正确。")

        await phone.get_by_label("当前密码").fill(HR_PASSWORD)
        await phone.get_by_label("新密码").fill("lantern-2026")
        await phone.get_by_role("button", name="修改密码").click()
        await expect(phone.get_by_role("status")).to_contain_text("密码已修改")

        # This browser stays signed in; the laptop's sign-in has ended; only the new password opens the account.
        await phone.goto(f"{live_server.url}/me/tickets")
        await expect(phone.get_by_role("heading", name="我的报名")).to_be_visible()
        ended = await api.get("/api/me", headers={"Authorization": f"Bearer {laptop}"})
        assert ended.status_code == 401 and ended.json()["code"] == "token_revoked"
        assert (await api.post("/api/auth/login", json={"login": email, "password": HR_PASSWORD})).status_code == 401
        assert (await api.post("/api/auth/login", json={"login": email, "password": "lantern-2026"})).status_code == 200

    await phone.goto(f"{live_server.url}/me/password?lang=en")
    await expect(phone.get_by_role("link", name="Account")).to_be_visible()
    await expect(phone.get_by_label("Current password")).to_be_visible()


async def test_the_password_page_sends_a_visitor_who_is_not_signed_in_to_sign_in(live_server, phone):
    await phone.goto(f"{live_server.url}/me/password")
    await phone.wait_for_url("**/login?next=/me/password")
