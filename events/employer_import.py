"""Importing many employers at once from an XLSX or CSV: every row checked first, then all written or none.

A row is a company, its credit code and one contact person (name, phone, email), and optionally
the jobs it brings. The contact becomes the employer's first HR account, without a usable
password, and gets an invitation link (events.invitations) that the import's answer shows once:
the contact sets a password with it, so an import never carries dozens of passwords around
(the organiser's password reset still works for a link that got lost). The jobs column has no event to post
at yet, so it is kept in the employer's description for HR to post at an event later.

Nothing in an uploaded sheet is trusted: the file type is told by its bytes (not its name), a
formula cell or a cell that a spreadsheet would run as a formula is refused rather than stored,
and sizes are capped before anything is parsed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from events import identifiers, invitations, views
from events.accounts import Actor, require_organiser
from events.db import write_transaction
from events.errors import Conflict, Invalid, Malformed, TooLarge, Unsupported
from events.exports import FORMULA_STARTS
from events.tables import Account, AuditEntry, Employer, Invitation

#: Data rows one import takes at most; a larger list is split by whoever prepares it.
MAX_ROWS = 1000
#: Bytes an uploaded file may have: 1,000 rows of text are far less.
MAX_BYTES = 2_000_000
#: Columns read per row: a sheet claiming thousands of columns is not read past these.
MAX_COLUMNS = 20

#: Header words per field, Chinese and English, lower-cased; a header cell containing one names its column.
#: Checked in this order, so that "联系电话" is the phone and not the contact, "credit code" not the company.
HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("credit_code", ("统一社会信用代码", "信用代码", "credit code", "credit_code", "uscc")),
    ("phone", ("电话", "手机", "phone", "mobile")),
    ("email", ("邮箱", "电子邮件", "email", "e-mail")),
    ("jobs", ("岗位", "职位", "jobs", "job")),
    ("contact", ("联系人", "contact")),
    ("company", ("单位", "公司", "企业", "company", "employer", "name")),
)
REQUIRED = ("company", "credit_code", "contact", "phone", "email")
LIMITS = {"company": 200, "contact": 100, "jobs": 2000}
_JOB_SEPARATORS = re.compile(r"[、,，;；/\n]+")


# ---------------------------------------------------------------- reading the file


def _is_xlsx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


#: Files people upload by mistake, told by their first bytes.
_NOT_A_SHEET = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def _cell_text(value: Any, *, is_formula: bool) -> tuple[str, bool]:
    """A cell as text, and whether it is (or would run as) a formula."""
    if value is None:
        return "", False
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into Excel comes back as 13812345678.0
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value).strip()
    return text, is_formula


def _xlsx_rows(content: bytes) -> Iterator[list[tuple[str, bool]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Formulas as written (data_only=False): a formula cell is refused, never its cached result trusted.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS):
            yield [_cell_text(cell.value, is_formula=getattr(cell, "data_type", None) == "f") for cell in row]
        book.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, IndexError, OSError) as error:
        raise Malformed("malformed_spreadsheet", f"The spreadsheet cannot be read: {type(error).__name__}.") from error


def _csv_rows(content: bytes) -> Iterator[list[tuple[str, bool]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        # Excel on Chinese Windows saves CSV in GBK (a subset of GB 18030); everything else in UTF-8.
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Unsupported("unsupported_file_type", "Upload an .xlsx workbook or a .csv file (UTF-8 or GBK).")
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            yield [_cell_text(value, is_formula=False) for value in row[:MAX_COLUMNS]]
    except csv.Error as error:
        raise Malformed("malformed_spreadsheet", f"The CSV cannot be read: {error}.") from error


def read_sheet(content: bytes) -> list[list[tuple[str, bool]]]:
    """The file's rows as (text, is_formula) cells: an XLSX's first sheet or a CSV, told apart by content."""
    if len(content) > MAX_BYTES:
        raise TooLarge("import_too_large", f"An import file may have at most {MAX_BYTES // 1_000_000} MB.")
    if not content.strip():
        raise Invalid("import_empty", "The file is empty.")
    if _is_xlsx(content):
        reader = _xlsx_rows(content)
    elif content.startswith(_NOT_A_SHEET) or b"\x00" in content[:4096]:
        raise Unsupported("unsupported_file_type", "Upload an .xlsx workbook or a .csv file; old .xls, PDF and images are not read.")
    else:
        reader = _csv_rows(content)
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            raise Invalid("import_too_many_rows", f"An import takes at most {MAX_ROWS} rows; split the file.")
    return rows


def _columns(header: list[tuple[str, bool]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, (text, _formula) in enumerate(header):
        word = text.lower()
        for field, aliases in HEADERS:
            if field not in found and any(alias in word for alias in aliases):
                found[field] = index
                break
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        raise Invalid("import_missing_columns", f"The first row must name the columns; missing: {', '.join(missing)}.", missing=missing)
    return found


# ---------------------------------------------------------------- checking rows


def _error(field: str, code: str, message: str) -> views.ImportProblem:
    return views.ImportProblem(field=field, code=code, message=message)


def _check_row(number: int, cells: dict[str, tuple[str, bool]]) -> views.ImportRow:
    errors: list[views.ImportProblem] = []
    values = {field: text for field, (text, _formula) in cells.items()}
    for field, (text, is_formula) in cells.items():
        # A phone may start with "+86"; any other cell that a spreadsheet would run is refused, not stored.
        looks_like_formula = text.startswith(FORMULA_STARTS) and not (field == "phone" and re.fullmatch(r"\+[\d\s-]+", text))
        if is_formula or looks_like_formula:
            errors.append(_error(field, "formula_not_allowed", "A formula (or text starting with = + - @) is not accepted; type the value."))
            values[field] = ""
    for field in REQUIRED:
        if not values.get(field) and not any(e.field == field for e in errors):
            errors.append(_error(field, "required", "This column is required."))
    for field, limit in LIMITS.items():
        if len(values.get(field, "")) > limit:
            errors.append(_error(field, "too_long", f"At most {limit} characters."))
    normal = dict(values)
    for field, check in (("credit_code", identifiers.credit_code), ("phone", identifiers.phone), ("email", identifiers.email)):
        if values.get(field):
            try:
                normal[field] = check(values[field])
            except Invalid as error:
                errors.append(_error(field, error.code, error.detail))
    jobs = [title.strip()[:200] for title in _JOB_SEPARATORS.split(values.get("jobs", "")) if title.strip()]
    return views.ImportRow(
        row=number,
        company=normal.get("company", ""),
        credit_code=normal.get("credit_code", ""),
        contact=normal.get("contact", ""),
        phone=normal.get("phone", ""),
        email=normal.get("email", ""),
        jobs=jobs,
        errors=errors,
    )


def _with(row: views.ImportRow, *problems: views.ImportProblem) -> views.ImportRow:
    return views.ImportRow(**{**{f: getattr(row, f) for f in row.__struct_fields__}, "errors": [*row.errors, *problems]})


async def _check_against_stored(rows: list[views.ImportRow]) -> list[views.ImportRow]:
    """Duplicates within the file (the later row names the first) and against what is already stored."""
    codes = [row.credit_code for row in rows if row.credit_code]
    phones = [row.phone for row in rows if row.phone]
    emails = [row.email for row in rows if row.email]
    taken_codes = {r["credit_code"] for r in await Employer.select(Employer.credit_code).where(Employer.credit_code.is_in(codes))} if codes else set()
    taken_phones = {r["phone"] for r in await Account.select(Account.phone).where(Account.phone.is_in(phones))} if phones else set()
    taken_emails = {r["email"] for r in await Account.select(Account.email).where(Account.email.is_in(emails))} if emails else set()
    first_seen: dict[tuple[str, str], int] = {}
    checked = []
    for row in rows:
        problems = []
        for field, taken, code in (
            ("credit_code", taken_codes, "credit_code_taken"),
            ("phone", taken_phones, "login_taken"),
            ("email", taken_emails, "login_taken"),
        ):
            value = getattr(row, field)
            if not value:
                continue
            if value in taken:
                problems.append(_error(field, code, "Already registered in the system."))
            elif (field, value) in first_seen:
                problems.append(_error(field, "duplicate_in_file", f"Same as row {first_seen[field, value]}."))
            else:
                first_seen[field, value] = row.row
        checked.append(_with(row, *problems) if problems else row)
    return checked


async def check_import(*, actor: Actor, content: bytes) -> list[views.ImportRow]:
    """Every data row of the file, with what is wrong in it (an empty `errors` when nothing is)."""
    require_organiser(actor)
    sheet = read_sheet(content)
    if not sheet:
        raise Invalid("import_empty", "The file is empty.")
    columns = _columns(sheet[0])
    rows = []
    for number, cells in enumerate(sheet[1:], start=2):
        if not any(text for text, _formula in cells):
            continue  # blank lines between blocks of rows are common; they are not rows
        picked = {field: cells[index] if index < len(cells) else ("", False) for field, index in columns.items()}
        rows.append(_check_row(number, picked))
    if not rows:
        raise Invalid("import_empty", "The file has a header but no rows.")
    return await _check_against_stored(rows)


def _description(jobs: list[str]) -> str:
    return ("拟招岗位 Jobs: " + "、".join(jobs)) if jobs else ""


async def import_employers(*, actor: Actor, now: datetime, content: bytes, dry_run: bool) -> views.ImportReport:
    """Check every row; unless `dry_run`, write all of them in one transaction, or (any row wrong) none."""
    rows = await check_import(actor=actor, content=content)
    wrong = [row.row for row in rows if row.errors]
    report = views.ImportReport(dry_run=dry_run, valid=not wrong, rows=rows, created=0)
    if dry_run:
        return report
    if wrong:
        raise Invalid(
            "import_has_errors",
            f"Nothing was imported: row(s) {', '.join(map(str, wrong))} have errors.",
            rows_with_errors=wrong,
            report=report,
        )
    employers = [Employer(name=row.company, credit_code=row.credit_code, description=_description(row.jobs), created_at=now, updated_at=now) for row in rows]
    contacts = [
        Account(role="hr", name=row.contact, email=row.email, phone=row.phone, password_hash=invitations.NO_PASSWORD, employer=employer.id, created_at=now, updated_at=now)
        for row, employer in zip(rows, employers, strict=True)
    ]
    invited = [invitations.new_invitation(account_id=c.id, name=c.name, email=c.email, phone=c.phone, now=now) for c in contacts]
    async with write_transaction():
        # The checks above gave each row its error; the unique indexes still decide a race with
        # another import or a hand-made employer, and then the whole file goes back.
        inserted = await Employer.insert(*employers).on_conflict(action="DO NOTHING").returning(Employer.id)
        if len(inserted) != len(employers):
            raise Conflict("credit_code_taken", "An employer in the file was just created by someone else; nothing was imported.")
        added = await Account.insert(*contacts).on_conflict(action="DO NOTHING").returning(Account.id)
        if len(added) != len(contacts):
            raise Conflict("login_taken", "A contact's phone or email was just registered by someone else; nothing was imported.")
        await Invitation.insert(*(invitation for invitation, _link in invited))
        await invitations.record_invitations(invited, now=now)
        await AuditEntry.insert(AuditEntry(actor=actor.id, action="import_employers", target="employer:*", detail=f"{len(employers)} employers", at=now))
    return views.ImportReport(dry_run=False, valid=True, rows=rows, created=len(employers), invitations=[link for _row, link in invited])
