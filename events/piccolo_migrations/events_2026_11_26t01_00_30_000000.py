"""A scan's nonce is unique per sender, not globally: a replay key that crossed accounts answered one employer's junk ticket with another's check-in.

Existing scans get their sender from who sent them (the scanner access, else the staff account;
a scan with neither keeps its own id, so it stays unique). The index leads with the nonce, so
looking scans up by nonce stays one index probe.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T01:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "scan_nonce_per_sender"

FORWARDS = [
    "UPDATE scan SET sender = COALESCE(scanner_access, staff, id) WHERE sender IS NULL",
    "DROP INDEX scan_nonce_unique",
    "CREATE UNIQUE INDEX scan_nonce_sender_unique ON scan (nonce, sender)",
]
#: SQLite cannot add NOT NULL to an existing column; there the application always sets the sender.
POSTGRES_ONLY = ["ALTER TABLE scan ALTER COLUMN sender SET NOT NULL"]

BACKWARDS = [
    "DROP INDEX scan_nonce_sender_unique",
    # Fails if two senders have used one nonce since: going back would have to drop one of their scans.
    "CREATE UNIQUE INDEX scan_nonce_unique ON scan (nonce)",
]
POSTGRES_ONLY_BACK = ["ALTER TABLE scan ALTER COLUMN sender DROP NOT NULL"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        for sql in FORWARDS + (POSTGRES_ONLY if db.engine_type != "sqlite" else []):
            await db.run_ddl(sql)

    async def undo() -> None:
        db = engine_finder()
        for sql in (POSTGRES_ONLY_BACK if db.engine_type != "sqlite" else []) + BACKWARDS:
            await db.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
