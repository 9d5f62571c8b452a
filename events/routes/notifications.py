"""Telling people (issue 13, people's part): forgotten passwords, organisers' broadcasts, one's notification consent."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Request, Response, Router, get, post, put
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from events import broadcasts, consents, password_reset
from events.routes.accounts import NewPassword
from events.routes.common import Body, Caller, Id, Text, allow, client_address, limiter_of, now, problems
from events.views import View

Login = Annotated[str, Meta(min_length=3, max_length=254, examples=["lihua@example.com"], description="Email or phone, as at sign-in.")]


class ForgottenPasswordRequest(Body):
    login: Login


class ForgottenPasswordAccepted(View):
    status: Annotated[Literal["accepted"], Meta(description="Always the same, whether or not the login belongs to an account.")]
    detail: Annotated[str, Meta(examples=["If an account has this login, a link or code is on its way; it works for 15 minutes."])]


class ForgottenPasswordConfirm(Body):
    login: Login
    new_password: NewPassword
    token: Annotated[str, Meta(min_length=1, max_length=100, description="The token from the e-mailed link (`?token=`).")] | None = None
    code: Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["482913"], description="The 6-digit SMS code.")] | None = None


ACCEPTED = ForgottenPasswordAccepted(status="accepted", detail="If an account has this login, a link or code is on its way; it works for 15 minutes.")


@post("/auth/password-reset", summary="Ask for a password reset (e-mail link or SMS code)", status_code=202, responses=problems(413, 429))
async def request_password_reset(request: Request, data: JSONBody[ForgottenPasswordRequest]) -> ForgottenPasswordAccepted:
    """Always `202` with the same body, whether or not the login belongs to an account (and after the same time).

    An account with an e-mail address gets a link (`/password-reset/confirm?token=...`), one with only a phone an
    SMS code; either works once, for 15 minutes, and asking again voids the one sent before. `429` when this login
    or this address asked too often.
    """
    await password_reset.request_reset(login=data.login, address=client_address(request), now=now(), limiter=limiter_of(request))
    return ACCEPTED


@post("/auth/password-reset/confirm", summary="Set a new password with a reset link's token or an SMS code", status_code=204,
      responses=problems(413, 422, 429))
async def confirm_password_reset(request: Request, data: JSONBody[ForgottenPasswordConfirm]) -> None:
    """Send `token` or `code`, not both. `400 password_reset_invalid` for a wrong, used or expired one (five wrong codes
    void a reset); `422 weak_password`. Afterwards every sign-in of the account has ended: sign in with the new password."""
    await password_reset.confirm_reset(
        login=data.login, token=data.token, code=data.code, new_password=data.new_password,
        address=client_address(request), now=now(), limiter=limiter_of(request),
    )


class BroadcastRequest(Body):
    audience: Annotated[broadcasts.Audience, Meta(description="registered: confirmed places; checked_in: passed the gate; not_arrived: confirmed, not in yet.")]
    subject: Text(120, "明天入场时间提前到 13:30")
    body: Text(2000, "各位同学：因场馆安排，入场时间提前到 13:30，请提前到达。")
    channels: Annotated[list[broadcasts.Channel], Meta(min_length=1, max_length=2, examples=[["email", "sms"]])]


@post("/stops/{stop_id:uuid}/broadcasts", summary="Broadcast to a stop's people (organiser); ?dry_run=true counts and previews",
      status_code=202, guards=allow("organiser"), responses=problems(403, 404, 413, 422, 429))
async def send_broadcast(
    request: Request,
    stop_id: Id,
    actor: Caller,
    data: JSONBody[BroadcastRequest],
    dry_run: Annotated[bool, QueryParameter(description="Count and preview only: nothing is sent or recorded.")] = False,
) -> Response[broadcasts.BroadcastResult]:
    """`202` with the broadcast's id and count; with `?dry_run=true`, `200` with the count and a preview.

    People who unsubscribed are left out (`opted_out`). Rate-limited per stop (BROADCAST_RATE_LIMIT_STOP, 5 an hour): `429`.
    """
    result = await broadcasts.send_broadcast(
        actor=actor, now=now(), stop_id=stop_id, audience=data.audience, subject=data.subject, body=data.body,
        channels=data.channels, dry_run=dry_run, limiter=limiter_of(request),
    )
    return Response(result, status_code=200 if dry_run else 202)


class NotificationPreferencesRequest(Body):
    opt_in: Annotated[bool, Meta(description="True: agree to digests and news beyond your own stops; false: also stop organisers' broadcasts.")]


@get("/me/notifications", summary="My notification consent", guards=allow("organiser", "hr", "seeker"), responses=problems())
async def notification_preferences(actor: Caller) -> consents.NotificationPreferences:
    """Transactional messages (confirmations, changes, reminders, password resets) are always sent; this switch covers the rest."""
    return await consents.preferences(actor=actor)


@put("/me/notifications", summary="Opt in to or out of non-transactional messages", guards=allow("organiser", "hr", "seeker"),
     responses=problems(413))
async def set_notification_preferences(actor: Caller, data: JSONBody[NotificationPreferencesRequest]) -> consents.NotificationPreferences:
    """Recorded as a consent (`notifications`) with its version and time, like the privacy notice's."""
    return await consents.set_preferences(actor=actor, opt_in=data.opt_in, now=now())


router = Router(
    path="/api",
    route_handlers=[request_password_reset, confirm_password_reset, send_broadcast, notification_preferences, set_notification_preferences],
    tags=["notifications"],
)
