"""Sign-in and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta

from events import accounts, views
from events.ratelimit import Limiter
from events.routes.common import Body, client_address, now, problems


class LoginRequest(Body):
    login: Annotated[str, Meta(min_length=3, max_length=254, examples=["organiser@example.com"], description="Email or phone.")]
    password: Annotated[str, Meta(min_length=1, max_length=200, examples=["correct horse battery staple"])]


@post("/auth/login", summary="Sign in", status_code=200, responses=problems(413, 429))
async def login(request: Request, data: JSONBody[LoginRequest], limiter: NamedDependency[Limiter]) -> views.Token:
    """Exchange an email or mainland phone number and a password for a bearer token."""
    return await accounts.login(
        login=data.login, password=data.password, address=client_address(request), now=now(), limiter=limiter
    )


router = Router(path="/api", route_handlers=[login], tags=["accounts"])

