"""The organiser console (/manage): overview, events and their stops, booths and the floor plan.

Thin pages over the same domain functions as the API. Every form posts with a CSRF token,
shows a refusal next to the field it concerns in the reader's language, and redirects
after success (the address then carries `done=` for the one-line confirmation).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from markupsafe import Markup

from events import booths, employers, funnel, i18n, overview, schedule
from events.accounts import Actor
from events.errors import DomainError
from events.routes.common import Slug
from events.routes.pages import _before_page, _now, _page_id, language, organiser_or_sign_in, page_actor, page_error, page_headers, render
from events.settings import settings

KINDS = ("talent_train", "night_market", "job_fair")

#: Which form field a domain refusal is about, so the page can say it next to that field.
FIELD_OF = {
    "slug_taken": "title",
    "invalid_timezone": "timezone",
    "registration_window_inverted": "registration_closes_at",
    "stop_ends_before_start": "ends_at",
    "stop_too_long": "ends_at",
    "stop_time_out_of_range": "starts_at",
    "stop_in_past": "starts_at",
    "school_required": "school",
    "address_required": "address",
    "invalid_booth_label": "label",
    "booth_label_taken": "label",
    "employer_already_has_booth": "employer_id",
    "employer_not_found": "employer_id",
    "invalid_place_range": "last",
    "too_many_places": "last",
    "duplicate_in_past": "shift_weeks",
    "access_already_expired": "label",
}


class FormProblem(Exception):
    """A form field that cannot even be read (a date that is not a date); reported like a domain refusal."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field, self.code = field, code


# ---------------------------------------------------------------- who may enter


async def before_console(request: Request) -> Response | None:
    """Organisers only: nobody signed in goes to sign in first; HR staff and seekers get the 403 page."""
    await _before_page(request)
    actor = await organiser_or_sign_in(request)
    return actor if isinstance(actor, Response) else None


def console(request: Request, name: str, actor: Actor, section: str, status_code: int = 200, **context: Any) -> Template:
    done = request.query_params.get("done")
    return render(request, name, actor, status_code=status_code, section=section, done=done if done in DONE else None, **context)


#: The confirmations a redirect may ask the next page to show (`?done=`): only these keys, never text from the address.
DONE = frozenset({"created", "saved", "published", "cancelled", "places", "assigned", "moved", "duplicated", "promoted", "revoked"})


def refusal(request: Request, error: DomainError | FormProblem) -> tuple[dict[str, str], str | None]:
    """(field errors, page error): a refusal goes next to its field when it has one, else at the top of the form."""
    status = getattr(error, "status", 422)
    message = i18n.error_message(error.code, language(request), status)
    field = error.field if isinstance(error, FormProblem) else FIELD_OF.get(error.code)
    return ({field: message}, None) if field else ({}, message)


# ---------------------------------------------------------------- reading forms


def text(form: dict[str, Any], name: str, limit: int) -> str:
    return str(form.get(name, "")).strip()[:limit]


def moment(form: dict[str, Any], name: str, zone: str, *, required: bool) -> datetime | None:
    """A `datetime-local` field, read as wall-clock time in the stop's (or event's) zone."""
    value = text(form, name, 40)
    if not value:
        if required:
            raise FormProblem(name, "field_required")
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise FormProblem(name, "invalid_datetime") from None


def number(form: dict[str, Any], name: str, *, low: int, high: int) -> int:
    try:
        value = int(text(form, name, 12))
    except ValueError:
        raise FormProblem(name, "invalid_number") from None
    if not low <= value <= high:
        raise FormProblem(name, "number_out_of_range")
    return value


def local(value: datetime | None) -> str:
    """The value a `datetime-local` input shows: the wall-clock time in the value's own zone."""
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def zone_of(form: dict[str, Any], default: str) -> str:
    zone = text(form, "timezone", 64) or default
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):
        raise FormProblem("timezone", "invalid_timezone") from None
    return zone


# ---------------------------------------------------------------- overview and events


