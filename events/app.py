"""The Litestar application: routes, the one translation of errors into problem+json, and the lifespan."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

import asyncpg
import jinja2
from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIFormat, OpenAPIMediaType, Schema, SecurityScheme
from litestar.openapi.spec.enums import OpenAPIType
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusController
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from events import accounts as domain_accounts
from events import db, delivery, live, metrics, signouts  # noqa: F401 - metrics registers its collectors on import
from events.errors import DomainError, RateLimited
from events.middleware import request_stack
from events.ratelimit import Limiter, make_storage
from events.routes import accounts, attendance, booths, calendar, employers, health, jobs, pages, registrations, scanning, schedule, seekers
from events.routes.application_pages import router as application_pages_router
from events.routes.applications import invitations as invitations_router
from events.routes.applications import router as applications_router
from events.routes.common import TEXT_PATTERN, Body, decode_body_strictly, provide_actor
from events.routes.manage import console_routers
from events.routes.messages import router as messages_router
from events.settings import Settings, settings

log = logging.getLogger("events")

PROBLEM_JSON = "application/problem+json"


def _code_for_status(status: int) -> str:
    return re.sub(r"[^a-z0-9]+", "_", HTTPStatus(status).phrase.lower()).strip("_")


def _problem(request: Request, *, status: int, code: str, detail: str, **extra: object) -> Response:
    # With type about:blank, RFC 9457 wants the title to be the status's own phrase.
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
        **extra,
    }
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _database_unavailable(error: Exception) -> bool:
    """The database is down, restarting or unwritable: a 503 the client may retry, not a 500."""
    if isinstance(error, (asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError, asyncpg.InterfaceError)):
        return True
    if isinstance(error, (ConnectionError, TimeoutError)) or (isinstance(error, OSError) and error.errno is not None):
        return True
    message = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and any(
        phrase in message for phrase in ("database is locked", "readonly database", "disk i/o error", "database or disk is full", "unable to open")
    )


def _unique_violation(error: Exception) -> bool:
    if isinstance(error, asyncpg.UniqueViolationError):
        return True
    return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)


def _foreign_key_violation(error: Exception) -> bool:
    if isinstance(error, asyncpg.ForeignKeyViolationError):
        return True
    return isinstance(error, sqlite3.IntegrityError) and "FOREIGN KEY" in str(error)


#: Paths whose clients are programs: they always get problem+json, whatever their Accept says.
_MACHINE_PATHS = ("/api/", "/schema", "/calendar/", "/metrics", "/health", "/static/", "/bench/")


def _wants_a_page(request: Request) -> bool:
    """A browser that followed a link to no page at all gets the page in its language, not the router's JSON."""
    return not request.url.path.startswith(_MACHINE_PATHS) and "text/html" in request.headers.get("accept", "")


def problem_response(request: Request, error: Exception) -> Response:
    """Every error leaves as application/problem+json with a stable `code`; nothing internal leaks."""
    if isinstance(error, RateLimited):
        response = _problem(request, status=error.status, code=error.code, detail=error.detail)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, DomainError):
        return _problem(request, status=error.status, code=error.code, detail=error.detail, **error.extra)
    if isinstance(error, UnicodeDecodeError):
        # Litestar decodes a multipart form's text fields as UTF-8 and raises on bytes that are not (a file sent without a filename).
        return _problem(request, status=400, code="malformed_body", detail="A form field is not UTF-8 text; send files with a filename.")
    if isinstance(error, ValidationException):
        errors = error.extra if isinstance(error.extra, list) else []
        return _problem(request, status=400, code="validation_failed", detail="The request does not match the schema.", errors=errors)
    if isinstance(error, HTTPException):
        if error.status_code in (404, 405) and _wants_a_page(request):
            return pages.page_error(request, error, back="/events")
        code = {401: "authentication_required", 413: "request_too_large"}.get(error.status_code, _code_for_status(error.status_code))
        response = _problem(request, status=error.status_code, code=code, detail=error.detail)
        response.headers.update(error.headers or {})
        return response
    if _database_unavailable(error):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
        response = _problem(request, status=503, code="database_unavailable", detail="The database is not answering; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response
    if _unique_violation(error):
        # The application checks gave way to a race; the database's unique index held.
        return _problem(request, status=409, code="conflict", detail="This clashes with a record that was just written.")
    if _foreign_key_violation(error):
        # A safety net: domain functions refuse these with their own codes (`booth_in_use`), but a race or a missed
        # check must not become a 500. SQLite does not say which key, so the method tells removal from creation.
        log.warning("foreign key violation on %s %s: %s", request.method, request.url.path, error)
        if request.method == "DELETE":
            return _problem(request, status=409, code="in_use", detail="Other records still point at this one, so it stays.")
        return _problem(request, status=409, code="reference_not_found", detail="This refers to a record that does not exist (any more).")
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return _problem(request, status=500, code="internal_error", detail="Something went wrong on our side.")


def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )


