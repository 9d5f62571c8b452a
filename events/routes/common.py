"""What every route module shares: the request-body base, the caller, the clock, paging parameters."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.types import Guard
from msgspec import UNSET, Meta

from events import scanner_access, views
from events.accounts import ANONYMOUS, Actor, Role, actor_from_token, require_role
from events.errors import Malformed, Unauthorized
from events.ratelimit import Limiter

# Control characters other than tab and newline have no place in any text field; PostgreSQL
# refuses NUL outright, so catching them here turns a would-be 500 into a 400.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_fields(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _text_fields(item)


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields and control characters are refused."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            for text in _text_fields(getattr(self, name)):
                if _CONTROL.search(text):
                    raise ValueError(f"{name} contains control characters")

    def changes(self) -> dict[str, Any]:
        """The fields a PATCH body actually sets."""
        return {name: getattr(self, name) for name in self.__struct_fields__ if getattr(self, name) is not UNSET}


#: Text with no control characters but tab and newline; required text also holds something besides spaces.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
REQUIRED_TEXT_PATTERN = r"^(?=[\s\S]*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def Text(max_length: int, *examples: str, required: bool = True) -> Any:
    """A string type with a length cap; required ones must hold something besides spaces."""
    if required:
        return Annotated[str, Meta(min_length=1, max_length=max_length, pattern=REQUIRED_TEXT_PATTERN, examples=list(examples) or None)]
    return Annotated[str, Meta(max_length=max_length, pattern=TEXT_PATTERN, examples=list(examples) or None)]


Aware = Annotated[datetime, Meta(tz=True, examples=["2026-12-03T14:00:00+08:00"], description="ISO 8601 with an offset; naive times are refused.")]

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size, at most 100.")]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000, description="Items to skip, at most 10,000.")]
SearchText = Annotated[str | None, QueryParameter(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description="Free text.")]
Slug = Annotated[str, PathParameter(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80, description="The event's slug.")]
Id = Annotated[uuid.UUID, PathParameter()]
#: The caller, injected into handlers by name.
Caller = NamedDependency[Actor]


_PROBLEMS = {
    400: "The request is malformed or does not match the schema (`validation_failed`, `malformed_body`).",
    401: "No token where one is needed, or a bad, expired or revoked one (`authentication_required`, `token_invalid`, `token_expired`, `token_revoked`).",
    403: "Signed in, but this role or account may not do this.",
    404: "No such record, or none the caller may see.",
    409: "The request clashes with the current state.",
    413: "The body is larger than MAX_REQUEST_BYTES (`request_too_large`).",
    422: "Well-formed, but it breaks a rule of the product.",
    429: "Too many attempts; the `Retry-After` header says when to try again.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json errors a handler can answer with (400 and 401 always)."""
    return {
        status: ResponseSpec(data_container=views.Problem, description=_PROBLEMS[status], media_type="application/problem+json")
        for status in sorted({400, 401, *statuses})
    }


def now() -> datetime:
    return datetime.now(UTC)


async def provide_actor(request: Request) -> Actor:
    """The caller, from an `Authorization: Bearer` token; anonymous without one, 401 with a bad one."""
    return await _actor(request)


async def _actor(connection: ASGIConnection) -> Actor:
    # Resolved once per request: the guard and the handler's dependency share it.
    if "actor" in connection.state:
        return connection.state.actor
    header = connection.headers.get("authorization")
    if not header:
        actor = ANONYMOUS
    else:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("token_invalid", "Send the access token as `Authorization: Bearer <token>`.")
        if scanner_access.looks_like_access_code(token.strip()):
            # A gate volunteer's check-in-only code, minted by an organiser for one stop.
            actor = await scanner_access.actor_from_access_code(token.strip(), now())
            if actor is None:
                raise Unauthorized("token_invalid", "This scanner access is unknown, expired or revoked.")
        else:
            actor = await actor_from_token(token.strip())
    connection.state.actor = actor
    return actor


def allow(*roles: Role) -> list[Guard]:
    """Guard a route for these roles, before its body is read: 401 for nobody, 403 for another role.

    The domain function checks again, with the record in hand (is this HR account's employer the job's?).
    """

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        require_role(await _actor(connection), *roles)

    return [guard]


async def decode_body_strictly(request: Request) -> None:
    """Refuse a body that only fits its schema after coercion: "3" is not a number, 1800000000 is not a time.

    Litestar converts bodies leniently; this hook decodes the same bytes strictly first, so the
    API means what its schema says. It runs after the guards, so a stranger still gets 401.
    """
    field = request.route_handler.parsed_data_field
    if field is None or not request.scope["path"].startswith("/api/"):
        return
    if getattr(field.kwarg_definition, "media_type", RequestEncodingType.JSON) != RequestEncodingType.JSON:
        return  # an upload (multipart): its domain function reads and checks the file itself
    body = await request.body()
    try:
        msgspec.json.decode(body, type=field.annotation, strict=True)
    except msgspec.ValidationError as error:
        raise ValidationException(detail="The request does not match the schema.", extra=[{"message": str(error), "key": "data", "source": "body"}]) from error
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise Malformed("malformed_body", "The body is not valid UTF-8 JSON of a sane depth.") from error


def limiter_of(request: Request) -> Limiter:
    """The app's rate limiter. Not a dependency: a handler with two dependencies has Litestar
    resolve them in a task group, which cost a scan more than the limits themselves."""
    return request.app.state.limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def security_headers(response: Response) -> Response:
    """Headers every response carries; the pages add their Content-Security-Policy on top."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response
