"""Sign-in and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from events import accounts, audit, views
from events.routes.common import Body, Caller, Id, Limit, Offset, allow, client_address, limiter_of, now, problems

NewPassword = Annotated[
    str, Meta(min_length=1, max_length=200, examples=["blue-lantern-42"], description="At least 8 characters, not only letters nor only digits.")
]


class LoginRequest(Body):
    login: Annotated[str, Meta(min_length=3, max_length=254, examples=["organiser@example.com"], description="Email or phone.")]
    password: Annotated[str, Meta(min_length=1, max_length=200, examples=["correct horse battery staple"])]


@post("/auth/login", summary="Sign in", status_code=200, responses=problems(413, 429))
async def login(request: Request, data: JSONBody[LoginRequest]) -> views.Token:
    """Exchange an email or mainland phone number and a password for a bearer token."""
    return await accounts.login(
        login=data.login, password=data.password, address=client_address(request), now=now(), limiter=limiter_of(request)
    )


class PasswordChange(Body):
    current_password: Annotated[str, Meta(min_length=1, max_length=200, examples=["correct horse battery staple"])]
    new_password: NewPassword


class PasswordResetRequest(Body):
    #: None: generate one and answer it.
    new_password: NewPassword | None = None


@post("/me/password", summary="Change my password (ends my other sign-ins)", status_code=204, guards=allow("organiser", "hr", "seeker"),
      responses=problems(413, 422, 429))
async def change_password(request: Request, actor: Caller, data: JSONBody[PasswordChange]) -> None:
    """`400 password_incorrect` when the current password is wrong; `422 weak_password` or `password_unchanged` for the new one.

    Every token of the account issued before the change, this one included, then answers `401 token_revoked`:
    sign in again with the new password.
    """
    await accounts.change_password(
        actor=actor, current_password=data.current_password, new_password=data.new_password, now=now(), limiter=limiter_of(request)
    )


@post("/accounts/{account_id:uuid}/password", summary="Reset an HR account's password (organiser)", status_code=200, guards=allow("organiser"),
      responses=problems(403, 404, 413, 422))
async def reset_password(account_id: Id, actor: Caller, data: JSONBody[PasswordResetRequest]) -> views.PasswordReset:
    """Send `{}` to have a password generated (answered once) or `{"new_password": ...}` to set one; the account's sign-ins end.

    Until passwords can be reset through e-mail or SMS, this is how HR staff who forgot theirs get back in.
    """
    return await accounts.reset_password(actor=actor, account_id=account_id, new_password=data.new_password, now=now())


@get("/audit-log", summary="The audit log (organiser): exports and reads of personal data, access changes", guards=allow("organiser"), responses=problems(403))
async def read_audit_log(
    actor: Caller,
    action: Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[a-z_]*$", examples=[Example(value="export_registrations")])] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> views.AuditPage:
    return await audit.read_log(actor=actor, action=action, limit=limit, offset=offset)


router = Router(path="/api", route_handlers=[login, change_password, reset_password, read_audit_log], tags=["accounts"])

