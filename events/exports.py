"""Spreadsheet exports (CSV and XLSX): every writer goes through here, so no cell a seeker typed can run as a formula.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (a tab or carriage
return in front is skipped by some importers, so those count too): a seeker named
`=HYPERLINK("http://evil","点我")` would become a live link in the organiser's Excel.

- CSV has no types: such a field gets a leading apostrophe (the OWASP advice). Excel and
  LibreOffice show the apostrophe and treat the field as text. Phone numbers go the same way:
  `'+8613812345678` keeps its `+86` instead of turning into 8.61E+12.
- XLSX has types: text is written as a text cell (openpyxl would otherwise store a string that
  starts with `=` as a formula) with Excel's own quote-prefix flag, so editing the cell does not
  turn it into a formula either. The text stays exactly what was typed, `+86…` included;
  phone columns are also formatted as text (`@`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

#: What a spreadsheet may read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Times to the minute: what a person reads in a report (seconds and microseconds are noise there).
TIME_FORMAT = "%Y-%m-%d %H:%M"


class Percent(float):
    """A share between 0 and 1 that a sheet shows as a percentage (71.4%)."""


def neutral(text: str) -> str:
    """The text as a CSV field no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value * 100:.1f}%"
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, str):
        return neutral(value)
    return value


def csv_document(*sections: tuple[Sequence[str], Iterable[Sequence[Any]]]) -> str:
    """Sections of (header, rows) as one CSV with a BOM (so Excel reads the Chinese), a blank line between sections."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for n, (header, rows) in enumerate(sections):
        if n:
            writer.writerow([])
        writer.writerow([_csv_value(value) for value in header])
        writer.writerows([_csv_value(value) for value in row] for row in rows)
    return out.getvalue()


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    #: Columns (0-based) of phone numbers and codes: text even when they look like numbers.
    text_columns: set[int] = field(default_factory=set)


def _set(cell: Cell, value: Any, *, as_text: bool) -> None:
    if isinstance(value, str):
        cell.value = value
        # openpyxl makes a formula of any string that starts with "="; a text cell is never evaluated.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif isinstance(value, Percent):
        cell.value = float(value)
        cell.number_format = "0.0%"
    elif isinstance(value, datetime):
        # Excel has no time zones: the wall-clock time in the stop's zone.
        cell.value = value.replace(tzinfo=None, microsecond=0)
        cell.number_format = "yyyy-mm-dd hh:mm"
    else:
        cell.value = value
    if as_text:
        cell.number_format = "@"


def workbook(*sheets: Sheet) -> bytes:
    """An XLSX with one sheet per Sheet: bold frozen header, typed cells, no formulas."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        # Sheet names are at most 31 characters and refuse []:*?/\ (a booth label may hold a slash).
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "-", spec.title)[:31])
        for column, title in enumerate(spec.header, start=1):
            _set(sheet.cell(row=1, column=column), title, as_text=False)
            sheet.cell(row=1, column=column).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(column)].width = max(12, len(str(title)) * 2)
        for row_number, row in enumerate(spec.rows, start=2):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    _set(sheet.cell(row=row_number, column=column), value, as_text=column - 1 in spec.text_columns)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
