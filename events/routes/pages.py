"""Server-rendered pages for students on phones: browse, sign up, register, show the ticket, cancel.

Pages sign people in with an HttpOnly session cookie holding the same token the API takes as a
bearer; the API itself never reads the cookie, so only the pages need CSRF protection.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from litestar import MediaType, Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from events import (
    accounts,
    attendance,
    booths,
    calendar,
    i18n,
    interests,
    job_search,
    jobs,
    registrations,
    scanner_access,
    schedule,
    seekers,
    tickets,
)
from events import event_page as kept_pages
from events.accounts import ANONYMOUS, Actor
from events.bookings import my_bookings, my_invitations
from events.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, RateLimited, Unauthorized
from events.routes.attendance import live_stream
from events.routes.common import Id, Slug, client_address, decode_body_strictly, limiter_of, security_headers
from events.routes.scanner_app import scanner_manifest, scanner_service_worker
from events.settings import settings

SESSION_COOKIE = "session"
LANG_COOKIE = "lang"


# ---------------------------------------------------------------- who and in what language


async def page_actor(request: Request) -> Actor:
    """The signed-in person from the session cookie; a stale or forged cookie just means nobody."""
    known = getattr(request.state, "page_actor", None)
    if known is not None:
        return known
    token = request.cookies.get(SESSION_COOKIE)
    actor = ANONYMOUS
    if token:
        try:
            actor = await accounts.actor_from_token(token)
        except Unauthorized:
            pass
    request.state.page_actor = actor
    return actor


async def _before_page(request: Request) -> None:
    # A router's before_request replaces the app's, so the app's hook runs here too. Knowing the
    # visitor before the handler runs lets an error page (whose handler cannot await) show the
    # header of a signed-in visitor.
    await decode_body_strictly(request)
    await page_actor(request)


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in i18n.LANGUAGES:
        return wanted
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "zh"


def _cookies(request: Request, lang: str) -> list[Cookie]:
    if request.query_params.get("lang") in i18n.LANGUAGES:
        return [Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)]
    return []


def session_cookie(token: str, max_age: int) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=token, max_age=max_age, httponly=True, samesite="lax", secure=settings.environment == "production")


def render(request: Request, name: str, actor: Actor, status_code: int = 200, cookies: list[Cookie] | None = None, **context: Any) -> Template:
    lang = language(request)
    return Template(template_name=name, context=_context(lang, actor, context), status_code=status_code, cookies=_cookies(request, lang) + (cookies or []))


def _context(lang: str, actor: Actor, context: dict[str, Any]) -> dict[str, Any]:
    """What every page's template is given, besides its own `context`."""

    def t(key: str, **values: object) -> str:
        return i18n.translate(key, lang, **values)

    def when(stop: Any) -> str:
        return i18n.when(stop.starts_at, stop.ends_at, lang, zone=getattr(stop, "timezone", None))

    def span(event: Any) -> str:
        return i18n.when(event.starts_at, event.ends_at, lang, zone=getattr(event, "timezone", None))

    return {"t": t, "when": when, "span": span, "lang": lang, "actor": actor, "error": None, **context}


#: Where each kind of person works: a sign-in with nowhere else to go lands there.
HOME_OF_ROLE = {"organiser": "/manage", "hr": "/hr", "seeker": "/events"}


