"""The API behind the HR workspace and the organiser's employer pages: importing employers, checking credit codes,
an employer's booths, jobs, visitors and HR colleagues, and copying last event's jobs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body as BodyParameter
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from events import attendance, booths, employer_import, employers, jobs, views
from events.routes.attendance import XLSX, Format, Language, _as
from events.routes.common import Body, Caller, Id, SearchText, Slug, allow, now, problems


@dataclass
class ImportForm:
    #: An .xlsx workbook or a .csv file.
    file: UploadFile


# A form model, not a bare UploadFile: Litestar reads a bare one as "the form's first file", and a form with no file at
# all then failed inside the framework (500) instead of being refused as not matching the schema (400).
Upload = Annotated[ImportForm, BodyParameter(media_type=RequestEncodingType.MULTI_PART, description="The form field `file`: an .xlsx workbook or a .csv file.")]


def _with_415(*statuses: int) -> dict[int, ResponseSpec]:
    spec = problems(*statuses)
    spec[415] = ResponseSpec(data_container=views.Problem, description="The file is not an XLSX or CSV (`unsupported_file_type`), told by its content.", media_type="application/problem+json")
    return spec


@post(
    "/employers/import",
    summary="Import employers from an XLSX or CSV (organiser): all rows or none",
    guards=allow("organiser"),
    responses=_with_415(403, 409, 413, 422),
    status_code=201,
)
async def import_employers(
    actor: Caller,
    data: Upload,
    dry_run: Annotated[bool, QueryParameter(description="Only check: answer the per-row report and write nothing.")] = False,
) -> Response[views.ImportReport]:
    """Columns (the first row names them, in Chinese or English): company / 单位名称, credit code / 统一社会信用代码,
    contact / 联系人, phone / 手机, email / 邮箱, and optionally jobs / 岗位 (separated by 、or commas).

    Every row is checked first: the credit code's check digit, the phone and e-mail, duplicates within the file and
    against stored employers and accounts, and cells holding a formula. `?dry_run=true` answers that report (200).
    Otherwise the rows are written in one transaction (201), or, when any row has an error, none of them:
    `422 import_has_errors` with `rows_with_errors` and the same `report`. Each contact becomes the employer's first HR
    account, without a password until an organiser resets one for it. A malformed spreadsheet is `400
    malformed_spreadsheet`; a file that is neither XLSX nor CSV (a PDF, an image, an old .xls) `415 unsupported_file_type`.
    """
    content = await data.file.read()
    report = await employer_import.import_employers(actor=actor, now=now(), content=content, dry_run=dry_run)
    return Response(report, status_code=200 if dry_run else 201)


@get("/employers/credit-code-check", summary="Check a 统一社会信用代码 as it is typed (organiser)", guards=allow("organiser"), responses=problems(403))
async def check_credit_code(
    actor: Caller, code: Annotated[str, QueryParameter(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")]
) -> views.CreditCodeCheck:
    """Whether the check digit (GB 32100-2015) is right and whether an employer with the code exists already."""
    return await employers.check_credit_code(actor=actor, code=code)


@get("/employers/{employer_id:uuid}/booths", summary="An employer's booths at every event (its HR, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def employer_booths(employer_id: Id, actor: Caller) -> list[views.EmployerBooth]:
    return await booths.employer_booths(actor=actor, employer_id=employer_id)


@get("/employers/{employer_id:uuid}/jobs", summary="An employer's jobs at every event, open and closed (its HR, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def employer_jobs(employer_id: Id, actor: Caller) -> list[views.Job]:
    return await jobs.employer_jobs(actor=actor, employer_id=employer_id)


@get(
    "/employers/{employer_id:uuid}/visitors",
    summary="Everyone scanned at an employer's booths (its HR, or organiser): profiles only where shared",
    guards=allow("organiser", "hr"),
    responses=problems(403, 404),
    opt={"downloads": ["text/csv", XLSX]},
)
async def employer_visitors(
    employer_id: Id,
    actor: Caller,
    q: SearchText = None,
    stop_id: Annotated[uuid.UUID | None, QueryParameter(description="Only visitors at this stop.")] = None,
    job_id: Annotated[uuid.UUID | None, QueryParameter(description="Only visitors who applied for or asked about this job.")] = None,
    format: Format = "json",
    lang: Language = "zh",
) -> Response[views.EmployerVisitors] | Response[bytes] | Response[str]:
    """The search reads the jobs and, where the visitor shared it, the profile; it never finds a visitor by what they did not share."""
    report = await attendance.employer_visitors(actor=actor, now=now(), employer_id=employer_id, q=q, stop_id=stop_id, job_id=job_id)
    return _as(format, report, csv=attendance.employer_visitors_csv, xlsx=attendance.employer_visitors_xlsx, filename="visitors", lang=lang)


@post(
    "/employers/{employer_id:uuid}/staff/{account_id:uuid}/deactivate",
    summary="Deactivate an HR colleague (its employer's HR, or organiser)",
    status_code=200,
    guards=allow("organiser", "hr"),
    responses=problems(403, 404, 409),
)
async def deactivate_staff(employer_id: Id, account_id: Id, actor: Caller) -> views.Colleague:
    """The account's sign-ins end at once. `409 cannot_deactivate_self` for one's own account; another employer's account is `404`."""
    return await employers.deactivate_staff(actor=actor, now=now(), employer_id=employer_id, account_id=account_id)


class CopyJobsRequest(Body):
    from_event: Annotated[str, Meta(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", examples=["2025-nanjing-talent-train"], description="The slug of the event to copy from.")]
    employer_id: Annotated[uuid.UUID | None, Meta(description="Organisers only: whose jobs.")] = None


@post("/events/{slug:str}/jobs/copy", summary="Copy an employer's jobs from another event into this one (its HR, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404, 409, 413, 422))
async def copy_jobs(slug: Slug, data: JSONBody[CopyJobsRequest], actor: Caller) -> views.CopiedJobs:
    """Copies are open; a title the employer already posted here is skipped, so copying twice adds nothing. The employer needs a booth here."""
    return await jobs.copy_jobs(actor=actor, now=now(), slug=slug, **data.changes())


router = Router(
    path="/api",
    route_handlers=[import_employers, check_credit_code, employer_booths, employer_jobs, employer_visitors, deactivate_staff, copy_jobs],
    tags=["employers"],
)
