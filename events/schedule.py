"""Events and their stops: creating, changing, publishing and cancelling them, and what the public may see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString
from slugify import slugify

from events import calendar, identifiers, outbox, views
from events.accounts import Actor, require_organiser
from events.cache import Cache
from events.db import contains, for_update, write_transaction
from events.errors import Conflict, Invalid, NotFound
from events.settings import settings
from events.tables import Booth, Event, Stop
from events.waitlist import fill_free_seats

#: Longest a single stop may last: a campus visit or a night is hours, a fair a few days.
MAX_STOP_SPAN = timedelta(days=14)
#: How far ahead a stop may be scheduled.
MAX_LEAD = timedelta(days=5 * 366)
EARLIEST = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
#: Changes to these stop fields move the calendar SEQUENCE.
SEQUENCED_FIELDS = frozenset({"starts_at", "ends_at", "timezone", "school", "campus", "address", "city", "latitude", "longitude", "status"})


# ---------------------------------------------------------------- views


def _in_zone(moment: datetime | None, zone: str) -> datetime | None:
    return None if moment is None else moment.astimezone(ZoneInfo(zone))


def event_view(row: Event) -> views.Event:
    zone = row.timezone
    return views.Event(
        id=row.id,
        slug=row.slug,
        kind=row.kind,
        title=row.title,
        description=row.description,
        host=row.host,
        city=row.city,
        timezone=zone,
        status=row.status,
        starts_at=_in_zone(row.starts_at, zone),
        ends_at=_in_zone(row.ends_at, zone),
        published_at=_in_zone(row.published_at, zone),
        registration_opens_at=_in_zone(row.registration_opens_at, zone),
        registration_closes_at=_in_zone(row.registration_closes_at, zone),
        created_at=_in_zone(row.created_at, zone),
        updated_at=_in_zone(row.updated_at, zone),
    )


def booth_view(row: dict[str, Any], zone: str) -> views.Booth:
    return views.Booth(
        id=row["id"],
        stop_id=row["stop"],
        label=row["label"],
        employer=views.EmployerSummary(id=row["employer"], name=row["employer.name"]),
        created_at=_in_zone(row["created_at"], zone),
        updated_at=_in_zone(row["updated_at"], zone),
    )


def registration_window(stop: Stop, event: Event) -> tuple[datetime | None, datetime]:
    """When registration opens and closes: the stop's own times, else the event's, else from publication to the stop's end."""
    opens = stop.registration_opens_at or event.registration_opens_at or event.published_at
    closes = stop.registration_closes_at or event.registration_closes_at or stop.ends_at
    return opens, min(closes, stop.ends_at)


def stop_view(row: Stop, event: Event, booths: list[views.Booth]) -> views.Stop:
    zone = row.timezone
    opens, closes = registration_window(row, event)
    return views.Stop(
        id=row.id,
        event_slug=event.slug,
        name=row.name,
        school=row.school,
        campus=row.campus,
        address=row.address,
        city=row.city,
        latitude=row.latitude,
        longitude=row.longitude,
        starts_at=_in_zone(row.starts_at, zone),
        ends_at=_in_zone(row.ends_at, zone),
        timezone=zone,
        capacity=row.capacity,
        seats_left=max(0, row.capacity - row.confirmed_count),
        registration_opens_at=_in_zone(opens, zone),
        registration_closes_at=_in_zone(closes, zone),
        status=row.status,
        sequence=row.sequence,
        booth_limit=row.booth_limit,
        booths=booths,
        created_at=_in_zone(row.created_at, zone),
        updated_at=_in_zone(row.updated_at, zone),
    )


BOOTH_COLUMNS = (Booth.id, Booth.stop, Booth.label, Booth.employer, Booth.employer.name, Booth.created_at, Booth.updated_at)


