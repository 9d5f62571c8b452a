"""The HR workspace pages (/hr): the employer's booths with their scanners, its jobs, its visitors and its team.

Thin like every page: each handler reads the form, calls the same domain function as the API and
renders; a refusal comes back next to its field (or as the error page) in the reader's language.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from markupsafe import Markup

from events import attendance, booths, contact_notes, employers, i18n, invitations, jobs, tickets
from events.accounts import Actor
from events.errors import DomainError, Forbidden, Invalid
from events.routes.pages import _before_page, _now, _page_id, _sign_in_first, language, page_actor, page_error, page_headers, render
from events.settings import settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Which form field a refusal belongs next to; anything else is shown above the form.
JOB_FIELD_OF_ERROR = {
    "salary_range_inverted": "salary_max",
    "salary_out_of_range": "salary_max",
    "no_booth_at_event": "event",
    "event_not_found": "event",
    "event_cancelled": "event",
}


async def _hr(request: Request) -> Actor | Response:
    """The signed-in HR person, or where to go instead: sign in for nobody, a refusal for other roles."""
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return _sign_in_first(request)
    if actor.role != "hr" or actor.employer_id is None:
        raise Forbidden("hr_only", "The HR workspace is for employers' HR staff.")
    return actor


def _events_of(booth_list: list[Any]) -> dict[str, str]:
    """slug → title of the events where the employer has a booth, in booth order."""
    return {b.event_slug: b.event_title for b in booth_list}


# ---------------------------------------------------------------- booths and scanners


@get("/")
async def hr_home(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    employer = await employers.get_employer(employer_id=actor.employer_id)
    mine = await booths.employer_booths(actor=actor, employer_id=actor.employer_id)
    by_event: dict[str, list[Any]] = defaultdict(list)
    for booth in mine:
        by_event[booth.event_slug].append(booth)
    scanner = {booth.id: f"{settings.public_url}/scan/booths/{booth.id}" for booth in mine}
    qr = {booth.id: Markup(tickets.qr_svg(scanner[booth.id], scale=4)) for booth in mine}  # noqa: S704 - segno's own SVG
    return render(request, "hr/home.html", actor, section="/hr", employer=employer, by_event=by_event, titles=_events_of(mine), scanner=scanner, qr=qr)


# ---------------------------------------------------------------- jobs


def _int(form: dict[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    text = str(form.get(name, "")).strip()
    if not text and default is not None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Invalid("form_number", f"{name} must be a whole number.", field=name) from None
    if not low <= value <= high:
        raise Invalid("form_number", f"{name} must be between {low} and {high}.", field=name)
    return value


def _text(form: dict[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    text = str(form.get(name, ""))
    text = text if name == "description" else text.strip()
    if required and not text.strip():
        raise Invalid("form_required", f"{name} is required.", field=name)
    if len(text) > limit:
        raise Invalid("form_too_long", f"{name} is too long.", field=name)
    return text


def _job_fields(form: dict[str, Any]) -> dict[str, Any]:
    """The job form as the domain's keyword arguments; a bad field raises Invalid naming it."""
    education = str(form.get("education", "none"))
    if education not in jobs.EDUCATION_LEVELS:
        raise Invalid("form_choice", "Pick an education level.", field="education")
    majors = [m.strip()[:50] for m in str(form.get("majors", "")).replace("，", "、").replace(",", "、").split("、") if m.strip()]
    if len(majors) > 30:
        raise Invalid("form_too_long", "At most 30 majors.", field="majors")
    return {
        "title": _text(form, "title", 200, required=True),
        "category": _text(form, "category", 50),
        "city": _text(form, "city", 50),
        "headcount": _int(form, "headcount", 1, 10_000),
        "salary_min": _int(form, "salary_min", 0, 1_000_000),
        "salary_max": _int(form, "salary_max", 0, 1_000_000),
        "salary_months": _int(form, "salary_months", 12, 24, default=12),
        "education": education,
        "majors": majors,
        "description": _text(form, "description", 10_000),
    }


