"""Employers and their HR staff."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, UnsetType

from events import employers, views
from events.routes.common import Body, Caller, Id, Limit, Offset, SearchText, Text, allow, now, problems

Name = Text(200, "南京云帆科技有限公司")
CreditCode = Annotated[str, Meta(min_length=18, max_length=18, examples=["91110000600037341L"], description="统一社会信用代码, GB 32100-2015.")]
Short = Text(100, "南京", required=False)
Website = Annotated[str, Meta(max_length=300, examples=["https://example.com"])]
Description = Text(5000, required=False)
PersonName = Text(100, "王敏")


class EmployerRequest(Body):
    name: Name
    credit_code: CreditCode
    industry: Short = ""
    city: Short = ""
    website: Website | None = None
    description: Description = ""


class EmployerPatch(Body):
    name: Name | UnsetType = UNSET
    credit_code: CreditCode | UnsetType = UNSET
    industry: Short | UnsetType = UNSET
    city: Short | UnsetType = UNSET
    website: Website | None | UnsetType = UNSET
    description: Description | UnsetType = UNSET


class StaffRequest(Body):
    name: PersonName
    email: Annotated[str, Meta(max_length=254, examples=["hr@example.com"])] | None = None
    phone: Annotated[str, Meta(max_length=32, examples=["13812345678"])] | None = None
    password: Annotated[str, Meta(min_length=8, max_length=200)] | None = None


@post("/", summary="Create an employer (organiser)", guards=allow("organiser"), responses=problems(403, 409, 413, 422))
async def create_employer(data: JSONBody[EmployerRequest], actor: Caller) -> views.Employer:
    return await employers.create_employer(actor=actor, now=now(), **data.changes())


@get("/", summary="List employers (organiser)", guards=allow("organiser"), responses=problems(403))
async def list_employers(actor: Caller, q: SearchText = None, limit: Limit = 20, offset: Offset = 0) -> views.EmployerPage:
    return await employers.list_employers(actor=actor, q=q, limit=limit, offset=offset)


@get("/{employer_id:uuid}", summary="An employer's public profile", responses=problems(404))
async def get_employer(employer_id: Id) -> views.Employer:
    return await employers.get_employer(employer_id=employer_id)


@patch("/{employer_id:uuid}", summary="Change an employer (organiser, or its own HR for profile fields)", guards=allow("organiser", "hr"), responses=problems(403, 404, 409, 413, 422))
async def update_employer(employer_id: Id, data: JSONBody[EmployerPatch], actor: Caller) -> views.Employer:
    return await employers.update_employer(actor=actor, now=now(), employer_id=employer_id, changes=data.changes())


@post("/{employer_id:uuid}/staff", summary="Create an HR account for the employer (organiser, or its own HR inviting a colleague)", guards=allow("organiser", "hr"), responses=problems(403, 404, 409, 413, 422))
async def add_staff(employer_id: Id, data: JSONBody[StaffRequest], actor: Caller) -> views.StaffCreated:
    return await employers.add_staff(actor=actor, now=now(), employer_id=employer_id, **data.changes())


class InviteRequest(Body):
    name: PersonName
    email: Annotated[str, Meta(max_length=254, examples=["li@example.com"])] | None = None
    phone: Annotated[str, Meta(max_length=32, examples=["13912345678"])] | None = None


@post(
    "/{employer_id:uuid}/invitations",
    summary="Invite a colleague: an HR account without a password and its invitation link (organiser, or the employer's own HR)",
    guards=allow("organiser", "hr"),
    responses=problems(403, 404, 409, 413, 422),
)
async def invite_staff(employer_id: Id, data: JSONBody[InviteRequest], actor: Caller) -> views.StaffCreated:
    """201 with `invitation.url`, shown once: the colleague opens it and sets a password (POST /api/invitations/{token}).
    `initial_password` is null. 422 `login_required` without e-mail and phone; 409 `login_taken`."""
    return await employers.invite_staff(actor=actor, now=now(), employer_id=employer_id, **data.changes())


@get("/{employer_id:uuid}/staff", summary="An employer's HR accounts (its own HR, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def list_staff(employer_id: Id, actor: Caller) -> list[views.Colleague]:
    return await employers.list_staff(actor=actor, now=now(), employer_id=employer_id)


router = Router(
    path="/api/employers",
    route_handlers=[create_employer, list_employers, get_employer, update_employer, add_staff, invite_staff, list_staff],
    tags=["employers"],
)
