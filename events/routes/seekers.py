"""Seekers' sign-up and everyone's own account: read, change, export, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Request, Router, delete, get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, UnsetType

from events import seekers, views
from events.routes.common import Body, Caller, Text, allow, client_address, limiter_of, now, problems

Degree = Literal["none", "high_school", "associate", "bachelor", "master", "doctorate"]
PersonName = Text(100, "李华")
School = Text(200, "南京大学", required=False)
Major = Text(100, "软件工程", required=False)
GraduationYear = Annotated[int, Meta(ge=1990, le=2100, examples=[2027])]
Phone = Annotated[str, Meta(min_length=5, max_length=32, examples=["13812345678"], description="Mainland mobile for seekers.")]
Email = Annotated[str, Meta(max_length=254, examples=["lihua@example.com"])]


class SignUpRequest(Body):
    name: PersonName
    phone: Phone
    password: Annotated[str, Meta(min_length=8, max_length=200, examples=["campus-2026"])]
    school: School
    major: Major
    degree: Degree
    graduation_year: GraduationYear
    accept_privacy_notice: Annotated[bool, Meta(description="Must be true: the seeker agreed to the notice at /privacy.")]
    privacy_notice_version: Annotated[str, Meta(max_length=32, examples=[seekers.PRIVACY_NOTICE_VERSION])]
    email: Email | None = None


class MePatch(Body):
    name: PersonName | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    school: School | UnsetType = UNSET
    major: Major | UnsetType = UNSET
    degree: Degree | UnsetType = UNSET
    graduation_year: GraduationYear | UnsetType = UNSET
    language: Annotated[Literal["zh-CN", "en"], Meta(description="What e-mails and SMS to me are written in.")] | UnsetType = UNSET


@post("/seekers", summary="Sign up as a seeker", responses=problems(409, 413, 422, 429))
async def sign_up(request: Request, data: JSONBody[SignUpRequest]) -> views.SignedUp:
    """Creates the account, its profile and its consent to the privacy notice; returns a bearer token at once."""
    await limiter_of(request).hit("signup_address", client_address(request))
    return await seekers.sign_up(now=now(), **data.changes())


@get("/privacy-notice", summary="The privacy notice a sign-up must agree to", responses=problems())
async def privacy_notice() -> views.PrivacyNotice:
    return views.PrivacyNotice(version=seekers.PRIVACY_NOTICE_VERSION, url="/privacy")


@get("/me", summary="The signed-in account", guards=allow("organiser", "hr", "seeker"), responses=problems())
async def me(actor: Caller) -> views.Me:
    return await seekers.me(actor=actor)


@patch("/me", summary="Change one's own account", guards=allow("organiser", "hr", "seeker"), responses=problems(409, 413, 422))
async def update_me(data: JSONBody[MePatch], actor: Caller) -> views.Me:
    return await seekers.update_me(actor=actor, now=now(), changes=data.changes())


@delete("/me", summary="Delete one's seeker account (anonymised)", guards=allow("seeker"), responses=problems(403))
async def delete_me(actor: Caller) -> None:
    """Name, phone, email and profile are erased; registrations stay as anonymous counts; upcoming places are given up."""
    await seekers.delete_me(actor=actor, now=now())


@get("/me/export", summary="All personal data, as JSON", guards=allow("seeker"), responses=problems(403))
async def export_me(actor: Caller) -> views.PersonalData:
    return await seekers.export_me(actor=actor, now=now())


router = Router(path="/api", route_handlers=[sign_up, privacy_notice, me, update_me, delete_me, export_me], tags=["seekers and accounts"])