def _safe_next(target: str | None, default: str = "/events") -> str:
    """Only same-site paths: a `next` that leaves the site would make the sign-in page an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _sign_in_first(request: Request) -> Redirect:
    return Redirect(f"/login?next={quote(request.url.path)}")


async def organiser_or_sign_in(request: Request) -> Actor | Response:
    """The signed-in organiser; nobody signed in is sent to sign in first, anyone else gets the 403 page."""
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return _sign_in_first(request)
    if not actor.is_organiser:
        raise Forbidden("organiser_only", "Only organisers may use the console.")
    return actor


def _stop_to_register(value: object) -> str:
    """The stop whose Register button sent an anonymous visitor to sign up or in ("" if none or not an id)."""
    try:
        return str(uuid.UUID(str(value))) if value else ""
    except ValueError:
        return ""


async def _register(request: Request, actor: Actor, stop_id: uuid.UUID) -> Redirect:
    """Register the seeker and show the ticket; pressing Register twice shows the place already held."""
    await limiter_of(request).hit("registration_account", str(actor.id))
    await limiter_of(request).hit("registration_address", client_address(request))
    try:
        registration = await registrations.register(actor=actor, now=_now(), stop_id=stop_id)
    except Conflict as error:
        if error.code != "already_registered":
            raise
        return Redirect(f"/me/tickets/{error.extra['registration_id']}")
    return Redirect(f"/me/tickets/{registration.id}")


async def _signed_in(request: Request, token: Any, form: dict[str, Any]) -> Response:
    """Set the session cookie and go where the visitor was going: registered for the stop whose
    Register button brought them here, else back to `next`."""
    max_age = int((token.expires_at - _now()).total_seconds())
    cookie = session_cookie(token.access_token, max_age)
    stop_id = _stop_to_register(form.get("register"))
    actor = await accounts.actor_from_token(token.access_token)
    if stop_id and actor.role == "seeker":
        try:
            landing = await _register(request, actor, uuid.UUID(stop_id))
        except DomainError as error:
            # Signed in all the same: the refusal (registration closed, say) is shown with the cookie set.
            request.state.page_actor = actor
            response = page_error(request, error, back=_safe_next(form.get("next")))
            response.cookies.append(cookie)
            return response
        landing.cookies.append(cookie)
        return landing
    return Redirect(_safe_next(form.get("next"), default=HOME_OF_ROLE.get(actor.role, "/events")), cookies=[cookie])


def _now() -> datetime:
    return datetime.now(UTC)


def _page_id(value: str) -> uuid.UUID:
    """An id from a page's path. Page paths take any text there, so that a mangled link gets the
    404 page in the reader's language rather than the router's bare JSON 404."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("not_found", "No such page.") from None


# ---------------------------------------------------------------- browsing


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect("/events")


@get("/events", include_in_schema=False)
async def events_page(
    request: Request, kind: Annotated[Literal["talent_train", "night_market", "job_fair"] | None, QueryParameter()] = None
) -> Template:
    actor = await page_actor(request)
    page = await schedule.list_events(actor=ANONYMOUS, kind=kind, limit=50, offset=0)
    return render(request, "events.html", actor, events=page.items, kind=kind)


def _window_state(stop: Any, now: datetime) -> str:
    if now >= stop.ends_at:
        return "registration_closed"
    if stop.registration_opens_at is None or now < stop.registration_opens_at:
        return "registration_not_open"
    if now >= stop.registration_closes_at:
        return "registration_closed"
    return "open"


async def _event_page_context(slug: str, actor: Actor, now: datetime) -> dict[str, Any]:
    event = await schedule.get_event(actor=ANONYMOUS, slug=slug)
    found = await job_search.search_jobs(actor=ANONYMOUS, slug=slug, limit=20, offset=0)
    registered, applied = {}, set()
    if actor.role == "seeker":
        registered = {r.stop.id: r for r in await registrations.my_registrations(actor=actor) if r.status != "cancelled"}
        applied = await interests.applied_jobs(actor.id)
    window = {stop.id: _window_state(stop, now) for stop in event.stops}
    webcal = "webcal://" + settings.public_url.split("://", 1)[1]
    return {"event": event, "jobs": found, "registered": registered, "window": window, "webcal": webcal, "applied": applied}


#: Where a visitor's own CSRF token goes into a page rendered for every anonymous visitor.
_CSRF_MARK = "\x00csrf\x00"


async def _anonymous_event_page(request: Request, slug: str) -> Response:
    """The page as every anonymous visitor sees it, rendered once per version of what it shows (events/event_page.py)."""
    lang, now = language(request), _now()
    key, version = (slug, lang), await kept_pages.version(slug)
    kept = kept_pages.PAGES.get(key, version)
    if not kept or (kept[1] is not None and kept[1] <= now):
        context = await _event_page_context(slug, ANONYMOUS, now)
        template = request.app.template_engine.get_template("event.html")
        html = template.render(**_context(lang, ANONYMOUS, context), request=request, csrf_input=_CSRF_MARK)
        kept = kept_pages.PAGES.put(key, (html, kept_pages.valid_until(context["event"], now)), version=version)
    return _page_response(request, lang, kept[0])


def _page_response(request: Request, lang: str, html: str) -> Response:
    token = ScopeState.from_scope(request.scope).csrf_token
    csrf_input = f'<input type="hidden" name="_csrf_token" value="{escape(token if isinstance(token, str) else "")}" />'
    return Response(html.replace(_CSRF_MARK, csrf_input), media_type=MediaType.HTML, cookies=_cookies(request, lang))


@get("/events/{slug:str}", include_in_schema=False)
async def event_page(request: Request, slug: Slug) -> Response:
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return await _anonymous_event_page(request, slug)
    return render(request, "event.html", actor, **await _event_page_context(slug, actor, _now()))


