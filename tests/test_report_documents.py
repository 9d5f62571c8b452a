"""Reports as documents: the PDF's text and the XLSX's cells hold exactly the JSON answer's figures; the endpoints, periods and access.

The expected text of each cell is written here from the JSON (not by calling the renderers' own
formatting), and the PDF is read back with pypdf, the workbook with openpyxl.
"""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from conftest import confirmed_tickets, job_body, make_account, now, post_ok
from openpyxl import load_workbook
from pypdf import PdfReader

from events import report_worker
from events.report_model import SMALL, Chart, Column, Report, Section, Table, small
from events.report_pdf import render_pdf
from events.report_xlsx import render_xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------- reading the documents back


def shown(value: Any, kind: str) -> str:
    """How the PDF must print a JSON cell: thousands separators, one decimal of a percent, times to the minute, "—" for nothing."""
    if value is None:
        return "—"
    if isinstance(value, str):
        if kind == "datetime" and value != SMALL:
            return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
        return value
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def pdf_text(content: bytes) -> str:
    """All the PDF's text, without whitespace (Typst breaks lines and pads cells its own way)."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_fonts(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def pdf_images(content: bytes) -> int:
    """Raster images anywhere in the PDF (charts must be vector drawings, not pictures)."""
    reader = PdfReader(io.BytesIO(content))
    count = 0
    pending = [page["/Resources"] for page in reader.pages]
    seen: set[int] = set()
    while pending:
        resources = pending.pop()
        for xobject in (resources.get("/XObject") or {}).values():
            if id(xobject) in seen:
                continue
            seen.add(id(xobject))
            obj = xobject.get_object()
            if obj.get("/Subtype") == "/Image":
                count += 1
            elif "/Resources" in obj:
                pending.append(obj["/Resources"])
    return count


def assert_pdf_holds(answer: dict[str, Any], content: bytes, language: str = "zh") -> None:
    """Every table's title, and every row's cells in their order, are in the PDF's text."""
    text = pdf_text(content)
    assert re.sub(r"\s+", "", answer["title"][language]) in text
    for section in answer["sections"]:
        assert re.sub(r"\s+", "", section["title"][language]) in text, section["key"]
        for table in section["tables"]:
            start = text.find(re.sub(r"\s+", "", table["title"][language]))
            assert start >= 0, f"table {table['key']} is missing"
            if not table["rows"]:
                continue
            # From the table's header row on: the chart above it holds some of the same words and numbers.
            header = re.sub(r"\s+", "", "".join(column["label"][language] for column in table["columns"]))
            start = text.find(header, start)
            assert start >= 0, f"table {table['key']}: its header row {header} is missing"
            kinds = {column["key"]: column["kind"] for column in table["columns"]}
            for row in table["rows"]:
                for key, value in row.items():
                    cell = re.sub(r"\s+", "", shown(value, kinds[key]))
                    found = text.find(cell, start)
                    assert found >= 0, f"{table['key']}: {key}={value!r} ({cell}) not found after the previous cell of {row}"
                    start = found + len(cell)


def assert_xlsx_equals(answer: dict[str, Any], content: bytes, language: str = "zh") -> None:
    """One sheet per table, in order, after the about and chart sheets: the header is the columns' labels, each cell the JSON's figure."""
    book = load_workbook(io.BytesIO(content))
    tables = [table for section in answer["sections"] for table in section["tables"]]
    sheets = book.sheetnames[2:]
    assert len(sheets) == len(tables)
    for name, table in zip(sheets, tables, strict=True):
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        columns = table["columns"]
        assert [cell.value for cell in sheet[1]] == [column["label"][language] for column in columns], name
        assert sheet.max_row == len(table["rows"]) + 1 if table["rows"] else sheet.max_row <= 1, name
        for n, row in enumerate(table["rows"], start=2):
            for m, column in enumerate(columns, start=1):
                expected, cell = row[column["key"]], sheet.cell(row=n, column=m)
                where = f"{name}!{cell.coordinate} ({column['key']})"
                if expected is None:
                    assert cell.value is None, where
                elif expected == SMALL or column["kind"] == "text":
                    assert cell.value == expected and cell.data_type == "s", where
                elif column["kind"] == "percent":
                    assert cell.value == pytest.approx(expected) and "%" in cell.number_format, where
                elif column["kind"] == "date":
                    assert cell.value.date() == date.fromisoformat(expected), where
                elif column["kind"] == "datetime":
                    assert cell.value == datetime.fromisoformat(expected).replace(tzinfo=None, microsecond=0), where
                else:
                    assert cell.value == expected and isinstance(cell.value, int | float), where
    assert book.sheetnames[1] in ("图表", "Charts")


