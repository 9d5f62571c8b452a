"""Registration indexes: one per seeker and stop, short codes unique per stop, waitlist order."""

from events.db import raw_migration

ID = "2026-11-25T19:38:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration_indexes"

INDEXES = {
    "registration_stop_seeker_unique": "CREATE UNIQUE INDEX registration_stop_seeker_unique ON registration (stop, seeker)",
    "registration_stop_short_code_unique": "CREATE UNIQUE INDEX registration_stop_short_code_unique ON registration (stop, short_code)",
    "registration_stop_status_seq_index": "CREATE INDEX registration_stop_status_seq_index ON registration (stop, status, waitlist_seq)",
}


async def forwards():
    return raw_migration(migration_id=ID, description=DESCRIPTION, statements=INDEXES)
