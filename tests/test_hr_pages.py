"""The HR workspace and the organiser's employer pages, as rendered HTML: what each shows, who may see it, and forms that answer next to the field."""

from __future__ import annotations

import io
import re
import uuid
from urllib.parse import urlsplit

from conftest import credit_code, job_body, make_account, post_ok, sign_up_body
from openpyxl import load_workbook
from test_employer_import import rows, wrong_check_digit, xlsx


def sign_in(client, headers: dict[str, str]) -> None:
    client.cookies.set("session", headers["Authorization"].split()[1])


async def csrf(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return re.search(r'name="_csrf_token" value="([^"]+)"', response.text).group(1)


async def form_post(client, page: str, path: str, data: dict, **extra):
    token = await csrf(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, **extra)


# ---------------------------------------------------------------- access


async def test_hr_pages_send_nobody_to_sign_in_and_refuse_other_roles_in_their_language(client, organiser, seeker):
    for path in ("/hr", "/hr/jobs", "/hr/visitors", "/hr/team"):
        response = await client.get(path)
        assert response.status_code == 302 and response.headers["location"] == f"/login?next={path}"
    sign_in(client, seeker)
    response = await client.get("/hr/jobs")
    assert response.status_code == 403 and "招聘工作台仅供用人单位的招聘人员使用" in response.text
    sign_in(client, organiser)
    assert (await client.get("/hr/team?lang=en")).status_code == 403


async def test_employer_pages_are_the_organisers(client, hr, seeker):
    for path in ("/manage/employers", "/manage/employers/new", "/manage/employers/import"):
        response = await client.get(path)
        assert response.status_code == 302 and response.headers["location"].startswith("/login?next=")
    sign_in(client, hr)
    response = await client.get("/manage/employers")
    assert response.status_code == 403 and "仅主办方可以查看" in response.text


# ---------------------------------------------------------------- HR home, jobs


async def test_hr_home_lists_booths_with_scanner_links_and_qr_codes(client, hr, employer, night_market):
    sign_in(client, hr)
    html = (await client.get("/hr")).text
    booth = night_market["a12"]["id"]
    assert f'href="/scan/booths/{booth}"' in html and "<svg" in html
    assert "A12 · 今晚" in html and employer["name"] in html
    assert night_market["b3"]["id"] not in html  # another employer's stall


async def test_hr_posts_a_job_and_a_bad_salary_is_said_next_to_its_field(client, hr, night_market):
    sign_in(client, hr)
    good = {"event": night_market["slug"], "title": "数据分析师", "headcount": "2", "salary_min": "9000", "salary_max": "15000", "salary_months": "13", "education": "master", "majors": "统计学、数学"}
    response = await form_post(client, "/hr/jobs", "/hr/jobs", good)
    assert response.status_code == 302 and response.headers["location"] == "/hr/jobs?done=posted"
    html = (await client.get("/hr/jobs?done=posted")).text
    assert "数据分析师" in html and "岗位已发布" in html and "13薪" in html
    response = await form_post(client, "/hr/jobs", "/hr/jobs", {**good, "title": "倒挂", "salary_min": "20000", "salary_max": "10000"})
    assert response.status_code == 422
    assert re.search(r'id="salary_max-error">月薪上限不能低于下限', response.text)
    assert 'value="倒挂"' in response.text  # what was typed comes back
    response = await form_post(client, "/hr/jobs", "/hr/jobs", {**good, "headcount": "many"})
    assert response.status_code == 422 and 'id="headcount-error"' in response.text


async def test_hr_edits_closes_reopens_and_previews_a_job_but_not_another_employers(client, hr, other_hr, night_market):
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="前端工程师"), hr)
    sign_in(client, hr)
    edit = await client.get(f"/hr/jobs/{job['id']}")
    assert 'value="前端工程师"' in edit.text
    fields = {"title": "前端开发工程师", "headcount": "4", "salary_min": "10000", "salary_max": "18000", "salary_months": "14", "education": "bachelor", "majors": "软件工程"}
    response = await form_post(client, f"/hr/jobs/{job['id']}", f"/hr/jobs/{job['id']}", fields)
    assert response.status_code == 302
    response = await form_post(client, "/hr/jobs", f"/hr/jobs/{job['id']}/status", {"status": "closed"})
    assert response.status_code == 302
    assert (await client.get(f"/api/jobs/{job['id']}")).status_code == 404  # students no longer see it
    preview = (await client.get(f"/hr/jobs/{job['id']}/preview")).text
    assert "前端开发工程师" in preview and "14薪" in preview and "该岗位已停招" in preview
    await form_post(client, "/hr/jobs", f"/hr/jobs/{job['id']}/status", {"status": "open"})
    assert (await client.get(f"/api/jobs/{job['id']}")).json()["title"] == "前端开发工程师"

    sign_in(client, other_hr)
    assert (await client.get(f"/hr/jobs/{job['id']}")).status_code == 403
    response = await form_post(client, "/hr/jobs", f"/hr/jobs/{job['id']}/status", {"status": "closed"})
    assert response.status_code == 403
    assert "前端开发工程师" not in (await client.get("/hr/jobs")).text


