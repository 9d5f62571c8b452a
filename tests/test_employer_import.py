"""Importing employers from XLSX and CSV: every row checked, then all written or none."""

from __future__ import annotations

import io

from conftest import credit_code, post_ok
from openpyxl import Workbook

HEADER = ["单位名称 Company", "统一社会信用代码 Credit code", "联系人 Contact", "手机 Phone", "邮箱 Email", "岗位 Jobs"]


def wrong_check_digit(code: str) -> str:
    last = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + next(c for c in last if c != code[-1])


def rows(count: int = 12) -> list[list[object]]:
    return [
        [f"南京测试{n:02d}科技有限公司", credit_code(), f"联系人{n}", f"1391000{n:04d}", f"hr{n}@import.example.com", "Java 开发、测试工程师"]
        for n in range(1, count + 1)
    ]


def xlsx(data: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(data: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(data)
    return out.getvalue().encode(encoding)


async def upload(client, headers, content: bytes, *, dry_run: bool = False, name: str = "employers.xlsx"):
    return await client.post(
        "/api/employers/import", params={"dry_run": "true"} if dry_run else {}, files={"file": (name, content, "application/octet-stream")}, headers=headers
    )


async def employer_count(client, organiser) -> int:
    return (await client.get("/api/employers", headers=organiser)).json()["total"]


async def test_twelve_rows_with_one_wrong_write_nothing_and_name_the_row_then_the_fixed_file_writes_twelve(client, organiser):
    data = rows()
    good_code = data[6][1]
    data[6][1] = wrong_check_digit(good_code)
    response = await upload(client, organiser, xlsx(data))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "import_has_errors"
    assert body["rows_with_errors"] == [8]  # the header is row 1: the seventh company is on row 8
    wrong = [row for row in body["report"]["rows"] if row["errors"]]
    assert [(row["row"], row["errors"][0]["field"], row["errors"][0]["code"]) for row in wrong] == [(8, "credit_code", "invalid_credit_code")]
    assert await employer_count(client, organiser) == 0

    data[6][1] = good_code
    response = await upload(client, organiser, xlsx(data))
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 12
    assert await employer_count(client, organiser) == 12


async def test_a_dry_run_answers_the_report_and_writes_nothing(client, organiser):
    response = await upload(client, organiser, xlsx(rows(3)), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True and report["valid"] is True and report["created"] == 0
    assert report["rows"][0]["phone"] == "+8613910000001"
    assert report["rows"][0]["jobs"] == ["Java 开发", "测试工程师"]
    assert await employer_count(client, organiser) == 0


async def test_a_csv_in_gbk_imports_like_an_xlsx(client, organiser):
    response = await upload(client, organiser, csv_bytes(rows(2), "gb18030"), name="employers.csv")
    assert response.status_code == 201, response.text
    assert await employer_count(client, organiser) == 2


async def test_the_contact_becomes_an_hr_account_of_the_employer_that_cannot_sign_in_until_a_password_is_set(client, organiser):
    response = await upload(client, organiser, xlsx(rows(1)))
    assert response.status_code == 201, response.text
    employer = (await client.get("/api/employers", headers=organiser)).json()["items"][0]
    staff = (await client.get(f"/api/employers/{employer['id']}/staff", headers=organiser)).json()
    assert [(s["name"], s["phone"]) for s in staff] == [("联系人1", "+8613910000001")]
    login = await client.post("/api/auth/login", json={"login": "13910000001", "password": "!imported"})
    assert login.status_code == 401
    reset = await post_ok(client, f"/api/accounts/{staff[0]['id']}/password", {}, organiser, status=200)
    login = await client.post("/api/auth/login", json={"login": "13910000001", "password": reset["password"]})
    assert login.status_code == 200 and login.json()["role"] == "hr"


async def test_the_import_answers_each_contacts_invitation_once_and_a_contact_accepts_it_and_signs_in(client, organiser):
    dry = (await upload(client, organiser, xlsx(rows(3)), dry_run=True)).json()
    assert dry["invitations"] == []
    response = await upload(client, organiser, xlsx(rows(3)))
    assert response.status_code == 201, response.text
    links = response.json()["invitations"]
    assert [(link["name"], link["phone"]) for link in links] == [(f"联系人{n}", f"+861391000000{n}") for n in (1, 2, 3)]
    token = links[1]["url"].rsplit("/", 1)[1]
    shown = (await client.get(f"/api/invitations/{token}")).json()
    assert shown["name"] == "联系人2" and shown["employer_name"] == "南京测试02科技有限公司" and shown["needs_login"] is False
    signed = await post_ok(client, f"/api/invitations/{token}", {"password": "import-2026"}, {}, status=200)
    assert signed["role"] == "hr"
    login = await client.post("/api/auth/login", json={"login": "hr2@import.example.com", "password": "import-2026"})
    assert login.status_code == 200
    me = (await client.get("/api/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})).json()
    employer = (await client.get("/api/employers", params={"q": "南京测试02"}, headers=organiser)).json()["items"][0]
    assert me["employer_id"] == employer["id"]
    assert (await client.post(f"/api/invitations/{token}", json={"password": "import-2027"})).status_code == 410


async def test_duplicates_within_the_file_and_against_stored_employers_are_errors(client, organiser):
    existing = await post_ok(client, "/api/employers", {"name": "已有单位", "credit_code": credit_code()}, organiser)
    data = rows(4)
    data[1][1] = data[0][1]  # the same company twice
    data[2][1] = existing["credit_code"]
    data[3][3] = data[0][3]  # the same contact phone twice
    report = (await upload(client, organiser, xlsx(data), dry_run=True)).json()
    problems = {(row["row"], e["field"], e["code"]) for row in report["rows"] for e in row["errors"]}
    assert problems == {(3, "credit_code", "duplicate_in_file"), (4, "credit_code", "credit_code_taken"), (5, "phone", "duplicate_in_file")}
    assert report["valid"] is False
    assert (await upload(client, organiser, xlsx(data))).status_code == 422
    assert await employer_count(client, organiser) == 1


async def test_formula_cells_and_formula_looking_text_are_refused_not_stored(client, organiser):
    data = rows(2)
    data[0][0] = '=HYPERLINK("http://evil","点我")'
    data[1][2] = "@SUM(A1)"
    report = (await upload(client, organiser, xlsx(data), dry_run=True)).json()
    assert [(row["row"], [(e["field"], e["code"]) for e in row["errors"]]) for row in report["rows"]] == [
        (2, [("company", "formula_not_allowed")]),
        (3, [("contact", "formula_not_allowed")]),
    ]


async def test_a_phone_starting_with_plus_86_is_a_phone_not_a_formula(client, organiser):
    data = rows(1)
    data[0][3] = "+86 139 1000 0001"
    report = (await upload(client, organiser, xlsx(data), dry_run=True)).json()
    assert report["valid"] is True and report["rows"][0]["phone"] == "+8613910000001"


async def test_a_malformed_spreadsheet_is_a_400_and_writes_nothing(client, organiser):
    broken = xlsx(rows(2))[:900]  # a truncated workbook: still starts like a zip
    response = await upload(client, organiser, broken)
    assert response.status_code in (400, 415), response.text
    assert response.json()["code"] in ("malformed_spreadsheet", "unsupported_file_type")
    good = xlsx(rows(2))
    corrupt = good.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml")
    response = await upload(client, organiser, corrupt)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_spreadsheet"
    assert await employer_count(client, organiser) == 0


async def test_a_wrong_file_type_is_told_by_content_not_by_name(client, organiser):
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n"
    response = await upload(client, organiser, pdf, name="employers.xlsx")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    assert (await upload(client, organiser, png, name="employers.csv")).status_code == 415


async def test_missing_columns_and_empty_files_are_422(client, organiser):
    response = await upload(client, organiser, xlsx(rows(1), header=["单位名称", "联系人", "手机", "邮箱"]))
    assert response.status_code == 422
    assert response.json()["code"] == "import_missing_columns" and response.json()["missing"] == ["credit_code"]
    response = await upload(client, organiser, xlsx([]))
    assert response.status_code == 422 and response.json()["code"] == "import_empty"


async def test_only_organisers_import(client, organiser, hr, seeker):
    content = xlsx(rows(1))
    assert (await upload(client, hr, content)).status_code == 403
    assert (await upload(client, seeker, content)).status_code == 403
    assert (await upload(client, {}, content)).status_code == 401


async def test_the_credit_code_check_says_valid_wrong_digit_or_taken(client, organiser):
    code = credit_code()
    check = (await client.get("/api/employers/credit-code-check", params={"code": code.lower()}, headers=organiser)).json()
    assert check == {"valid": True, "credit_code": code, "taken": False, "code": None}
    check = (await client.get("/api/employers/credit-code-check", params={"code": wrong_check_digit(code)}, headers=organiser)).json()
    assert check["valid"] is False and check["code"] == "invalid_credit_code"
    await post_ok(client, "/api/employers", {"name": "甲", "credit_code": code}, organiser)
    check = (await client.get("/api/employers/credit-code-check", params={"code": code}, headers=organiser)).json()
    assert check["taken"] is True and check["code"] == "credit_code_taken"
    assert (await client.get("/api/employers/credit-code-check", params={"code": code})).status_code == 401


async def test_two_imports_of_the_same_file_at_once_write_it_once_and_the_loser_writes_nothing(client, organiser):
    import asyncio

    content = xlsx(rows(12))
    first, second = await asyncio.gather(upload(client, organiser, content), upload(client, organiser, content))
    statuses = sorted([first.status_code, second.status_code])
    # The loser either saw the winner's rows when checking (422, every row named) or lost at the unique index (409).
    assert statuses[0] == 201 and statuses[1] in (409, 422), (first.text, second.text)
    assert await employer_count(client, organiser) == 12
    staff = await asyncio.gather(*[client.get(f"/api/employers/{e['id']}/staff", headers=organiser) for e in (await client.get("/api/employers", headers=organiser)).json()["items"]])
    assert sorted(len(s.json()) for s in staff) == [1] * 12


async def test_a_form_without_a_file_is_refused_as_not_matching_the_schema(client, organiser):
    # Found by schemathesis: a multipart form whose only fields are not files answered 500 from inside the framework.
    response = await client.post("/api/employers/import", params={"dry_run": "true"}, files={"note": (None, "{}")}, headers=organiser)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_file_sent_as_a_text_field_is_refused_as_malformed(client, organiser):
    # Found by schemathesis: binary bytes in a form field without a filename made the framework's UTF-8 decoding fail (500).
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    response = await client.post("/api/employers/import", files={"file": (None, png)}, headers=organiser)
    assert response.status_code == 400 and response.json()["code"] == "malformed_body", response.text
