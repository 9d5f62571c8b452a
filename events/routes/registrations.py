"""Registrations, tickets and the organiser's view of a stop's registrations."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Request, Response, Router, delete, get, post
from litestar.params import QueryParameter

from events import registrations, schedule, tickets, views
from events.routes.common import Caller, Id, Offset, allow, client_address, limiter_of, now, problems

#: A CSV export holds every registration of a stop up to this many.
CSV_ROW_LIMIT = 50_000


@post("/stops/{stop_id:uuid}/registrations", summary="Register for a stop (seeker)", guards=allow("seeker"), responses=problems(403, 404, 409, 429))
async def register(request: Request, stop_id: Id, actor: Caller) -> views.Registration:
    """Confirmed while seats last, then waitlisted with a place in line. 409 `already_registered`, `stop_cancelled`,
    `stop_ended`, `registration_not_open`, `registration_closed`."""
    await limiter_of(request).hit("registration_account", str(actor.id))
    await limiter_of(request).hit("registration_address", client_address(request))
    return await registrations.register(actor=actor, now=now(), stop_id=stop_id)


@get("/me/registrations", summary="My registrations and tickets (seeker)", guards=allow("seeker"), responses=problems(403))
async def my_registrations(actor: Caller) -> list[views.Registration]:
    return await registrations.my_registrations(actor=actor)


@get("/registrations/{registration_id:uuid}", summary="One registration (its seeker, or organiser)", guards=allow("seeker", "organiser"), responses=problems(403, 404))
async def get_registration(registration_id: Id, actor: Caller) -> views.Registration:
    return await registrations.get_registration(actor=actor, registration_id=registration_id)


@delete(
    "/registrations/{registration_id:uuid}",
    summary="Cancel a registration (its seeker, or organiser)",
    status_code=200,
    guards=allow("seeker", "organiser"),
    responses=problems(403, 404),
)
async def cancel(registration_id: Id, actor: Caller) -> views.Registration:
    """A freed seat goes at once to the first in the waitlist. Cancelling twice changes nothing."""
    return await registrations.cancel(actor=actor, now=now(), registration_id=registration_id)


@get(
    "/registrations/{registration_id:uuid}/ticket.svg",
    summary="The ticket's QR code as SVG",
    media_type="image/svg+xml",
    guards=allow("seeker", "organiser"),
    responses=problems(403, 404, 409),
)
async def ticket_svg(registration_id: Id, actor: Caller) -> Response[str]:
    code = await registrations.ticket_code(actor=actor, registration_id=registration_id)
    return Response(tickets.qr_svg(code), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})


@get(
    "/registrations/{registration_id:uuid}/ticket.png",
    summary="The ticket's QR code as PNG",
    media_type="image/png",
    guards=allow("seeker", "organiser"),
    responses=problems(403, 404, 409),
)
async def ticket_png(registration_id: Id, actor: Caller) -> Response[bytes]:
    code = await registrations.ticket_code(actor=actor, registration_id=registration_id)
    return Response(tickets.qr_png(code), media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@get("/tickets/public-key", summary="The key offline scanners verify tickets with", responses=problems())
async def ticket_public_key() -> views.TicketKey:
    return views.TicketKey(algorithm="Ed25519", public_key=tickets.public_key_base64(), format="T1.<base64url(registration id 16 B | stop id 16 B | Ed25519 signature 64 B)>")


@get(
    "/stops/{stop_id:uuid}/registrations",
    summary="A stop's registrations (organiser), as JSON or CSV",
    guards=allow("organiser"),
    responses=problems(403, 404), opt={"downloads": ["text/csv"]},
)
async def stop_registrations(
    stop_id: Id,
    actor: Caller,
    status: Annotated[Literal["confirmed", "waitlisted", "cancelled"] | None, QueryParameter()] = None,
    format: Annotated[Literal["json", "csv"], QueryParameter(description="csv: every row (up to 50,000), for Excel.")] = "json",
    unmasked: Annotated[bool, QueryParameter(description="Full phone numbers and emails; the export is written to the audit log.")] = False,
    limit: Annotated[int, QueryParameter(ge=1, le=1000, description="Page size for JSON, at most 1,000.")] = 100,
    offset: Offset = 0,
) -> Response[views.StopRegistrationPage] | Response[str]:
    if format == "csv":
        page = await registrations.stop_registrations(
            actor=actor, now=now(), stop_id=stop_id, status=status, limit=CSV_ROW_LIMIT, offset=0, unmasked=unmasked
        )
        return Response(
            registrations.registrations_csv(page),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="registrations-{stop_id}.csv"'},
        )
    page = await registrations.stop_registrations(
        actor=actor, now=now(), stop_id=stop_id, status=status, limit=limit, offset=offset, unmasked=unmasked
    )
    return Response(page)


@post(
    "/registrations/{registration_id:uuid}/promote",
    summary="Move a waitlisted seeker into a free seat by hand (organiser)",
    status_code=200,
    guards=allow("organiser"),
    responses=problems(403, 404, 409),
)
async def promote(registration_id: Id, actor: Caller) -> views.StopRegistration:
    """Out of turn, never past capacity: 409 `stop_full` when no seat is free, `not_waitlisted` when the seeker is not waiting."""
    return await registrations.promote(actor=actor, now=now(), registration_id=registration_id)


@post("/stops/{stop_id:uuid}/close-registration", summary="Close registration for a stop now (organiser)", status_code=200, guards=allow("organiser"), responses=problems(403, 404))
async def close_registration(stop_id: Id, actor: Caller) -> views.Stop:
    await registrations.close_registration(actor=actor, now=now(), stop_id=stop_id)
    return await schedule.get_stop(actor=actor, stop_id=stop_id)


router = Router(
    path="/api",
    route_handlers=[register, my_registrations, get_registration, cancel, ticket_svg, ticket_png, ticket_public_key, stop_registrations, close_registration, promote],
    tags=["registrations and tickets"],
)
