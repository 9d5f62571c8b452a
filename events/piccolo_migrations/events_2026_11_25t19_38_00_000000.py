"""Registration indexes: one per seeker and stop, short codes unique per stop, waitlist order."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-25T19:38:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration_indexes"

INDEXES = {
    "registration_stop_seeker_unique": "CREATE UNIQUE INDEX registration_stop_seeker_unique ON registration (stop, seeker)",
    "registration_stop_short_code_unique": "CREATE UNIQUE INDEX registration_stop_short_code_unique ON registration (stop, short_code)",
    "registration_stop_status_seq_index": "CREATE INDEX registration_stop_status_seq_index ON registration (stop, status, waitlist_seq)",
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
