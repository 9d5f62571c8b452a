"""The HR workspace's funnel pages (/hr/interests, notes on visitors): the same domain functions as the funnel's API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import PathParameter
from litestar.response import Redirect

from events import contact_notes, funnel, i18n, jobs
from events.accounts import Actor
from events.errors import DomainError, Invalid, NotFound
from events.routes.hr import _hr
from events.routes.pages import _before_page, _now, _page_id, language, page_error, page_headers, render

Ref = Annotated[str, PathParameter(max_length=64)]
STAGES = [stage.value for stage in funnel.Stage]


def note_fields(form: dict[str, Any]) -> dict[str, Any]:
    """The note form as the domain's keyword arguments, with the API's bounds; a bad field raises Invalid naming it."""
    rating_text = str(form.get("rating", "")).strip()
    if rating_text and rating_text not in {"1", "2", "3", "4", "5"}:
        raise Invalid("form_rating", "A rating is 1 to 5.", field="rating")
    tags = [t.strip() for t in str(form.get("tags", "")).replace("，", "、").replace(",", "、").split("、") if t.strip()]
    if len(tags) > 10 or any(len(t) > 20 for t in tags):
        raise Invalid("form_too_long", "At most 10 tags of 20 characters.", field="tags")
    text, next_step = str(form.get("text", "")).strip(), str(form.get("next_step", "")).strip()
    if len(text) > 2000:
        raise Invalid("form_too_long", "The note is too long.", field="text")
    if len(next_step) > 200:
        raise Invalid("form_too_long", "The next step is too long.", field="next_step")
    return {"rating": int(rating_text) if rating_text else None, "tags": tags, "text": text, "next_step": next_step}


def _note_form(note: Any) -> dict[str, Any]:
    if note is None:
        return {}
    return {"rating": str(note.rating or ""), "tags": "、".join(note.tags), "text": note.text, "next_step": note.next_step}


def _error_fields(error: DomainError, lang: str) -> tuple[dict[str, str], str | None]:
    message = i18n.error_message(error.code, lang, error.status)
    field = error.extra.get("field")
    return ({str(field): message}, None) if field else ({}, message)


@get("/interests")
async def hr_interests(request: Request) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    params = request.query_params
    stage = params.get("stage") if params.get("stage") in STAGES else None
    try:
        job_id = uuid.UUID(params["job"]) if params.get("job") else None
    except ValueError:
        job_id = None
    found = await funnel.employer_interests(actor=actor, job_id=job_id, stage=stage)
    posted = await jobs.employer_jobs(actor=actor, employer_id=actor.employer_id)
    return render(request, "hr/interests.html", actor, section="/hr/interests", interests=found, jobs=posted, stages=STAGES, stage=stage, job_id=job_id)


async def _interest_page(request: Request, actor: Actor, interest_id: uuid.UUID, *, status_code: int = 200, form: dict | None = None, field_errors: dict | None = None, error: str | None = None) -> Response:
    state = await funnel.interest_stage(actor=actor, interest_id=interest_id)
    (row,) = [i for i in await funnel.employer_interests(actor=actor, job_id=state.job_id) if i.interest_id == interest_id]
    notice = {"moved": "hr.moved", "noted": "hr.note_saved"}.get(request.query_params.get("done", ""))
    return render(
        request, "hr/interest.html", actor, status_code=status_code, section="/hr/interests", state=state, interest=row,
        moves=funnel.allowed_moves(state.stage), form=form if form is not None else _note_form(row.note), field_errors=field_errors or {},
        error=error, notice=i18n.translate(notice, language(request)) if notice else None,
    )


@get("/interests/{interest:str}")
async def hr_interest(request: Request, interest: Ref) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    return await _interest_page(request, actor, _page_id(interest))


@post("/interests/{interest:str}/stage")
async def hr_move_stage(request: Request, interest: Ref) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    interest_id = _page_id(interest)
    form = await request.form()
    try:
        await funnel.move_stage(actor=actor, now=_now(), interest_id=interest_id, stage=str(form.get("stage", "")), note=str(form.get("note", "")).strip()[:500])
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        return await _interest_page(request, actor, interest_id, status_code=error.status, error=i18n.error_message(error.code, language(request), error.status))
    return Redirect(f"/hr/interests/{interest_id}?done=moved")


@post("/interests/{interest:str}/note")
async def hr_interest_note(request: Request, interest: Ref) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    interest_id = _page_id(interest)
    form = dict(await request.form())
    try:
        await contact_notes.save_interest_note(actor=actor, now=_now(), interest_id=interest_id, **note_fields(form))
    except Invalid as error:
        fields, message = _error_fields(error, language(request))
        return await _interest_page(request, actor, interest_id, status_code=error.status, form=form, field_errors=fields, error=message)
    return Redirect(f"/hr/interests/{interest_id}?done=noted")


async def _visit_page(request: Request, actor: Actor, visit_id: uuid.UUID, *, status_code: int = 200, form: dict | None = None, field_errors: dict | None = None, error: str | None = None) -> Response:
    try:
        note = await contact_notes.visit_note(actor=actor, visit_id=visit_id)
    except NotFound as missing:
        if missing.code != "note_not_found":
            raise
        note = None
    return render(
        request, "hr/visit_note.html", actor, status_code=status_code, section="/hr/visitors", visit_id=visit_id, note=note,
        form=form if form is not None else _note_form(note), field_errors=field_errors or {}, error=error,
    )


@get("/visits/{visit:str}/note")
async def hr_visit_note(request: Request, visit: Ref) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    return await _visit_page(request, actor, _page_id(visit))


@post("/visits/{visit:str}/note")
async def hr_save_visit_note(request: Request, visit: Ref) -> Response:
    actor = await _hr(request)
    if not isinstance(actor, Actor):
        return actor
    visit_id = _page_id(visit)
    form = dict(await request.form())
    try:
        await contact_notes.save_visit_note(actor=actor, now=_now(), visit_id=visit_id, **note_fields(form))
    except Invalid as error:
        fields, message = _error_fields(error, language(request))
        return await _visit_page(request, actor, visit_id, status_code=error.status, form=form, field_errors=fields, error=message)
    return Redirect("/hr/visitors?done=noted")


router = Router(
    path="/hr",
    route_handlers=[hr_interests, hr_interest, hr_move_stage, hr_interest_note, hr_visit_note, hr_save_visit_note],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