async def test_hr_copies_last_events_jobs_from_the_page(client, hr, booth, published_train, night_market):
    await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(title="嵌入式工程师"), hr)
    sign_in(client, hr)
    response = await form_post(client, "/hr/jobs", "/hr/jobs/copy", {"from_event": published_train["slug"], "event": night_market["slug"]})
    assert response.status_code == 302
    listed = (await client.get(f"/api/events/{night_market['slug']}/jobs")).json()
    assert [j["title"] for j in listed["items"]] == ["嵌入式工程师"]


# ---------------------------------------------------------------- visitors


async def test_hr_visitors_page_shows_shared_profiles_only_filters_and_exports(client, hr, other_hr, night_market):
    tonight = night_market["tonight"]["id"]
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="Java 开发工程师"), hr)
    shared = await post_ok(client, "/api/seekers", sign_up_body(), {})
    quiet = await post_ok(client, "/api/seekers", sign_up_body(phone="13812345679", name="张伟"), {})
    for signed in (shared, quiet):
        student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
        registration = await post_ok(client, f"/api/stops/{tonight}/registrations", None, student)
        visit = await client.post(f"/api/booths/{night_market['a12']['id']}/visits", json={"ticket": registration["ticket"]["code"], "nonce": str(uuid.uuid4())}, headers=hr)
        assert visit.status_code == 201
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, {"Authorization": f"Bearer {shared['token']['access_token']}"})
    sign_in(client, hr)
    html = (await client.get("/hr/visitors")).text
    assert "共 2 位到访学生" in html and "李华" in html and "张伟" not in html and "（未授权）" in html
    assert "共 1 位到访学生" in (await client.get(f"/hr/visitors?job={job['id']}")).text
    export = await client.get("/hr/visitors/export?format=xlsx")
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [sheet.cell(row=r, column=7).value for r in (2, 3)].count("李华") == 1
    assert "+8613812345678" in (await client.get("/hr/visitors/export?format=csv")).text

    sign_in(client, other_hr)
    html = (await client.get("/hr/visitors")).text
    assert "共 0 位到访学生" in html and "李华" not in html


# ---------------------------------------------------------------- team


async def test_hr_invites_a_colleague_with_a_link_shown_once_who_sets_a_password_and_is_deactivated(client, hr, employer):
    sign_in(client, hr)
    response = await form_post(client, "/hr/team", "/hr/team/invite", {"name": "李娜", "login": "13900003333"})
    assert response.status_code == 201
    assert 'id="initial-password"' not in response.text, "no password is made up for the colleague"
    url = re.search(r'id="invitation-link" class="code" readonly value="([^"]+)"', response.text).group(1)
    token = url.rsplit("/invitations/", 1)[1]
    team = (await client.get("/hr/team")).text
    assert token not in team and "待激活" in team  # shown once; the colleague is listed as invited
    staff = (await client.get(f"/api/employers/{employer['id']}/staff", headers=hr)).json()
    colleague = next(s for s in staff if s["name"] == "李娜")
    assert colleague["is_invited"] is True
    client.cookies.clear()
    signed = await post_ok(client, f"/api/invitations/{token}", {"password": "lina-2026x"}, {}, status=200)
    assert signed["role"] == "hr"
    password = "lina-2026x"
    assert (await client.post("/api/auth/login", json={"login": "13900003333", "password": password})).status_code == 200
    sign_in(client, hr)
    response = await form_post(client, "/hr/team", f"/hr/team/{colleague['id']}/deactivate", {})
    assert response.status_code == 302
    assert "已停用" in (await client.get("/hr/team")).text
    assert (await client.post("/api/auth/login", json={"login": "13900003333", "password": password})).status_code == 401


