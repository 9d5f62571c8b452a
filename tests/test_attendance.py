"""Attendance reports, exports, an employer's visitors and the consent that opens a profile to it."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta

from conftest import confirmed_tickets, job_body, many_seekers, now, post_ok
from openpyxl import load_workbook

from events.tables import AuditEntry


def nonce() -> str:
    return str(uuid.uuid4())


async def _check_in(client, stop_id, ticket, headers, **extra):
    response = await client.post(f"/api/stops/{stop_id}/check-ins", json={"ticket": ticket, "nonce": nonce(), **extra}, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _visit(client, booth_id, ticket, headers, **extra):
    response = await client.post(f"/api/booths/{booth_id}/visits", json={"ticket": ticket, "nonce": nonce(), **extra}, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_the_report_counts_each_stop_and_booth_once_per_person(client, organiser, hr, other_hr, night_market):
    tonight = night_market["tonight"]["id"]
    tickets = await confirmed_tickets(tonight, 6)
    (walk_in,) = await many_seekers(1)
    walk_in_registration = await post_ok(client, f"/api/stops/{tonight}/registrations", None, walk_in)
    waiting = await confirmed_tickets(tonight, 1)
    await client.delete(f"/api/registrations/{waiting[0]['id']}", headers=waiting[0]["seeker"])
    for ticket in tickets[:4]:
        await _check_in(client, tonight, ticket["code"], organiser)
    await _check_in(client, tonight, tickets[0]["code"], organiser)  # a repeat
    await _check_in(client, tonight, walk_in_registration["ticket"]["code"], organiser)
    for ticket in tickets[:3]:
        await _visit(client, night_market["a12"]["id"], ticket["code"], hr)
    await _visit(client, night_market["a12"]["id"], tickets[0]["short_code"], hr)  # a repeat
    await _visit(client, night_market["b3"]["id"], tickets[3]["code"], other_hr)
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, tickets[0]["seeker"])

    report = (await client.get(f"/api/events/{night_market['slug']}/attendance", headers=organiser)).json()
    stop = next(s for s in report["stops"] if s["stop_id"] == tonight)
    assert (stop["registered"], stop["cancelled"], stop["checked_in"], stop["walk_ins"], stop["no_shows"]) == (7, 1, 5, 1, 2)
    assert stop["check_in_rate"] == round(5 / 7, 4)
    assert sum(a["count"] for a in stop["arrivals"]) == 5
    assert stop["gate_scans"] == {"first": 5, "repeat": 1}
    booths = {b["label"]: b for b in report["booths"]}
    assert (booths["A12"]["unique_visitors"], booths["A12"]["total_scans"]) == (3, 4)
    assert (booths["B3"]["unique_visitors"], booths["B3"]["total_scans"]) == (1, 1)
    assert booths["A12"]["interests"] == [{"job_id": job["id"], "title": job["title"], "interests": 1}]


async def test_arrivals_fall_into_fifteen_minute_slots_in_the_stops_zone(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    tickets = await confirmed_tickets(tonight, 3)
    base = now().replace(second=0, microsecond=0) - timedelta(minutes=25)
    base = base - timedelta(minutes=base.minute % 15)  # the start of a slot, inside the gate's window
    for ticket, offset in zip(tickets, (1, 5, 16), strict=True):
        await _check_in(client, tonight, ticket["code"], organiser, scanned_at=(base + timedelta(minutes=offset)).isoformat())
    report = (await client.get(f"/api/events/{night_market['slug']}/attendance", headers=organiser)).json()
    arrivals = next(s for s in report["stops"] if s["stop_id"] == tonight)["arrivals"]
    assert [a["count"] for a in arrivals] == [2, 1]
    assert arrivals[0]["slot_start"].endswith("+08:00") and arrivals[0]["slot_start"][14:16] in ("00", "15", "30", "45")


async def test_the_report_exports_as_csv_and_as_an_excel_workbook_with_real_dates(client, organiser, night_market):
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    await _check_in(client, night_market["tonight"]["id"], ticket["code"], organiser)
    path = f"/api/events/{night_market['slug']}/attendance"
    exported = await client.get(path, params={"format": "csv"}, headers=organiser)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][0] == "站点 Stop" and rows[1][0] == "今晚" and rows[1][5] == "1"
    workbook = await client.get(path, params={"format": "xlsx"}, headers=organiser)
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["站点 Stops", "摊位 Booths", "到场 Arrivals"]
    stops = book["站点 Stops"]
    assert stops["A1"].value == "站点 Stop" and stops["A2"].value == "今晚"
    assert stops["B2"].is_date and stops["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert stops["F2"].value == 1


async def test_hr_sees_a_visitors_profile_only_after_the_visitor_shares_it(client, hr, organiser, night_market):
    from conftest import sign_up_body

    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/registrations", None, student)
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="Java 开发工程师"), hr)
    await _visit(client, night_market["a12"]["id"], registration["ticket"]["code"], hr, job_ids=[job["id"]])
    path = f"/api/booths/{night_market['a12']['id']}/visitors"

    (before,) = (await client.get(path, headers=hr)).json()["visitors"]
    assert before["shared"] is False and before["profile"] is None and before["jobs_asked"] == ["Java 开发工程师"]

    assert (await client.post(f"/api/jobs/{job['id']}/interests", headers=student)).status_code == 201
    assert (await client.post(f"/api/jobs/{job['id']}/interests", headers=student)).status_code == 200
    (after,) = (await client.get(path, headers=hr)).json()["visitors"]
    assert after["shared"] is True and after["interests"] == ["Java 开发工程师"]
    assert after["profile"]["name"] == "李华" and after["profile"]["phone"] == "+8613812345678" and after["profile"]["school"] == "南京大学"
    exported = await client.get(path, params={"format": "xlsx"}, headers=hr)
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet["E2"].value == "李华"

    assert (await client.delete(f"/api/jobs/{job['id']}/interests", headers=student)).status_code == 204
    (withdrawn,) = (await client.get(path, headers=hr)).json()["visitors"]
    assert withdrawn["shared"] is False and withdrawn["profile"] is None
    assert await AuditEntry.count().where(AuditEntry.action == "read_booth_visitors") == 4


async def test_another_employers_hr_cannot_read_this_booths_visitors(client, other_hr, night_market):
    response = await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=other_hr)
    assert response.status_code == 403 and response.json()["code"] == "not_your_booth"


async def test_check_in_only_access_cannot_read_attendance(client, organiser, night_market):
    access = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/scanner-access", {}, organiser)
    volunteer = {"Authorization": f"Bearer {access['code']}"}
    for path in (f"/api/events/{night_market['slug']}/attendance", f"/api/booths/{night_market['a12']['id']}/visitors"):
        assert (await client.get(path, headers=volunteer)).status_code == 403


async def test_a_seekers_export_holds_their_check_ins_visits_and_interests_and_deletion_withdraws_sharing(client, organiser, hr, night_market):
    from conftest import sign_up_body

    signed = await post_ok(client, "/api/seekers", sign_up_body(), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/registrations", None, student)
    await _check_in(client, night_market["tonight"]["id"], registration["ticket"]["code"], organiser)
    await _visit(client, night_market["a12"]["id"], registration["ticket"]["code"], hr)
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    export = (await client.get("/api/me/export", headers=student)).json()
    assert len(export["check_ins"]) == 1 and export["visits"][0].startswith("A12 ")
    assert [i["job_id"] for i in export["interests"]] == [job["id"]]
    assert (await client.delete("/api/me", headers=student)).status_code == 204
    (visitor,) = (await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=hr)).json()["visitors"]
    assert visitor["shared"] is False and visitor["profile"] is None


async def test_organisers_read_the_audit_log_of_exports_reads_and_access_changes(client, organiser, hr, seeker, night_market, employer):
    access = await post_ok(client, f"/api/stops/{night_market['tonight']['id']}/scanner-access", {}, organiser)
    await client.delete(f"/api/stops/{night_market['tonight']['id']}/scanner-access/{access['id']}", headers=organiser)
    await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=hr)
    await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "王敏", "email": "wang@example.com"}, organiser)
    log = (await client.get("/api/audit-log", headers=organiser)).json()
    assert [item["action"] for item in log["items"]] == ["create_hr_account", "read_booth_visitors", "revoke_scanner_access", "mint_scanner_access"]
    only = (await client.get("/api/audit-log", params={"action": "read_booth_visitors"}, headers=organiser)).json()
    assert only["total"] == 1 and only["items"][0]["target"] == f"booth:{night_market['a12']['id']}"
    for headers in (hr, seeker):
        assert (await client.get("/api/audit-log", headers=headers)).status_code == 403


async def test_booth_rows_name_their_stop_and_stops_not_yet_started_say_so(client, organiser, employer, published_train):
    first, second = published_train["stops"][0], published_train["stops"][1]
    for stop in (first, second):
        await post_ok(client, f"/api/stops/{stop['id']}/booths", {"employer_id": employer["id"], "label": "A01"}, organiser)
    path = f"/api/events/{published_train['slug']}/attendance"

    report = (await client.get(path, headers=organiser)).json()
    assert [(b["stop_name"], b["label"]) for b in report["booths"]] == [(first["name"], "A01"), (second["name"], "A01")]
    assert all(not s["has_started"] and s["no_shows"] is None and s["check_in_rate"] is None for s in report["stops"])

    rows = list(csv.reader(io.StringIO((await client.get(path, params={"format": "csv"}, headers=organiser)).text.lstrip("\ufeff"))))
    assert rows[1][7:9] == ["未开始", "未开始"]
    booth_header = rows.index(["站点 Stop", "摊位 Booth", "用人单位 Employer", "到访人数 Visitors", "扫码次数 Scans", "投递意向 Interests"])
    assert [row[:2] for row in rows[booth_header + 1 : booth_header + 3]] == [[first["name"], "A01"], [second["name"], "A01"]]

    book = load_workbook(io.BytesIO((await client.get(path, params={"format": "xlsx", "lang": "en"}, headers=organiser)).content))
    assert [row[:2] for row in book["摊位 Booths"].iter_rows(min_row=2, values_only=True)] == [(first["name"], "A01"), (second["name"], "A01")]
    assert book["站点 Stops"]["H2"].value == "Not yet" and book["站点 Stops"]["I2"].value == "Not yet"


async def test_rates_are_percentages_and_times_have_no_microseconds(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    tickets = await confirmed_tickets(tonight, 2)
    await _check_in(client, tonight, tickets[0]["code"], organiser)
    path = f"/api/events/{night_market['slug']}/attendance"
    rows = list(csv.reader(io.StringIO((await client.get(path, params={"format": "csv"}, headers=organiser)).text.lstrip("\ufeff"))))
    assert rows[1][0] == "今晚" and rows[1][7:9] == ["1", "50.0%"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[1][1])
    stops = load_workbook(io.BytesIO((await client.get(path, params={"format": "xlsx"}, headers=organiser)).content))["站点 Stops"]
    assert stops["I2"].value == 0.5 and stops["I2"].number_format == "0.0%"
    assert stops["B2"].value.microsecond == 0

    registrations = await client.get(f"/api/stops/{tonight}/registrations", params={"format": "csv"}, headers=organiser)
    registered_at = [row[10] for row in csv.reader(io.StringIO(registrations.text.lstrip("\ufeff")))][1:]
    assert len(registered_at) == 2 and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", value) for value in registered_at)


async def test_degrees_and_statuses_are_words_and_phones_stay_text_in_exports(client, organiser, hr, night_market):
    from conftest import sign_up_body

    tonight = night_market["tonight"]["id"]
    signed = await post_ok(client, "/api/seekers", sign_up_body(degree="master"), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{tonight}/registrations", None, student)
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    await _visit(client, night_market["a12"]["id"], registration["ticket"]["code"], hr)
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)

    path = f"/api/booths/{night_market['a12']['id']}/visitors"
    visitor = list(csv.reader(io.StringIO((await client.get(path, params={"format": "csv"}, headers=hr)).text.lstrip("\ufeff"))))[1]
    assert visitor[9] == "硕士" and visitor[5] == "'+8613812345678"
    sheet = load_workbook(io.BytesIO((await client.get(path, params={"format": "xlsx", "lang": "en"}, headers=hr)).content)).active
    assert sheet["J2"].value == "Master's"
    assert sheet["F2"].value == "+8613812345678" and sheet["F2"].data_type == "s" and sheet["F2"].number_format == "@"

    exported = await client.get(f"/api/stops/{tonight}/registrations", params={"format": "csv", "unmasked": "true"}, headers=organiser)
    row = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))[1]
    assert (row[1], row[5], row[8]) == ("报名成功", "'+8613812345678", "硕士")


async def test_the_dashboard_says_not_yet_and_shows_each_stops_booths_under_it(client, organiser, employer, published_train):
    first, second = published_train["stops"][0], published_train["stops"][1]
    for stop in (first, second):
        await post_ok(client, f"/api/stops/{stop['id']}/booths", {"employer_id": employer["id"], "label": "A01"}, organiser)
    client.cookies.set("session", organiser["Authorization"].split()[1])
    page = await client.get(f"/dashboard/events/{published_train['slug']}/report")
    assert page.status_code == 200, page.text
    assert page.text.count('data-stat="no_shows" class="not-yet">未开始<') == 3 and page.text.count('data-stat="check_in_rate" class="not-yet">未开始<') == 3
    assert "0%" not in page.text
    assert f"各摊位到访人数 · {first['name']}" in page.text and f"各摊位到访人数 · {second['name']}" in page.text


async def test_the_dashboard_names_gate_refusals_in_words_not_codes(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    refused = await client.post(f"/api/stops/{tonight}/check-ins", json={"ticket": "T1." + "A" * 128, "nonce": nonce()}, headers=organiser)
    assert refused.json()["code"] == "ticket_invalid"
    client.cookies.set("session", organiser["Authorization"].split()[1])
    page = (await client.get(f"/dashboard/events/{night_market['slug']}/report")).text
    assert "拒绝 无效入场码 1" in page and "ticket_invalid" not in page
