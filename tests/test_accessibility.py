"""Accessibility: Deque's axe-core (tests/axe, pinned from the npm registry) over every page a person can reach, in Debian's Chromium.

One scene serves every page (an organiser, an employer with HR, a talent train and a night market with stalls, a seeker with a
ticket, a pending and an approved employer application, a gate volunteer's access); each page is its own test, so a failure
names the page and lists each serious or critical violation with the elements it found.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ORGANISER_PASSWORD, credit_code, live_server_env, now, post_ok, stop_body
from openpyxl import Workbook
from playwright.async_api import Page

from events.accounts import create_account
from events.tables import ALL_TABLES

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
HR_PASSWORD = "hr-pass-1234"
SEEKER_PASSWORD = "campus-2026"
BLOCKING = tuple(os.environ.get("AXE_IMPACTS", "serious,critical").split(","))

# Missing axe fails every check here rather than skipping it: a suite that skipped them would pass having checked nothing.
if not AXE.exists():
    raise RuntimeError("axe-core is missing: `make test` runs `npm ci --prefix tests/axe`")


@pytest.fixture(autouse=True)
async def clean():
    """The scene is built once for the module (the conftest's per-test wipe is replaced by one wipe at the end)."""
    yield


@dataclass
class Scene:
    url: str
    ids: dict[str, str]
    contexts: dict[str, Any]


async def _build(http: httpx.AsyncClient) -> dict[str, str]:
    organiser = await create_account(role="organiser", name="周组织", email="organiser@a11y.example.com", phone=None, password=ORGANISER_PASSWORD, employer_id=None, now=now())
    token = (await post_ok(http, "/api/auth/login", {"login": "organiser@a11y.example.com", "password": ORGANISER_PASSWORD}, {}, status=200))["access_token"]
    org = {"Authorization": f"Bearer {token}"}
    employer = await post_ok(http, "/api/employers", {"name": "南京云帆科技有限公司", "credit_code": credit_code(), "city": "南京"}, org)
    await create_account(role="hr", name="王敏", email="hr@a11y.example.com", phone=None, password=HR_PASSWORD, employer_id=uuid.UUID(employer["id"]), now=now())
    hr_token = (await post_ok(http, "/api/auth/login", {"login": "hr@a11y.example.com", "password": HR_PASSWORD}, {}, status=200))["access_token"]
    hr = {"Authorization": f"Bearer {hr_token}"}

    train = await post_ok(http, "/api/events", {"kind": "talent_train", "title": "2026 南京人才专列", "city": "南京", "description": "三所高校，一趟专列。"}, org)
    stops = [await post_ok(http, f"/api/events/{train['slug']}/stops", stop_body(days, school), org) for days, school in ((10, "南京大学"), (12, "东南大学"))]
    await post_ok(http, f"/api/stops/{stops[0]['id']}/booths", {"employer_id": employer["id"], "label": "A12"}, org)
    await post_ok(http, f"/api/events/{train['slug']}/publish", None, org, status=200)

    market = await post_ok(http, "/api/events", {"kind": "night_market", "title": "秦淮人才夜市", "city": "南京"}, org)
    start = now() - timedelta(minutes=30)
    tonight = await post_ok(http, f"/api/events/{market['slug']}/stops",
                            stop_body(0, school="", name="今晚", starts_at=start.isoformat(), ends_at=(start + timedelta(hours=3)).isoformat(), capacity=500), org)
    booth = await post_ok(http, f"/api/stops/{tonight['id']}/booths", {"employer_id": employer["id"], "label": "A01"}, org)
    for label in ("A02", "A03"):
        other = await post_ok(http, "/api/employers", {"name": f"苏州星河{label}有限公司", "credit_code": credit_code(), "city": "苏州"}, org)
        await post_ok(http, f"/api/stops/{tonight['id']}/booths", {"employer_id": other["id"], "label": label}, org)
    await post_ok(http, f"/api/events/{market['slug']}/publish", None, org, status=200)
    job = await post_ok(http, f"/api/events/{market['slug']}/jobs", {
        "title": "Java 开发工程师", "headcount": 3, "salary_min": 12000, "salary_max": 20000, "salary_months": 13, "education": "bachelor",
        "majors": ["软件工程"], "description": "负责后端服务。"}, hr)

    signed = await post_ok(http, "/api/seekers", {
        "name": "李华", "phone": "13812345678", "password": SEEKER_PASSWORD, "school": "南京大学", "major": "软件工程", "degree": "bachelor",
        "graduation_year": 2027, "accept_privacy_notice": True, "privacy_notice_version": (await http.get("/api/privacy-notice")).json()["version"]}, {})
    seeker = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(http, f"/api/stops/{tonight['id']}/registrations", None, seeker)
    await post_ok(http, f"/api/stops/{stops[0]['id']}/registrations", None, seeker)
    code = registration["ticket"]["code"]
    await post_ok(http, "/api/scans/sync", {"scans": [
        {"kind": "check_in", "stop_id": tonight["id"], "ticket": code, "nonce": "a11y-gate", "scanned_at": now().isoformat()},
        {"kind": "visit", "booth_id": booth["id"], "ticket": code, "nonce": "a11y-visit", "scanned_at": now().isoformat()},
    ]}, org, status=200)
    access = await post_ok(http, f"/api/stops/{tonight['id']}/scanner-access", {"label": "东门"}, org)
    # issue 14, slots: a slot at stall A01 tonight, with the seeker's booking and an invitation to a second one.
    slots = await post_ok(http, f"/api/booths/{booth['id']}/slots", {"starts_at": (now() + timedelta(minutes=60)).isoformat(), "minutes": 15, "size": 2,
                                                                     "every_minutes": 30, "until": (now() + timedelta(minutes=120)).isoformat()}, hr)
    await post_ok(http, f"/api/slots/{slots[0]['id']}/bookings", None, seeker)
    await post_ok(http, f"/api/jobs/{job['id']}/interests", None, seeker)
    seeker_id = (await http.get("/api/me", headers=seeker)).json()["id"]
    await post_ok(http, f"/api/slots/{slots[1]['id']}/invitations", {"seeker_id": seeker_id}, hr)

    def application(company: str) -> dict[str, Any]:
        return {"event": market["slug"], "company": company, "credit_code": credit_code(), "contact_name": "陈静", "contact_phone": "13912345678",
                "contact_email": "chen@qinghe.example.com", "stop_ids": [tonight["id"]], "hr_count": 1, "jobs": ["管培生"]}

    pending = await post_ok(http, "/api/employer-applications", application("南京青禾软件有限公司"), {})
    approved = await post_ok(http, "/api/employer-applications", application("无锡远山科技有限公司"), {})
    decision = await post_ok(http, f"/api/employer-applications/{approved['id']}/approve", {"stop_ids": [tonight["id"]]}, org, status=200)
    funnel = await _funnel_ids(http, hr, seeker, job["id"], booth["id"])
    return {
        **funnel,
        "organiser": str(organiser.id), "train": train["slug"], "stop": stops[0]["id"], "market": market["slug"], "tonight": tonight["id"],
        "booth": booth["id"], "job": job["id"], "registration": registration["id"], "short_code": registration["ticket"]["short_code"], "access": access["code"], "pending": pending["id"],
        "approved": approved["id"], "invitation": decision["invitations"][0]["url"].rsplit("/", 1)[1],
    }


async def _funnel_ids(http: httpx.AsyncClient, hr: dict[str, str], seeker: dict[str, str], job_id: str, booth_id: str) -> dict[str, str]:
    """The seeker applied for the job (already, to be invited to a slot: 200); HR interviewed them and keep a note on the application and on the visit."""
    interest = await post_ok(http, f"/api/jobs/{job_id}/interests", None, seeker, status=200)
    assert (await http.put(f"/api/interests/{interest['id']}/stage", json={"stage": "interviewed", "note": "现场面试"}, headers=hr)).status_code == 200
    visit_id = (await http.get(f"/api/booths/{booth_id}/visitors", headers=hr)).json()["visitors"][0]["visit_id"]
    for path in (f"/api/interests/{interest['id']}/note", f"/api/visits/{visit_id}/note"):
        assert (await http.put(path, json={"rating": 4, "tags": ["Java"], "text": "基础扎实", "next_step": "二面"}, headers=hr)).status_code == 200
    return {"interest": interest["id"], "visit": visit_id}


async def _bad_rating(page: Page, ids: dict[str, str]) -> None:
    """A rating the form does not offer, so the refusal shows next to the stars."""
    await page.evaluate("document.querySelector('input[name=rating][value=\"5\"]').value = '9'")
    await page.locator('input[name=rating][value="9"]').check()
    await page.locator("#note-heading").locator("xpath=..").locator("button[type=submit]").click()
    await page.locator(".field-error").first.wait_for()


async def _sign_in(context, url: str, login: str, password: str) -> None:
    page = await context.new_page()
    await page.goto(f"{url}/login")
    await page.get_by_label("手机号或邮箱").fill(login)
    await page.get_by_label("密码", exact=True).fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_load_state("networkidle")
    await page.close()


@pytest.fixture(scope="module")
async def scene(app):
    from browser import PHONE, launch
    from playwright.async_api import async_playwright
    from server import Server

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        ids = await _build(http)
    server = Server({**live_server_env(), "WORKERS": "1"})
    server.start()
    try:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            # The pages' CSP allows only the app's own scripts; axe is the test's, injected from disk.
            shape = {**PHONE, "locale": "zh-CN", "bypass_csp": True}
            contexts = {who: await browser.new_context(**shape) for who in ("anonymous", "seeker", "organiser", "hr")}
            contexts["organiser-desk"] = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
            await _sign_in(contexts["seeker"], server.url, "13812345678", SEEKER_PASSWORD)
            await _sign_in(contexts["organiser"], server.url, "organiser@a11y.example.com", ORGANISER_PASSWORD)
            await _sign_in(contexts["organiser-desk"], server.url, "organiser@a11y.example.com", ORGANISER_PASSWORD)
            await _sign_in(contexts["hr"], server.url, "hr@a11y.example.com", HR_PASSWORD)
            yield Scene(server.url, ids, contexts)
            await browser.close()
    finally:
        server.stop()
        for table in reversed(ALL_TABLES):
            await table.delete(force=True)
        await app.state.limiter.reset()


Step = Callable[[Page, dict[str, str]], Awaitable[None]]


def _sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码", "联系人", "手机", "邮箱", "岗位"])
    sheet.append(["苏州示例科技有限公司", credit_code(), "联系人", "13788000001", "hr1@suzhou.example.com", "Java 开发"])
    sheet.append(["苏州示例二号有限公司", "913205000000000000", "联系人", "13788000002", "hr2@suzhou.example.com", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _mint_volunteer(page: Page, ids: dict[str, str]) -> None:
    await page.locator("#f-label").fill("北门")
    await page.locator("button[type=submit].primary").click()
    await page.wait_for_load_state()


async def _bad_import(page: Page, ids: dict[str, str]) -> None:
    path = Path(tempfile.mkdtemp()) / "employers.xlsx"
    path.write_bytes(_sheet())
    await page.locator("#file").set_input_files(path)
    await page.locator("form[enctype] button[type=submit]").click()
    await page.wait_for_selector("#import-summary")


def _submit_empty(form: str = "main form.card") -> Step:
    async def submit(page: Page, ids: dict[str, str]) -> None:
        """Sends the form empty, past the browser's own checks, so the server's refusals show next to the fields."""
        await page.evaluate("document.querySelectorAll('form').forEach(form => form.noValidate = true)")
        await page.locator(form).first.locator("button[type=submit]").last.click()
        await page.locator(".field-error, .error").first.wait_for()

    return submit


async def _scan(page: Page, ids: dict[str, str]) -> None:
    """Types the scene's ticket (checked in already: a repeat) and a wrong code (refused), so the results are on screen."""
    await page.wait_for_load_state("networkidle")
    for typed in (ids["short_code"], "ZZZZZZ"):
        await page.locator("#code").fill(typed)
        await page.locator("#typed button[type=submit]").click()
        await page.locator("#status:not([hidden])").wait_for()
    await page.locator("#results li").nth(1).wait_for()


PAGES: list[tuple[str, str, str, Step | None]] = [
    # (test id, who, path, what the person does before axe looks)
    ("events", "anonymous", "/events", None),
    ("event-train", "anonymous", "/events/{train}", None),
    ("event-market", "anonymous", "/events/{market}", None),
    ("event-en", "anonymous", "/events/{market}?lang=en", None),
    ("signup", "anonymous", "/signup", None),
    ("signup-errors", "anonymous", "/signup", _submit_empty()),
    ("login", "anonymous", "/login", None),
    ("login-errors", "anonymous", "/login", _submit_empty()),
    ("privacy", "anonymous", "/privacy", None),
    ("not-found", "anonymous", "/events/no-such-event", None),
    ("apply-employer", "anonymous", "/apply-employer?event={market}", None),
    ("apply-employer-errors", "anonymous", "/apply-employer?event={market}", _submit_empty()),
    ("invitation", "anonymous", "/invitations/{invitation}", None),
    ("invitation-errors", "anonymous", "/invitations/{invitation}", _submit_empty()),
    ("gate-scanner", "anonymous", "/scan/stops/{tonight}#access={access}", _scan),
    ("tickets", "seeker", "/me/tickets", None),
    ("ticket", "seeker", "/me/tickets/{registration}", None),
    ("ticket-en", "seeker", "/me/tickets/{registration}?lang=en", None),
    ("password", "seeker", "/me/password", None),
    ("password-errors", "seeker", "/me/password", _submit_empty()),
    ("forbidden", "seeker", "/manage", None),
    ("dashboard", "organiser", "/dashboard/events/{market}", None),
    ("manage", "organiser", "/manage", None),
    ("manage-en", "organiser", "/manage?lang=en", None),
    ("manage-events", "organiser", "/manage/events", None),
    ("manage-event-new", "organiser", "/manage/events/new", None),
    ("manage-event-new-errors", "organiser", "/manage/events/new", _submit_empty()),
    ("manage-event", "organiser", "/manage/events/{train}", None),
    ("manage-event-market", "organiser", "/manage/events/{market}", None),
    ("manage-event-edit", "organiser", "/manage/events/{train}/edit", None),
    ("manage-event-cancel", "organiser", "/manage/events/{train}/cancel", None),
    ("manage-event-duplicate", "organiser", "/manage/events/{train}/duplicate", None),
    ("manage-stop-new", "organiser", "/manage/events/{train}/stops/new", None),
    ("manage-stop-new-errors", "organiser", "/manage/events/{train}/stops/new", _submit_empty()),
    ("manage-stop", "organiser", "/manage/stops/{stop}", None),
    ("manage-stop-night", "organiser", "/manage/stops/{tonight}", None),
    ("manage-stop-edit", "organiser", "/manage/stops/{stop}/edit", None),
    ("manage-stop-cancel", "organiser", "/manage/stops/{stop}/cancel", None),
    ("manage-stalls-print", "organiser", "/manage/stops/{tonight}/stalls", None),
    ("manage-volunteers", "organiser", "/manage/stops/{tonight}/volunteers", None),
    ("manage-access-sheet", "organiser", "/manage/stops/{tonight}/volunteers", _mint_volunteer),
    ("manage-registrations", "organiser", "/manage/stops/{tonight}/registrations", None),
    ("manage-audit", "organiser", "/manage/audit", None),
    ("manage-employers", "organiser", "/manage/employers", None),
    ("manage-employer-new", "organiser", "/manage/employers/new", None),
    ("manage-employer-new-errors", "organiser", "/manage/employers/new", _submit_empty()),
    ("manage-import", "organiser", "/manage/employers/import", None),
    ("manage-import-preview", "organiser", "/manage/employers/import", _bad_import),
    ("manage-applications", "organiser", "/manage/applications", None),
    ("manage-application", "organiser", "/manage/applications/{pending}", None),
    ("manage-application-approved", "organiser", "/manage/applications/{approved}", None),
    ("organiser-gate-scanner", "organiser", "/scan/stops/{tonight}", _scan),
    # The console on a desktop too, where its tables and navigation have room.
    ("desk-manage", "organiser-desk", "/manage", None),
    ("desk-manage-event", "organiser-desk", "/manage/events/{market}", None),
    ("desk-manage-stop-night", "organiser-desk", "/manage/stops/{tonight}", None),
    ("desk-manage-registrations", "organiser-desk", "/manage/stops/{tonight}/registrations", None),
    ("desk-dashboard", "organiser-desk", "/dashboard/events/{market}", None),
    ("hr", "hr", "/hr", None),
    ("hr-en", "hr", "/hr?lang=en", None),
    ("hr-jobs", "hr", "/hr/jobs", None),
    ("hr-jobs-errors", "hr", "/hr/jobs", _submit_empty('form[action="/hr/jobs"]')),
    ("hr-job", "hr", "/hr/jobs/{job}", None),
    ("hr-job-preview", "hr", "/hr/jobs/{job}/preview", None),
    ("hr-visitors", "hr", "/hr/visitors", None),
    ("hr-team", "hr", "/hr/team", None),
    ("booth-scanner", "hr", "/scan/booths/{booth}", _scan),
    # issue 14, slots
    ("slots-stop", "seeker", "/stops/{tonight}/slots", None),
    ("slots-stop-anonymous", "anonymous", "/stops/{tonight}/slots", None),
    ("slots-job", "seeker", "/jobs/{job}/slots", None),
    ("hr-slots", "hr", "/hr/slots", None),
    ("hr-slots-en", "hr", "/hr/slots?lang=en", None),
    ("hr-slots-errors", "hr", "/hr/slots", _submit_empty("main section.card form")),
    # Hiring funnel (issue 14).
    ("hr-interests", "hr", "/hr/interests", None),
    ("hr-interest", "hr", "/hr/interests/{interest}", None),
    ("hr-interest-en", "hr", "/hr/interests/{interest}?lang=en", None),
    ("hr-interest-errors", "hr", "/hr/interests/{interest}", _bad_rating),
    ("hr-visit-note", "hr", "/hr/visits/{visit}/note", None),
    # Reports (issue 15): the period picker, its refusal next to the field, and on a desktop.
    ("manage-reports", "organiser", "/manage/reports", None),
    ("manage-reports-errors", "organiser", "/manage/reports/period.pdf?from=2026-12-31&to=2026-12-01", None),
    ("desk-manage-reports", "organiser-desk", "/manage/reports?preset=year", None),
]


async def _violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    # axe's default rules: WCAG 2.x A and AA plus its best practices.
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in result["violations"] if violation["impact"] in BLOCKING]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {' '.join(map(str, node['target']))}  {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize(("who", "path", "step"), [pytest.param(who, path, step, id=name) for name, who, path, step in PAGES])
async def test_no_serious_or_critical_axe_violations(scene: Scene, who: str, path: str, step: Step | None):
    page = await scene.contexts[who].new_page()
    try:
        response = await page.goto(scene.url + path.format(**scene.ids))
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        if step is not None:
            await step(page, scene.ids)
        blocking = await _violations(page)
        assert not blocking, f"{page.url}\n{_describe(blocking)}"
    finally:
        await page.close()


@pytest.mark.slow
async def test_the_check_finds_what_it_should(scene: Scene):
    """The same injection, past the same CSP, on a page with grey-on-white text and an image without a name, is not silent."""
    page = await scene.contexts["anonymous"].new_page()
    await page.goto(scene.url + "/events")
    await page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<p style="color:#bbb;background:#fff">浅灰色的字</p><img src="/favicon.ico">');
    }""")
    found = {violation["id"] for violation in await _violations(page)}
    await page.close()
    assert {"color-contrast", "image-alt"} <= found, found


def test_axe_is_pinned_by_the_lock_file():
    """The version injected is the one package-lock.json pins (`npm ci`), so a run never fetches anything newer."""
    import json

    lock = json.loads((Path(__file__).parent / "axe" / "package-lock.json").read_text())
    installed = json.loads((AXE.parent / "package.json").read_text())
    assert lock["packages"]["node_modules/axe-core"]["version"] == installed["version"]
    assert os.path.getsize(AXE) > 100_000
