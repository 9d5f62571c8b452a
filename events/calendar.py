"""Calendar feeds as each audience sees them: what a stop shows the public, an organiser, a seeker, HR; rows read for a feed; private links.

Which stops a feed holds and its version are in `events.feed_scopes`; documents kept, patched and
compressed in `events.feed_cache`.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import Where
from piccolo.query.methods.select import Select
from piccolo.querystring import QueryString

from events import ical, views
from events.accounts import Actor, require_role
from events.db import is_sqlite, write_transaction

# `calendar.changed()` is the seam the domain modules call after committing anything feeds show; it lives with the versions it moves.
from events.feed_scopes import Scope, changed, events_where, stamp_sql, token_hash
from events.ical import UID_DOMAIN, Shown
from events.settings import settings
from events.tables import Booking, CalendarToken, Event, Registration, Stop

#: How often calendar apps should poll: REFRESH-INTERVAL in the feed, max-age in HTTP.
REFRESH = ical.REFRESH
KIND_NAMES = {"talent_train": ("人才专列", "Talent train"), "night_market": ("人才夜市", "Night market"), "job_fair": ("双选会", "Job fair")}
SEEKER_STATUS = {"confirmed": "CONFIRMED", "waitlisted": "TENTATIVE", "cancelled": "CANCELLED"}
#: The reminder a seeker's feed carries: the evening before, at this hour in the stop's zone.
REMINDER_HOUR = 20


@dataclass(frozen=True, slots=True)
class Entry:
    """What a kept feed remembers of one VEVENT besides its bytes: where it goes, what the version counts of it, its days."""

    order: tuple[datetime, uuid.UUID]  # VEVENTs go in start order
    stamp: int  # the row's share of the version's checksum
    updated_at: datetime
    zone: str
    first: date
    last: date


# ---------------------------------------------------------------- rows

STOP_COLUMNS = (Stop.id, Stop.event, Stop.name, Stop.school, Stop.campus, Stop.address, Stop.latitude, Stop.longitude, Stop.starts_at,
                Stop.ends_at, Stop.timezone, Stop.status, Stop.sequence, Stop.created_at, Stop.updated_at)
OPEN_JOBS = """(SELECT COUNT(*) FROM "job" WHERE "job"."event" = "event"."id" AND "job"."status" = 'open' AND "job"."deleted_at" IS NULL) AS open_jobs"""
#: What a feed shows of an event: (slug, title, kind, status, open jobs).
EventShown = tuple[str, str, str, str, int]


async def event_rows(scope: Scope) -> dict[uuid.UUID, EventShown]:
    open_jobs = QueryString(OPEN_JOBS)
    rows = await Event.select(Event.id, Event.slug, Event.title, Event.kind, Event.status, open_jobs).where(events_where(scope))
    return {row["id"]: (row["slug"], row["title"], row["kind"], row["status"], int(row["open_jobs"])) for row in rows}


async def stop_rows(scope: Scope, *extra: Where) -> list[dict[str, Any]]:
    return await Stop.select(*STOP_COLUMNS, QueryString(f"{stamp_sql(Stop.updated_at)} AS stamp")).where(*scope.stops(), *extra)


#: A stop's booths as (label, employer name, employer id as text), in label order.
Booths = dict[str, list[tuple[str, ...]]]
BOOTHS_SQLITE = """SELECT CAST("booth"."stop" AS TEXT) AS stop,
    group_concat("booth"."label" || char(31) || "employer"."name" || char(31) || "booth"."employer", char(30)) AS booths
    FROM "booth" JOIN "employer" ON "employer"."id" = "booth"."employer" WHERE "booth"."stop" IN ({}) GROUP BY "booth"."stop"
"""
BOOTHS_POSTGRES = """SELECT CAST("booth"."stop" AS TEXT) AS stop,
    string_agg("booth"."label" || chr(31) || "employer"."name" || chr(31) || CAST("booth"."employer" AS TEXT), chr(30)) AS booths
    FROM "booth" JOIN "employer" ON "employer"."id" = "booth"."employer" WHERE "booth"."stop" IN ({}) GROUP BY "booth"."stop"