@get("/privacy", include_in_schema=False)
async def privacy_page(request: Request) -> Template:
    return render(request, "privacy.html", await page_actor(request), privacy_version=seekers.PRIVACY_NOTICE_VERSION)


# ---------------------------------------------------------------- signing up and in


@get("/signup", include_in_schema=False)
async def signup_page(request: Request) -> Template:
    return render(
        request,
        "signup.html",
        await page_actor(request),
        form={},
        next=_safe_next(request.query_params.get("next")),
        register=_stop_to_register(request.query_params.get("register")),
        privacy_version=seekers.PRIVACY_NOTICE_VERSION,
        default_year=_now().year + 1,
    )


@post("/signup", include_in_schema=False)
async def signup(request: Request) -> Response:
    form = dict(await request.form())
    lang = language(request)
    try:
        year = int(form.get("graduation_year", ""))
    except ValueError:
        year = 0
    try:
        await limiter_of(request).hit("signup_address", client_address(request))
        if not all(str(form.get(field, "")).strip() for field in ("name", "phone", "password", "school", "major")):
            raise Invalid("form_incomplete", "Fill in every required field.")
        signed = await seekers.sign_up(
            now=_now(),
            name=str(form["name"])[:100],
            phone=str(form["phone"])[:32],
            password=str(form["password"])[:200],
            school=str(form["school"])[:200],
            major=str(form["major"])[:100],
            degree=form.get("degree") if form.get("degree") in jobs.EDUCATION_LEVELS else "bachelor",
            graduation_year=year,
            privacy_notice_version=str(form.get("privacy_notice_version", "")),
            accept_privacy_notice=form.get("accept_privacy_notice") == "yes",
            email=str(form["email"]).strip()[:254] or None if form.get("email") else None,
        )
    except DomainError as error:
        # Everything typed comes back (the consent box too), except the password: a page never
        # carries a password back in its HTML.
        form.pop("password", None)
        return render(
            request,
            "signup.html",
            ANONYMOUS,
            status_code=error.status,
            form=form,
            next=_safe_next(form.get("next")),
            register=_stop_to_register(form.get("register")),
            privacy_version=seekers.PRIVACY_NOTICE_VERSION,
            default_year=_now().year + 1,
            error=i18n.error_message(error.code, lang, error.status),
        )
    return await _signed_in(request, signed.token, form)


@get("/login", include_in_schema=False)
async def login_page(request: Request) -> Template:
    return render(
        request,
        "login.html",
        await page_actor(request),
        form={},
        next=_safe_next(request.query_params.get("next"), default=""),
        register=_stop_to_register(request.query_params.get("register")),
    )


@post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    form = dict(await request.form())
    try:
        token = await accounts.login(
            login=str(form.get("login", ""))[:254], password=str(form.get("password", ""))[:200], address=client_address(request), now=_now(), limiter=limiter_of(request)
        )
    except DomainError as error:
        return render(
            request,
            "login.html",
            ANONYMOUS,
            status_code=error.status,
            form={"login": form.get("login", "")},
            next=_safe_next(form.get("next"), default=""),
            register=_stop_to_register(form.get("register")),
            error=i18n.error_message(error.code, language(request), error.status),
        )
    return await _signed_in(request, token, form)


@post("/logout", include_in_schema=False)
async def logout() -> Response:
    # ?signed_out tells pages.js to drop the scanner pages this phone kept offline: they hold the ended sign-in.
    return Redirect("/events?signed_out=1", cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True, samesite="lax")])


@get("/me/password", include_in_schema=False)
async def password_page(request: Request) -> Response:
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return _sign_in_first(request)
    return render(request, "password.html", actor, done=request.query_params.get("done") == "1")


@post("/me/password", include_in_schema=False)
async def change_password(request: Request) -> Response:
    """The same change as POST /api/me/password; this browser stays signed in with a fresh cookie, every other sign-in ends."""
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return _sign_in_first(request)
    form = dict(await request.form())
    try:
        token = await accounts.change_password(
            actor=actor,
            current_password=str(form.get("current_password", ""))[:200],
            new_password=str(form.get("new_password", ""))[:200],
            now=_now(),
            limiter=limiter_of(request),
        )
    except DomainError as error:
        message = i18n.error_message(error.code, language(request), error.status)
        return render(request, "password.html", actor, status_code=error.status, done=False, error=message)
    max_age = int((token.expires_at - _now()).total_seconds())
    return Redirect("/me/password?done=1", cookies=[session_cookie(token.access_token, max_age)])


# ---------------------------------------------------------------- registering and tickets