# ---------------------------------------------------------------- a hand-made report: every kind of cell, every kind of chart


def sample_report() -> Report:
    started = datetime(2026, 11, 20, 18, 0, tzinfo=SHANGHAI)
    stops = Table(
        key="stops", zh="各站点到场情况", en="Attendance per stop",
        columns=(Column("stop", "站点", "Stop", "text"), Column("day", "日期", "Day", "date"), Column("registered", "已报名", "Registered"),
                 Column("checked_in", "已签到", "Checked in"), Column("rate", "到场率", "Arrival rate", "percent"), Column("walk_ins", "现场报名", "Walk-ins")),
        rows=[("南京大学 仙林校区", date(2026, 11, 20), 1240, 1031, 0.8315, small(3)), ("东南大学 九龙湖校区", date(2026, 11, 22), 12, small(4), None, 0),
              ("#set page(width: 1cm)", date(2026, 11, 24), 0, 0, None, 0)],
        chart=Chart(kind="bar", x="stop", y=("registered", "checked_in")),
        note_zh="到场率 = 已签到 ÷ 已报名。", note_en="Arrival rate = checked in ÷ registered.",
    )
    arrivals = Table(
        key="arrivals", zh="每15分钟签到人数", en="Arrivals per 15 minutes",
        columns=(Column("slot", "时段", "From", "datetime"), Column("arrivals", "签到", "Arrivals")),
        rows=[(started + timedelta(minutes=15 * n), small(n * 7 % 11)) for n in range(10)],
        chart=Chart(kind="line", x="slot", y=("arrivals",)),
    )
    funnel = Table(
        key="funnel", zh="招聘进度", en="Hiring funnel",
        columns=(Column("stage", "阶段", "Stage", "text"), Column("interests", "投递", "Interests")),
        rows=[("投递", 86), ("初选", 40), ("面试", 21), ("意向", 9), ("签约", small(2))],
        chart=Chart(kind="funnel", x="stage", y=("interests",)),
    )
    employers = Table(
        key="funnel_by_employer", zh="各用人单位招聘进度", en="Funnel per employer",
        columns=(Column("employer", "用人单位", "Employer", "text"), Column("submitted", "投递", "Submitted"), Column("signed", "签约", "Signed"),
                 Column("salary", "平均月薪", "Mean salary", "number")),
        rows=[(f"=HYPERLINK(\"http://x\",\"单位{n}\")" if n == 0 else f"南京用人单位{n:02d}有限公司", 10 + n, small(n % 5), 12345.5 + n) for n in range(35)],
        chart=Chart(kind="stacked_bar", x="employer", y=("submitted", "signed")),
    )
    empty = Table(key="majors", zh="专业（按学科门类）", en="Majors by discipline", columns=(Column("discipline", "学科门类", "Discipline", "text"), Column("visitors", "人数", "Visitors")),
                  rows=[], chart=Chart(kind="bar", x="discipline", y=("visitors",)))
    return Report(
        kind="event", zh="2026 南京人才专列 统计报告", en="2026 Nanjing talent train: report", organiser="南京市人力资源和社会保障局",
        generated_at=datetime(2026, 12, 5, 22, 0, tzinfo=SHANGHAI), subject={"slug": "2026-nanjing", "title": "2026 南京人才专列"},
        sections=[Section("stops", "站点到场", "Attendance", (stops, arrivals)), Section("funnel", "招聘进度", "Hiring funnel", (funnel, employers, empty))],
    )


