"""The organiser console's people pages: gate volunteers' access, a stop's registrations, the audit log."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from events import audit, registrations, scanner_access, schedule
from events.errors import DomainError
from events.routes.manage import FormProblem, _query, console, console_router, number, qr, refusal, text
from events.routes.pages import _now, _page_id, language, page_actor

Ref = Annotated[str, PathParameter(max_length=64)]
#: Registrations shown on one page of the console.
PAGE_SIZE = 50
#: Volunteers' accesses minted in one go: enough for every gate of a big hall.
MOST_ACCESSES = 30


# ---------------------------------------------------------------- gate volunteers


@get("/manage/stops/{stop:str}/volunteers")
async def volunteers(request: Request, stop: Ref) -> Template:
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    accesses = await scanner_access.list_scanner_accesses(actor=actor, now=_now(), stop_id=found.id)
    return console(request, "manage/volunteers.html", actor, "/manage/events", stop=found, accesses=accesses, form={"count": "1"}, errors={})


@post("/manage/stops/{stop:str}/volunteers")
async def mint_volunteers(request: Request, stop: Ref) -> Response:
    """Mints the accesses and answers with their printable sheet at once, not a redirect: a code is shown only this once
    (only its hash is kept), so there is nothing a later page could show. The sheet is never cached."""
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    form = dict(await request.form())
    try:
        count = number(form, "count", low=1, high=MOST_ACCESSES)
        label = text(form, "label", 90)
        minted = [
            await scanner_access.mint_scanner_access(actor=actor, now=_now(), stop_id=found.id, label=f"{label} {n}".strip() if count > 1 else label)
            for n in range(1, count + 1)
        ]
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        accesses = await scanner_access.list_scanner_accesses(actor=actor, now=_now(), stop_id=found.id)
        return console(request, "manage/volunteers.html", actor, "/manage/events", status_code=getattr(error, "status", 422), stop=found,
                       accesses=accesses, form={key: str(value) for key, value in form.items()}, errors=errors, error=message)
    event = await schedule.get_event(actor=actor, slug=found.event_slug)
    sheet = [(access, qr(access.link)) for access in minted]
    response = console(request, "manage/access_sheet.html", actor, "/manage/events", status_code=201, stop=found, event=event, sheet=sheet)
    response.headers["Cache-Control"] = "no-store"
    return response


@post("/manage/stops/{stop:str}/volunteers/{access:str}/revoke")
async def revoke_volunteer(request: Request, stop: Ref, access: Ref) -> Response:
    stop_id = _page_id(stop)
    await scanner_access.revoke_scanner_access(actor=await page_actor(request), now=_now(), stop_id=stop_id, access_id=_page_id(access))
    return Redirect(f"/manage/stops/{stop_id}/volunteers?done=revoked")


# ---------------------------------------------------------------- registrations


def _filters(request: Request) -> dict:
    query = request.query_params
    status = query.get("status") if query.get("status") in ("confirmed", "waitlisted", "cancelled") else None
    checked_in = {"yes": True, "no": False}.get(query.get("checked_in", ""))
    return {"status": status, "checked_in": checked_in, "q": (query.get("q") or "").strip()[:100] or None}


@get("/manage/stops/{stop:str}/registrations")
async def registrations_page(request: Request, stop: Ref) -> Template:
    """Phones are masked unless the organiser asks to see them in full, which the audit log records."""
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    filters = _filters(request)
    raw_page = request.query_params.get("page", "0")
    page = min(int(raw_page), 200) if raw_page.isdigit() else 0
    unmasked = request.query_params.get("unmasked") == "1"
    found_page = await registrations.stop_registrations(
        actor=actor, now=_now(), stop_id=found.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE, unmasked=unmasked, **filters
    )
    shown = {"status": filters["status"], "checked_in": request.query_params.get("checked_in"), "q": filters["q"]}
    return console(request, "manage/registrations.html", actor, "/manage/events", stop=found, page=found_page, filters=shown, number=page,
                   unmasked=unmasked, query=_query(**shown), pages=(found_page.total + PAGE_SIZE - 1) // PAGE_SIZE)


@get("/manage/stops/{stop:str}/registrations/export")
async def registrations_export(request: Request, stop: Ref) -> Response:
    """The stop's registrations as CSV or XLSX (the API's export), filtered as the page is; full phones only when asked, and logged."""
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    kind = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    page = await registrations.stop_registrations(
        actor=actor, now=_now(), stop_id=found.id, limit=50_000, offset=0, unmasked=request.query_params.get("unmasked") == "1", **_filters(request)
    )
    lang = language(request)
    name = f"registrations-{found.id}.{kind}"
    if kind == "csv":
        return Response(registrations.registrations_csv(page, lang), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(
        registrations.registrations_xlsx(page, lang),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@post("/manage/registrations/{registration:str}/promote")
async def promote(request: Request, registration: Ref) -> Response:
    actor = await page_actor(request)
    promoted = await registrations.promote(actor=actor, now=_now(), registration_id=_page_id(registration))
    stop_id = (await registrations.get_registration(actor=actor, registration_id=promoted.id)).stop.id
    return Redirect(f"/manage/stops/{stop_id}/registrations?status=waitlisted&done=promoted")


# ---------------------------------------------------------------- the audit log


@get("/manage/audit")
async def audit_page(request: Request) -> Template:
    actor = await page_actor(request)
    raw_page = request.query_params.get("page", "0")
    page = min(int(raw_page), 1000) if raw_page.isdigit() else 0
    log = await audit.read_log(actor=actor, action=None, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    return console(request, "manage/audit.html", actor, "/manage/audit", log=log, number=page, pages=(log.total + PAGE_SIZE - 1) // PAGE_SIZE)


router = console_router([volunteers, mint_volunteers, revoke_volunteer, registrations_page, registrations_export, promote, audit_page])
