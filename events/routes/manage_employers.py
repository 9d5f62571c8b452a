"""The organiser's employer pages (/manage/employers): the list, adding one by hand, importing many from a spreadsheet."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from events import employer_import, employers, i18n, invitations
from events.accounts import Actor
from events.errors import DomainError, Invalid
from events.routes.pages import _before_page, _now, language, organiser_or_sign_in, page_error, page_headers, render

PAGE_SIZE = 50
#: Which form field a refusal of the add form belongs next to.
FIELD_OF_ERROR = {"invalid_credit_code": "credit_code", "credit_code_taken": "credit_code", "invalid_website": "website", "form_required": "name"}




@get("/")
async def employer_list(request: Request) -> Response:
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    q = (request.query_params.get("q") or "")[:100]
    try:
        offset = max(0, min(10_000, int(request.query_params.get("offset", "0"))))
    except ValueError:
        offset = 0
    page = await employers.list_employers(actor=actor, q=q or None, limit=PAGE_SIZE, offset=offset)
    accounts = await employers.staff_counts(actor=actor, employer_ids=[e.id for e in page.items])
    lang = language(request)
    notice = None
    if request.query_params.get("imported", "").isdigit():
        notice = i18n.translate("emp.imported", lang, n=int(request.query_params["imported"]))
    elif request.query_params.get("created"):
        notice = i18n.translate("emp.created", lang, name=request.query_params["created"][:200])
    return render(request, "manage/employers.html", actor, section="/manage/employers", page=page, accounts=accounts, q=q, notice=notice)


def _new_page(request: Request, actor: Actor, *, status_code: int = 200, form: dict[str, Any] | None = None, field_errors: dict[str, str] | None = None, error: str | None = None) -> Template:
    return render(request, "manage/employer_new.html", actor, status_code=status_code, section="/manage/employers", form=form or {}, field_errors=field_errors or {}, error=error)


@get("/new")
async def employer_new(request: Request) -> Response:
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    return _new_page(request, actor)


@post("/new")
async def employer_create(request: Request) -> Response:
    """The same creation as POST /api/employers; the credit code is checked on the server whatever the page's script said."""
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        name = form.get("name", "").strip()[:200]
        if not name:
            raise Invalid("form_required", "The name is required.")
        created = await employers.create_employer(
            actor=actor, now=_now(), name=name, credit_code=form.get("credit_code", "")[:40], industry=form.get("industry", "")[:100],
            city=form.get("city", "")[:100], website=form.get("website", "").strip()[:300] or None, description=form.get("description", "")[:5000],
        )
    except DomainError as error:
        message = i18n.error_message(error.code, language(request), error.status)
        field = FIELD_OF_ERROR.get(error.code)
        return _new_page(request, actor, status_code=error.status, form=form, field_errors={field: message} if field else {}, error=None if field else message)
    return Redirect(f"/manage/employers?created={quote(created.name)}")


@get("/check")
async def employer_check(request: Request) -> Response:
    """What the add form's script asks as a code is typed: the same answer as GET /api/employers/credit-code-check, for a signed-in page."""
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    check = await employers.check_credit_code(actor=actor, code=(request.query_params.get("code") or "")[:40])
    return Response(check)


@get("/import")
async def employer_import_page(request: Request) -> Response:
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    return render(request, "manage/employer_import.html", actor, section="/manage/employers", report=None, content="", bad=[], file_error=None)


@post("/import")
async def employer_import_check(request: Request) -> Response:
    """Check the uploaded file and show every row with its problems; nothing is written here."""
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    upload = (await request.form()).get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise Invalid("import_empty", "Choose a file.")
        content = await upload.read()
        report = await employer_import.import_employers(actor=actor, now=_now(), content=content, dry_run=True)
    except DomainError as error:
        # A file that cannot be read at all is said next to the upload field, ready for another file.
        message = i18n.error_message(error.code, language(request), error.status)
        return render(request, "manage/employer_import.html", actor, status_code=error.status, section="/manage/employers", report=None, content="", bad=[], file_error=message)
    # The checked file rides along in the confirm form: the import checks it all again, so nothing here is trusted.
    carried = base64.b64encode(content).decode() if report.valid else ""
    return render(request, "manage/employer_import.html", actor, section="/manage/employers", report=report, content=carried, bad=[r for r in report.rows if r.errors], file_error=None)


@post("/import/confirm")
async def employer_import_confirm(request: Request) -> Response:
    actor = await organiser_or_sign_in(request)
    if not isinstance(actor, Actor):
        return actor
    try:
        content = base64.b64decode(str((await request.form()).get("content", "")), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("import_empty", "The checked file did not come back; upload it again.") from None
    report = await employer_import.import_employers(actor=actor, now=_now(), content=content, dry_run=False)
    # No redirect: each contact's invitation link is shown here once (only its hash is stored).
    return render(request, "manage/employer_import.html", actor, status_code=201, section="/manage/employers", report=None, imported=report,
                  invitation_days=invitations.INVITATION_DAYS, content="", bad=[], file_error=None)


router = Router(
    path="/manage/employers",
    route_handlers=[employer_list, employer_new, employer_create, employer_check, employer_import_page, employer_import_check, employer_import_confirm],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
