"""Pages for employer applications: the public form, the HR invitation, the organiser's list and decisions.

The same domain functions as /api/employer-applications and /api/invitations; a refusal tied to a field
is shown next to that field, in the page's language.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from events import applications, i18n, invitations, schedule
from events.accounts import ANONYMOUS, Actor
from events.errors import DomainError, Invalid
from events.routes.applications import UPLOAD_LIMIT
from events.routes.common import client_address, limiter_of
from events.routes.pages import (
    _before_page,
    _now,
    _page_id,
    language,
    organiser_or_sign_in,
    page_actor,
    page_error,
    page_headers,
    render,
    session_cookie,
)
from events.settings import settings


def _local(moment: Any) -> str:
    """A stored instant as the organisers' wall clock reads it (2026-12-04 20:30)."""
    return moment.astimezone(ZoneInfo(settings.default_timezone)).strftime("%Y-%m-%d %H:%M")


#: Which form field a refusal belongs next to.
FIELD_OF_CODE = {
    "company_required": "company",
    "invalid_credit_code": "credit_code",
    "application_pending": "credit_code",
    "contact_name_required": "contact_name",
    "invalid_phone": "contact_phone",
    "invalid_email": "contact_email",
    "stops_required": "stop_ids",
    "stop_not_in_event": "stop_ids",
    "invalid_hr_count": "hr_count",
    "invalid_jobs": "jobs",
    "licence_too_large": "licence",
    "licence_type_not_allowed": "licence",
    "weak_password": "password",
    "login_required": "email",
    "login_taken": "email",
    "reason_required": "reason",
    "booth_label_taken": "labels",
    "invalid_booth_label": "labels",
    "label_for_unchosen_stop": "labels",
}
Reference = Annotated[str, PathParameter(max_length=64)]
Token = Annotated[str, PathParameter(max_length=128)]


def _field_errors(request: Request, error: DomainError) -> tuple[dict[str, str], str | None]:
    """({field: message}, None) for a refusal tied to a field, else ({}, message) for the top of the form."""
    message = i18n.error_message(error.code, language(request), error.status)
    field = FIELD_OF_CODE.get(error.code)
    return ({field: message}, None) if field else ({}, message)


# ---------------------------------------------------------------- the public form


async def _open_events() -> list[Any]:
    return (await schedule.list_events(actor=ANONYMOUS, limit=100, offset=0)).items


async def _form_page(request: Request, *, form: dict[str, Any], status_code: int = 200, errors: dict[str, str] | None = None, error: str | None = None) -> Template:
    slug = str(form.get("event") or "")
    event = None
    if slug:
        try:
            event = await schedule.get_event(actor=ANONYMOUS, slug=slug)
        except DomainError:
            event = None
    events = [] if event else await _open_events()
    return render(
        request, "apply_employer.html", await page_actor(request), status_code=status_code, form=form, event=event, events=events, errors=errors or {}, error=error,
        max_hr=applications.MAX_HR,
    )


@get("/apply-employer", include_in_schema=False)
async def apply_page(request: Request) -> Template:
    return await _form_page(request, form={"event": request.query_params.get("event", ""), "hr_count": "1"})


@post("/apply-employer", include_in_schema=False, request_max_body_size=UPLOAD_LIMIT)
async def apply(request: Request) -> Template:
    data = await request.form()
    form = {name: value for name, value in data.items() if isinstance(value, str)}
    chosen = [value for value in data.getall("stop_ids") if isinstance(value, str)] if "stop_ids" in data else []
    form["stop_ids"] = chosen
    upload = data.get("licence")
    try:
        await limiter_of(request).hit("application_address", client_address(request))
        licence = await upload.read() if isinstance(upload, UploadFile) else None
        try:
            stop_ids = [uuid.UUID(value) for value in chosen]
            hr_count = int(str(form.get("hr_count") or "1"))
        except ValueError:
            raise Invalid("invalid_hr_count", "Between 1 and 20 HR staff.") from None
        made = await applications.submit_application(
            now=_now(),
            event=str(form.get("event", ""))[:80],
            company=str(form.get("company", ""))[:200],
            credit_code=str(form.get("credit_code", ""))[:32],
            contact_name=str(form.get("contact_name", ""))[:100],
            contact_phone=str(form.get("contact_phone", ""))[:32],
            contact_email=str(form.get("contact_email", ""))[:254],
            stop_ids=stop_ids,
            hr_count=hr_count,
            jobs=str(form.get("jobs", ""))[:3000].splitlines(),
            licence=licence or None,
        )
    except DomainError as refusal:
        errors, message = _field_errors(request, refusal)
        return await _form_page(request, form=form, status_code=refusal.status, errors=errors, error=message)
    return render(request, "apply_employer_done.html", await page_actor(request), application=made)


# ---------------------------------------------------------------- the invitation


@get("/invitations/{token:str}", include_in_schema=False)
async def invitation_page(request: Request, token: Token) -> Template:
    invitation = await invitations.get_invitation(token=token, now=_now())
    return render(request, "invitation.html", await page_actor(request), local=_local, invitation=invitation, token=token, form={}, errors={})


