"""The public page of an event and its stops, rendered once for anonymous visitors and kept while nothing it shows has changed.

Profiled under wrk (docs/benchmarks.md), a stop's page cost four queries (the event, its stops,
their booths, its first jobs) and a template for every visitor, though nearly all of them are
anonymous and see the same page. This module says when a kept page is still right:
- `version(slug)`: the event feed's version (events/feed_scopes.py: the event, its stops, booths,
  open jobs and their employers, remembered FRESH_FOR by each worker and forgotten at once when
  this worker commits a change), and each stop's free seats, which no feed shows: read at most
  once per FRESH_FOR and event, and again after this worker commits a change. A page is thus at
  most FRESH_FOR behind a change made through another worker, as a feed is, and never behind one
  made through this worker.
- `valid_until(detail, now)`: the next moment a stop's registration opens or closes, or the stop
  ends, after which the page says something else although no row changed.
Signed-in visitors' pages show their own registrations and are rendered for each request.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from datetime import datetime

from events import feed_scopes, views
from events.cache import Cache
from events.tables import Stop

#: Free seats per event's stops, for FRESH_FOR seconds.
_SEATS: Cache[tuple[tuple[uuid.UUID, int], ...]] = Cache("event_page_seats", max_entries=4096, ttl=feed_scopes.FRESH_FOR)
#: Rendered pages (with the visitor's CSRF token left out), per slug and language.
PAGES: Cache[tuple[str, datetime | None]] = Cache("event_pages", max_entries=512)


async def _seats(event_id: uuid.UUID) -> tuple[tuple[uuid.UUID, int], ...]:
    rows = await Stop.select(Stop.id, Stop.capacity, Stop.confirmed_count).where(Stop.event == event_id).order_by(Stop.id)
    return tuple((row["id"], max(0, row["capacity"] - row["confirmed_count"])) for row in rows)


async def version(slug: str) -> Hashable:
    """What an anonymous visitor's page of this published event depends on; NotFound when there is no such published event."""
    scope = await feed_scopes.event_scope(slug)
    assert scope.event_id is not None
    etag = (await feed_scopes.version(scope)).etag
    # Kept for this worker's generation of changes too: a registration it commits shows at the next view.
    seats = await _SEATS.get_or_make(scope.event_id, lambda: _seats(scope.event_id), version=feed_scopes.generation())
    return etag, seats


def valid_until(detail: views.EventDetail, now: datetime) -> datetime | None:
    """The next moment after `now` when one of the event's stops opens or closes registration, or ends: the page changes then."""
    moments = [moment for stop in detail.stops for moment in (stop.registration_opens_at, stop.registration_closes_at, stop.ends_at)
               if moment is not None and moment > now]
    return min(moments, default=None)
