"""Reports as files: the event's or the period's `Report` (events.reports), rendered as PDF or XLSX.

The figures are read first (plain reads, no transaction held open; nothing is written), then the
document is rendered in the render process (events.report_worker), off the event loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from events import report_worker, reports
from events.accounts import Actor
from events.report_model import Report

Format = report_worker.Format
MEDIA_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Document:
    content: bytes
    media_type: str
    #: The name a person sees ("2026 南京人才专列 统计报告.pdf"), and a plain ASCII one for old clients.
    filename: str
    ascii_filename: str


# ---------------------------------------------------------------- the figures


async def event_report(*, actor: Actor, slug: str, now: datetime, language: str) -> Report:
    return await reports.event_report(actor=actor, slug=slug, now=now, language=language)


async def period_report(*, actor: Actor, first: date, last: date, now: datetime, language: str) -> Report:
    """400 `period_reversed` or `period_too_long` (events.reports.check_period) before anything is counted."""
    return await reports.period_report(actor=actor, first=first, last=last, now=now, language=language)


async def event_document(*, actor: Actor, slug: str, now: datetime, format: Format, language: str) -> Document:
    """The event's report as a PDF or XLSX file."""
    report = await event_report(actor=actor, slug=slug, now=now, language=language)
    return await document(report, format=format, language=language, fallback=f"report-{slug}")


async def period_document(*, actor: Actor, first: date, last: date, now: datetime, format: Format, language: str) -> Document:
    """The period's report (every event of the organiser's that falls in it) as a PDF or XLSX file."""
    report = await period_report(actor=actor, first=first, last=last, now=now, language=language)
    return await document(report, format=format, language=language, fallback=f"report-{first.isoformat()}-{last.isoformat()}")


# ---------------------------------------------------------------- the files


def filename(report: Report, language: str, format: Format) -> str:
    """The report's title as a file name: no path separators, quotes or control characters."""
    title = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "", report.title(language)).strip()
    title = re.sub(r"\s+", " ", title)[:100] or "report"
    return f"{title}.{format}"


async def document(report: Report, *, format: Format, language: str, fallback: str) -> Document:
    content = await report_worker.render(report, format=format, language=language)
    return Document(content=content, media_type=MEDIA_TYPES[format], filename=filename(report, language, format), ascii_filename=f"{fallback}.{format}")
