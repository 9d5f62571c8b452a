"""The real thing: `main.py run` on a brand-new machine, and data that survives a server restart."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

import httpx
from conftest import ORGANISER_PASSWORD, credit_code, make_account, stop_body
from server import Server

from events.settings import settings


def test_main_run_on_a_fresh_machine_creates_the_organiser_loads_the_demo_and_serves(tmp_path):
    env = {"DATA_DIR": str(tmp_path), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": "", "ORGANISER_PASSWORD": ""}
    server = Server(env, args=("run",))
    server.start()
    try:
        events = httpx.get(f"{server.url}/api/events").json()
        schema = httpx.get(f"{server.url}/schema/openapi.json")
        docs = httpx.get(f"{server.url}/schema")
        password = re.search(r"\| password \(shown once\): (\S+)", server.output())
        assert password, server.output()
        _what_a_new_user_does_first(server.url, password.group(1))
        hr_password = re.search(r"HR password \(shown once\): (\S+)", server.output()).group(1)
        hr = httpx.post(f"{server.url}/api/auth/login", json={"login": "hr@example.com", "password": hr_password})
        assert hr.status_code == 200 and hr.json()["role"] == "hr", hr.text
    finally:
        code, output = server.stop()

    assert code == 0, output
    assert (tmp_path / "events.sqlite3").exists() and (tmp_path / "secret_key").exists()
    # The train and the night market; last year's train (over: the reports' previous edition) is listed only when asked for.
    assert sorted(event["kind"] for event in events["items"]) == ["night_market", "talent_train"]
    assert schema.status_code == 200 and "/api/events/{slug}/jobs" in schema.json()["paths"]
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]

    # A second start keeps the data and does not load the demo again.
    server = Server(env, args=("run",))
    server.start()
    try:
        token = httpx.post(f"{server.url}/api/auth/login", json={"login": "organiser@example.com", "password": password.group(1)})
        train = httpx.get(f"{server.url}/api/events/nanjing-talent-train").json()
        market = httpx.get(f"{server.url}/api/events/qinhuai-night-market").json()
        employers = httpx.get(f"{server.url}/api/employers", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
        jobs = [httpx.get(f"{server.url}/api/events/{slug}/jobs", params={"limit": 100}).json()["total"] for slug in (train["slug"], market["slug"])]
        listed = httpx.get(f"{server.url}/api/events").json()
        past = httpx.get(f"{server.url}/api/events", params={"date_from": "2000-01-01"}).json()
    finally:
        code, output = server.stop()
    assert code == 0, output
    assert "Created organiser" not in output
    assert token.status_code == 200
    assert len(train["stops"]) == 3 + 1 and all(stop["school"] for stop in train["stops"])  # the demo's three and the first user's
    assert sum(len(stop["booths"]) for stop in market["stops"]) == 20
    assert employers["total"] == 12 and sum(jobs) == 40
    assert listed["total"] == 2 and past["total"] == 3


def _what_a_new_user_does_first(url: str, organiser_password: str) -> None:
    """Right after the very first start (demo loaded in one event loop, served in another): every write answers 2xx."""
    from datetime import UTC, datetime, timedelta

    with httpx.Client(base_url=url) as http:
        login = http.post("/api/auth/login", json={"login": "organiser@example.com", "password": organiser_password})
        assert login.status_code == 200, login.text
        organiser = {"Authorization": f"Bearer {login.json()['access_token']}"}
        soon = datetime.now(UTC) + timedelta(minutes=30)
        stop = http.post(
            "/api/events/nanjing-talent-train/stops",
            json={**stop_body(1, "南京工业大学"), "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=2)).isoformat()},
            headers=organiser,
        )
        assert stop.status_code == 201, stop.text
        from conftest import sign_up_body

        signed_up = http.post("/api/seekers", json=sign_up_body())
        assert signed_up.status_code == 201, signed_up.text
        student = {"Authorization": f"Bearer {signed_up.json()['token']['access_token']}"}
        # What a student does first: the first event listed, its first stop (of the demo's: the organiser's new one is tried below).
        first = http.get(f"/api/events/{http.get('/api/events').json()['items'][0]['slug']}").json()
        demo_stop = next(each for each in first["stops"] if each["id"] != stop.json()["id"])
        demo = http.post(f"/api/stops/{demo_stop['id']}/registrations", headers=student)
        assert demo.status_code == 201, demo.text
        registration = http.post(f"/api/stops/{stop.json()['id']}/registrations", headers=student)
        assert registration.status_code == 201, registration.text
        assert registration.json()["status"] == "confirmed"
        scan = http.post(
            f"/api/stops/{stop.json()['id']}/check-ins", json={"ticket": registration.json()["ticket"]["code"], "nonce": "first-run-1"}, headers=organiser
        )
        assert scan.status_code == 201, scan.text
        assert scan.json()["result"] == "checked_in"
        # The bureau's reports, straight away: the demo train's, with this first check-in in it, and this year's.
        figures = http.get("/api/events/nanjing-talent-train/report", headers=organiser)
        assert figures.status_code == 200, figures.text
        stops = next(t for section in figures.json()["sections"] for t in section["tables"] if t["key"] == "stops")
        assert [row["checked_in"] for row in stops["rows"]].count("<5") == 1  # one person: counted, and shown as a small group
        assert http.get("/api/events/nanjing-talent-train/report.pdf", headers=organiser).content.startswith(b"%PDF")
        year = datetime.now(UTC).year
        period = http.get("/api/reports/period.xlsx", params={"from": f"{year}-01-01", "to": f"{year}-12-31"}, headers=organiser)
        assert period.status_code == 200 and period.content.startswith(b"PK"), period.text


async def test_acknowledged_writes_survive_a_server_restart(app):
    _, organiser = await make_account("organiser", password=ORGANISER_PASSWORD)
    env = {"DATABASE_URL": settings.database_url, "DATA_DIR": tempfile.mkdtemp(), "APP_ENV": "test"}
    server = Server({**env, "SECRET_KEY": os.environ["SECRET_KEY"]})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=organiser) as http:
            employer = (await http.post("/api/employers", json={"name": "南京云帆科技有限公司", "credit_code": credit_code()})).json()
            event = (await http.post("/api/events", json={"kind": "job_fair", "title": "秋季双选会"})).json()
            stop = (await http.post(f"/api/events/{event['slug']}/stops", json=stop_body(20, "南京大学"))).json()
            booth = await http.post(f"/api/stops/{stop['id']}/booths", json={"employer_id": employer["id"], "label": "B7"})
            assert booth.status_code == 201, booth.text
    finally:
        code, output = server.stop()
    assert code == 0, output

    server = Server({**env, "SECRET_KEY": os.environ["SECRET_KEY"]})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=organiser) as http:
            detail = (await http.get(f"/api/events/{event['slug']}")).json()
    finally:
        server.stop()
    assert [(s["id"], [b["label"] for b in s["booths"]]) for s in detail["stops"]] == [(stop["id"], ["B7"])]
    assert detail["stops"][0]["booths"][0]["employer"]["name"] == "南京云帆科技有限公司"


async def test_a_backup_taken_while_the_app_runs_restores_every_row(app, tmp_path, organiser, published_train):
    import sqlite3
    import subprocess
    import sys

    from events import db
    from events.tables import Stop

    target = tmp_path / ("backup.sqlite3" if db.is_sqlite() else "backup.dump")
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    command = [sys.executable, "main.py", "backup", str(target)]
    result = await asyncio.to_thread(subprocess.run, command, cwd=Path(__file__).parent.parent, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    stops = await Stop.count()
    if db.is_sqlite():
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("SELECT count(*) FROM stop").fetchone() == (stops,)
    else:
        listing = (await asyncio.to_thread(subprocess.run, ["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)).stdout
        assert "TABLE DATA public stop" in listing and "TABLE DATA public registration" in listing


async def test_right_after_the_first_start_a_student_signs_up_registers_and_is_scanned_in_a_real_browser(tmp_path, phone_context):
    """The README's promise, as people meet it: `make run` on an empty directory, then a phone and the gate, in Chromium."""
    import re as regex
    from datetime import UTC, datetime, timedelta

    from browser import fill_sign_up
    from playwright.async_api import expect

    env = {"DATA_DIR": str(tmp_path), "APP_ENV": "development", "DATABASE_URL": "", "SECRET_KEY": "", "ORGANISER_PASSWORD": ""}
    server = Server(env, args=("run",))
    server.start()
    try:
        password = re.search(r"\| password \(shown once\): (\S+)", server.output()).group(1)
        async with httpx.AsyncClient(base_url=server.url) as api:
            token = (await api.post("/api/auth/login", json={"login": "organiser@example.com", "password": password})).json()["access_token"]
            soon = datetime.now(UTC) + timedelta(minutes=30)
            body = {**stop_body(1, "南京工业大学"), "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=2)).isoformat()}
            stop = await api.post("/api/events/nanjing-talent-train/stops", json=body, headers={"Authorization": f"Bearer {token}"})
            assert stop.status_code == 201, stop.text

        student = await phone_context.new_page()
        await student.goto(f"{server.url}/events/nanjing-talent-train")
        await student.get_by_role("region", name=regex.compile("南京工业大学")).get_by_role("button", name="报名").click()
        await fill_sign_up(student, name="王芳", phone="13912345678", school="南京工业大学", major="化学工程")
        await student.wait_for_url("**/me/tickets/*")
        short_code = await student.locator("#short-code").inner_text()

        gate = await phone_context.browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        volunteer = await gate.new_page()
        await volunteer.goto(f"{server.url}/login?next=/scan/stops/{stop.json()['id']}")
        await volunteer.get_by_label("手机号或邮箱").fill("organiser@example.com")
        await volunteer.get_by_label("密码", exact=True).fill(password)
        await volunteer.get_by_role("button", name="登录").click()
        await volunteer.wait_for_url(f"**/scan/stops/{stop.json()['id']}")
        await volunteer.get_by_label("手动输入核验码或粘贴入场码").fill(short_code.lower())
        await volunteer.get_by_role("button", name="核验").click()
        await expect(volunteer.locator("#status")).to_contain_text("签到成功")
        await gate.close()
    finally:
        code, output = server.stop()
    assert code == 0, output
    assert "Traceback" not in output, output