@get("/manage")
async def home(request: Request) -> Template:
    actor = await page_actor(request)
    events = await overview.upcoming_events(actor=actor, now=_now())
    hiring = await funnel.events_funnel_counts(actor=actor, slugs=[event.slug for event in events])
    return console(request, "manage/home.html", actor, "/manage", events=events, hiring=hiring, progress=[stage.value for stage in funnel.PROGRESS])


@get("/manage/events")
async def events_list(request: Request) -> Template:
    actor = await page_actor(request)
    status = request.query_params.get("status")
    status = status if status in ("draft", "published", "cancelled") else None
    page = max(0, min(200, int(request.query_params.get("page", "0")) if request.query_params.get("page", "0").isdigit() else 0))
    found = await schedule.list_events(actor=actor, status=status, limit=50, offset=page * 50)
    return console(request, "manage/events.html", actor, "/manage/events", found=found, status=status, page=page)


def _event_form(event: Any = None, form: dict[str, Any] | None = None) -> dict[str, str]:
    if form is not None:
        return {key: str(value) for key, value in form.items()}
    if event is None:
        return {"kind": "talent_train", "timezone": settings.default_timezone}
    return {
        "kind": event.kind, "title": event.title, "description": event.description, "host": event.host, "city": event.city, "timezone": event.timezone,
        "registration_opens_at": local(event.registration_opens_at), "registration_closes_at": local(event.registration_closes_at),
    }


def _event_fields(form: dict[str, Any], default_zone: str) -> dict[str, Any]:
    zone = zone_of(form, default_zone)
    title = text(form, "title", 200)
    if not title:
        raise FormProblem("title", "field_required")
    return {
        "title": title,
        "description": str(form.get("description", ""))[:10_000],
        "host": text(form, "host", 200),
        "city": text(form, "city", 100),
        "timezone": zone,
        "registration_opens_at": moment(form, "registration_opens_at", zone, required=False),
        "registration_closes_at": moment(form, "registration_closes_at", zone, required=False),
    }


@get("/manage/events/new")
async def new_event(request: Request) -> Template:
    actor = await page_actor(request)
    form = _event_form()
    if request.query_params.get("kind") in KINDS:
        form["kind"] = request.query_params["kind"]
    return console(request, "manage/event_form.html", actor, "/manage/events", form=form, errors={}, event=None, kinds=KINDS)


@post("/manage/events")
async def create_event(request: Request) -> Response:
    actor = await page_actor(request)
    form = dict(await request.form())
    kind = form.get("kind") if form.get("kind") in KINDS else "talent_train"
    try:
        created = await schedule.create_event(actor=actor, now=_now(), kind=kind, **_event_fields(form, settings.default_timezone))
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        return console(request, "manage/event_form.html", actor, "/manage/events", status_code=getattr(error, "status", 422),
                       form=_event_form(form=form), errors=errors, error=message, event=None, kinds=KINDS)
    return Redirect(f"/manage/events/{created.slug}?done=created")


@get("/manage/events/{slug:str}")
async def event_page(request: Request, slug: Slug) -> Template:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    base = settings.public_url
    feeds = {
        "public": f"{base}/calendar/events.ics",
        "event": f"{base}/calendar/events/{slug}.ics",
    }
    webcal = {name: "webcal://" + url.split("://", 1)[1] for name, url in feeds.items()}
    hiring = await funnel.event_funnel(actor=actor, now=_now(), slug=slug) if event.status != "draft" else None
    return console(request, "manage/event.html", actor, "/manage/events", event=event, feeds=feeds, webcal=webcal, hiring=hiring, progress=[stage.value for stage in funnel.PROGRESS])


@get("/manage/events/{slug:str}/edit")
async def edit_event_page(request: Request, slug: Slug) -> Template:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    return console(request, "manage/event_form.html", actor, "/manage/events", form=_event_form(event), errors={}, event=event, kinds=KINDS)


