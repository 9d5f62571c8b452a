"""Reports for the bureau (organisers): an event's or a period's figures as JSON, PDF or XLSX; one `Report` behind all three."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

import msgspec
from litestar import Response, Router, get
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import Example
from litestar.params import QueryParameter
from msgspec import Meta

from events import report_documents
from events.report_documents import Document
from events.routes.common import Caller, Slug, allow, now, problems

Language = Annotated[Literal["zh", "en"], QueryParameter(description="The language of titles and of words in cells: Chinese (default) or English.")]
First = Annotated[date, QueryParameter(name="from", description="The period's first day (ISO 8601).", examples=[Example(value="2026-09-01")])]
Last = Annotated[
    date, QueryParameter(name="to", description="The period's last day, included; at most three years after `from`.", examples=[Example(value="2026-12-31")])
]


class Words(msgspec.Struct, frozen=True):
    zh: Annotated[str, Meta(examples=["各站点到场情况"])]
    en: Annotated[str, Meta(examples=["Attendance per stop"])]


class ReportColumn(msgspec.Struct, frozen=True):
    key: Annotated[str, Meta(examples=["checked_in"])]
    label: Words
    kind: Annotated[Literal["text", "count", "percent", "number", "date", "datetime"], Meta(description="percent: a share between 0 and 1; count: may be \"<5\".")]


class ReportTable(msgspec.Struct, frozen=True):
    key: Annotated[str, Meta(examples=["stops"])]
    title: Words
    columns: list[ReportColumn]
    #: A cell is a number (integer or not), a text ("<5" for a group of 1 to 4 people), an ISO 8601 date or time, or null (not given).
    rows: Annotated[list[dict[str, Any]], Meta(description="One object per row, keyed by the columns' keys: numbers, texts (\"<5\"), ISO 8601 dates and times, or null.", examples=[[{"stop": "南京大学 仙林校区", "registered": 240, "checked_in": 198, "arrival_rate": 0.825, "walk_ins": "<5"}]])]


class ReportSection(msgspec.Struct, frozen=True):
    key: Annotated[str, Meta(examples=["attendance"])]
    title: Words
    tables: list[ReportTable]


class ReportResponse(msgspec.Struct, frozen=True):
    """Counts only: a group of 1 to 4 people is the text "<5"."""

    kind: Literal["event", "period"]
    title: Words
    organiser: Annotated[str, Meta(examples=["南京市人力资源和社会保障局"])]
    generated_at: Annotated[str, Meta(examples=["2026-12-05T22:10:00+08:00"])]
    subject: Annotated[dict[str, Any], Meta(examples=[{"slug": "2026-nanjing-talent-train"}, {"first": "2026-09-01", "last": "2026-12-31"}])]
    sections: list[ReportSection]


DOWNLOAD_HEADERS = [ResponseHeader(name="Content-Disposition", description="attachment, with the report's title as the file name (RFC 6266 `filename*`).", documentation_only=True)]


def download(document: Document) -> Response[bytes]:
    """The file as an attachment named after the report: UTF-8 `filename*` (RFC 5987) with a plain ASCII `filename` beside it."""
    disposition = f"attachment; filename=\"{document.ascii_filename}\"; filename*=UTF-8''{quote(document.filename, safe='')}"
    return Response(document.content, media_type=document.media_type, headers={"Content-Disposition": disposition})


def _json(report: Any) -> ReportResponse:
    return msgspec.convert(report.as_json(), ReportResponse)


@get("/events/{slug:str}/report", summary="An event's report (organiser): counts per stop, booth, employer and visitor group, as JSON",
     guards=allow("organiser"), responses=problems(403, 404))
async def event_report(slug: Slug, actor: Caller, lang: Language = "zh") -> ReportResponse:
    """The same figures as report.pdf and report.xlsx, from the same `Report`; `lang` picks the language of words in cells."""
    return _json(await report_documents.event_report(actor=actor, slug=slug, now=now(), language=lang))


@get("/events/{slug:str}/report.pdf", summary="An event's report as an A4 PDF with charts (organiser)", guards=allow("organiser"),
     responses=problems(403, 404), media_type="application/pdf", response_headers=DOWNLOAD_HEADERS, opt={"downloads": ["application/pdf"]})
async def event_report_pdf(slug: Slug, actor: Caller, lang: Language = "zh") -> Response[bytes]:
    return download(await report_documents.event_document(actor=actor, slug=slug, now=now(), format="pdf", language=lang))


@get("/events/{slug:str}/report.xlsx", summary="An event's report as an Excel workbook, one sheet per table (organiser)", guards=allow("organiser"),
     responses=problems(403, 404), media_type=report_documents.MEDIA_TYPES["xlsx"], response_headers=DOWNLOAD_HEADERS,
     opt={"downloads": [report_documents.MEDIA_TYPES["xlsx"]]})
async def event_report_xlsx(slug: Slug, actor: Caller, lang: Language = "zh") -> Response[bytes]:
    return download(await report_documents.event_document(actor=actor, slug=slug, now=now(), format="xlsx", language=lang))


@get("/reports/period", summary="A period's report (organiser): every event of the period, by kind and city, 供求 and year on year, as JSON",
     guards=allow("organiser"), responses=problems(403))
async def period_report(actor: Caller, first: First, last: Last, lang: Language = "zh") -> ReportResponse:
    """400 `period_reversed` when `to` is before `from`, `period_too_long` past three years."""
    return _json(await report_documents.period_report(actor=actor, first=first, last=last, now=now(), language=lang))


@get("/reports/period.pdf", summary="A period's report as an A4 PDF with charts (organiser)", guards=allow("organiser"), responses=problems(403),
     media_type="application/pdf", response_headers=DOWNLOAD_HEADERS, opt={"downloads": ["application/pdf"]})
async def period_report_pdf(actor: Caller, first: First, last: Last, lang: Language = "zh") -> Response[bytes]:
    return download(await report_documents.period_document(actor=actor, first=first, last=last, now=now(), format="pdf", language=lang))


@get("/reports/period.xlsx", summary="A period's report as an Excel workbook (organiser)", guards=allow("organiser"), responses=problems(403),
     media_type=report_documents.MEDIA_TYPES["xlsx"], response_headers=DOWNLOAD_HEADERS,
     opt={"downloads": [report_documents.MEDIA_TYPES["xlsx"]]})
async def period_report_xlsx(actor: Caller, first: First, last: Last, lang: Language = "zh") -> Response[bytes]:
    return download(await report_documents.period_document(actor=actor, first=first, last=last, now=now(), format="xlsx", language=lang))


router = Router(
    path="/api",
    route_handlers=[event_report, event_report_pdf, event_report_xlsx, period_report, period_report_pdf, period_report_xlsx],
    tags=["reports"],
)
