"""Sign-in and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from events import accounts, audit, views
from events.routes.common import Body, Caller, Limit, Offset, allow, client_address, limiter_of, now, problems


class LoginRequest(Body):
    login: Annotated[str, Meta(min_length=3, max_length=254, examples=["organiser@example.com"], description="Email or phone.")]
    password: Annotated[str, Meta(min_length=1, max_length=200, examples=["correct horse battery staple"])]


@post("/auth/login", summary="Sign in", status_code=200, responses=problems(413, 429))
async def login(request: Request, data: JSONBody[LoginRequest]) -> views.Token:
    """Exchange an email or mainland phone number and a password for a bearer token."""
    return await accounts.login(
        login=data.login, password=data.password, address=client_address(request), now=now(), limiter=limiter_of(request)
    )


@get("/audit-log", summary="The audit log (organiser): exports and reads of personal data, access changes", guards=allow("organiser"), responses=problems(403))
async def read_audit_log(
    actor: Caller,
    action: Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[a-z_]*$", examples=[Example(value="export_registrations")])] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> views.AuditPage:
    return await audit.read_log(actor=actor, action=action, limit=limit, offset=offset)


router = Router(path="/api", route_handlers=[login, read_audit_log], tags=["accounts"])