"""


async def booth_rows(stops: Select) -> Booths:
    """The booths of the stops `stops` selects, keyed by the stop's id as text.

    One row a stop with its booths packed into one text, not one row a booth: converting 30,000 rows
    (two UUIDs each) cost a third of a cold render of 10,000 stops. Texts are free of control
    characters (the API refuses them), so \\x1e and \\x1f separate booths and their fields.
    """
    query = QueryString(BOOTHS_SQLITE if is_sqlite() else BOOTHS_POSTGRES, stops.querystrings[0])
    rows = await Stop._meta.db.run_querystring(query)
    return {row["stop"]: sorted(tuple(booth.split("\x1f")) for booth in row["booths"].split("\x1e")) for row in rows}


async def registration_rows(scope: Scope) -> dict[uuid.UUID, tuple[str, int]]:
    if scope.audience != "seeker":
        return {}
    rows = await Registration.select(Registration.stop, Registration.status, Registration.revision).where(Registration.seeker == scope.account_id)
    return {row["stop"]: (row["status"], row["revision"]) for row in rows}


# ---------------------------------------------------------------- issue 14, slots: a seeker's bookings

BOOKING_STATUS = {"booked": "CONFIRMED", "attended": "CONFIRMED", "no_show": "CONFIRMED", "cancelled": "CANCELLED"}


async def booking_entries(scope: Scope) -> list[tuple[Entry, bytes]]:
    """A seeker's interview bookings as VEVENTs: moved and cancelled like stops (SEQUENCE from the slot and the booking, STATUS:CANCELLED)."""
    if scope.audience != "seeker":
        return []
    rows = await Booking.select(
        Booking.id, Booking.status, Booking.revision, Booking.starts_at, Booking.ends_at, Booking.created_at, Booking.updated_at,
        Booking.slot.sequence, Booking.slot.booth.label, Booking.employer.name, Booking.stop.name, Booking.stop.school, Booking.stop.campus,
        Booking.stop.address, Booking.stop.timezone, Booking.stop.event.slug, Booking.stop.event.title,
    ).where(Booking.seeker == scope.account_id)
    return [_booking_entry(row) for row in rows]


def _booking_entry(row: dict[str, Any]) -> tuple[Entry, bytes]:
    zone = ZoneInfo(row["stop.timezone"])
    start, end = row["starts_at"].astimezone(zone), row["ends_at"].astimezone(zone)
    place = " ".join(part for part in (row["stop.school"], row["stop.campus"]) if part)
    label, employer = row["slot.booth.label"], row["employer.name"]
    item = Shown(
        uid=f"booking-{row['id']}@{UID_DOMAIN}",
        start=start,
        end=end,
        summary=f"面试 Interview · {employer} · {label}",
        location=", ".join(part for part in (place, f"展位 {label}", row["stop.address"]) if part),
        description="\n".join([f"{row['stop.event.title']} · {row['stop.name']}", f"展位 Booth {label} {employer}", f"{settings.public_url}/me/tickets"]),
        # Both only ever grow: a moved slot or a changed booking raises SEQUENCE.
        sequence=row["slot.sequence"] + row["revision"],
        status=BOOKING_STATUS[row["status"]],
        created=row["created_at"].astimezone(UTC),
        modified=row["updated_at"].astimezone(UTC),
        url=f"{settings.public_url}/me/tickets#booking-{row['id']}",
        categories=("面试", "Interview"),
        geo=None,
        reminder=None,
    )
    return Entry(order=(row["starts_at"], row["id"]), stamp=0, updated_at=row["updated_at"], zone=row["stop.timezone"], first=start.date(),
                 last=end.date()), ical.vevent(item)


# ---------------------------------------------------------------- what a stop shows


