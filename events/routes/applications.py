"""Employer applications (企业入驻 / 展位申请) and the HR invitation links they create."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ValidationException
from litestar.openapi.spec import Example, OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta

from events import applications, views
from events import invitations as invites
from events.errors import Malformed
from events.routes.common import TEXT_PATTERN, Body, Caller, Id, Limit, Offset, Text, allow, client_address, limiter_of, now, problems

CreditCode = Annotated[str, Meta(min_length=1, max_length=32, examples=["91320100MA1MXXXX0X"], description="统一社会信用代码, GB 32100-2015.")]
Titles = Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=20, examples=[["Java 开发工程师", "管培生"]])]
Token = Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9_-]{20,100}$", description="The secret from the invitation link.")]
#: 5 MB of licence plus the form's other fields and multipart framing; more is refused before it is read (413).
UPLOAD_LIMIT = applications.LICENCE_MAX_BYTES + 256 * 1024


class ApplicationRequest(Body):
    event: Annotated[str, Meta(min_length=1, max_length=80, examples=["nanjing-talent-train"], description="The event's slug.")]
    company: Text(200, "南京云帆科技有限公司")
    credit_code: CreditCode
    contact_name: Text(100, "王敏")
    contact_phone: Annotated[str, Meta(min_length=1, max_length=32, examples=["13812345678"])]
    contact_email: Annotated[str, Meta(min_length=1, max_length=254, examples=["hr@example.com"])]
    stop_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=50)]
    hr_count: Annotated[int, Meta(ge=1, le=applications.MAX_HR, examples=[2])] = 1
    jobs: Titles = []


class ApproveRequest(Body):
    stop_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=50)]
    booth_labels: Annotated[dict[uuid.UUID, Annotated[str, Meta(max_length=16)]], Meta(description="Stop id → booth label; stops left out get E01, E02, ...")] | None = None


class RejectRequest(Body):
    reason: Text(1000, "营业执照已过期")


class CancelRequest(Body):
    reason: Text(1000, "企业临时退出", required=False) = ""


class AcceptRequest(Body):
    password: Annotated[str, Meta(min_length=1, max_length=200, examples=["blue-lantern-42"])]
    #: Only for an account created without e-mail or phone (HR staff beyond the first).
    email: Annotated[str, Meta(max_length=254, examples=["hr2@example.com"])] | None = None
    phone: Annotated[str, Meta(max_length=32, examples=["13912345678"])] | None = None


_EXAMPLE = {
    "event": "nanjing-talent-train",
    "company": "南京云帆科技有限公司",
    "credit_code": "91320100MA1MXXXX0X",
    "contact_name": "王敏",
    "contact_phone": "13812345678",
    "contact_email": "hr@example.com",
    "stop_ids": ["0b7e3c1e-4a55-4f0e-9f51-2a8f3d6c9b10"],
    "hr_count": 2,
    "jobs": ["Java 开发工程师", "管培生"],
}


def _application_schema(*, multipart: bool) -> Schema:
    text = Schema(type=OpenAPIType.STRING, max_length=254, pattern=TEXT_PATTERN)
    properties: dict[str, Any] = {name: text for name in ("event", "company", "credit_code", "contact_name", "contact_phone", "contact_email")}
    properties["stop_ids"] = Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.UUID), min_items=1)
    properties["hr_count"] = Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=applications.MAX_HR, default=1)
    properties["jobs"] = Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING, max_length=100, pattern=TEXT_PATTERN), max_items=20)
    if multipart:
        properties["licence"] = Schema(
            type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, description="Business licence: PNG, JPEG or PDF, at most 5 MB, type read from the bytes."
        )
    return Schema(type=OpenAPIType.OBJECT, properties=properties, additional_properties=False, required=["event", "company", "credit_code", "contact_name", "contact_phone", "contact_email", "stop_ids"])


@dataclass
class _ApplicationOperation(Operation):
    """The one endpoint that takes JSON or, with a licence attached, multipart/form-data."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "application/json": OpenAPIMediaType(schema=_application_schema(multipart=False), examples={"application": Example(value=_EXAMPLE)}),
                "multipart/form-data": OpenAPIMediaType(schema=_application_schema(multipart=True)),
            },
        )


async def _read_application(request: Request) -> tuple[ApplicationRequest, bytes | None]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        fields: dict[str, Any] = {name: form.get(name) for name in ApplicationRequest.__struct_fields__ if isinstance(form.get(name), str)}
        fields["stop_ids"] = [value for value in form.getall("stop_ids") if isinstance(value, str)] if "stop_ids" in form else []
        fields["jobs"] = [line for value in form.getall("jobs") if isinstance(value, str) for line in value.splitlines() if line.strip()] if "jobs" in form else []
        upload = form.get("licence")
        licence = await upload.read() if isinstance(upload, UploadFile) else None
        decode: Any = lambda: msgspec.convert(fields, ApplicationRequest, strict=False)  # noqa: E731 - form fields are text
    else:
        body = await request.body()
        licence = None
        decode = lambda: msgspec.json.decode(body, type=ApplicationRequest, strict=True)  # noqa: E731
    try:
        return decode(), licence or None
    except msgspec.ValidationError as error:
        raise ValidationException(detail="The request does not match the schema.", extra=[{"message": str(error), "key": "data", "source": "body"}]) from error
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise Malformed("malformed_body", "The body is not valid UTF-8 JSON of a sane depth.") from error