def label_order(label: str) -> tuple[tuple[int, int | str], ...]:
    """Floor-plan order: A2 before A10, as people count stalls (a plain text sort puts A10 first)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", label))


async def booths_by_stop(stop_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Booth rows (with the employer's name) per stop, in floor-plan order of their labels."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = {stop_id: [] for stop_id in stop_ids}
    if stop_ids:
        for row in await Booth.select(*BOOTH_COLUMNS).where(Booth.stop.is_in(stop_ids)):
            found[row["stop"]].append(row)
    for rows in found.values():
        rows.sort(key=lambda row: label_order(row["label"]))
    return found


# ---------------------------------------------------------------- visibility


def _visible_to(event: Event, actor: Actor) -> bool:
    """Drafts are for organisers; a published event stays visible once cancelled, so people learn of it."""
    return actor.is_organiser or event.published_at is not None


async def load_event(slug: str, actor: Actor, *, lock: bool = False) -> Event:
    """The event as the actor may see it; with `lock`, its row stays locked until the transaction ends.

    Everything that changes an event's stops locks the event first, so that two such changes
    (say two stops added at once) cannot each compute the event's span without the other.
    """
    query = Event.objects().where(Event.slug == slug)
    event = await (for_update(query) if lock else query).first()
    if event is None or not _visible_to(event, actor):
        raise NotFound("event_not_found", "No such event.")
    return event


async def load_stop(stop_id: uuid.UUID, actor: Actor, *, lock: bool = False) -> tuple[Stop, Event]:
    """The stop and its event; with `lock`, the event stays locked until the transaction ends."""
    stop = await Stop.objects().where(Stop.id == stop_id).first()
    if stop is not None and lock:
        # Lock the event, then read the stop again under that lock: changes to a stop go through its event.
        await for_update(Event.select(Event.id).where(Event.id == stop.event))
        stop = await Stop.objects().where(Stop.id == stop_id).first()
    event = None if stop is None else await Event.objects().where(Event.id == stop.event).first()
    if stop is None or event is None or not _visible_to(event, actor):
        raise NotFound("stop_not_found", "No such stop.")
    return stop, event


# ---------------------------------------------------------------- events


async def _unique_slug(title: str, wanted: str | None) -> str:
    if wanted is not None:
        if await Event.exists().where(Event.slug == wanted):
            raise Conflict("slug_taken", f"The slug {wanted!r} is taken.")
        return wanted
    base = slugify(title, max_length=60, word_boundary=True) or "event"
    slug = base
    while await Event.exists().where(Event.slug == slug):
        slug = f"{base}-{uuid.uuid4().hex[:6]}"
    return slug


async def create_event(
    *,
    actor: Actor,
    now: datetime,
    kind: str,
    title: str,
    slug: str | None = None,
    description: str = "",
    host: str = "",
    city: str = "",
    timezone: str | None = None,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
) -> views.Event:
    require_organiser(actor)
    _check_window(registration_opens_at, registration_closes_at)
    event = Event(
        slug=await _unique_slug(title, slug),
        kind=kind,
        title=title.strip(),
        description=description,
        host=host.strip(),
        city=city.strip(),
        timezone=identifiers.timezone(timezone or settings.default_timezone),
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        created_at=now,
        updated_at=now,
    )
    # The unique index decides between two organisers racing for one slug.
    if not await Event.insert(event).on_conflict(action="DO NOTHING").returning(Event.id):
        raise Conflict("slug_taken", f"The slug {event.slug!r} is taken.")
    return event_view(event)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.default_timezone))


#: Event list pages a worker keeps, by the version of everything they show (`event_list_version`,
#: which triggers move with every change to an event, or to where its stops are): counting the
#: matches of a list costs a pass over every event, far more than a request should at thousands.
LISTS_KEPT = 256
LISTS: Cache[views.EventPage] = Cache("event lists", max_entries=LISTS_KEPT)


async def list_events(
    *,
    actor: Actor,
    kind: str | None = None,
    city: str | None = None,
    q: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
    limit: int,
    offset: int,
) -> views.EventPage:
    """Published events for everyone; organisers see every status and may filter by it.

    Without `date_from`, everyone but organisers sees events that end today or later: a student opening the list
    wants the fairs they can still go to, not last year's (ask with an earlier `date_from` for past ones).
    """
    if date_from is None and not actor.is_organiser:
        date_from = datetime.now(ZoneInfo(settings.default_timezone)).date()
    version = (await Event.raw("SELECT version FROM event_list_version"))[0]["version"]
    key = (actor.is_organiser, kind, city, q.strip() if q else "", date_from, date_to, status, limit, offset)
    return await LISTS.get_or_make(key, lambda: _listed(actor, kind, city, q, date_from, date_to, status, limit, offset), version=version)


async def _listed(actor: Actor, kind: str | None, city: str | None, q: str | None, date_from: date | None, date_to: date | None,
                  status: str | None, limit: int, offset: int) -> views.EventPage:
    where = []
    if actor.is_organiser:
        if status:
            where.append(Event.status == status)
    else:
        where.append(Event.status == Event.Status.published)
    if kind:
        where.append(Event.kind == kind)
    if city:
        # Written out: Piccolo built this condition's subquery, for every new list, at more than the cost of running it.
        where.append(WhereRaw('("event"."city" = {} OR "event"."id" IN (SELECT "stop"."event" FROM "stop" WHERE "stop"."city" = {}))', city, city))
    if q and q.strip():
        text = q.strip()
        where.append(contains(Event.title, text) | contains(Event.description, text) | contains(Event.host, text))
    # Dates are calendar days in the default zone; an event matches when its span touches them.
    if date_from:
        where.append(Event.ends_at >= _day_start(date_from))
    if date_to:
        where.append(Event.starts_at < _day_start(date_to + timedelta(days=1)))
    items, total = await _page_of_events(where, limit=limit, offset=offset)
    return views.EventPage(items=items, total=total, limit=limit, offset=offset)


async def _page_of_events(where: list, *, limit: int, offset: int) -> tuple[list[views.Event], int]:
    """A page of the events matching `where`, soonest first, and how many match, in one statement (a window count).

    Profiled under wrk, a list's first request spent as long building and running a second query
    for its total as for its page.
    """
    rows = await Event.select(*Event.all_columns(), QueryString("count(*) OVER () AS total")).where(*where).order_by(
        Event.starts_at, Event.id
    ).limit(limit).offset(offset)
    # Past the last match there is no row to carry the total: count it (only a page beyond the end asks).
    total = rows[0]["total"] if rows else (await Event.count().where(*where) if offset else 0)
    return [event_view(SimpleNamespace(**row)) for row in rows], total


async def event_detail(event: Event, actor: Actor) -> views.EventDetail:
    stops = await Stop.objects().where(Stop.event == event.id).order_by(Stop.starts_at)
    booths = await booths_by_stop([stop.id for stop in stops])
    return views.EventDetail(
        **{field: getattr(event_view(event), field) for field in views.Event.__struct_fields__},
        stops=[stop_view(stop, event, [booth_view(b, stop.timezone) for b in booths[stop.id]]) for stop in stops],
    )


async def get_event(*, actor: Actor, slug: str) -> views.EventDetail:
    """An event with its stops and their booths."""
    return await event_detail(await load_event(slug, actor), actor)


async def update_event(*, actor: Actor, now: datetime, slug: str, changes: Mapping[str, Any]) -> views.EventDetail:
    require_organiser(actor)
    event = await load_event(slug, actor)
    if event.status == Event.Status.cancelled:
        raise Conflict("event_cancelled", "A cancelled event cannot be changed.")
    fields = {name: value.strip() if isinstance(value, str) and name != "description" else value for name, value in changes.items()}
    if "timezone" in fields:
        fields["timezone"] = identifiers.timezone(fields["timezone"])
    _check_window(
        fields.get("registration_opens_at", event.registration_opens_at), fields.get("registration_closes_at", event.registration_closes_at)
    )
    if fields:
        await Event.update({**fields, "updated_at": now}).where(Event.id == event.id)
        calendar.changed()
    return await get_event(actor=actor, slug=slug)


async def publish_event(*, actor: Actor, now: datetime, slug: str) -> views.EventDetail:
    """Make a draft visible to everyone; publishing a published event changes nothing."""
    require_organiser(actor)
    async with write_transaction():
        event = await load_event(slug, actor, lock=True)
        if event.status == Event.Status.cancelled:
            raise Conflict("event_cancelled", "A cancelled event cannot be published.")
        if event.status == Event.Status.draft:
            if not await Stop.exists().where((Stop.event == event.id) & (Stop.status == Stop.Status.scheduled)):
                raise Conflict("event_has_no_stops", "Add at least one stop before publishing.")
            await Event.update({Event.status: Event.Status.published, Event.published_at: now, Event.updated_at: now}).where(
                Event.id == event.id
            )
            await outbox.record("event.published", {"event_id": event.id, "slug": event.slug}, now=now)
    return await get_event(actor=actor, slug=slug)


async def cancel_event(*, actor: Actor, now: datetime, slug: str) -> views.EventDetail:
    """Cancel the event and every stop still scheduled; cancelling twice changes nothing."""
    require_organiser(actor)
    async with write_transaction():
        event = await load_event(slug, actor, lock=True)
        if event.status != Event.Status.cancelled:
            cancelled = await Stop.update(
                {Stop.status: Stop.Status.cancelled, Stop.sequence: Stop.sequence + 1, Stop.updated_at: now}
            ).where((Stop.event == event.id) & (Stop.status == Stop.Status.scheduled)).returning(Stop.id)
            await outbox.record_many("stop.cancelled", [{"stop_id": row["id"], "event_id": event.id} for row in cancelled], now=now)
            await Event.update({Event.status: Event.Status.cancelled, Event.updated_at: now}).where(Event.id == event.id)
            await _refresh_event_span(event.id, now)
    calendar.changed()
    return await get_event(actor=actor, slug=slug)


# ---------------------------------------------------------------- stops


def _check_times(*, starts_at: datetime, ends_at: datetime, now: datetime, published: bool) -> None:
    if ends_at <= starts_at:
        raise Invalid("stop_ends_before_start", "A stop must end after it starts.")
    if ends_at - starts_at > MAX_STOP_SPAN:
        raise Invalid("stop_too_long", f"A stop may last at most {MAX_STOP_SPAN.days} days.")
    if starts_at < EARLIEST or starts_at > now + MAX_LEAD:
        raise Invalid("stop_time_out_of_range", "A stop must start between 2000 and five years from now.")
    if published and starts_at < now:
        raise Invalid("stop_in_past", "A stop of a published event cannot start in the past.")


def _check_window(opens: datetime | None, closes: datetime | None) -> None:
    if opens is not None and closes is not None and closes <= opens:
        raise Invalid("registration_window_inverted", "Registration must close after it opens.")


def _check_place(kind: str, *, school: str, address: str) -> None:
    if kind == Event.Kind.talent_train and not school.strip():
        raise Invalid("school_required", "A talent train stop names the school it visits.")
    if not address.strip():
        raise Invalid("address_required", "A stop needs an address.")


async def _refresh_event_span(event_id: uuid.UUID, now: datetime) -> None:
    """Keep the event's starts_at/ends_at equal to the span of its scheduled stops (of all its stops once every one is cancelled)."""
    rows = await Stop.select(Stop.starts_at, Stop.ends_at, Stop.status).where(Stop.event == event_id)
    scheduled = [row for row in rows if row["status"] == Stop.Status.scheduled]
    rows = scheduled or rows
    starts_at = min((row["starts_at"] for row in rows), default=None)
    ends_at = max((row["ends_at"] for row in rows), default=None)
    await Event.update({Event.starts_at: starts_at, Event.ends_at: ends_at, Event.updated_at: now}).where(Event.id == event_id)


