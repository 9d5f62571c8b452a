"""Composite unique indexes, written as SQL that both SQLite and PostgreSQL accept."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-25T19:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite_unique_indexes"

INDEXES = {
    "booth_stop_label_unique": "CREATE UNIQUE INDEX booth_stop_label_unique ON booth (stop, label)",
    "booth_stop_employer_unique": "CREATE UNIQUE INDEX booth_stop_employer_unique ON booth (stop, employer)",
    "job_event_status_index": "CREATE INDEX job_event_status_index ON job (event, status)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for sql in INDEXES.values():
            await engine.run_ddl(sql)

    async def drop():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