@post("/invitations/{token:str}", include_in_schema=False)
async def accept_invitation(request: Request, token: Token) -> Response:
    """Set the password, use the link up, and sign the HR person in: they land on /hr."""
    form = dict(await request.form())
    try:
        await limiter_of(request).hit("signup_address", client_address(request))
        signed = await invitations.accept_invitation(
            token=token,
            now=_now(),
            password=str(form.get("password", ""))[:200],
            email=str(form.get("email", "")).strip()[:254] or None,
            phone=str(form.get("phone", "")).strip()[:32] or None,
        )
    except DomainError as refusal:
        if refusal.status in (404, 410, 429):
            raise
        errors, message = _field_errors(request, refusal)
        invitation = await invitations.get_invitation(token=token, now=_now())
        form.pop("password", None)
        return render(request, "invitation.html", ANONYMOUS, status_code=refusal.status, local=_local, invitation=invitation, token=token, form=form, errors=errors, error=message)
    max_age = int((signed.expires_at - _now()).total_seconds())
    return Redirect("/hr", cookies=[session_cookie(signed.access_token, max_age)])


# ---------------------------------------------------------------- the organiser's console




STATUSES = ("submitted", "waitlisted", "approved", "rejected", "withdrawn", "cancelled")


@get("/manage/applications", include_in_schema=False)
async def applications_page(request: Request) -> Response:
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    event = request.query_params.get("event") or None
    status = request.query_params.get("status") or None
    status = status if status in STATUSES else None
    page = await applications.list_applications(actor=actor, event=event[:80] if event else None, status=status, limit=100, offset=0)
    events = (await schedule.list_events(actor=actor, limit=100, offset=0)).items
    return render(request, "manage/applications.html", actor, local=_local, section="/manage/applications", page=page, events=events, event=event, status=status, statuses=STATUSES)


async def _detail(request: Request, actor: Actor, application_id: uuid.UUID, *, status_code: int = 200, **context: Any) -> Template:
    application = await applications.get_application(actor=actor, application_id=application_id)
    event = await schedule.get_event(actor=actor, slug=application.event_slug)
    context.setdefault("errors", {})
    context.setdefault("decision", None)
    return render(request, "manage/application.html", actor, local=_local, status_code=status_code, section="/manage/applications", application=application, event=event, **context)


@get("/manage/applications/{reference:str}", include_in_schema=False)
async def application_page(request: Request, reference: Reference) -> Response:
    application_id = _page_id(reference)
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    return await _detail(request, actor, application_id)


@get("/manage/applications/{reference:str}/licence", include_in_schema=False)
async def licence_file(request: Request, reference: Reference) -> Response:
    application_id = _page_id(reference)
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    content, media_type = await applications.get_licence(actor=actor, now=_now(), application_id=application_id)
    return Response(content, media_type=media_type, headers={"Content-Security-Policy": "sandbox; default-src 'none'", "Content-Disposition": "inline"})


@post("/manage/applications/{reference:str}/approve", include_in_schema=False)
async def approve(request: Request, reference: Reference) -> Response:
    """Approving answers the page itself, not a redirect: the invitation links are shown this once."""
    application_id = _page_id(reference)
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    data = await request.form()
    chosen = [value for value in data.getall("stop_ids") if isinstance(value, str)] if "stop_ids" in data else []
    try:
        stop_ids = [uuid.UUID(value) for value in chosen]
    except ValueError:
        stop_ids = []
    labels = {str(stop): str(data.get(f"label_{stop}", ""))[:16] for stop in stop_ids if str(data.get(f"label_{stop}", "")).strip()}
    try:
        decision = await applications.approve_application(actor=actor, now=_now(), application_id=application_id, stop_ids=stop_ids, booth_labels=labels)
    except DomainError as refusal:
        errors, message = _field_errors(request, refusal)
        return await _detail(request, actor, application_id, status_code=refusal.status, errors=errors, error=message)
    return await _detail(request, actor, application_id, decision=decision)


@post("/manage/applications/{reference:str}/reject", include_in_schema=False)
async def reject(request: Request, reference: Reference) -> Response:
    application_id = _page_id(reference)
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    form = dict(await request.form())
    try:
        await applications.reject_application(actor=actor, now=_now(), application_id=application_id, reason=str(form.get("reason", ""))[:1000])
    except DomainError as refusal:
        errors, message = _field_errors(request, refusal)
        return await _detail(request, actor, application_id, status_code=refusal.status, errors=errors, error=message)
    return Redirect(f"/manage/applications/{application_id}")


@post("/manage/applications/{reference:str}/withdraw", include_in_schema=False)
async def withdraw(request: Request, reference: Reference) -> Response:
    application_id = _page_id(reference)
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    await applications.withdraw_application(actor=actor, now=_now(), application_id=application_id)
    return Redirect(f"/manage/applications/{application_id}")


@post("/manage/applications/{reference:str}/cancel", include_in_schema=False)
async def cancel(request: Request, reference: Reference) -> Response:
    application_id = _page_id(reference)
    actor = await organiser_or_sign_in(request)
    if isinstance(actor, Response):
        return actor
    form = dict(await request.form())
    await applications.cancel_application(actor=actor, now=_now(), application_id=application_id, reason=str(form.get("reason", ""))[:1000])
    return Redirect(f"/manage/applications/{application_id}")


router = Router(
    path="/",
    route_handlers=[apply_page, apply, invitation_page, accept_invitation, applications_page, application_page, licence_file, approve, reject, withdraw, cancel],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
