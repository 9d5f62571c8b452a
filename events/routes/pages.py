"""Server-rendered pages for students on phones: browse, sign up, register, show the ticket, cancel.

Pages sign people in with an HttpOnly session cookie holding the same token the API takes as a
bearer; the API itself never reads the cookie, so only the pages need CSRF protection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.response import Redirect, ServerSentEvent, Template
from markupsafe import Markup

from events import accounts, attendance, calendar, i18n, interests, jobs, registrations, schedule, seekers, tickets
from events.accounts import ANONYMOUS, Actor
from events.errors import DomainError, Forbidden, Invalid, NotFound, Unauthorized
from events.routes.attendance import live_stream
from events.routes.common import Id, Slug, client_address, limiter_of, security_headers
from events.settings import settings
from events.tables import Booth, Job, Stop

SESSION_COOKIE = "session"
LANG_COOKIE = "lang"


# ---------------------------------------------------------------- who and in what language


async def page_actor(request: Request) -> Actor:
    """The signed-in person from the session cookie; a stale or forged cookie just means nobody."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    try:
        return await accounts.actor_from_token(token)
    except Unauthorized:
        return ANONYMOUS


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


def render(request: Request, name: str, actor: Actor, status_code: int = 200, **context: Any) -> Template:
    lang = language(request)

    def t(key: str, **values: object) -> str:
        return i18n.translate(key, lang, **values)

    def when(stop: Any) -> str:
        return i18n.when(stop.starts_at, stop.ends_at, lang)

    def span(event: Any) -> str:
        return i18n.when(event.starts_at, event.ends_at, lang)

    return Template(
        template_name=name,
        context={"t": t, "when": when, "span": span, "lang": lang, "actor": actor, "error": None, **context},
        status_code=status_code,
        cookies=_cookies(request, lang),
    )


