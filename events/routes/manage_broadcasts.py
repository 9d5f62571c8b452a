"""The organiser console's broadcast page: write to a stop's people, see the count and a preview first, then send."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from events import broadcasts, schedule
from events.errors import DomainError, Invalid
from events.routes.common import limiter_of
from events.routes.manage import console, console_router, refusal, text
from events.routes.pages import _now, _page_id, page_actor

Ref = Annotated[str, PathParameter(max_length=64)]
AUDIENCES = ("registered", "checked_in", "not_arrived")
CHANNELS = ("sms", "email")


@get("/manage/stops/{stop:str}/broadcast")
async def broadcast_page(request: Request, stop: Ref) -> Template:
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    sent = request.query_params.get("sent", "")
    return console(request, "manage/broadcast.html", actor, "/manage/events", stop=found, form={"audience": "registered", "channels": ["sms"]},
                   errors={}, result=None, sent=int(sent) if sent.isdigit() else None, audiences=AUDIENCES, channels=CHANNELS)


@post("/manage/stops/{stop:str}/broadcast")
async def send_broadcast(request: Request, stop: Ref) -> Response:
    """`preview` counts and shows the message (a dry run); `send` sends it and comes back with the count."""
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    data = await request.form()
    form = {
        "audience": text(data, "audience", 20),
        "subject": text(data, "subject", 120),
        "body": str(data.get("body", "")).strip()[:2000],
        "channels": [channel for channel in data.getall("channels", []) if channel in CHANNELS],
    }
    dry_run = data.get("action") != "send"
    try:
        if form["audience"] not in AUDIENCES or not form["subject"] or not form["body"]:
            raise Invalid("form_incomplete", "Fill in every field.")
        result = await broadcasts.send_broadcast(
            actor=actor, now=_now(), stop_id=found.id, audience=form["audience"], subject=form["subject"], body=form["body"],
            channels=form["channels"], dry_run=dry_run, limiter=limiter_of(request),
        )
    except DomainError as error:
        errors, message = refusal(request, error)
        return console(request, "manage/broadcast.html", actor, "/manage/events", status_code=error.status,
                       stop=found, form=form, errors=errors, error=message, result=None, sent=None, audiences=AUDIENCES, channels=CHANNELS)
    if dry_run:
        return console(request, "manage/broadcast.html", actor, "/manage/events", stop=found, form=form, errors={}, result=result, sent=None,
                       audiences=AUDIENCES, channels=CHANNELS)
    return Redirect(f"/manage/stops/{found.id}/broadcast?sent={result.count}")


router = console_router([broadcast_page, send_broadcast])
