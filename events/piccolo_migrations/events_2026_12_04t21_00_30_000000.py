"""Employer applications: the status CHECK (triggers on SQLite, which cannot add a constraint to a table) and one open application per company and event."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T21:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "employer_application_constraints"

STATUSES = "('submitted', 'waitlisted', 'approved', 'rejected', 'withdrawn', 'cancelled')"
OPEN_UNIQUE = (
    "CREATE UNIQUE INDEX employer_application_open_unique ON employer_application (event, credit_code) "
    "WHERE status IN ('submitted', 'waitlisted')"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def add() -> None:
        engine = engine_finder()
        await engine.run_ddl(OPEN_UNIQUE)
        if isinstance(engine, SQLiteEngine):
            for event in ("INSERT", "UPDATE OF status"):
                name = "employer_application_status_check_" + event.split()[0].lower()
                await engine.run_ddl(
                    f"CREATE TRIGGER {name} BEFORE {event} ON employer_application "
                    f"WHEN NEW.status NOT IN {STATUSES} "
                    "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: employer_application_status_check'); END"
                )
        else:
            await engine.run_ddl(
                f"ALTER TABLE employer_application ADD CONSTRAINT employer_application_status_check CHECK (status IN {STATUSES})"
            )

    async def drop() -> None:
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX employer_application_open_unique")
        if isinstance(engine, SQLiteEngine):
            await engine.run_ddl("DROP TRIGGER employer_application_status_check_insert")
            await engine.run_ddl("DROP TRIGGER employer_application_status_check_update")
        else:
            await engine.run_ddl("ALTER TABLE employer_application DROP CONSTRAINT employer_application_status_check")

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