async def test_hr_team_refuses_a_bad_login_next_to_its_field_and_oneself_cannot_be_deactivated(client, employer, other_employer):
    me, headers = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    stranger, _ = await make_account("hr", employer_id=uuid.UUID(other_employer["id"]))
    sign_in(client, headers)
    response = await form_post(client, "/hr/team", "/hr/team/invite", {"name": "王五", "login": "12345"})
    assert response.status_code == 422 and re.search(r'id="login-error">手机号格式不正确', response.text)
    html = (await client.get("/hr/team")).text
    assert f"/hr/team/{me.id}/deactivate" not in html  # no button for oneself
    response = await form_post(client, "/hr/team", f"/hr/team/{me.id}/deactivate", {})
    assert response.status_code == 409 and "不能停用自己的账号" in response.text
    response = await form_post(client, "/hr/team", f"/hr/team/{stranger.id}/deactivate", {})
    assert response.status_code == 404
    response = await form_post(client, "/hr/team", "/hr/team/profile", {"industry": "软件", "city": "南京", "website": "ftp://x", "description": ""})
    assert response.status_code == 422 and 'id="website-error"' in response.text


# ---------------------------------------------------------------- organisers: employers


async def test_the_employer_list_shows_whether_each_has_hr_accounts(client, organiser, employer, hr, other_employer):
    sign_in(client, organiser)
    html = (await client.get("/manage/employers")).text
    assert employer["name"] in html and other_employer["name"] in html
    assert "已开通 1 个账号" in html and "未开通账号" in html and 'aria-current="page"' in html


async def test_adding_an_employer_by_hand_checks_the_credit_code_on_the_server_and_in_the_check_endpoint(client, organiser):
    sign_in(client, organiser)
    code = credit_code()
    check = (await client.get("/manage/employers/check", params={"code": wrong_check_digit(code)})).json()
    assert check["valid"] is False
    response = await form_post(client, "/manage/employers/new", "/manage/employers/new", {"name": "无锡芯源", "credit_code": wrong_check_digit(code)})
    assert response.status_code == 422 and re.search(r'id="credit_code-error">统一社会信用代码不正确', response.text)
    assert 'value="无锡芯源"' in response.text
    response = await form_post(client, "/manage/employers/new", "/manage/employers/new", {"name": "无锡芯源", "credit_code": code.lower()})
    assert response.status_code == 302
    assert "已添加用人单位：无锡芯源" in (await client.get(response.headers["location"])).text
    response = await form_post(client, "/manage/employers/new", "/manage/employers/new", {"name": "重复", "credit_code": code})
    assert response.status_code == 409 and 'id="credit_code-error"' in response.text


async def test_importing_from_the_page_previews_every_rows_errors_and_writes_only_a_clean_file(client, organiser):
    sign_in(client, organiser)
    data = rows()
    good = data[6][1]
    data[6][1] = wrong_check_digit(good)
    token = await csrf(client, "/manage/employers/import")
    response = await client.post("/manage/employers/import", data={"_csrf_token": token}, files={"file": ("e.xlsx", xlsx(data), "application/octet-stream")})
    assert response.status_code == 200, response.text
    assert "有 1 行存在问题" in response.text and "行号 8" in response.text and "信用代码不正确" in response.text
    assert "/manage/employers/import/confirm" not in response.text
    assert (await client.get("/api/employers", headers=organiser)).json()["total"] == 0

    data[6][1] = good
    response = await client.post("/manage/employers/import", data={"_csrf_token": token}, files={"file": ("e.xlsx", xlsx(data), "application/octet-stream")})
    assert "全部 12 行检查通过" in response.text
    content = re.search(r'name="content" value="([^"]+)"', response.text).group(1)
    response = await client.post("/manage/employers/import/confirm", data={"_csrf_token": token, "content": content})
    assert response.status_code == 201 and "已导入 12 家用人单位。" in response.text
    # Each contact's invitation link, shown on this page once.
    urls = re.findall(r'class="code invitation-link" readonly aria-label="[^"]+" value="([^"]+/invitations/[^"]+)"', response.text)
    assert len(set(urls)) == 12
    assert (await client.get("/api/employers", headers=organiser)).json()["total"] == 12
    assert urls[0].rsplit("/", 1)[1] not in (await client.get("/manage/employers")).text
    client.cookies.clear()
    page = await client.get(urlsplit(urls[0]).path)
    assert page.status_code == 200 and "联系人1" in page.text


async def test_a_wrong_file_on_the_import_page_is_said_next_to_the_upload(client, organiser):
    sign_in(client, organiser)
    token = await csrf(client, "/manage/employers/import")
    response = await client.post("/manage/employers/import", data={"_csrf_token": token}, files={"file": ("e.xlsx", b"%PDF-1.4 nothing", "application/pdf")})
    assert response.status_code == 415 and re.search(r'id="file-error" role="alert">文件类型不支持', response.text)
    response = await client.post("/manage/employers/import?lang=en", data={"_csrf_token": token}, files={"file": ("e.xlsx", b"PK\x03\x04broken", "application/octet-stream")})
    assert response.status_code in (400, 415) and "upload" in response.text.lower()