@post("/manage/events/{slug:str}/edit")
async def edit_event(request: Request, slug: Slug) -> Response:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    form = dict(await request.form())
    try:
        fields = _event_fields(form, event.timezone)
        # Only what changed: an unchanged window is not re-checked against a clock that moved on.
        changes = {name: value for name, value in fields.items() if value != getattr(event, name)}
        await schedule.update_event(actor=actor, now=_now(), slug=slug, changes=changes)
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        return console(request, "manage/event_form.html", actor, "/manage/events", status_code=getattr(error, "status", 422),
                       form=_event_form(form=form), errors=errors, error=message, event=event, kinds=KINDS)
    return Redirect(f"/manage/events/{slug}?done=saved")


@post("/manage/events/{slug:str}/publish")
async def publish_event(request: Request, slug: Slug) -> Response:
    await schedule.publish_event(actor=await page_actor(request), now=_now(), slug=slug)
    return Redirect(f"/manage/events/{slug}?done=published")


@get("/manage/events/{slug:str}/cancel")
async def cancel_event_page(request: Request, slug: Slug) -> Template:
    """Says how many people hold a place before anything is cancelled."""
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    affected = await overview.people_affected(actor=actor, slug=slug)
    return console(request, "manage/cancel.html", actor, "/manage/events", title=event.title, affected=affected, action=f"/manage/events/{slug}/cancel", back=f"/manage/events/{slug}")


@post("/manage/events/{slug:str}/cancel")
async def cancel_event(request: Request, slug: Slug) -> Response:
    await schedule.cancel_event(actor=await page_actor(request), now=_now(), slug=slug)
    return Redirect(f"/manage/events/{slug}?done=cancelled")


@get("/manage/events/{slug:str}/duplicate")
async def duplicate_page(request: Request, slug: Slug) -> Template:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    return console(request, "manage/duplicate.html", actor, "/manage/events", event=event, form={"title": event.title, "shift_weeks": "26"}, errors={})


@post("/manage/events/{slug:str}/duplicate")
async def duplicate_event(request: Request, slug: Slug) -> Response:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    form = dict(await request.form())
    try:
        weeks = number(form, "shift_weeks", low=1, high=140)
        copy = await schedule.duplicate_event(actor=actor, now=_now(), slug=slug, title=text(form, "title", 200), shift_days=weeks * 7)
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        return console(request, "manage/duplicate.html", actor, "/manage/events", status_code=getattr(error, "status", 422),
                       event=event, form={key: str(value) for key, value in form.items()}, errors=errors, error=message)
    return Redirect(f"/manage/events/{copy.slug}?done=duplicated")


# ---------------------------------------------------------------- stops

STOP_FIELDS = (
    "name", "school", "campus", "address", "city", "starts_at", "ends_at", "capacity", "registration_opens_at", "registration_closes_at", "booth_limit",
)


def _stop_form(stop: Any = None, form: dict[str, Any] | None = None) -> dict[str, str]:
    if form is not None:
        return {key: str(value) for key, value in form.items()}
    if stop is None:
        return {"capacity": "300"}
    return {
        name: local(getattr(stop, name)) if name.endswith("_at") else "" if getattr(stop, name) is None else str(getattr(stop, name))
        for name in STOP_FIELDS
    }


def _stop_fields(form: dict[str, Any], zone: str) -> dict[str, Any]:
    return {
        "name": text(form, "name", 200),
        "school": text(form, "school", 200),
        "campus": text(form, "campus", 200),
        "address": text(form, "address", 300),
        "city": text(form, "city", 100),
        "starts_at": moment(form, "starts_at", zone, required=True),
        "ends_at": moment(form, "ends_at", zone, required=True),
        "capacity": number(form, "capacity", low=0, high=1_000_000),
        "registration_opens_at": moment(form, "registration_opens_at", zone, required=False),
        "registration_closes_at": moment(form, "registration_closes_at", zone, required=False),
        # Empty: no limit of its own (the laid-out places, if any, are the limit; see events.booths).
        "booth_limit": number(form, "booth_limit", low=0, high=10_000) if text(form, "booth_limit", 12) else None,
    }


