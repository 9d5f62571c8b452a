"""Pages for forgotten passwords, one's notification consent and unsubscribing, in zh-CN first and English second.

The same domain functions as POST /api/auth/password-reset(/confirm); refusals are shown in the
reader's language by their code. The unsubscribe link is its own credential: its POST needs no CSRF
token (mail clients' one-click unsubscribe, RFC 8058, posts without one), and changes nothing but the
notifications consent of the account it names.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from events import consents, i18n, password_reset
from events.errors import DomainError
from events.routes.common import client_address, limiter_of, now
from events.routes.pages import _before_page, _sign_in_first, language, page_actor, page_error, page_headers, render

Token = Annotated[str, QueryParameter(max_length=200)]


def _text(form: dict, name: str, length: int) -> str:
    return str(form.get(name, ""))[:length].strip()


@get("/password-reset", include_in_schema=False)
async def password_reset_page(request: Request) -> Template:
    return render(request, "password_reset.html", await page_actor(request), login=request.query_params.get("login", "")[:254], sent=False)


@post("/password-reset", include_in_schema=False)
async def request_password_reset(request: Request) -> Template:
    form = dict(await request.form())
    login = _text(form, "login", 254)
    actor = await page_actor(request)
    try:
        await password_reset.request_reset(login=login, address=client_address(request), now=now(), limiter=limiter_of(request))
    except DomainError as error:
        message = i18n.error_message(error.code, language(request), error.status)
        return render(request, "password_reset.html", actor, status_code=error.status, login=login, sent=False, error=message)
    return render(request, "password_reset.html", actor, login=login, sent=True)


@get("/password-reset/confirm", include_in_schema=False)
async def confirm_page(request: Request, token: Annotated[str | None, QueryParameter(max_length=200)] = None) -> Template:
    login = request.query_params.get("login", "")[:254]
    return render(request, "password_reset_confirm.html", await page_actor(request), token=token or "", login=login, done=False)


@post("/password-reset/confirm", include_in_schema=False)
async def confirm_password_reset(request: Request) -> Template:
    form = dict(await request.form())
    token, login = _text(form, "token", 200) or None, _text(form, "login", 254)
    code = None if token else _text(form, "code", 6)
    actor = await page_actor(request)
    try:
        await password_reset.confirm_reset(
            login=login, token=token, code=code, new_password=str(form.get("new_password", ""))[:200],
            address=client_address(request), now=now(), limiter=limiter_of(request),
        )
    except DomainError as error:
        message = i18n.error_message(error.code, language(request), error.status)
        return render(request, "password_reset_confirm.html", actor, status_code=error.status, token=token or "", login=login, done=False, error=message)
    return render(request, "password_reset_confirm.html", actor, token="", login=login, done=True)


@get("/me/notifications", include_in_schema=False)
async def notifications_page(request: Request) -> Response:
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return _sign_in_first(request)
    preferences = await consents.preferences(actor=actor)
    return render(request, "notifications.html", actor, preferences=preferences, done=request.query_params.get("done") == "1")


@post("/me/notifications", include_in_schema=False)
async def set_notifications(request: Request) -> Response:
    """The same consent as PUT /api/me/notifications: a ticked box opts in, an unticked one opts out."""
    actor = await page_actor(request)
    if actor.role == "anonymous":
        return _sign_in_first(request)
    form = dict(await request.form())
    await consents.set_preferences(actor=actor, opt_in=form.get("opt_in") == "1", now=now())
    return Redirect("/me/notifications?done=1")


@get("/unsubscribe", include_in_schema=False)
async def unsubscribe_page(request: Request, token: Token) -> Template:
    consents.account_of_token(token)  # a mangled link is refused before anyone clicks
    return render(request, "unsubscribe.html", await page_actor(request), token=token, done="")


@post("/unsubscribe", include_in_schema=False)
async def unsubscribe(request: Request) -> Response:
    form = dict(await request.form())
    token = _text(form, "token", 200) or request.query_params.get("token", "")[:200]
    await consents.unsubscribe(token=token, now=now())
    return render(request, "unsubscribe.html", await page_actor(request), token=token, done="unsubscribed")


@post("/unsubscribe/undo", include_in_schema=False)
async def resubscribe(request: Request) -> Response:
    form = dict(await request.form())
    token = _text(form, "token", 200)
    await consents.resubscribe(token=token, now=now())
    return render(request, "unsubscribe.html", await page_actor(request), token=token, done="resubscribed")


router = Router(
    path="/",
    route_handlers=[
        password_reset_page, request_password_reset, confirm_page, confirm_password_reset, notifications_page, set_notifications,
        unsubscribe_page, unsubscribe, resubscribe,
    ],
    exception_handlers={DomainError: page_error, HTTPException: page_error},
    before_request=_before_page,
    after_request=page_headers,
    include_in_schema=False,
)