def _safe_next(target: str | None, default: str = "/events") -> str:
    """Only same-site paths: a `next` that leaves the site would make the sign-in page an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _sign_in_first(request: Request) -> Redirect:
    return Redirect(f"/login?next={quote(request.url.path)}")


def _now() -> datetime:
    return datetime.now(UTC)


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


@get("/events/{slug:str}", include_in_schema=False)
async def event_page(request: Request, slug: Slug) -> Template:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=ANONYMOUS, slug=slug)
    found = await jobs.search_jobs(actor=ANONYMOUS, slug=slug, limit=20, offset=0)
    registered, applied = {}, set()
    if actor.role == "seeker":
        registered = {r.stop.id: r for r in await registrations.my_registrations(actor=actor) if r.status != "cancelled"}
        applied = await interests.applied_jobs(actor.id)
    now = _now()
    window = {stop.id: _window_state(stop, now) for stop in event.stops}
    webcal = "webcal://" + settings.public_url.split("://", 1)[1]
    return render(request, "event.html", actor, event=event, jobs=found, registered=registered, window=window, webcal=webcal, applied=applied)


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
        form.pop("password", None)
        return render(
            request,
            "signup.html",
            ANONYMOUS,
            status_code=error.status,
            form=form,
            next=_safe_next(form.get("next")),
            privacy_version=seekers.PRIVACY_NOTICE_VERSION,
            default_year=_now().year + 1,
            error=i18n.error_message(error.code, lang, error.detail),
        )
    token = signed.token
    max_age = int((token.expires_at - _now()).total_seconds())
    return Redirect(_safe_next(form.get("next")), cookies=[session_cookie(token.access_token, max_age)])


@get("/login", include_in_schema=False)
async def login_page(request: Request) -> Template:
    return render(request, "login.html", await page_actor(request), form={}, next=_safe_next(request.query_params.get("next")))


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
            next=_safe_next(form.get("next")),
            error=i18n.error_message(error.code, language(request), error.detail),
        )
    max_age = int((token.expires_at - _now()).total_seconds())
    return Redirect(_safe_next(form.get("next")), cookies=[session_cookie(token.access_token, max_age)])


@post("/logout", include_in_schema=False)
async def logout() -> Response:
    return Redirect("/events", cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True, samesite="lax")])


# ---------------------------------------------------------------- registering and tickets


@post("/stops/{stop_id:uuid}/register", include_in_schema=False)
async def register(request: Request, stop_id: Id) -> Response:
    actor = await page_actor(request)
    if actor.role == "anonymous":
        stop = await Stop.select(Stop.event.slug).where(Stop.id == stop_id).first()
        back = f"/events/{stop['event.slug']}" if stop else "/events"
        return Redirect(f"/signup?next={quote(back)}")
    await limiter_of(request).hit("registration_account", str(actor.id))
    await limiter_of(request).hit("registration_address", client_address(request))
    registration = await registrations.register(actor=actor, now=_now(), stop_id=stop_id)
    return Redirect(f"/me/tickets/{registration.id}")


@get("/me/tickets", include_in_schema=False)
async def tickets_page(request: Request) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    return render(request, "tickets.html", actor, registrations=await registrations.my_registrations(actor=actor))


@get("/me/tickets/{registration_id:uuid}", include_in_schema=False)
async def ticket_page(request: Request, registration_id: Id) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    registration = await registrations.get_registration(actor=actor, registration_id=registration_id)
    qr = Markup(tickets.qr_svg(registration.ticket.code)) if registration.ticket else None  # noqa: S704 - segno's own SVG
    return render(request, "ticket.html", actor, registration=registration, qr=qr)


@post("/me/tickets/{registration_id:uuid}/cancel", include_in_schema=False)
async def cancel(request: Request, registration_id: Id) -> Response:
    actor = await page_actor(request)
    if actor.role != "seeker":
        return _sign_in_first(request)
    await registrations.cancel(actor=actor, now=_now(), registration_id=registration_id)
    return Redirect("/me/tickets")


@post("/jobs/{job_id:uuid}/apply", include_in_schema=False)
async def apply(request: Request, job_id: Id) -> Response:
    """扫码投递 from the event page: the seeker's consent to share their profile with the job's employer."""
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
    token = accounts.issue_token(account_id=actor.id, role=actor.role, now=_now()).access_token if actor.id else None
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
    stop = await Stop.select(Stop.id, Stop.name, Stop.event.title).where(Stop.id == stop_id).first()
    if stop is None:
        raise NotFound("stop_not_found", "No such stop.")
    scanning_actor = actor if actor.is_organiser else ANONYMOUS
    config = _scanner_config(request, scanning_actor, kind="check_in", target_id=stop_id, stop_id=stop_id)
    return render(request, "scanner.html", actor, place=f"{stop['event.title']} · {stop['name']}", config=config, jobs=[])


@get("/scan/booths/{booth_id:uuid}", include_in_schema=False)
async def booth_scanner(request: Request, booth_id: Id) -> Response:
    """A stall: for the employer's HR staff (and organisers), signed in on their phone."""
    actor = await page_actor(request)
    if actor.role not in ("hr", "organiser"):
        return _sign_in_first(request)
    booth = await Booth.select(Booth.id, Booth.label, Booth.stop, Booth.employer, Booth.employer.name, Booth.stop.name, Booth.stop.event).where(
        Booth.id == booth_id
    ).first()
    if booth is None:
        raise NotFound("booth_not_found", "No such booth.")
    if not (actor.is_organiser or actor.works_for(booth["employer"])):
        raise Forbidden("not_your_booth", "HR staff scan only at their own employer's booths.")
    config = _scanner_config(request, actor, kind="visit", target_id=booth_id, stop_id=booth["stop"])
    offered = await Job.select(Job.id, Job.title).where(
        (Job.employer == booth["employer"]) & (Job.event == booth["stop.event"]) & (Job.status == Job.Status.open) & Job.deleted_at.is_null()
    ).order_by(Job.title)
    return render(request, "scanner.html", actor, place=f"{booth['stop.name']} · {booth['label']} {booth['employer.name']}", config=config, jobs=offered)


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


def page_error(request: Request, error: Exception) -> Response:
    """A refusal on a page is a page in the reader's language, with the same status the API would give."""
    lang = language(request)
    if isinstance(error, DomainError):
        status, message = error.status, i18n.error_message(error.code, lang, error.detail)
    elif isinstance(error, HTTPException):
        status, message = error.status_code, error.detail
    else:
        raise error
    referer = urlsplit(request.headers.get("referer", ""))
    back = _safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return render(request, "error.html", ANONYMOUS, status_code=status, message=message, back=back)


router = Router(
    path="/",
    route_handlers=[
        home,
        events_page,
        event_page,
        privacy_page,
        signup_page,
        signup,
        login_page,
        login,
        logout,
        register,
        tickets_page,
        ticket_page,
        cancel,
        subscribe,
        apply,
        gate_scanner,
        booth_scanner,
        dashboard,
        dashboard_report,
        dashboard_export,
        dashboard_live,
    ],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    after_request=page_headers,
    include_in_schema=False,
)