@get("/manage/events/{slug:str}/stops/new")
async def new_stop(request: Request, slug: Slug) -> Template:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    return console(request, "manage/stop_form.html", actor, "/manage/events", event=event, stop=None, form=_stop_form(), errors={})


@post("/manage/events/{slug:str}/stops")
async def add_stop(request: Request, slug: Slug) -> Response:
    actor = await page_actor(request)
    event = await schedule.get_event(actor=actor, slug=slug)
    form = dict(await request.form())
    try:
        fields = _stop_fields(form, event.timezone)
        fields["city"] = fields["city"] or None
        await schedule.add_stop(actor=actor, now=_now(), slug=slug, **fields)
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        return console(request, "manage/stop_form.html", actor, "/manage/events", status_code=getattr(error, "status", 422),
                       event=event, stop=None, form=_stop_form(form=form), errors=errors, error=message)
    # "Save and add another" keeps the organiser on the form: a talent train has several campuses.
    if form.get("again") == "1":
        return Redirect(f"/manage/events/{slug}/stops/new?done=created")
    return Redirect(f"/manage/events/{slug}?done=created")


@get("/manage/stops/{stop:str}")
async def stop_page(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Template:
    actor = await page_actor(request)
    return await _stop_page(request, actor, _page_id(stop))


async def _stop_page(request: Request, actor: Actor, stop_id: uuid.UUID, status_code: int = 200, **context: Any) -> Template:
    found = await schedule.get_stop(actor=actor, stop_id=stop_id)
    event = await schedule.get_event(actor=actor, slug=found.event_slug)
    plan = await booths.floor_plan(actor=actor, stop_id=stop_id)
    companies = await employers.list_employers(actor=actor, q=None, limit=100, offset=0)
    free = [place.label for place in plan.places if place.booth_id is None]
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return console(request, "manage/stop.html", actor, "/manage/events", status_code=status_code, stop=found, event=event, plan=plan,
                   employers=companies.items, free=free, **context)


@get("/manage/stops/{stop:str}/edit")
async def edit_stop_page(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Template:
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    event = await schedule.get_event(actor=actor, slug=found.event_slug)
    return console(request, "manage/stop_form.html", actor, "/manage/events", event=event, stop=found, form=_stop_form(found), errors={})


@post("/manage/stops/{stop:str}/edit")
async def edit_stop(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Response:
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    event = await schedule.get_event(actor=actor, slug=found.event_slug)
    form = dict(await request.form())
    try:
        fields = _stop_fields(form, found.timezone)
        changes = {name: value for name, value in fields.items() if value != getattr(found, name)}
        await schedule.update_stop(actor=actor, now=_now(), stop_id=found.id, changes=changes)
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        return console(request, "manage/stop_form.html", actor, "/manage/events", status_code=getattr(error, "status", 422),
                       event=event, stop=found, form=_stop_form(form=form), errors=errors, error=message)
    return Redirect(f"/manage/stops/{found.id}?done=saved")


@get("/manage/stops/{stop:str}/cancel")
async def cancel_stop_page(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Template:
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    affected = await overview.people_affected(actor=actor, stop_id=found.id)
    return console(request, "manage/cancel.html", actor, "/manage/events", title=found.name, affected=affected, action=f"/manage/stops/{found.id}/cancel", back=f"/manage/stops/{found.id}")


@post("/manage/stops/{stop:str}/cancel")
async def cancel_stop(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Response:
    found = await schedule.cancel_stop(actor=await page_actor(request), now=_now(), stop_id=_page_id(stop))
    return Redirect(f"/manage/stops/{found.id}?done=cancelled")


# ---------------------------------------------------------------- booths and the floor plan


@post("/manage/stops/{stop:str}/places")
async def lay_out_places(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Response:
    actor = await page_actor(request)
    stop_id = _page_id(stop)
    form = dict(await request.form())
    try:
        first = number(form, "first", low=0, high=99_999)
        last = number(form, "last", low=0, high=99_999)
        await booths.lay_out_places(actor=actor, now=_now(), stop_id=stop_id, prefix=text(form, "prefix", 8), first=first, last=last)
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        # The bulk form's label field is its prefix.
        errors = {("prefix" if field == "label" else field): value for field, value in errors.items()}
        if isinstance(error, DomainError) and error.code == "booth_label_taken":
            errors["prefix"] = i18n.translate("console.labels_taken", language(request), labels="、".join(error.extra.get("labels", [])))
        return await _stop_page(request, actor, stop_id, status_code=getattr(error, "status", 422), errors=errors, error=message,
                                form={f"bulk_{key}": str(value) for key, value in form.items()})
    return Redirect(f"/manage/stops/{stop_id}?done=places")


@post("/manage/stops/{stop:str}/booths")
async def assign_booth(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Response:
    actor = await page_actor(request)
    stop_id = _page_id(stop)
    form = dict(await request.form())
    try:
        try:
            employer_id = uuid.UUID(text(form, "employer_id", 64))
        except ValueError:
            raise FormProblem("employer_id", "field_required") from None
        await booths.assign_booth(actor=actor, now=_now(), stop_id=stop_id, employer_id=employer_id, label=text(form, "label", 16))
    except (DomainError, FormProblem) as error:
        errors, message = refusal(request, error)
        return await _stop_page(request, actor, stop_id, status_code=getattr(error, "status", 422), errors=errors, error=message,
                                form={f"assign_{key}": str(value) for key, value in form.items()})
    return Redirect(f"/manage/stops/{stop_id}?done=assigned")


@post("/manage/booths/{booth:str}/move")
async def move_booth(request: Request, booth: Annotated[str, PathParameter(max_length=64)]) -> Response:
    actor = await page_actor(request)
    found = await booths.get_booth(actor=actor, booth_id=_page_id(booth))
    form = dict(await request.form())
    try:
        await booths.move_booth(actor=actor, now=_now(), booth_id=found.id, label=text(form, "label", 16))
    except DomainError as error:
        errors, message = refusal(request, error)
        return await _stop_page(request, actor, found.stop_id, status_code=error.status, errors={f"move_{found.id}": next(iter(errors.values()), "")},
                                error=message, form={f"move_{found.id}": text(form, "label", 16)})
    return Redirect(f"/manage/stops/{found.stop_id}?done=moved")


@get("/manage/stops/{stop:str}/stalls")
async def stall_sheet(request: Request, stop: Annotated[str, PathParameter(max_length=64)]) -> Template:
    """The printable stall list: every place, who holds it, a line to sign."""
    actor = await page_actor(request)
    found = await schedule.get_stop(actor=actor, stop_id=_page_id(stop))
    event = await schedule.get_event(actor=actor, slug=found.event_slug)
    plan = await booths.floor_plan(actor=actor, stop_id=found.id)
    return console(request, "manage/stalls_print.html", actor, "/manage/events", stop=found, event=event, plan=plan)


def qr(link: str) -> Markup:
    from events import tickets

    return Markup(tickets.qr_svg(link, scale=4))  # noqa: S704 - segno's own SVG of our own link


def _query(**values: Any) -> str:
    return urlencode({key: value for key, value in values.items() if value not in (None, "")})


HANDLERS = [
    home, events_list, new_event, create_event, event_page, edit_event_page, edit_event, publish_event, cancel_event_page, cancel_event,
    duplicate_page, duplicate_event, new_stop, add_stop, stop_page, edit_stop_page, edit_stop, cancel_stop_page, cancel_stop,
    lay_out_places, assign_booth, move_booth, stall_sheet,
]


def console_router(handlers: list[Any]) -> Router:
    """A router of console pages: organisers only, refusals as pages, the pages' security headers."""
    return Router(
        path="/",
        route_handlers=handlers,
        exception_handlers={DomainError: page_error, HTTPException: page_error},
        before_request=before_console,
        after_request=page_headers,
        include_in_schema=False,
    )


router = console_router(HANDLERS)


def console_routers() -> list[Router]:
    """The console's routers, for the app: these pages and the people pages (which import this module's helpers)."""
    from events.routes import manage_people

    return [router, manage_people.router]