def test_the_pdf_holds_every_figure_of_the_json_with_real_chinese_text():
    report = sample_report()
    content = render_pdf(report, "zh")
    assert content.startswith(b"%PDF")
    assert_pdf_holds(report.as_json(), content)
    text = pdf_text(content)
    assert "目录" in text and "南京市人力资源和社会保障局" in text
    assert any("NotoSansCJK" in font for font in pdf_fonts(content)), pdf_fonts(content)


def test_the_pdf_draws_its_charts_as_vectors_and_prints_a_markup_lookalike_as_text():
    content = render_pdf(sample_report(), "zh")
    assert pdf_images(content) == 0
    assert "#setpage(width:1cm)" in pdf_text(content)
    # A4 everywhere: the look-alike did not resize any page.
    for page in PdfReader(io.BytesIO(content)).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_the_pdf_in_english_has_english_titles():
    report = sample_report()
    content = render_pdf(report, "en")
    assert_pdf_holds(report.as_json(), content, "en")
    assert "Contents" in pdf_text(content)


def test_the_workbook_holds_every_cell_of_the_json_with_types_and_a_chart_sheet():
    report = sample_report()
    content = render_xlsx(report, "zh")
    assert_xlsx_equals(report.as_json(), content)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[:2] == ["说明", "图表"]
    # openpyxl does not read charts back: count the drawings' chart parts in the file itself.
    import zipfile

    parts = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert len([part for part in parts if part.startswith("xl/charts/chart")]) == 4  # every table with a chart and rows
    employer = book[book.sheetnames[2 + 3]]["A2"]
    assert employer.value.startswith("=HYPERLINK") and employer.data_type == "s", "a name is never a formula"


def test_the_workbook_in_english_labels_its_sheets_in_english():
    report = sample_report()
    content = render_xlsx(report, "en")
    assert_xlsx_equals(report.as_json(), content, "en")
    assert load_workbook(io.BytesIO(content)).sheetnames[:3] == ["About", "Charts", "Attendance per stop"]


async def test_the_event_loop_serves_other_tasks_while_a_report_renders():
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    before = ticks
    content = await report_worker.render(sample_report(), format="pdf", language="zh")
    during = ticks - before
    ticker.cancel()
    assert content.startswith(b"%PDF")
    # Rendered in the worker process: the loop kept turning. Rendered on the loop, it could not have turned once.
    assert during > 100


async def test_a_render_process_that_died_is_replaced_by_the_next_report():
    import os
    import signal

    await report_worker.render(sample_report(), format="xlsx", language="zh")
    for pid in list(report_worker._pool._processes):  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
    content = await report_worker.render(sample_report(), format="xlsx", language="zh")
    assert content.startswith(b"PK")



APP_WORKER = """
import asyncio, sys
from datetime import UTC, datetime
from multiprocessing import forkserver
from events import report_worker
from events.report_model import Column, Report, Section, Table

report = Report(kind="event", zh="报告", en="Report", organiser="o", generated_at=datetime.now(UTC), subject={},
                sections=[Section(key="s", zh="节", en="S", tables=(Table(key="t", zh="表", en="T", columns=(Column("n", "数", "N"),), rows=[(7,)]),))])
asyncio.run(report_worker.render(report, format="xlsx", language="zh"))
print(*report_worker._pool._processes, forkserver._forkserver._forkserver_pid, flush=True)
sys.stdin.read()
"""


