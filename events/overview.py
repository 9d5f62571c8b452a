"""The organiser's overview: upcoming events with their seats, registrations and check-ins, per stop."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from events import views
from events.accounts import Actor, require_organiser
from events.tables import CheckIn, Event, Registration, Stop

#: Events the overview shows at most; the events list pages through the rest.
SHOWN = 30


async def upcoming_events(*, actor: Actor, now: datetime) -> list[views.EventOverview]:
    """Events not yet over (drafts included), soonest first, with counts per stop: four queries whatever the number of stops."""
    require_organiser(actor)
    events = (
        await Event.objects()
        .where((Event.ends_at.is_null()) | (Event.ends_at >= now))
        .where(Event.status != Event.Status.cancelled)
        .order_by(Event.starts_at)
        .limit(SHOWN)
    )
    if not events:
        return []
    stops = await Stop.objects().where(Stop.event.is_in([event.id for event in events])).order_by(Stop.starts_at)
    stop_ids = [stop.id for stop in stops]
    waiting: dict = {}
    arrived: dict = {}
    if stop_ids:
        waiting = {
            row["stop"]: row["count"]
            for row in await Registration.select(Registration.stop, Count(Registration.id, alias="count"))
            .where(Registration.stop.is_in(stop_ids) & (Registration.status == Registration.Status.waitlisted))
            .group_by(Registration.stop)
        }
        arrived = {
            row["stop"]: row["count"]
            for row in await CheckIn.select(CheckIn.stop, Count(CheckIn.id, alias="count")).where(CheckIn.stop.is_in(stop_ids)).group_by(CheckIn.stop)
        }
    by_event: dict = {event.id: [] for event in events}
    for stop in stops:
        zone = ZoneInfo(stop.timezone)
        by_event[stop.event].append(
            views.StopOverview(
                id=stop.id,
                name=stop.name,
                starts_at=stop.starts_at.astimezone(zone),
                ends_at=stop.ends_at.astimezone(zone),
                timezone=stop.timezone,
                status=stop.status,
                capacity=stop.capacity,
                confirmed=stop.confirmed_count,
                waitlisted=waiting.get(stop.id, 0),
                seats_left=max(0, stop.capacity - stop.confirmed_count),
                checked_in=arrived.get(stop.id, 0),
            )
        )
    # Drafts without stops have no start yet: they come last.
    events.sort(key=lambda event: (event.starts_at is None, event.starts_at or now))
    return [
        views.EventOverview(
            slug=event.slug,
            kind=event.kind,
            title=event.title,
            status=event.status,
            starts_at=event.starts_at.astimezone(ZoneInfo(event.timezone)) if event.starts_at else None,
            ends_at=event.ends_at.astimezone(ZoneInfo(event.timezone)) if event.ends_at else None,
            timezone=event.timezone,
            stops=by_event[event.id],
        )
        for event in events
    ]


async def people_affected(*, actor: Actor, slug: str | None = None, stop_id=None) -> int:
    """How many people hold a place (confirmed or waitlisted) at the event's scheduled stops, or at one stop: what a cancellation would tell."""
    require_organiser(actor)
    where = [Registration.status.is_in([Registration.Status.confirmed, Registration.Status.waitlisted])]
    if stop_id is not None:
        where.append(Registration.stop == stop_id)
    else:
        where.append((Registration.stop.event.slug == slug) & (Registration.stop.status == Stop.Status.scheduled))
    return await Registration.count().where(*where)
