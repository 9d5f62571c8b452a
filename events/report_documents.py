"""Reports as files: the event's or the period's `Report` (events.reports), rendered as PDF or XLSX in a worker process.

Rendering is CPU work (layout, charts, font subsetting): it runs in one spawned worker process per
app worker, so the event loop goes on serving scans and pages meanwhile, on the machine's other
core. The figures are read first (plain reads, no transaction held open); nothing is written.
Requests for documents queue for that one process rather than taking every core.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from events import reports
from events.accounts import Actor
from events.report_model import Report

Format = Literal["pdf", "xlsx"]
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
    content = await render(report, format=format, language=language)
    return Document(content=content, media_type=MEDIA_TYPES[format], filename=filename(report, language, format), ascii_filename=f"{fallback}.{format}")


def render_here(format: Format, report: Report, language: str) -> bytes:
    """Render in this process (what the worker process runs); the renderers are imported only where they run."""
    if format == "pdf":
        from events.report_pdf import render_pdf

        return render_pdf(report, language)
    from events.report_xlsx import render_xlsx

    return render_xlsx(report, language)


_pool: ProcessPoolExecutor | None = None


def _worker() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn, not fork: this process has an event loop, database threads and sockets a fork would copy half-alive.
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


async def render(report: Report, *, format: Format, language: str) -> bytes:
    """The report rendered in the worker process; a worker that died (killed, out of memory) is replaced once."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        try:
            return await loop.run_in_executor(_worker(), render_here, format, report, language)
        except BrokenProcessPool:
            close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def close() -> None:
    """Stop the worker process (the app's shutdown); the next render starts a new one."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