@post("/stops/{stop:str}/register", include_in_schema=False)
async def register(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Response:
    stop_id = _page_id(stop)
    actor = await page_actor(request)
    if actor.role == "anonymous":
        # Sign up (or in) first, then land registered: the stop travels along with the way back.
        found = await schedule.get_stop(actor=ANONYMOUS, stop_id=stop_id)
        return Redirect("/signup?" + urlencode({"next": f"/events/{found.event_slug}", "register": str(stop_id)}))
    return await _register(request, actor, stop_id)


@get("/me/tickets", include_in_schema=False)
async def tickets_page(request: Request) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    return render(
        request, "tickets.html", actor, registrations=await registrations.my_registrations(actor=actor), applications=await interests.my_interests(actor=actor),
        # issue 14, slots: the seeker's interview bookings and invitations beside their tickets
        bookings=await my_bookings(actor=actor), invitations=await my_invitations(actor=actor),
    )


@get("/me/tickets/{reference:str}", include_in_schema=False)
async def ticket_page(request: Request, reference: Annotated[str, PathParameter(max_length=64)]) -> Response:
    registration_id = _page_id(reference)
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    registration = await registrations.get_registration(actor=actor, registration_id=registration_id)
    # The code is shown only when it admits: not while waitlisted, not once the place or the stop is cancelled.
    admits = registration.ticket is not None and registration.status == "confirmed" and registration.stop.status != "cancelled"
    qr = Markup(tickets.qr_svg(registration.ticket.code)) if admits else None  # noqa: S704 - segno's own SVG
    return render(request, "ticket.html", actor, registration=registration, qr=qr)


@post("/me/tickets/{reference:str}/cancel", include_in_schema=False)
async def cancel(request: Request, reference: Annotated[str, PathParameter(max_length=64)]) -> Response:
    registration_id = _page_id(reference)
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    await registrations.cancel(actor=actor, now=_now(), registration_id=registration_id)
    return Redirect("/me/tickets")


@post("/jobs/{job:str}/apply", include_in_schema=False)
async def apply(request: Request, job: Annotated[str, PathParameter(max_length=64)]) -> Response:
    """扫码投递 from the event page: the seeker's consent to share their profile with the job's employer."""
    job_id = _page_id(job)
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    await interests.express_interest(actor=actor, now=_now(), job_id=job_id)
    referer = urlsplit(request.headers.get("referer", ""))
    return Redirect(_safe_next(referer.path, default="/me/tickets"))


@post("/me/calendar", include_in_schema=False)
async def subscribe(request: Request) -> Response:
    """A fresh private feed link (the old one stops working), shown once."""
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    return render(request, "calendar_link.html", actor, link=await calendar.rotate_token(actor=actor, now=_now()))


# ---------------------------------------------------------------- scanners and the dashboard


def _scanner_config(request: Request, actor: Actor, *, kind: str, target_id: Any, stop_id: Any) -> dict[str, Any]:
    # A signed-in organiser or HR user gets a bearer token for the API calls the page makes;
    # a gate volunteer brings an access code in the link instead.
    token = accounts.issue_token(account_id=actor.id, role=actor.role, now=_now(), generation=actor.token_generation).access_token if actor.id else None
    return {
        "kind": kind,
        "target_id": str(target_id),
        "stop_id": str(stop_id),
        "sync_url": "/api/scans/sync",
        "public_key": tickets.public_key_base64(),
        "token": token,
        "text": i18n.scanner_text(language(request), kind),
    }


@get("/scan/stops/{stop_id:uuid}", include_in_schema=False)
async def gate_scanner(request: Request, stop_id: Id) -> Template:
    """The gate: for organisers signed in, and for volunteers holding a check-in-only access code."""
    actor = await page_actor(request)
    # What the visitor may see of the stop is what the API shows them: a draft's gate is the organisers'.
    stop = await schedule.get_stop(actor=actor, stop_id=stop_id)
    event = await schedule.get_event(actor=actor, slug=stop.event_slug)
    scanning_actor = actor if actor.is_organiser else ANONYMOUS
    config = _scanner_config(request, scanning_actor, kind="check_in", target_id=stop_id, stop_id=stop_id)
    return render(request, "scanner.html", actor, place=f"{event.title} · {stop.name}", config=config, jobs=[])


@get("/scan/booths/{booth_id:uuid}", include_in_schema=False)
async def booth_scanner(request: Request, booth_id: Id) -> Response:
    """A stall: for the employer's HR staff (and organisers), signed in on their phone."""
    actor = await page_actor(request)
    if actor.role not in ("hr", "organiser"):
        return _sign_in_first(request)
    booth = await booths.get_booth(actor=actor, booth_id=booth_id)
    scanner_access.require_booth_scanner(actor, booth.employer.id)
    stop = await schedule.get_stop(actor=actor, stop_id=booth.stop_id)
    config = _scanner_config(request, actor, kind="visit", target_id=booth_id, stop_id=booth.stop_id)
    if actor.role == "hr":
        # The one-tap note after a scan: notes are the employer's, so HR's alone (an organiser scanning here gets none).
        config["note_url"] = f"/api/booths/{booth_id}/visitors/{{registration_id}}/note"
    found = await job_search.search_jobs(actor=actor, slug=stop.event_slug, employer_id=booth.employer.id, limit=100, offset=0)
    offered = sorted(found.items, key=lambda job: job.title)
    return render(request, "scanner.html", actor, place=f"{stop.name} · {booth.label} {booth.employer.name}", config=config, jobs=offered)


async def _organiser_report(request: Request, slug: str) -> tuple[Actor, Any]:
    actor = await page_actor(request)
    if not actor.is_organiser:
        raise Forbidden("organiser_only", "Only organisers see the dashboard.")
    return actor, await attendance.event_attendance(actor=actor, now=_now(), slug=slug)


@get("/dashboard/events/{slug:str}", include_in_schema=False)
async def dashboard(request: Request, slug: Slug) -> Response:
    if (await page_actor(request)).role == "anonymous":
        return _sign_in_first(request)
    actor, report = await _organiser_report(request, slug)
    return render(request, "dashboard.html", actor, report=report)


@get("/dashboard/events/{slug:str}/report", include_in_schema=False)
async def dashboard_report(request: Request, slug: Slug) -> Template:
    actor, report = await _organiser_report(request, slug)
    return render(request, "dashboard_report.html", actor, report=report)


@get("/dashboard/events/{slug:str}/attendance.xlsx", include_in_schema=False)
async def dashboard_export(request: Request, slug: Slug) -> Response:
    _actor, report = await _organiser_report(request, slug)
    return Response(
        attendance.attendance_xlsx(report, language(request)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="attendance-{slug}.xlsx"'},
    )


@get("/dashboard/events/{slug:str}/live", include_in_schema=False)
async def dashboard_live(request: Request, slug: Slug) -> ServerSentEvent:
    actor = await page_actor(request)
    if not actor.is_organiser:
        raise Forbidden("organiser_only", "Only organisers see the dashboard.")
    await schedule.load_event(slug, actor)
    return ServerSentEvent(live_stream(actor, slug))


# ---------------------------------------------------------------- headers

#: Pages load scripts, styles and images only from here, call only this origin, and are never framed.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


async def page_headers(response: Response) -> Response:
    # A router's after_request replaces the app's, so the common headers are added here too.
    response = await security_headers(response)
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


# ---------------------------------------------------------------- refusals, as pages


def page_error(request: Request, error: Exception, back: str | None = None) -> Response:
    """A refusal on a page is a page in the reader's language, with the same status the API would give.

    Words come from the domain's stable code, else from the status: never the English `detail`
    meant for API clients.
    """
    lang = language(request)
    if isinstance(error, DomainError):
        status, message = error.status, i18n.error_message(error.code, lang, error.status)
    elif isinstance(error, HTTPException):
        status, message = error.status_code, i18n.error_message("", lang, error.status_code)
    else:
        raise error
    if back is None:
        referer = urlsplit(request.headers.get("referer", ""))
        back = _safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    # The visitor was read before the handler ran (`_before_page`); nobody if it never got that far.
    actor = getattr(request.state, "page_actor", None) or ANONYMOUS
    response = render(request, "error.html", actor, status_code=status, message=message, back=back)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    elif isinstance(error, HTTPException) and error.headers:
        response.headers.update(error.headers)
    return response


# ---------------------------------------------------------------- the tab's icon

FAVICON = (Path(__file__).parent.parent / "static" / "favicon.ico").read_bytes()


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """Browsers ask for it on every first visit; a day's caching keeps them from asking again."""
    return Response(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


router = Router(
    path="/",
    route_handlers=[
        home,
        favicon,
        events_page,
        event_page,
        privacy_page,
        signup_page,
        signup,
        login_page,
        login,
        logout,
        password_page,
        change_password,
        register,
        tickets_page,
        ticket_page,
        cancel,
        subscribe,
        apply,
        gate_scanner,
        booth_scanner,
        scanner_service_worker,
        scanner_manifest,
        dashboard,
        dashboard_report,
        dashboard_export,
        dashboard_live,
    ],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
