"""A report as an Excel workbook: an about sheet, one sheet per table (typed cells, frozen header), and a chart sheet.

Cells keep their types: counts and numbers are numbers, shares are numbers formatted as
percentages, dates are dates, and a "<5" stays the text "<5" (never a number a sum could use).
Text cells go through `events.exports` so no name can run as a formula. The chart sheet draws
each table's chart with Excel's own charts over that table's sheet.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from events.exports import Percent, Sheet, workbook
from events.report_model import Report, Table, Value

WORDS = {
    "zh": {"about": "说明", "charts": "图表", "title": "报告", "organiser": "主办方", "subject": "对象", "generated": "生成时间",
           "privacy": "只含计数：少于 5 人的组显示为“<5”（文本，不参与求和）。", "sheet": "工作表"},
    "en": {"about": "About", "charts": "Charts", "title": "Report", "organiser": "Organiser", "subject": "Subject", "generated": "Generated",
           "privacy": "Counts only: groups of fewer than 5 people are shown as the text “<5” (never summed).", "sheet": "Sheet"},
}
#: Charts on the chart sheet stack vertically, this many rows apart.
CHART_ROWS = 20


def cell_value(value: Value, kind: str) -> object:
    """A report cell as the workbook stores it (exports' writer turns Percent into a % cell and datetimes into Excel times)."""
    if kind == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
        return Percent(value)
    return value


def sheet_names(report: Report, language: str) -> list[str]:
    """One unique sheet name per table, in order: Excel allows 31 characters and no []:*?/\\."""
    names: list[str] = []
    taken = {WORDS[language]["about"], WORDS[language]["charts"]}
    for section in report.sections:
        for table in section.tables:
            base = re.sub(r"[\[\]:*?/\\]", "-", table.title(language))[:28]
            name, n = base, 2
            while name in taken:
                name, n = f"{base[:27]}~{n}", n + 1
            taken.add(name)
            names.append(name)
    return names


def _subject(report: Report) -> str:
    if report.kind == "period":
        first, last = report.subject.get("first"), report.subject.get("last")
        return f"{first.isoformat() if isinstance(first, date) else first} – {last.isoformat() if isinstance(last, date) else last}"
    return str(report.subject.get("title") or report.subject.get("slug") or "")


def _tables(report: Report) -> list[Table]:
    return [table for section in report.sections for table in section.tables]


def render_xlsx(report: Report, language: str = "zh") -> bytes:
    """The report as XLSX bytes."""
    words = WORDS[language]
    tables = _tables(report)
    names = sheet_names(report, language)
    about = Sheet(
        title=words["about"],
        header=[words["title"], report.title(language)],
        rows=[
            [words["organiser"], report.organiser],
            [words["subject"], _subject(report)],
            [words["generated"], report.generated_at],
            [],
            [words["privacy"]],
            [],
            *([words["sheet"], name] for name in names),
        ],
    )
    sheets = [
        Sheet(title=name, header=[column.label(language) for column in table.columns],
              rows=[[cell_value(value, column.kind) for value, column in zip(row, table.columns, strict=True)] for row in table.rows])
        for name, table in zip(names, tables, strict=True)
    ]
    book = _reopen(workbook(about, *sheets))
    for name, table in zip(names, tables, strict=True):
        _dress(book[name], table)
    _charts(book, words["charts"], names, tables, language)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _reopen(content: bytes) -> Workbook:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))


def _dress(sheet: Worksheet, table: Table) -> None:
    """Widths that fit Chinese headers, dates shown as dates, numbers right-aligned."""
    for n, column in enumerate(table.columns, start=1):
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = max(10, min(40, 2 * len(column.label("zh")) + 4, 4 + max((len(str(row[n - 1])) for row in table.rows), default=0) * 2))
        for row in range(2, len(table.rows) + 2):
            cell = sheet.cell(row=row, column=n)
            if isinstance(cell.value, datetime) and column.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str) and column.kind != "text":
                # "<5" and "—": text in a number column, aligned with the numbers.
                cell.alignment = Alignment(horizontal="right")
    sheet.cell(row=1, column=1).font = Font(bold=True)


def _charts(book: Workbook, title: str, names: list[str], tables: list[Table], language: str) -> None:
    sheet = book.create_sheet(title, 1)
    at = 1
    for name, table in zip(names, tables, strict=True):
        chart_spec = table.chart
        if chart_spec is None or not table.rows:
            continue
        keys = [column.key for column in table.columns]
        data_sheet = book[name]
        last = len(table.rows) + 1
        chart = LineChart() if chart_spec.kind == "line" else BarChart()
        if isinstance(chart, BarChart):
            chart.type = "bar" if chart_spec.kind == "funnel" or len(table.rows) > 8 else "col"
            if chart_spec.kind == "stacked_bar":
                chart.grouping, chart.overlap = "stacked", 100
        chart.title = table.title(language)
        chart.height, chart.width = 9, 18
        for key in chart_spec.y:
            column = keys.index(key) + 1
            chart.add_data(Reference(data_sheet, min_col=column, max_col=column, min_row=1, max_row=last), titles_from_data=True)
        x = keys.index(chart_spec.x) + 1
        chart.set_categories(Reference(data_sheet, min_col=x, max_col=x, min_row=2, max_row=last))
        if any(table.columns[keys.index(key)].kind == "percent" for key in chart_spec.y):
            chart.y_axis.number_format = "0%"
        sheet.add_chart(chart, f"A{at}")
        at += CHART_ROWS
