"""Calendar feeds over HTTP: text/calendar, gzip-compressed for clients that accept it, with a strong ETag, Last-Modified, 304s and HEAD,
and the private-feed token."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Annotated, Literal

from litestar import Request, Response, Router, delete, get, head, post
from litestar.params import PathParameter, QueryParameter

from events import calendar, feed_cache, feed_scopes, metrics, views
from events.errors import NotFound
from events.feed_scopes import Scope
from events.routes.common import Caller, allow, now, problems

CalendarKind = Annotated[Literal["talent_train", "night_market", "job_fair"] | None, QueryParameter()]
City = Annotated[str | None, QueryParameter(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
#: Litestar appends "; charset=utf-8" to text/* types.
FEED_MEDIA_TYPE = "text/calendar"
FeedName = Annotated[str, PathParameter(max_length=200, description="`{slug}.ics` or `{token}.ics`.")]
NOT_MODIFIED = metrics.FEED_REQUESTS.labels("not_modified")
#: Appended to the version's tag for the gzip representation.
GZIP_TAG = "-gzip"


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header accepts gzip (RFC 9110 12.5.3: by name, else by *, with a weight above 0)."""
    weights: dict[str, float] = {}
    for item in (accept_encoding or "").split(","):
        name, *parameters = (part.strip().lower() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            if parameter.startswith("q="):
                try:
                    weight = float(parameter[2:])
                except ValueError:
                    weight = 0.0
        weights[name] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def _not_modified(request: Request, version: feed_scopes.Version) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since. Either representation's tag (plain or gzip) matches."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or f'"{version.etag}"' in tags or f'"{version.etag}{GZIP_TAG}"' in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            return version.last_modified <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


async def _serve(request: Request, scope: Scope, *, with_body: bool) -> Response:
    version = await feed_scopes.version(scope)
    max_age = int(calendar.REFRESH.total_seconds())
    gzip = accepts_gzip(request.headers.get("accept-encoding"))
    headers = {
        # The gzip representation has a tag of its own (RFC 9110 8.8.3: a strong tag names one representation's bytes).
        "ETag": f'"{version.etag}{GZIP_TAG if gzip else ""}"',
        "Last-Modified": version.http_date,
        "Cache-Control": f"{'private' if scope.is_private else 'public'}, max-age={max_age}",
        "Vary": "Accept-Encoding",
        # Private feed URLs are secrets: keep them out of Referer headers of anything they link to.
        **({"Referrer-Policy": "no-referrer"} if scope.is_private else {}),
    }
    if _not_modified(request, version):
        NOT_MODIFIED.inc()
        return Response(content=b"", status_code=304, headers=headers, media_type=FEED_MEDIA_TYPE)
    feed = await feed_cache.document(scope, version)
    headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    if gzip:
        # Compressed once per version and kept: the answer is the kept bytes.
        headers["Content-Encoding"] = "gzip"
        body = feed.gzip
    elif with_body:
        body = await feed_cache.plain(scope, feed)
    else:
        body = b""
    if not with_body:
        headers["Content-Length"] = str(len(feed.gzip) if gzip else feed.length)
        return Response(content=b"", headers=headers, media_type=FEED_MEDIA_TYPE)
    return Response(content=body, headers=headers, media_type=FEED_MEDIA_TYPE)


def _stem(name: str) -> str:
    if not name.endswith(".ics") or len(name) <= 4:
        raise NotFound("feed_not_found", "No such calendar feed.")
    return name[:-4]


async def _event_scope(name: str) -> Scope:
    return await feed_scopes.event_scope(_stem(name))


async def _private_scope(name: str) -> Scope:
    return await feed_scopes.private_scope(_stem(name))


FEED_DOC = {"summary": "", "responses": problems(404), "media_type": FEED_MEDIA_TYPE, "tags": ["calendar feeds"]}


@get("/calendar/events.ics", **{**FEED_DOC, "summary": "Every published event's stops, as iCal"})
async def public_feed(request: Request, kind: CalendarKind = None, city: City = None) -> Response[bytes]:
    return await _serve(request, feed_scopes.public_scope(kind=kind, city=city), with_body=True)


@head("/calendar/events.ics", summary="Headers of the public feed", tags=["calendar feeds"], include_in_schema=False)
async def public_feed_head(request: Request, kind: CalendarKind = None, city: City = None) -> Response[None]:
    return await _serve(request, feed_scopes.public_scope(kind=kind, city=city), with_body=False)


@get("/calendar/events/{name:str}", **{**FEED_DOC, "summary": "One event's stops, as iCal: /calendar/events/{slug}.ics"})
async def event_feed(request: Request, name: FeedName) -> Response[bytes]:
    return await _serve(request, await _event_scope(name), with_body=True)


@head("/calendar/events/{name:str}", tags=["calendar feeds"], include_in_schema=False)
async def event_feed_head(request: Request, name: FeedName) -> Response[None]:
    return await _serve(request, await _event_scope(name), with_body=False)


@get("/calendar/private/{name:str}", **{**FEED_DOC, "summary": "A personal feed behind a secret token: /calendar/private/{token}.ics"})
async def private_feed(request: Request, name: FeedName) -> Response[bytes]:
    """A seeker's registrations, an HR account's booths, or (organisers) every event including drafts."""
    return await _serve(request, await _private_scope(name), with_body=True)


@head("/calendar/private/{name:str}", tags=["calendar feeds"], include_in_schema=False)
async def private_feed_head(request: Request, name: FeedName) -> Response[None]:
    return await _serve(request, await _private_scope(name), with_body=False)


@post("/api/me/calendar-token", summary="Create or rotate my private feed link", status_code=201, guards=allow("organiser", "hr", "seeker"),
      responses=problems(), tags=["calendar feeds"])
async def rotate_calendar_token(actor: Caller) -> views.CalendarLink:
    """The link is shown once; only its hash is stored. Rotating makes the previous link 404 at once."""
    return await calendar.rotate_token(actor=actor, now=now())


@delete("/api/me/calendar-token", summary="Revoke my private feed link", guards=allow("organiser", "hr", "seeker"), responses=problems(),
        tags=["calendar feeds"])
async def revoke_calendar_token(actor: Caller) -> None:
    await calendar.revoke_token(actor=actor)


router = Router(
    path="/",
    route_handlers=[
        public_feed,
        public_feed_head,
        event_feed,
        event_feed_head,
        private_feed,
        private_feed_head,
        rotate_calendar_token,
        revoke_calendar_token,
    ],
)