def test_the_render_process_and_its_forkserver_end_when_the_app_worker_is_killed():
    """An app worker killed outright (SIGKILL, out of memory) leaves no render process, and so no forkserver, behind."""
    import signal
    import subprocess
    import sys
    import time

    worker = subprocess.Popen([sys.executable, "-c", APP_WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    left = [int(pid) for pid in worker.stdout.readline().split()]
    assert len(left) == 2 and all(_alive(pid) for pid in left)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 60  # a bound on the wait, not a claim about speed
    while any(_alive(pid) for pid in left) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in left), f"still running: {[pid for pid in left if _alive(pid)]}"


def _alive(pid: int) -> bool:
    """Running (a zombie, ended but not yet reaped by its parent, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False

# ---------------------------------------------------------------- the endpoints, on a seeded event


def nonce() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def busy_market(client, organiser, hr, night_market) -> dict[str, Any]:
    """Tonight's market with six registrations: five checked in, four at stall A12 (two of them interested in its job)."""
    tonight, a12 = night_market["tonight"]["id"], night_market["a12"]["id"]
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    people = await confirmed_tickets(tonight, 6)
    for person in people[:5]:
        await post_ok(client, f"/api/stops/{tonight}/check-ins", {"ticket": person["code"], "nonce": nonce()}, organiser, status=201)
    for person in people[:4]:
        await post_ok(client, f"/api/booths/{a12}/visits", {"ticket": person["code"], "nonce": nonce()}, hr, status=201)
    for person in people[:2]:
        await post_ok(client, f"/api/jobs/{job['id']}/interests", None, person["seeker"])
    return night_market


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_an_events_pdf_and_workbook_hold_the_figures_of_its_json(client, organiser, busy_market, language):
    slug = busy_market["slug"]
    answer = await client.get(f"/api/events/{slug}/report?lang={language}", headers=organiser)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["kind"] == "event" and report["sections"]
    pdf = await client.get(f"/api/events/{slug}/report.pdf?lang={language}", headers=organiser)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # The documents were made a moment after the JSON: the same figures, another `generated_at`.
    assert_pdf_holds(report, pdf.content, language)
    workbook = await client.get(f"/api/events/{slug}/report.xlsx?lang={language}", headers=organiser)
    assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
    assert_xlsx_equals(report, workbook.content, language)


async def test_a_download_is_named_after_the_report_in_chinese_with_an_ascii_fallback(client, organiser, busy_market):
    answer = await client.get(f"/api/events/{busy_market['slug']}/report.pdf", headers=organiser)
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="report-{busy_market["slug"]}.pdf"; ')
    assert f"filename*=UTF-8''{quote('秦淮人才夜市', safe='')}" in disposition


async def test_a_periods_documents_hold_the_figures_of_its_json(client, organiser, busy_market):
    today = now().astimezone(SHANGHAI).date()
    query = f"from={today.replace(day=1)}&to={today + timedelta(days=31)}"
    answer = await client.get(f"/api/reports/period?{query}", headers=organiser)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["kind"] == "period"
    pdf = await client.get(f"/api/reports/period.pdf?{query}", headers=organiser)
    assert pdf.status_code == 200, pdf.text
    assert_pdf_holds(report, pdf.content)
    workbook = await client.get(f"/api/reports/period.xlsx?{query}", headers=organiser)
    assert workbook.status_code == 200, workbook.text
    assert_xlsx_equals(report, workbook.content)
    assert f"report-{today.replace(day=1)}-{today + timedelta(days=31)}.xlsx" in workbook.headers["content-disposition"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-12-31&to=2026-01-01", "period_reversed"),
        ("from=2020-01-01&to=2026-12-31", "period_too_long"),
        ("from=2026-13-01&to=2026-12-31", "validation_failed"),
        ("from=2026-01-01", "validation_failed"),
    ],
)
@pytest.mark.parametrize("path", ["/api/reports/period", "/api/reports/period.pdf", "/api/reports/period.xlsx"])
async def test_a_bad_period_is_a_400_problem_with_a_code(client, organiser, path, query, code):
    answer = await client.get(f"{path}?{query}", headers=organiser)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code


@pytest.mark.parametrize("path", ["/api/events/{slug}/report", "/api/events/{slug}/report.pdf", "/api/events/{slug}/report.xlsx",
                                  "/api/reports/period?from=2026-01-01&to=2026-12-31", "/api/reports/period.pdf?from=2026-01-01&to=2026-12-31"])
