"""Event list: one version of everything the public event list shows, moved by triggers.

`event_list_version` is a single row. Triggers move it with every insert, update and delete of
an event, and with every stop inserted, deleted, or moved to another city or event (the list
filters by a stop's city). Updates of a stop's counters (seats taken, waitlist) leave it alone.
Each worker keeps the event list pages it answered until it moves (events/schedule.py).
Plain SQL, outside Piccolo's model of the schema.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T00:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event_list_version"

TABLE = [
    "CREATE TABLE event_list_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)",
    "INSERT INTO event_list_version (id, version) VALUES (1, 1)",
]

POSTGRES = [
    *TABLE,
    """
    CREATE FUNCTION event_list_version_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE event_list_version SET version = version + 1;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER event_list_version_event AFTER INSERT OR UPDATE OR DELETE ON event FOR EACH STATEMENT EXECUTE FUNCTION event_list_version_move()",
    "CREATE TRIGGER event_list_version_stop AFTER INSERT OR DELETE OR UPDATE OF city, event ON stop "
    "FOR EACH STATEMENT EXECUTE FUNCTION event_list_version_move()",
    # Also under session_replication_role = replica, which bulk loads set (bench/seed.py does).
    "ALTER TABLE event ENABLE ALWAYS TRIGGER event_list_version_event",
    "ALTER TABLE stop ENABLE ALWAYS TRIGGER event_list_version_stop",
]

MOVE = "UPDATE event_list_version SET version = version + 1;"
SQLITE = [
    *TABLE,
    f"CREATE TRIGGER event_list_version_event_insert AFTER INSERT ON event BEGIN {MOVE} END",
    f"CREATE TRIGGER event_list_version_event_update AFTER UPDATE ON event BEGIN {MOVE} END",
    f"CREATE TRIGGER event_list_version_event_delete AFTER DELETE ON event BEGIN {MOVE} END",
    f"CREATE TRIGGER event_list_version_stop_insert AFTER INSERT ON stop BEGIN {MOVE} END",
    f"CREATE TRIGGER event_list_version_stop_update AFTER UPDATE OF city, event ON stop BEGIN {MOVE} END",
    f"CREATE TRIGGER event_list_version_stop_delete AFTER DELETE ON stop BEGIN {MOVE} END",
]

POSTGRES_BACK = [
    "DROP TRIGGER event_list_version_event ON event",
    "DROP TRIGGER event_list_version_stop ON stop",
    "DROP FUNCTION event_list_version_move()",
    "DROP TABLE event_list_version",
]
SQLITE_BACK = [
    *(f"DROP TRIGGER event_list_version_{name}" for name in ("event_insert", "event_update", "event_delete", "stop_insert", "stop_update", "stop_delete")),
    "DROP TABLE event_list_version",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        for sql in SQLITE if db.engine_type == "sqlite" else POSTGRES:
            await db.run_ddl(sql)

    async def undo() -> None:
        db = engine_finder()
        for sql in SQLITE_BACK if db.engine_type == "sqlite" else POSTGRES_BACK:
            await db.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
