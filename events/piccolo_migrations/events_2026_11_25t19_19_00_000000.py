"""Composite unique indexes, written as SQL that both SQLite and PostgreSQL accept."""

from events.db import raw_migration

ID = "2026-11-25T19:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite_unique_indexes"

INDEXES = {
    "booth_stop_label_unique": "CREATE UNIQUE INDEX booth_stop_label_unique ON booth (stop, label)",
    "booth_stop_employer_unique": "CREATE UNIQUE INDEX booth_stop_employer_unique ON booth (stop, employer)",
    "job_event_status_index": "CREATE INDEX job_event_status_index ON job (event, status)",
}


async def forwards():
    return raw_migration(migration_id=ID, description=DESCRIPTION, statements=INDEXES)