def _field_errors(error: DomainError, lang: str, fields: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The refusal next to its field when it has one, else as the page's error."""
    message = i18n.error_message(error.code, lang, error.status)
    field = error.extra.get("field") or fields.get(error.code)
    return ({str(field): message}, None) if field else ({}, message)


async def _jobs_page(request: Request, actor: Actor, *, status_code: int = 200, form: dict[str, Any] | None = None, field_errors: dict[str, str] | None = None, error: str | None = None, notice: str | None = None) -> Template:
    mine = await booths.employer_booths(actor=actor, employer_id=actor.employer_id)
    titles = _events_of(mine)
    posted = await jobs.employer_jobs(actor=actor, employer_id=actor.employer_id)
    by_event: dict[str, list[Any]] = defaultdict(list)
    for job in posted:
        by_event[job.event_slug].append(job)
    # Events with jobs to copy from: every event the employer posted at (its title, where it still has a booth there).
    sources = list(dict.fromkeys(job.event_slug for job in posted))
    return render(
        request, "hr/jobs.html", actor, status_code=status_code, section="/hr/jobs", titles=titles, by_event=by_event, sources=sources,
        form=form or {"salary_months": "12", "education": "bachelor", "event": next(iter(titles), "")}, field_errors=field_errors or {},
        error=error, notice=notice, levels=jobs.EDUCATION_LEVELS,
    )


@get("/jobs")
async def hr_jobs(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    notice = request.query_params.get("done")
    return await _jobs_page(request, actor, notice=i18n.translate(f"hr.done.{notice}", language(request)) if notice in ("posted", "saved", "copied", "closed", "open") else None)


@post("/jobs")
async def hr_post_job(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    try:
        slug = _text(form, "event", 80, required=True)
        await jobs.post_job(actor=actor, now=_now(), slug=slug, **_job_fields(form))
    except DomainError as error:
        fields, message = _field_errors(error, language(request), {**JOB_FIELD_OF_ERROR, "form_required": "title"})
        return await _jobs_page(request, actor, status_code=error.status, form=form, field_errors=fields, error=message)
    return Redirect("/hr/jobs?done=posted")


@post("/jobs/copy")
async def hr_copy_jobs(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    try:
        await jobs.copy_jobs(actor=actor, now=_now(), slug=str(form.get("event", ""))[:80], from_event=str(form.get("from_event", ""))[:80])
    except DomainError as error:
        message = i18n.error_message(error.code, language(request), error.status)
        return await _jobs_page(request, actor, status_code=error.status, error=message)
    return Redirect("/hr/jobs?done=copied")


async def _own_job(actor: Actor, job_id: uuid.UUID) -> Any:
    job = await jobs.get_job(actor=actor, job_id=job_id)
    if job.employer.id != actor.employer_id:
        # Another employer's open job is public, but not editable here: the same answer as the API's PATCH.
        raise Forbidden("not_your_job", "HR staff may only change their own employer's jobs.")
    return job


def _job_form(job: Any) -> dict[str, Any]:
    return {
        "title": job.title, "category": job.category, "city": job.city, "headcount": job.headcount, "salary_min": job.salary_min,
        "salary_max": job.salary_max, "salary_months": job.salary_months, "education": job.education, "majors": "、".join(job.majors),
        "description": job.description,
    }


JobRef = Annotated[str, PathParameter(max_length=64)]


@get("/jobs/{job:str}")
async def hr_job(request: Request, job: JobRef) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    found = await _own_job(actor, _page_id(job))
    return render(request, "hr/job.html", actor, section="/hr/jobs", job=found, form=_job_form(found), field_errors={}, levels=jobs.EDUCATION_LEVELS)


@post("/jobs/{job:str}")
async def hr_update_job(request: Request, job: JobRef) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    found = await _own_job(actor, _page_id(job))
    form = dict(await request.form())
    try:
        await jobs.update_job(actor=actor, now=_now(), job_id=found.id, changes=_job_fields(form))
    except DomainError as error:
        fields, message = _field_errors(error, language(request), {**JOB_FIELD_OF_ERROR, "form_required": "title"})
        return render(request, "hr/job.html", actor, status_code=error.status, section="/hr/jobs", job=found, form=form, field_errors=fields, error=message, levels=jobs.EDUCATION_LEVELS)
    return Redirect("/hr/jobs?done=saved")


@post("/jobs/{job:str}/status")
async def hr_job_status(request: Request, job: JobRef) -> Response:
    """Close a job (students stop seeing it) or reopen it."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    found = await _own_job(actor, _page_id(job))
    status = "closed" if (await request.form()).get("status") == "closed" else "open"
    await jobs.update_job(actor=actor, now=_now(), job_id=found.id, changes={"status": status})
    return Redirect(f"/hr/jobs?done={status}")


@get("/jobs/{job:str}/preview")
async def hr_job_preview(request: Request, job: JobRef) -> Response:
    """The job as a student sees it in the event's list."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    found = await _own_job(actor, _page_id(job))
    return render(request, "hr/job_preview.html", actor, section="/hr/jobs", job=found)


# ---------------------------------------------------------------- visitors


def _visitor_filters(request: Request) -> dict[str, Any]:
    params = request.query_params

    def an_id(name: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(params.get(name, "")) if params.get(name) else None
        except ValueError:
            return None

    return {"q": (params.get("q") or "")[:100] or None, "stop_id": an_id("stop"), "job_id": an_id("job")}


@get("/visitors")
async def hr_visitors(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    filters = _visitor_filters(request)
    report = await attendance.employer_visitors(actor=actor, now=_now(), employer_id=actor.employer_id, **filters)
    mine = await booths.employer_booths(actor=actor, employer_id=actor.employer_id)
    posted = await jobs.employer_jobs(actor=actor, employer_id=actor.employer_id)
    query = request.url.query or ""
    notes = await contact_notes.employer_visit_notes(actor=actor, visit_ids=[v.visit_id for v in report.visitors])
    return render(request, "hr/visitors.html", actor, section="/hr/visitors", report=report, booths=mine, jobs=posted, filters=filters, query=query, notes=notes)


@get("/visitors/export")
async def hr_visitors_export(request: Request) -> Response:
    """The visitors as filtered on the page, as CSV or XLSX (formula-safe: events.exports)."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    format = "csv" if request.query_params.get("format") == "csv" else "xlsx"
    report = await attendance.employer_visitors(actor=actor, now=_now(), employer_id=actor.employer_id, **_visitor_filters(request))
    lang = language(request)
    if format == "csv":
        content, media_type = attendance.employer_visitors_csv(report, lang), "text/csv; charset=utf-8"
    else:
        content, media_type = attendance.employer_visitors_xlsx(report, lang), XLSX
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="visitors.{format}"'})


# ---------------------------------------------------------------- company and team


async def _team_page(request: Request, actor: Actor, *, status_code: int = 200, invited: Any = None, invitation_days: int = 0, form: dict[str, Any] | None = None, field_errors: dict[str, str] | None = None, error: str | None = None, notice: str | None = None) -> Template:
    employer = await employers.get_employer(employer_id=actor.employer_id)
    staff = await employers.list_staff(actor=actor, now=_now(), employer_id=actor.employer_id)
    profile = form if form is not None and "industry" in form else {"industry": employer.industry, "city": employer.city, "website": employer.website or "", "description": employer.description}
    invite = form if form is not None and "name" in form else {}
    return render(
        request, "hr/team.html", actor, status_code=status_code, section="/hr/team", employer=employer, staff=staff, invited=invited, invitation_days=invitation_days,
        profile=profile, invite=invite, field_errors=field_errors or {}, error=error, notice=notice,
    )


@get("/team")
async def hr_team(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    done = request.query_params.get("done")
    return await _team_page(request, actor, notice=i18n.translate(f"hr.done.{done}", language(request)) if done in ("profile", "deactivated") else None)


@post("/team/profile")
async def hr_update_profile(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    try:
        changes = {"industry": _text(form, "industry", 100), "city": _text(form, "city", 100), "description": _text(form, "description", 5000)}
        website = _text(form, "website", 300)
        changes["website"] = website or None
        await employers.update_employer(actor=actor, now=_now(), employer_id=actor.employer_id, changes=changes)
    except DomainError as error:
        fields, message = _field_errors(error, language(request), {"invalid_website": "website"})
        return await _team_page(request, actor, status_code=error.status, form=form, field_errors=fields, error=message)
    return Redirect("/hr/team?done=profile")


@post("/team/invite")
async def hr_invite(request: Request) -> Response:
    """A colleague's account and its invitation link, shown on this page once: the colleague sets the password."""
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    form = dict(await request.form())
    try:
        name = _text(form, "name", 100, required=True)
        login = _text(form, "login", 254, required=True)
        email, phone = (login, None) if "@" in login else (None, login)
        created = await employers.invite_staff(actor=actor, now=_now(), employer_id=actor.employer_id, name=name, email=email, phone=phone)
    except DomainError as error:
        fields, message = _field_errors(error, language(request), {"invalid_email": "login", "invalid_phone": "login", "login_taken": "login", "form_required": "name"})
        return await _team_page(request, actor, status_code=error.status, form=form, field_errors=fields, error=message)
    return await _team_page(request, actor, status_code=201, invited=created, invitation_days=invitations.INVITATION_DAYS)


@post("/team/{account:str}/deactivate")
async def hr_deactivate(request: Request, account: Annotated[str, PathParameter(max_length=64)]) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    await employers.deactivate_staff(actor=actor, now=_now(), employer_id=actor.employer_id, account_id=_page_id(account))
    return Redirect("/hr/team?done=deactivated")


router = Router(
    path="/hr",
    route_handlers=[
        hr_home, hr_jobs, hr_post_job, hr_copy_jobs, hr_job, hr_update_job, hr_job_status, hr_job_preview,
        hr_visitors, hr_visitors_export, hr_team, hr_update_profile, hr_invite, hr_deactivate,
    ],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