async def test_only_organisers_get_reports(client, hr, busy_market, path):
    (_, seeker) = await make_account("seeker")
    url = path.format(slug=busy_market["slug"])
    assert (await client.get(url)).status_code == 401
    for headers in (hr, seeker):
        refused = await client.get(url, headers=headers)
        assert refused.status_code == 403 and refused.json()["code"] == "organiser_only", refused.text


async def test_an_unknown_event_has_no_report(client, organiser):
    answer = await client.get("/api/events/no-such-event/report.pdf", headers=organiser)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")


# ---------------------------------------------------------------- the console


@pytest.fixture
async def browser(client, organiser):
    client.cookies.set("session", organiser["Authorization"].split()[1])
    yield client
    client.cookies.clear()


async def test_the_console_offers_each_events_report_and_a_period_picker(browser, busy_market):
    slug = busy_market["slug"]
    event_page = await browser.get(f"/manage/events/{slug}")
    assert f'href="/manage/events/{slug}/report.pdf"' in event_page.text and "报告 PDF" in event_page.text and "报告 Excel" in event_page.text
    page = await browser.get("/manage/reports?preset=quarter")
    assert page.status_code == 200 and "期间报告" in page.text and "本季度" in page.text
    today = now().astimezone(SHANGHAI).date()
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    assert f'value="{quarter_start.isoformat()}"' in page.text
    pdf = await browser.get(f"/manage/events/{slug}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    workbook = await browser.get(f"/manage/reports/period.xlsx?from={today.replace(day=1)}&to={today}")
    assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX


async def test_a_reversed_period_in_the_console_is_refused_next_to_its_end(browser):
    page = await browser.get("/manage/reports/period.pdf?from=2026-12-31&to=2026-12-01")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert '<p class="field-error" id="e-to">结束日期不能早于开始日期。</p>' in page.text
    unreadable = await browser.get("/manage/reports/period.pdf?from=2026-02-30&to=2026-12-01&lang=en")
    assert '<p class="field-error" id="e-from">Choose a date.</p>' in unreadable.text


async def test_hr_staff_cannot_download_reports_from_the_console(client, hr, busy_market):
    client.cookies.set("session", hr["Authorization"].split()[1])
    try:
        refused = await client.get(f"/manage/events/{busy_market['slug']}/report.pdf")
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    finally:
        client.cookies.clear()


def test_presets_cover_whole_months_quarters_and_years():
    from events.routes.manage_reports import preset

    assert preset("month", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert preset("quarter", date(2026, 11, 30)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert preset("year", date(2028, 2, 29)) == (date(2028, 1, 1), date(2028, 12, 31))
    assert preset("week", date(2026, 1, 1)) is None



@pytest.mark.slow
async def test_an_organiser_downloads_both_reports_from_the_console_in_chromium(live_server, phone_context, busy_market):
    from browser import sign_in_organiser

    page = await phone_context.new_page()
    await sign_in_organiser(page, live_server.url)

    await page.goto(f"{live_server.url}/manage/events/{busy_market['slug']}")
    async with page.expect_download() as event_pdf:
        await page.get_by_role("link", name="报告 PDF").click()
    download = await event_pdf.value
    assert download.suggested_filename == "秦淮人才夜市 统计报告.pdf"
    assert (await asyncio.to_thread(Path(await download.path()).read_bytes)).startswith(b"%PDF")

    await page.get_by_role("link", name="报告", exact=True).click()
    await page.get_by_role("button", name="本年").click()
    year = str(now().astimezone(SHANGHAI).year)
    assert await page.get_by_label("开始日期").input_value() == f"{year}-01-01"
    assert await page.get_by_label("结束日期（含）").input_value() == f"{year}-12-31"
    async with page.expect_download() as period_xlsx:
        await page.get_by_role("button", name="下载 Excel").click()
    download = await period_xlsx.value
    assert download.suggested_filename.endswith("招聘活动统计报告.xlsx")
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[:2] == ["说明", "图表"]