async def add_stop(
    *,
    actor: Actor,
    now: datetime,
    slug: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    address: str,
    name: str = "",
    school: str = "",
    campus: str = "",
    city: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    timezone: str | None = None,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    booth_limit: int | None = None,
) -> views.Stop:
    require_organiser(actor)
    _check_window(registration_opens_at, registration_closes_at)
    async with write_transaction():
        event = await load_event(slug, actor, lock=True)
        if event.status == Event.Status.cancelled:
            raise Conflict("event_cancelled", "A cancelled event cannot get new stops.")
        _check_place(event.kind, school=school, address=address)
        _check_times(starts_at=starts_at, ends_at=ends_at, now=now, published=event.status == Event.Status.published)
        zone = identifiers.timezone(timezone or event.timezone)
        stop = Stop(
            event=event.id,
            name=(name.strip() or " ".join(part for part in (school.strip(), campus.strip()) if part) or address.strip())[:200],
            school=school.strip(),
            campus=campus.strip(),
            address=address.strip(),
            city=(city if city is not None else event.city).strip(),
            latitude=latitude,
            longitude=longitude,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=zone,
            capacity=capacity,
            registration_opens_at=registration_opens_at,
            registration_closes_at=registration_closes_at,
            booth_limit=booth_limit,
            created_at=now,
            updated_at=now,
        )
        await Stop.insert(stop)
        await _refresh_event_span(event.id, now)
    calendar.changed()
    return stop_view(stop, event, [])


