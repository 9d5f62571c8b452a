"""A report as a PDF: A4, Chinese (or English), a cover with the organiser's name, a table of contents, every table with its chart.

Typst lays the document out (`events/report.typ`). The figures reach it as one JSON file of cells
already formatted here, so the PDF shows what the JSON answer holds and a school named
`#set page(...)` stays text. Charts come from `events.report_charts` as SVG, which Typst embeds
as vector drawings. The text is set in Debian's Noto Sans CJK (fonts-noto-cjk), embedded in the
file (subset), so the PDF reads the same on a machine without it.

CPU work: `events.report_documents` runs it in a worker process, never on the event loop.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import typst

from events.report_charts import MAX_ITEMS, chart_svg
from events.report_model import SMALL, Column, Report, Value

TEMPLATE = Path(__file__).with_name("report.typ")
#: Where Debian's fonts-noto-cjk puts its fonts (`make run` and the Dockerfile install it).
FONT_DIRS = ("/usr/share/fonts/opentype/noto",)
FONT = "Noto Sans CJK SC"

WORDS = {
    "zh": {
        "kicker_event": "招聘活动统计报告",
        "kicker_period": "招聘活动期间统计报告",
        "organiser": "主办方",
        "event": "活动",
        "period": "统计期间",
        "generated": "生成时间",
        "contents": "目录",
        "empty": "无数据。",
        "first_items": "图中为前 {n} 项，表中为全部。",
        "privacy": "本报告只含计数，不含任何个人信息；少于 5 人的组显示为“<5”。",
        "to": " 至 ",
    },
    "en": {
        "kicker_event": "Recruitment event report",
        "kicker_period": "Recruitment events: period report",
        "organiser": "Organiser",
        "event": "Event",
        "period": "Period",
        "generated": "Generated",
        "contents": "Contents",
        "empty": "No data.",
        "first_items": "The chart shows the first {n} rows; the table has them all.",
        "privacy": "Counts only, no personal data: groups of fewer than 5 people are shown as “<5”.",
        "to": " to ",
    },
}


class FontMissing(RuntimeError):
    """The CJK font is not installed: Chinese would come out as empty boxes, so no PDF is made at all."""


def cell_text(value: Value, column: Column) -> str:
    """A cell as the PDF prints it: counts with thousands separators, shares as percentages, "<5" as it is, nothing as "—"."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if column.kind == "percent":
        return f"{value * 100:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _subject(report: Report, words: dict[str, str]) -> tuple[str, str]:
    if report.kind == "period":
        return words["period"], f"{_day(report.subject.get('first'))}{words['to']}{_day(report.subject.get('last'))}"
    return words["event"], str(report.subject.get("title") or report.subject.get("slug") or "")


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value or "")


def document(report: Report, language: str) -> dict[str, bytes]:
    """The files Typst compiles: the template, report.json and one SVG per chart."""
    words = WORDS[language]
    files: dict[str, bytes] = {}
    sections = []
    for section in report.sections:
        tables = []
        for table in section.tables:
            drawn = chart_svg(table, language)
            chart = None
            if drawn is not None:
                chart = f"chart-{len(files) + 1}.svg"
                files[chart] = drawn[0]
            note = table.note_zh if language == "zh" else table.note_en
            if drawn is not None and drawn[1]:
                note = (note + " " if note else "") + words["first_items"].format(n=MAX_ITEMS)
            tables.append(
                {
                    "title": table.title(language),
                    "header": [column.label(language) for column in table.columns],
                    "rows": [[cell_text(value, column) for value, column in zip(row, table.columns, strict=True)] for row in table.rows],
                    "widths": [2 if column.kind == "text" else 1 for column in table.columns],
                    "right": [column.kind != "text" for column in table.columns],
                    "chart": chart,
                    "note": note,
                }
            )
        sections.append({"title": section.title(language), "tables": tables})
    subject = _subject(report, words)
    data = {
        "lang": language,
        "region": "cn" if language == "zh" else None,
        "fonts": [FONT],
        "title": report.title(language),
        "organiser": report.organiser,
        "kicker": words["kicker_period" if report.kind == "period" else "kicker_event"],
        "cover": [[words["organiser"], report.organiser], list(subject), [words["generated"], report.generated_at.strftime("%Y-%m-%d %H:%M")]],
        "words": words,
        "sections": sections,
    }
    files["report.json"] = json.dumps(data, ensure_ascii=False).encode()
    files["main"] = TEMPLATE.read_bytes()
    return files


@cache
def _fonts() -> typst.Fonts:
    """The fonts, scanned once per process: only Debian's Noto CJK directory (and Typst's own, for symbols)."""
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[path for path in FONT_DIRS if Path(path).is_dir()])
    if FONT not in fonts.families():
        raise FontMissing(f"{FONT} is not installed (Debian: apt-get install fonts-noto-cjk); looked in {', '.join(FONT_DIRS)}")
    return fonts


def render_pdf(report: Report, language: str = "zh") -> bytes:
    """The report as PDF bytes."""
    compiler = typst.Compiler(input=document(report, language), font_paths=_fonts(), ignore_system_fonts=True)
    pdf = compiler.compile(format="pdf")
    assert isinstance(pdf, bytes)
    return pdf


__all__ = ["SMALL", "FontMissing", "cell_text", "document", "render_pdf"]
