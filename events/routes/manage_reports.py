"""The console's reports (/manage/reports): a period picker with presets, and each event's PDF and Excel, as downloads.

The same domain functions as the API's reports (events.report_documents); the session cookie
signs the organiser in, so the links work from the page without a token.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.response import Template

from events import i18n, report_documents, schedule
from events.accounts import Actor
from events.errors import DomainError
from events.routes.common import Slug
from events.routes.manage import FormProblem, console, console_router
from events.routes.pages import _now, language, page_actor
from events.routes.reports import download
from events.settings import settings

#: Which form field a refusal of the period is about.
FIELD_OF = {"period_reversed": "to", "period_too_long": "to"}


def preset(name: str, today: date) -> tuple[date, date] | None:
    """本月 / 本季度 / 本年 around `today`: from the first day to the last, whole."""
    if name == "month":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
    elif name == "quarter":
        first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        following = (first + timedelta(days=95)).replace(day=1)
    elif name == "year":
        first, following = today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)
    else:
        return None
    return first, following - timedelta(days=1)


def _today() -> date:
    return _now().astimezone(ZoneInfo(settings.default_timezone)).date()


def _day(query: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(str(query.get(name, "")).strip()[:10])
    except ValueError:
        raise FormProblem(name, "invalid_date") from None


def _period(request: Request) -> tuple[date, date]:
    query = dict(request.query_params)
    return _day(query, "from"), _day(query, "to")


async def _page(request: Request, actor: Actor, *, form: dict[str, str], errors: dict[str, str] | None = None, error: str | None = None,
                status_code: int = 200) -> Template:
    found = await schedule.list_events(actor=actor, limit=50, offset=0)
    presets = {name: preset(name, _today()) for name in ("month", "quarter", "year")}
    return console(request, "manage/reports.html", actor, "/manage/reports", status_code=status_code, form=form, errors=errors or {}, error=error,
                   events=found.items, presets=presets)


@get("/manage/reports")
async def reports_page(request: Request) -> Template:
    """The period picker (this month unless a preset or dates were asked for) and every event's report."""
    actor = await page_actor(request)
    chosen = preset(request.query_params.get("preset", ""), _today())
    if chosen is None:
        first, last = preset("month", _today())  # type: ignore[misc]
        form = {"from": request.query_params.get("from", first.isoformat()), "to": request.query_params.get("to", last.isoformat())}
    else:
        form = {"from": chosen[0].isoformat(), "to": chosen[1].isoformat()}
    return await _page(request, actor, form=form)


async def _period_download(request: Request, format: report_documents.Format) -> Response:
    actor = await page_actor(request)
    try:
        first, last = _period(request)
        document = await report_documents.period_document(actor=actor, first=first, last=last, now=_now(), format=format, language=language(request))
    except (DomainError, FormProblem) as error:
        if isinstance(error, DomainError) and error.code not in FIELD_OF:
            raise
        field = error.field if isinstance(error, FormProblem) else FIELD_OF[error.code]
        errors = {field: i18n.error_message(error.code, language(request), 400)}
        form = {name: str(request.query_params.get(name, ""))[:10] for name in ("from", "to")}
        return await _page(request, actor, form=form, errors=errors, status_code=400)
    return download(document)


@get("/manage/reports/period.pdf")
async def period_pdf(request: Request) -> Response:
    return await _period_download(request, "pdf")


@get("/manage/reports/period.xlsx")
async def period_xlsx(request: Request) -> Response:
    return await _period_download(request, "xlsx")


@get("/manage/events/{slug:str}/report.pdf")
async def event_pdf(request: Request, slug: Slug) -> Response:
    actor = await page_actor(request)
    return download(await report_documents.event_document(actor=actor, slug=slug, now=_now(), format="pdf", language=language(request)))


@get("/manage/events/{slug:str}/report.xlsx")
async def event_xlsx(request: Request, slug: Slug) -> Response:
    actor = await page_actor(request)
    return download(await report_documents.event_document(actor=actor, slug=slug, now=_now(), format="xlsx", language=language(request)))


router = console_router([reports_page, period_pdf, period_xlsx, event_pdf, event_xlsx])