class Metrics(PrometheusController):
    """GET /metrics in Prometheus text format; keep it behind the proxy (it names routes, never people)."""

    include_in_schema = False


#: The API browsers' scripts, vendored from npm at these versions (static/vendor/README.md says how to refresh them).
SWAGGER_UI_VERSION, SCALAR_VERSION = "5.18.2", "1.76.4"


def _api_browsers() -> list[Any]:
    """Swagger UI at /schema and Scalar at /schema/scalar, with every asset served by the app itself.

    Litestar's defaults load them from public CDNs, which leaves the pages blank offline, on intranets and often
    in mainland China. No favicon link either: the browser asks this origin's /favicon.ico.
    """
    vendor = "/static/vendor"
    swagger = SwaggerRenderPlugin(
        path="/",
        version=SWAGGER_UI_VERSION,
        js_url=f"{vendor}/swagger-ui/swagger-ui-bundle.js",
        css_url=f"{vendor}/swagger-ui/swagger-ui.css",
        standalone_preset_js_url=f"{vendor}/swagger-ui/swagger-ui-standalone-preset.js",
        favicon="",
    )
    # Scalar's bundle would fetch its fonts from fonts.scalar.com and report to scalar.com unless told not to.
    scalar = ScalarRenderPlugin(
        path="/scalar",
        version=SCALAR_VERSION,
        js_url=f"{vendor}/scalar/standalone.js",
        css_url="/static/schema.css",
        favicon="",
        options={"withDefaultFonts": False, "telemetry": False},
    )
    return [swagger, scalar]


def create_app(config: Settings = settings) -> Litestar:
    limiter = Limiter(
        make_storage(config.redis_url),
        {
            "login_account": config.login_rate_limit_account,
            "login_address": config.login_rate_limit_address,
            "login_failure_address": config.login_failure_rate_limit_address,
            "signup_address": config.signup_rate_limit_address,
            "application_address": config.application_rate_limit_address,
            "registration_account": config.registration_rate_limit_account,
            "scan_account": config.scan_rate_limit_account,
            "registration_address": config.registration_rate_limit_address,
            "scan_address": config.scan_rate_limit_address,
            "password_reset_account": config.password_reset_rate_limit_account,
            "password_reset_address": config.password_reset_rate_limit_address,
            "password_reset_confirm_account": config.password_reset_confirm_rate_limit_account,
            "broadcast_stop": config.broadcast_rate_limit_stop,
        },
    )

    @asynccontextmanager
    async def database(_: Litestar) -> AsyncIterator[None]:
        await db.open_database()
        live.use_redis(config.redis_url)
        await signouts.start(config.redis_url, forget=domain_accounts.forget_account_here)
        try:
            if config.delivery_worker == "inline":
                # The embedded default: one process sends what it records (PostgreSQL deployments run `main.py worker`).
                async with delivery.inline_worker(config):
                    yield
            else:
                yield
        finally:
            _close_report_worker()
            await signouts.close()
            await live.close()
            await db.close_database()

    application = Litestar(
        route_handlers=[
            health.health,
            accounts.router,
            seekers.router,
            messages_router,
            employers.router,
            schedule.router,
            booths.router,
            jobs.router,
            registrations.router,
            scanning.router,
            attendance.router,
            calendar.router,
            *_employer_and_hr_routers(),
            *_hiring_routers(),
            *_hiring_funnel_routers(),
            pages.router,
            *console_routers(),
            applications_router, invitations_router, application_pages_router,
            *_notification_routers(),
            *_webhook_routers(),
            *_report_routers(),
            create_static_files_router(path="/static", directories=[Path(__file__).parent / "static"], include_in_schema=False),
            Metrics,
            *([health.bench_ping] if config.bench else []),
        ],
        # One plain ASGI layer (events/middleware.py): request id, security headers, request metrics by route template
        # (not raw path: ids would explode the series), and the JSON request log line.
        middleware=[request_stack],
        # Our own logging set-up (events.logs) stays in charge; Litestar would otherwise install its own handlers.
        logging_config=None,
        dependencies={"actor": Provide(provide_actor)},
        exception_handlers={Exception: problem_response},
        before_request=decode_body_strictly,
        # Closed unless configured: only the origins listed in CORS_ALLOW_ORIGINS may call the API from a browser.
        cors_config=CORSConfig(
            allow_origins=list(config.cors_allow_origins), allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"], allow_headers=["Authorization", "Content-Type"]
        )
        if config.cors_allow_origins
        else None,
        lifespan=[database],
        request_max_body_size=config.max_request_bytes,
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(_jinja())),
        # Only the cookie-signed pages need CSRF tokens; the API takes bearer tokens and never reads cookies.
        csrf_config=CSRFConfig(
            secret=config.secret_key,
            # An unsubscribe link is its own credential, and mail clients' one-click unsubscribe (RFC 8058) posts without a token.
            exclude=["^/api/", "^/health", "^/schema", "^/calendar/", "^/static/", "^/bench/", "^/unsubscribe"],
            cookie_secure=config.environment == "production",
            cookie_samesite="lax",
        ),
        openapi_config=OpenAPIConfig(
            title="Recruitment events API · 招聘活动接口",
            version="1.0.0",
            description=(
                "Talent trains (人才专列), night markets (人才夜市) and job fairs: events, stops, employers, booths and jobs. "
                "Errors are application/problem+json with a stable `code`."
            ),
            path="/schema",
            render_plugins=_api_browsers(),
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
            ),
            security=[{"bearer": []}, {}],
            use_handler_docstrings=True,
        ),
        debug=False,
        state=State({"limiter": limiter}),
    )
    _close_request_schemas(application)
    _document_downloads(application)
    return application