def shown(scope: Scope, stop: dict[str, Any], event: EventShown, booths: list[tuple[str, ...]],
          registration: tuple[str, int] | None) -> Shown:
    """What this audience sees of a stop: STATUS and SEQUENCE, texts, times in the stop's zone, a seeker's reminder."""
    slug, title, kind, event_status, open_jobs = event
    if stop["status"] == Stop.Status.cancelled or event_status == Event.Status.cancelled:
        status = "CANCELLED"
    elif event_status == Event.Status.draft:
        status = "TENTATIVE"
    else:
        status = "CONFIRMED"
    sequence = stop["sequence"]
    if scope.audience == "seeker":
        assert registration is not None
        if status != "CANCELLED":
            status = SEEKER_STATUS[registration[0]]
        # Both only ever grow, so their sum does too: a change of place raises SEQUENCE like a change of time.
        sequence += registration[1]
    zone = ZoneInfo(stop["timezone"])
    place = " ".join(part for part in (stop["school"], stop["campus"]) if part)
    summary = f"{title} · {stop['name']}"
    lines = []
    if scope.audience == "hr":
        mine = ", ".join(label for label, _name, employer in booths if employer == str(scope.employer_id))
        summary += f" · 展位 {mine}"
        lines.append(f"我们的展位 Our booth: {mine}")
    lines.append(f"用人单位 Employers ({len(booths)}):")
    lines.extend(f"{label} {name}" for label, name, _employer in booths)
    lines.append(f"岗位 Jobs: {open_jobs}")
    lines.append(f"{settings.public_url}/events/{slug}")
    start = stop["starts_at"].astimezone(zone)
    reminder = None
    if scope.audience == "seeker" and status != "CANCELLED":
        reminder = datetime.combine(start.date() - timedelta(days=1), time(REMINDER_HOUR), tzinfo=zone).astimezone(UTC)
    has_geo = stop["latitude"] is not None and stop["longitude"] is not None
    return Shown(
        uid=f"{stop['id']}@{UID_DOMAIN}",
        start=start,
        end=stop["ends_at"].astimezone(zone),
        summary=summary,
        location=", ".join(part for part in (place, stop["address"]) if part),
        description="\n".join(lines),
        sequence=sequence,
        status=status,
        created=stop["created_at"].astimezone(UTC),
        modified=stop["updated_at"].astimezone(UTC),
        url=f"{settings.public_url}/events/{slug}#stop-{stop['id']}",
        categories=KIND_NAMES[kind],
        geo=(stop["latitude"], stop["longitude"]) if has_geo else None,
        reminder=reminder,
    )


def entry(scope: Scope, stop: dict[str, Any], events: dict[uuid.UUID, EventShown], booths: Booths,
          registrations: dict[uuid.UUID, tuple[str, int]]) -> tuple[Entry, bytes]:
    """A stop's VEVENT as this audience sees it, and what the kept feed remembers of it."""
    item = shown(scope, stop, events[stop["event"]], booths.get(str(stop["id"]), []), registrations.get(stop["id"]))
    return Entry(order=(stop["starts_at"], stop["id"]), stamp=int(stop["stamp"]), updated_at=stop["updated_at"], zone=stop["timezone"],
                 first=stop["starts_at"].date(), last=stop["ends_at"].date()), ical.vevent(item)


# ---------------------------------------------------------------- private tokens


def feed_urls(token: str) -> views.CalendarLink:
    https = f"{settings.public_url}/calendar/private/{token}.ics"
    return views.CalendarLink(url=https, webcal_url="webcal://" + https.split("://", 1)[1])


async def rotate_token(*, actor: Actor, now: datetime) -> views.CalendarLink:
    """Create the account's private feed token, or replace it: the old link stops working at once."""
    require_role(actor, "organiser", "hr", "seeker")
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await CalendarToken.delete().where(CalendarToken.account == actor.id)
        await CalendarToken.insert(CalendarToken(account=actor.id, token_hash=token_hash(token), created_at=now))
    changed()
    return feed_urls(token)


async def revoke_token(*, actor: Actor) -> None:
    require_role(actor, "organiser", "hr", "seeker")
    await CalendarToken.delete().where(CalendarToken.account == actor.id)
    changed()


