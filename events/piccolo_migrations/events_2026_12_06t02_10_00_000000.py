"""Feed versions and patches read changed stops and the booth table's latest change by index (issue 16, perf-cache)."""

from events.db import raw_migration

ID = "2026-12-06T02:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "feed_version_indexes"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={
            # A patch fetches the feed's stops stamped after its last render: a range of this index, not a pass over the event's stops;
            # the version's checksum of an event's stop stamps reads the index alone.
            "stop_event_updated_at": "CREATE INDEX stop_event_updated_at ON stop (event, updated_at)",
            # A large feed's version asks whether any booth changed: the latest stamp is the index's last entry.
            "booth_updated_at": "CREATE INDEX booth_updated_at ON booth (updated_at)",
        },
    )
