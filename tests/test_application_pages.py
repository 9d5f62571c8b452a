"""The employer-application pages as rendered HTML: the public form, the invitation, the organiser's list and decisions."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import ORGANISER_PASSWORD, credit_code, make_account
from test_applications import PNG, apply

from events.tables import Account, EmployerApplication


async def csrf(client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


def form_fields(train, token: str, **extra) -> dict:
    return {
        "_csrf_token": token,
        "event": train["slug"],
        "company": "南京青禾软件有限公司",
        "credit_code": credit_code(),
        "contact_name": "王敏",
        "contact_phone": "13812345678",
        "contact_email": "wangmin@qinghe.example.com",
        "stop_ids": [train["stops"][0]["id"], train["stops"][1]["id"]],
        "hr_count": "2",
        "jobs": "Java 开发工程师\n管培生",
        **extra,
    }


async def sign_in(client) -> None:
    actor, _ = await make_account("organiser", password=ORGANISER_PASSWORD)
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    token = await csrf(client, "/login")
    response = await client.post("/login", data={"_csrf_token": token, "login": email, "password": ORGANISER_PASSWORD})
    assert response.status_code in (302, 303) and response.headers["location"] == "/manage"


async def test_the_form_first_lists_open_events_then_the_chosen_events_stops(client, published_train, talent_train):
    listing = await client.get("/apply-employer")
    assert "企业入驻申请" in listing.text and f"/apply-employer?event={published_train['slug']}" in listing.text
    form = await client.get(f"/apply-employer?event={published_train['slug']}")
    assert 'enctype="multipart/form-data"' in form.text and 'name="licence"' in form.text
    assert all(stop["id"] in form.text for stop in published_train["stops"])


async def test_an_employer_applies_on_the_form_with_a_licence(client, published_train):
    token = await csrf(client, f"/apply-employer?event={published_train['slug']}")
    response = await client.post("/apply-employer", data=form_fields(published_train, token), files={"licence": ("执照.png", PNG, "image/png")})
    assert response.status_code == 200 and "申请已提交" in response.text
    row = await EmployerApplication.select(EmployerApplication.licence_type, EmployerApplication.jobs, EmployerApplication.hr_count).first()
    assert row["licence_type"] == "image/png" and row["hr_count"] == 2 and "管培生" in row["jobs"]


@pytest.mark.parametrize(
    ("extra", "files", "field", "message"),
    [
        ({"credit_code": "91320100MA1MXXXX0Y"}, None, "credit_code", "统一社会信用代码不正确"),
        ({"contact_phone": "123"}, None, "contact_phone", "手机号格式不正确"),
        ({"stop_ids": []}, None, "stop_ids", "请至少选择一个站点"),
        ({}, {"licence": ("licence.png", b"GIF89a not allowed", "image/png")}, "licence", "须为 PNG、JPEG 或 PDF"),
    ],
)
async def test_a_refusal_is_shown_next_to_its_field_in_chinese_and_nothing_is_written(client, published_train, extra, files, field, message):
    token = await csrf(client, f"/apply-employer?event={published_train['slug']}")
    fields = form_fields(published_train, token, **extra)
    response = await client.post("/apply-employer", data=fields, files=files or {"licence": ("", b"", "application/octet-stream")})
    assert response.status_code == 422
    assert re.search(rf'id="{field}-error" role="alert">[^<]*{message}', response.text), response.text
    assert "invalid_" not in response.text and await EmployerApplication.count() == 0
    assert 'value="南京青禾软件有限公司"' in response.text  # what was typed comes back


async def test_the_form_speaks_english_when_asked(client, published_train):
    token = await csrf(client, f"/apply-employer?event={published_train['slug']}&lang=en")
    response = await client.post("/apply-employer", data=form_fields(published_train, token, contact_email="nope"), files={"licence": ("", b"", "application/octet-stream")})
    assert re.search(r'id="contact_email-error" role="alert">That is not a valid email address', response.text)


async def test_the_console_list_is_for_organisers(client, published_train):
    anonymous = await client.get("/manage/applications")
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login?next=/manage/applications")
    await apply(client, published_train)
    await sign_in(client)
    page = await client.get(f"/manage/applications?event={published_train['slug']}&status=submitted")
    assert page.status_code == 200 and "南京青禾软件有限公司" in page.text and "待审核" in page.text and 'aria-current="page"' in page.text
    assert "南京青禾软件有限公司" not in (await client.get("/manage/applications?status=approved")).text


async def test_an_hr_account_may_not_open_the_console_list(client, hr):
    client.cookies.set("session", hr["Authorization"].split()[1])
    page = await client.get("/manage/applications")
    assert page.status_code == 403 and "仅主办方可以查看" in page.text


async def test_an_organiser_approves_on_the_page_and_sees_the_links_once(client, published_train):
    made = await apply(client, published_train)
    await sign_in(client)
    token = await csrf(client, f"/manage/applications/{made['id']}")
    stop = published_train["stops"][0]["id"]
    response = await client.post(f"/manage/applications/{made['id']}/approve", data={"_csrf_token": token, "stop_ids": [stop], f"label_{stop}": "b5"})
    assert response.status_code == 200 and "HR 账号激活链接" in response.text
    links = re.findall(r'value="(http[^"]+/invitations/[^"]+)"', response.text)
    assert len(links) == 2
    again = await client.get(f"/manage/applications/{made['id']}")
    assert "已通过" in again.text and "/invitations/" not in again.text


async def test_a_rejection_without_a_reason_is_shown_next_to_the_reason(client, published_train):
    made = await apply(client, published_train)
    await sign_in(client)
    token = await csrf(client, f"/manage/applications/{made['id']}")
    response = await client.post(f"/manage/applications/{made['id']}/reject", data={"_csrf_token": token, "reason": ""})
    assert response.status_code == 422 and re.search(r'id="reason-error" role="alert">请填写驳回理由', response.text)
    done = await client.post(f"/manage/applications/{made['id']}/reject", data={"_csrf_token": token, "reason": "营业执照已过期"})
    assert done.status_code in (302, 303)
    assert "已驳回" in (await client.get(f"/manage/applications/{made['id']}")).text


async def test_the_invitation_page_refuses_a_weak_password_next_to_it_and_a_used_link_in_chinese(client, organiser, published_train):
    made = await apply(client, published_train)
    decision = (await client.post(f"/api/employer-applications/{made['id']}/approve", json={"stop_ids": [published_train["stops"][0]["id"]]}, headers=organiser)).json()
    path = "/invitations/" + decision["invitations"][0]["url"].rsplit("/", 1)[1]
    token = await csrf(client, path)
    weak = await client.post(path, data={"_csrf_token": token, "password": "short"})
    assert weak.status_code == 422 and re.search(r'id="password-error" role="alert">密码至少 8 位', weak.text)
    done = await client.post(path, data={"_csrf_token": token, "password": "qinghe-2026"})
    assert done.status_code in (302, 303) and done.headers["location"] == "/hr"
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {client.cookies['session']}"})
    assert me.json()["role"] == "hr"
    used = await client.get(path)
    assert used.status_code == 410 and "此激活链接已使用过" in used.text
    unknown = await client.get("/invitations/" + uuid.uuid4().hex)
    assert unknown.status_code == 404 and "激活链接无效" in unknown.text
