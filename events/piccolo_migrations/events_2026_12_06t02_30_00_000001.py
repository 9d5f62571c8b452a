"""The public event list's city filter: an event matches when it or one of its stops is in the city.

Profiled under wrk with the benchmark's 11,600 stops, every list filtered by city read the whole
stop table for `event.id IN (SELECT event FROM stop WHERE city = ?)` (twice: the page and its
total), and that read was most of the request. This index answers it from the city's stops.
"""

from events.db import raw_migration

ID = "2026-12-06T02:30:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "stop_city_index"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={"stop_city_event_index": "CREATE INDEX stop_city_event_index ON stop (city, event)"},
    )