@post(
    "/",
    summary="Apply to take part in an event (anonymous; multipart/form-data with a business licence)",
    responses=problems(404, 409, 413, 422, 429),
    operation_class=_ApplicationOperation,
    request_max_body_size=UPLOAD_LIMIT,
)
async def submit_application(request: Request) -> views.EmployerApplication:
    """JSON, or multipart/form-data with the same fields (`stop_ids` and `jobs` repeated) and a `licence` file.

    Refusals: `invalid_credit_code`, `invalid_phone`, `invalid_email`, `stop_not_in_event`, `licence_too_large`,
    `licence_type_not_allowed` (422); `application_pending` (409) while the company's earlier application to the event awaits a decision.
    Limited per address (`application_address_rate_limited`, 429).
    """
    await limiter_of(request).hit("application_address", client_address(request))
    data, licence = await _read_application(request)
    return await applications.submit_application(now=now(), licence=licence, **{name: getattr(data, name) for name in data.__struct_fields__})


@get("/", summary="List employer applications (organiser), in order of application", guards=allow("organiser"), responses=problems(403))
async def list_applications(
    actor: Caller,
    event: Annotated[str | None, QueryParameter(max_length=80, pattern=r"^[a-z0-9-]*$", description="The event's slug.")] = None,
    status: Annotated[Literal["submitted", "waitlisted", "approved", "rejected", "withdrawn", "cancelled"] | None, QueryParameter()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> views.ApplicationPage:
    return await applications.list_applications(actor=actor, event=event, status=status, limit=limit, offset=offset)


@get("/{application_id:uuid}", summary="One employer application (organiser)", guards=allow("organiser"), responses=problems(403, 404))
async def get_application(application_id: Id, actor: Caller) -> views.EmployerApplication:
    return await applications.get_application(actor=actor, application_id=application_id)


@get("/{application_id:uuid}/licence", summary="The application's business licence (organiser)", guards=allow("organiser"), responses=problems(403, 404),
     opt={"downloads": ["image/png", "image/jpeg", "application/pdf"]}, media_type="application/octet-stream")
async def get_licence(application_id: Id, actor: Caller) -> Response:
    content, media_type = await applications.get_licence(actor=actor, now=now(), application_id=application_id)
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}[media_type]
    # An uploaded file is never run as a page of this site: sandboxed, and typed by what its bytes are.
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="licence-{application_id}.{extension}"', "Content-Security-Policy": "sandbox; default-src 'none'"},
    )


@post("/{application_id:uuid}/approve", summary="Approve: employer, HR accounts with invitation links, booths; or waitlist when no booth is free",
      status_code=200, guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def approve_application(application_id: Id, data: JSONBody[ApproveRequest], actor: Caller) -> views.ApplicationDecision:
    """`application.status` is `approved` (with one invitation link per HR account, shown only here) or `waitlisted`
    when a chosen stop has no free booth for it. `409 application_already_decided` when another decision came first."""
    return await applications.approve_application(actor=actor, now=now(), application_id=application_id, stop_ids=data.stop_ids, booth_labels=data.booth_labels)


@post("/{application_id:uuid}/reject", summary="Reject with a reason (organiser)", status_code=200, guards=allow("organiser"), responses=problems(403, 404, 409, 413, 422))
async def reject_application(application_id: Id, data: JSONBody[RejectRequest], actor: Caller) -> views.EmployerApplication:
    return await applications.reject_application(actor=actor, now=now(), application_id=application_id, reason=data.reason)


@post("/{application_id:uuid}/withdraw", summary="Record that the employer withdrew (organiser)", status_code=200, guards=allow("organiser"), responses=problems(403, 404, 409))
async def withdraw_application(application_id: Id, actor: Caller) -> views.EmployerApplication:
    return await applications.withdraw_application(actor=actor, now=now(), application_id=application_id)


@post("/{application_id:uuid}/cancel", summary="Cancel an approval (organiser): booths nobody was scanned at are freed", status_code=200,
      guards=allow("organiser"), responses=problems(403, 404, 409, 413))
async def cancel_application(application_id: Id, data: JSONBody[CancelRequest], actor: Caller) -> views.EmployerApplication:
    return await applications.cancel_application(actor=actor, now=now(), application_id=application_id, reason=data.reason)


@get("/{token:str}", summary="Who an invitation link is for", responses=problems(404))
async def get_invitation(token: Token) -> views.Invitation:
    """`404 invitation_not_found`; `410 invitation_used` or `invitation_expired`."""
    return await invites.get_invitation(token=token, now=now())


@post("/{token:str}", summary="Accept an invitation: set the password (single use)", status_code=200, responses=problems(404, 409, 413, 422, 429))
async def accept_invitation(request: Request, token: Token, data: JSONBody[AcceptRequest]) -> views.Token:
    """Answers a bearer token for the HR account. `410 invitation_used` / `invitation_expired`; `422 weak_password`."""
    await limiter_of(request).hit("signup_address", client_address(request))
    return await invites.accept_invitation(token=token, now=now(), password=data.password, email=data.email, phone=data.phone)


router = Router(
    path="/api/employer-applications",
    route_handlers=[submit_application, list_applications, get_application, get_licence, approve_application, reject_application, withdraw_application,
                    cancel_application],
    tags=["employer applications"],
)
invitations = Router(path="/api/invitations", route_handlers=[get_invitation, accept_invitation], tags=["employer applications"])