def _notification_routers() -> list:
    """Password resets, broadcasts and notification consent (issue 13, people's part): API and pages."""
    from events.routes import manage_broadcasts, notification_pages, notifications

    return [notifications.router, notification_pages.router, manage_broadcasts.router]


def _employer_and_hr_routers() -> list:
    """The employer import, the HR workspace (API and pages) and the organiser's employer pages (issue #12): one entry above, so parallel back-office branches merge line by line."""
    from events.routes import hr, manage_employers, workspace

    return [workspace.router, hr.router, manage_employers.router]


def _webhook_routers() -> list:
    """Webhook endpoints and their delivery log (issue 13): one entry above, so the parallel notification branches merge line by line."""
    from events.routes import webhooks

    return [webhooks.router]


def _report_routers() -> list:
    """Issue 15's reports: the API (JSON, PDF, XLSX) and the console's report pages."""
    from events.routes import manage_reports, reports

    return [reports.router, manage_reports.router]


def _close_report_worker() -> None:
    from events import report_worker

    report_worker.close()


def _hiring_routers() -> list:
    """Issue 14's routers: interview slots and bookings (h-slots); the funnel's (h-funnel) are added here too, one line each."""
    from events.routes import hr_slots, slot_pages, slots

    return [slots.router, slot_pages.router, hr_slots.router]


def _hiring_funnel_routers() -> list:
    """Issue 14's funnel part: interest stages, notes on contacts, funnel counts (API and HR pages)."""
    from events.routes import funnel, hr_funnel

    return [funnel.router, hr_funnel.router]


def _document_downloads(application: Litestar) -> None:
    """Handlers that also answer as files (`opt={"downloads": [...]}`) list those media types beside JSON."""
    for route in application.routes:
        for handler in getattr(route, "route_handlers", []):
            media_types = handler.opt.get("downloads")
            if not media_types:
                continue
            item = application.openapi_schema.paths[route.path_format]
            operation = getattr(item, next(iter(handler.http_methods)).lower())
            success = operation.responses[str(handler.status_code)]
            for media_type in media_types:
                success.content[media_type] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))


def _close_request_schemas(application: Litestar) -> None:
    """Say in the OpenAPI document what the decoder does: request bodies refuse unknown fields."""
    bodies = set()
    pending = [Body]
    while pending:
        cls = pending.pop()
        bodies.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    for name, schema in (application.openapi_schema.components.schemas or {}).items():
        if name in bodies:
            schema.additional_properties = False
            for prop in (schema.properties or {}).values():
                _no_control_characters(prop)


def _no_control_characters(schema: Any) -> None:
    """Every text field of a body refuses control characters (`Body.__post_init__`); write that into its schema too."""
    for inner in getattr(schema, "one_of", None) or []:
        _no_control_characters(inner)
    if getattr(schema, "items", None) is not None:
        _no_control_characters(schema.items)
    if getattr(schema, "type", None) == OpenAPIType.STRING and getattr(schema, "format", None) is None and schema.pattern is None:
        schema.pattern = TEXT_PATTERN


app = create_app()
