"""Every CSV and XLSX export: what a seeker or an employer typed never runs as a formula, and phone numbers stay text."""

from __future__ import annotations

import csv
import io
import uuid

from conftest import job_body, post_ok, sign_up_body
from openpyxl import load_workbook

from events.exports import FORMULA_STARTS

NAME = '=HYPERLINK("http://x","y")'
EMPLOYER = "=cmd|' /C calc'!A0"


def _csv_fields(text: str) -> list[str]:
    return [field for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for field in row]


def _xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


async def _scene(client, organiser, night_market):
    """A seeker with a formula for a name and school, at a stall of an employer whose name is a formula, sharing their profile."""
    employer = await post_ok(client, "/api/employers", {"name": EMPLOYER, "credit_code": _credit_code(), "city": "南京"}, organiser)
    from conftest import make_account

    hr = (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1]
    tonight = night_market["tonight"]["id"]
    booth = await post_ok(client, f"/api/stops/{tonight}/booths", {"employer_id": employer["id"], "label": "C1"}, organiser)
    signed = await post_ok(client, "/api/seekers", sign_up_body(name=NAME, school="-2+3", major="\t=1+1", degree="master"), {})
    student = {"Authorization": f"Bearer {signed['token']['access_token']}"}
    registration = await post_ok(client, f"/api/stops/{tonight}/registrations", None, student)
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="+算法工程师"), hr)
    visit = await client.post(f"/api/booths/{booth['id']}/visits", json={"ticket": registration["ticket"]["code"], "nonce": str(uuid.uuid4()), "job_ids": [job["id"]]}, headers=hr)
    assert visit.status_code == 201, visit.text
    await post_ok(client, f"/api/jobs/{job['id']}/interests", None, student)
    return hr, booth


def _credit_code() -> str:
    from conftest import credit_code

    return credit_code()


async def _download(client, path, headers, **params):
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_no_csv_export_has_a_field_a_spreadsheet_would_run_as_a_formula(client, organiser, night_market):
    hr, booth = await _scene(client, organiser, night_market)
    tonight = night_market["tonight"]["id"]
    exports = {
        "registrations": (await _download(client, f"/api/stops/{tonight}/registrations", organiser, format="csv", unmasked="true")).text,
        "visitors": (await _download(client, f"/api/booths/{booth['id']}/visitors", hr, format="csv")).text,
        "attendance": (await _download(client, f"/api/events/{night_market['slug']}/attendance", organiser, format="csv")).text,
    }
    for name, text in exports.items():
        fields = _csv_fields(text)
        assert [f for f in fields if f.startswith(FORMULA_STARTS)] == [], name
    # Neutralised, not lost: the apostrophe is all that was added, and the phone keeps its +86.
    assert "'" + NAME in _csv_fields(exports["registrations"]) and "'" + NAME in _csv_fields(exports["visitors"])
    assert "'+8613812345678" in _csv_fields(exports["registrations"]) and "'+8613812345678" in _csv_fields(exports["visitors"])
    assert "'" + EMPLOYER in _csv_fields(exports["attendance"])


async def test_no_xlsx_export_has_a_formula_cell_and_phones_are_text(client, organiser, night_market):
    hr, booth = await _scene(client, organiser, night_market)
    workbooks = {
        "visitors": (await _download(client, f"/api/booths/{booth['id']}/visitors", hr, format="xlsx")).content,
        "attendance": (await _download(client, f"/api/events/{night_market['slug']}/attendance", organiser, format="xlsx")).content,
    }
    for name, content in workbooks.items():
        cells = _xlsx_cells(content)
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], name
        # Text that looks like a formula is a text cell flagged the way Excel flags a typed apostrophe.
        assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)), name
    visitors = {c.value: c for c in _xlsx_cells(workbooks["visitors"])}
    assert visitors[NAME].data_type == "s"
    phone = visitors["+8613812345678"]
    assert phone.data_type == "s" and phone.number_format == "@"
    assert EMPLOYER in {c.value for c in _xlsx_cells(workbooks["attendance"])}


async def test_the_organisers_dashboard_workbook_has_no_formula_cell(client, organiser, night_market):
    await _scene(client, organiser, night_market)
    client.cookies.set("session", organiser["Authorization"].split()[1])
    page = await client.get(f"/dashboard/events/{night_market['slug']}/attendance.xlsx")
    assert page.status_code == 200, page.text
    cells = _xlsx_cells(page.content)
    assert EMPLOYER in {c.value for c in cells}
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