async def get_stop(*, actor: Actor, stop_id: uuid.UUID) -> views.Stop:
    stop, event = await load_stop(stop_id, actor)
    booths = (await booths_by_stop([stop.id]))[stop.id]
    return stop_view(stop, event, [booth_view(row, stop.timezone) for row in booths])


async def update_stop(*, actor: Actor, now: datetime, stop_id: uuid.UUID, changes: Mapping[str, Any]) -> views.Stop:
    require_organiser(actor)
    async with write_transaction():
        stop, event = await load_stop(stop_id, actor, lock=True)
        if stop.status == Stop.Status.cancelled:
            raise Conflict("stop_cancelled", "A cancelled stop cannot be changed.")
        fields = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
        if "timezone" in fields:
            fields["timezone"] = identifiers.timezone(fields["timezone"])
        merged = {
            name: fields.get(name, getattr(stop, name))
            for name in ("school", "address", "starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
        }
        _check_window(merged["registration_opens_at"], merged["registration_closes_at"])
        _check_place(event.kind, school=merged["school"], address=merged["address"])
        if "starts_at" in fields or "ends_at" in fields:
            _check_times(
                starts_at=merged["starts_at"],
                ends_at=merged["ends_at"],
                now=now,
                published=event.status == Event.Status.published,
            )
        moved = any(fields[name] != getattr(stop, name) for name in SEQUENCED_FIELDS.intersection(fields))
        if fields:
            update: dict[Any, Any] = {**fields, "updated_at": now}
            if moved:
                update["sequence"] = stop.sequence + 1
            await Stop.update(update).where(Stop.id == stop.id)
            await _refresh_event_span(event.id, now)
            changes = {name: [getattr(stop, name), value] for name, value in fields.items() if value != getattr(stop, name)}
            if changes:
                await outbox.record("stop.changed", {"stop_id": stop.id, "event_id": event.id, "changes": changes}, now=now)
            if "capacity" in fields:
                # More seats confirm the first in line; fewer seats take no confirmed seat away.
                await fill_free_seats(stop_id=stop.id, now=now)
    return await get_stop(actor=actor, stop_id=stop_id)


async def cancel_stop(*, actor: Actor, now: datetime, stop_id: uuid.UUID) -> views.Stop:
    """Cancel one stop; it stays listed as cancelled. Cancelling twice changes nothing."""
    require_organiser(actor)
    async with write_transaction():
        stop, event = await load_stop(stop_id, actor, lock=True)
        if stop.status != Stop.Status.cancelled:
            await Stop.update(
                {Stop.status: Stop.Status.cancelled, Stop.sequence: Stop.sequence + 1, Stop.updated_at: now}
            ).where(Stop.id == stop.id)
            await _refresh_event_span(event.id, now)
            await outbox.record("stop.cancelled", {"stop_id": stop.id, "event_id": event.id}, now=now)
    return await get_stop(actor=actor, stop_id=stop_id)



# ---------------------------------------------------------------- next term's template

#: How far a duplicate moves its stops by default: half a year, from one term's fair to the next one's.
DEFAULT_SHIFT = timedelta(weeks=26)


async def duplicate_event(
    *, actor: Actor, now: datetime, slug: str, title: str | None = None, shift_days: int | None = None
) -> views.EventDetail:
    """A new draft copying the event and its stops that are not cancelled, moved by `shift_days` (26 weeks unless said).

    Registrations, booths and jobs stay behind: next term's seekers and employers sign up afresh.
    A whole number of weeks keeps each stop on its weekday.
    """
    require_organiser(actor)
    shift = DEFAULT_SHIFT if shift_days is None else timedelta(days=shift_days)
    source = await load_event(slug, actor)
    stops = await Stop.objects().where((Stop.event == source.id) & (Stop.status == Stop.Status.scheduled)).order_by(Stop.starts_at)
    for stop in stops:
        # A copy never starts in the past: that would only make a template nobody can publish.
        if stop.starts_at + shift < now:
            raise Invalid("duplicate_in_past", "Moved by this many days, a stop would start in the past.")
        _check_times(starts_at=stop.starts_at + shift, ends_at=stop.ends_at + shift, now=now, published=False)

    def moved(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment + shift

    new_title = (title or "").strip() or source.title
    async with write_transaction():
        event = Event(
            slug=await _unique_slug(new_title, None),
            kind=source.kind,
            title=new_title,
            description=source.description,
            host=source.host,
            city=source.city,
            timezone=source.timezone,
            registration_opens_at=moved(source.registration_opens_at),
            registration_closes_at=moved(source.registration_closes_at),
            created_at=now,
            updated_at=now,
        )
        if not await Event.insert(event).on_conflict(action="DO NOTHING").returning(Event.id):
            raise Conflict("slug_taken", f"The slug {event.slug!r} is taken.")
        copies = [
            Stop(
                event=event.id,
                name=stop.name,
                school=stop.school,
                campus=stop.campus,
                address=stop.address,
                city=stop.city,
                latitude=stop.latitude,
                longitude=stop.longitude,
                starts_at=stop.starts_at + shift,
                ends_at=stop.ends_at + shift,
                timezone=stop.timezone,
                capacity=stop.capacity,
                booth_limit=stop.booth_limit,
                registration_opens_at=moved(stop.registration_opens_at),
                registration_closes_at=moved(stop.registration_closes_at),
                created_at=now,
                updated_at=now,
            )
            for stop in stops
        ]
        if copies:
            await Stop.insert(*copies)
        await _refresh_event_span(event.id, now)
    calendar.changed()
    return await get_event(actor=actor, slug=event.slug)
