"""Job search: an index in listing order, a per-event tally of jobs kept by triggers, and a substring index on the text.

The listing index serves "open jobs at this event, newest first" without a sort. `job_tally`
holds, per event, the open and closed jobs that are not deleted, and a version that moves with
every change to what the event's job listings show (its jobs, the names of their employers): job
search answers the common total from it, and keeps other totals and pages until the version
moves (events/jobs.py). The text index differs by engine:
- PostgreSQL: pg_trgm's GIN over the title, category and description, which serves `ILIKE` for
  text of three or more characters. Created only where the extension is installed or
  the migrating role may create it; without it search still answers, by scanning the event's jobs.
- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or later), kept by triggers,
  keyed through `job_search_key` because a table without an INTEGER PRIMARY KEY may see its
  rowids renumbered by VACUUM.
Triggers, the tally and the FTS table are plain SQL, outside Piccolo's model of the schema.
"""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-25T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_search"

log = logging.getLogger("events")

LISTING_INDEX = "CREATE INDEX job_event_listing_index ON job (event, status, created_at DESC, id) WHERE deleted_at IS NULL"

TALLY_BACKFILL = """
INSERT INTO job_tally (event, version, open_count, closed_count)
SELECT event, 1,
       sum(CASE WHEN deleted_at IS NULL AND status = 'open' THEN 1 ELSE 0 END),
       sum(CASE WHEN deleted_at IS NULL AND status = 'closed' THEN 1 ELSE 0 END)
FROM job GROUP BY event
"""

# ---------------------------------------------------------------- PostgreSQL

POSTGRES_TALLY = [
    "CREATE TABLE job_tally (event UUID PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0, "
    "open_count BIGINT NOT NULL DEFAULT 0, closed_count BIGINT NOT NULL DEFAULT 0)",
    TALLY_BACKFILL,
    # One upsert per statement, from the rows it changed (transition tables): a bulk insert of
    # a thousand jobs moves the tally once. Events are taken in order, so two statements that
    # touch the same events lock their tally rows in the same order.
    """
    CREATE FUNCTION job_tally_track() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO job_tally AS t (event, version, open_count, closed_count)
            SELECT event, 1, count(*) FILTER (WHERE deleted_at IS NULL AND status = 'open'),
                   count(*) FILTER (WHERE deleted_at IS NULL AND status = 'closed')
            FROM new_rows GROUP BY event ORDER BY event
            ON CONFLICT (event) DO UPDATE SET version = t.version + 1, open_count = t.open_count + excluded.open_count,
                closed_count = t.closed_count + excluded.closed_count;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO job_tally AS t (event, version, open_count, closed_count)
            SELECT event, 1, -count(*) FILTER (WHERE deleted_at IS NULL AND status = 'open'),
                   -count(*) FILTER (WHERE deleted_at IS NULL AND status = 'closed')
            FROM old_rows GROUP BY event ORDER BY event
            ON CONFLICT (event) DO UPDATE SET version = t.version + 1, open_count = t.open_count + excluded.open_count,
                closed_count = t.closed_count + excluded.closed_count;
        ELSE
            INSERT INTO job_tally AS t (event, version, open_count, closed_count)
            SELECT event, 1, sum(opened), sum(closed) FROM (
                SELECT event, (deleted_at IS NULL AND status = 'open')::int AS opened,
                       (deleted_at IS NULL AND status = 'closed')::int AS closed FROM new_rows
                UNION ALL
                SELECT event, -(deleted_at IS NULL AND status = 'open')::int, -(deleted_at IS NULL AND status = 'closed')::int FROM old_rows
            ) AS change GROUP BY event ORDER BY event
            ON CONFLICT (event) DO UPDATE SET version = t.version + 1, open_count = t.open_count + excluded.open_count,
                closed_count = t.closed_count + excluded.closed_count;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER job_tally_insert AFTER INSERT ON job REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION job_tally_track()",
    "CREATE TRIGGER job_tally_update AFTER UPDATE ON job REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION job_tally_track()",
    "CREATE TRIGGER job_tally_delete AFTER DELETE ON job REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION job_tally_track()",
    # A job listing shows its employer's name: a renamed employer makes a new version of every event where it has jobs.
    """
    CREATE FUNCTION job_tally_employer_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE job_tally SET version = version + 1 WHERE event IN (SELECT DISTINCT event FROM job WHERE employer = NEW.id);
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER job_tally_employer_renamed AFTER UPDATE OF name ON employer FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION job_tally_employer_renamed()",
    # Also under session_replication_role = replica, which bulk loads set to skip foreign-key checks
    # (bench/seed.py does): a tally that missed those rows would give wrong totals until rebuilt.
    "ALTER TABLE job ENABLE ALWAYS TRIGGER job_tally_insert",
    "ALTER TABLE job ENABLE ALWAYS TRIGGER job_tally_update",
    "ALTER TABLE job ENABLE ALWAYS TRIGGER job_tally_delete",
    "ALTER TABLE employer ENABLE ALWAYS TRIGGER job_tally_employer_renamed",
]

#: The schema pg_trgm is in, after creating it if the migrating role may; no row when it may not.
POSTGRES_TRGM_SCHEMA = """
SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'
"""
POSTGRES_TRGM_CREATABLE = """
SELECT EXISTS (
    SELECT 1 FROM pg_available_extension_versions v
    WHERE v.name = 'pg_trgm' AND has_database_privilege(current_database(), 'CREATE')
      AND (v.trusted OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
) AS creatable
"""
#: Must be the expression events/jobs.py searches, or the planner will not use the index.
#: Trigrams are lower-cased, so the one index serves ILIKE.
POSTGRES_TEXT_INDEX = (
    "CREATE INDEX job_search_trgm_index ON job USING gin ((title || E'\\n' || category || E'\\n' || description) {schema}.gin_trgm_ops)"
)


async def _postgres_forwards(db) -> None:
    await db.run_ddl(LISTING_INDEX)
    for sql in POSTGRES_TALLY:
        await db.run_ddl(sql)
    if not await db.run_ddl(POSTGRES_TRGM_SCHEMA) and (await db.run_ddl(POSTGRES_TRGM_CREATABLE))[0]["creatable"]:
        await db.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    installed = await db.run_ddl(POSTGRES_TRGM_SCHEMA)
    if not installed:
        log.warning("pg_trgm is not available to this role: job search by text will scan each event's jobs (see docs/deploy.md)")
        return
    schema = '"' + installed[0]["schema"].replace('"', '""') + '"'
    await db.run_ddl(POSTGRES_TEXT_INDEX.format(schema=schema))


async def _postgres_backwards(db) -> None:
    for sql in (
        "DROP INDEX IF EXISTS job_search_trgm_index",
        "DROP TRIGGER job_tally_insert ON job",
        "DROP TRIGGER job_tally_update ON job",
        "DROP TRIGGER job_tally_delete ON job",
        "DROP FUNCTION job_tally_track()",
        "DROP TRIGGER job_tally_employer_renamed ON employer",
        "DROP FUNCTION job_tally_employer_renamed()",
        "DROP TABLE job_tally",
        "DROP INDEX job_event_listing_index",
    ):
        await db.run_ddl(sql)


# ---------------------------------------------------------------- SQLite

#: A job's indexed text. Must be the same expression whenever a row goes in or out of the FTS table:
#: a contentless FTS5 table removes a row only when given exactly the text it indexed.
SQLITE_DOC = "{row}.title || char(10) || {row}.category || char(10) || {row}.description"


def _tally_change(row: str, sign: str) -> str:
    return (
        f"UPDATE job_tally SET version = version + 1, "
        f"open_count = open_count {sign} ({row}.deleted_at IS NULL AND {row}.status = 'open'), "
        f"closed_count = closed_count {sign} ({row}.deleted_at IS NULL AND {row}.status = 'closed') "
        f"WHERE event = {row}.event;"
    )


def _fts_add(row: str) -> str:
    return (
        f"INSERT INTO job_search (rowid, doc) "
        f"VALUES ((SELECT seq FROM job_search_key WHERE job = {row}.id), {SQLITE_DOC.format(row=row)});"
    )


def _fts_remove(row: str) -> str:
    return (
        f"INSERT INTO job_search (job_search, rowid, doc) "
        f"VALUES ('delete', (SELECT seq FROM job_search_key WHERE job = {row}.id), {SQLITE_DOC.format(row=row)});"
    )


SQLITE = [
    "CREATE TABLE job_tally (event UUID PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0, "
    "open_count INTEGER NOT NULL DEFAULT 0, closed_count INTEGER NOT NULL DEFAULT 0)",
    TALLY_BACKFILL,
    "CREATE TABLE job_search_key (seq INTEGER PRIMARY KEY, job UUID NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE job_search USING fts5(doc, content='', tokenize='trigram')",
    "INSERT INTO job_search_key (job) SELECT id FROM job",
    f"INSERT INTO job_search (rowid, doc) SELECT k.seq, {SQLITE_DOC.format(row='j')} FROM job j JOIN job_search_key k ON k.job = j.id",
    f"""CREATE TRIGGER job_after_insert AFTER INSERT ON job BEGIN
        INSERT OR IGNORE INTO job_tally (event) VALUES (new.event);
        {_tally_change("new", "+")}
        INSERT INTO job_search_key (job) VALUES (new.id);
        {_fts_add("new")}
    END""",
    f"""CREATE TRIGGER job_after_update AFTER UPDATE ON job BEGIN
        {_tally_change("old", "-")}
        INSERT OR IGNORE INTO job_tally (event) VALUES (new.event);
        {_tally_change("new", "+")}
    END""",
    f"""CREATE TRIGGER job_after_text_update AFTER UPDATE OF title, category, description ON job BEGIN
        {_fts_remove("old")}
        {_fts_add("new")}
    END""",
    """CREATE TRIGGER job_tally_employer_renamed AFTER UPDATE OF name ON employer WHEN old.name IS NOT new.name BEGIN
        UPDATE job_tally SET version = version + 1 WHERE event IN (SELECT DISTINCT event FROM job WHERE employer = new.id);
    END""",
    f"""CREATE TRIGGER job_after_delete AFTER DELETE ON job BEGIN
        {_tally_change("old", "-")}
        {_fts_remove("old")}
        DELETE FROM job_search_key WHERE job = old.id;
    END""",
]


async def _sqlite_forwards(db) -> None:
    version = (await db.run_ddl("SELECT sqlite_version() AS version"))[0]["version"]
    if tuple(int(part) for part in version.split(".")[:2]) < (3, 34):
        raise RuntimeError(f"job search needs SQLite 3.34 or later for FTS5's trigram tokenizer; this is SQLite {version}")
    await db.run_ddl(LISTING_INDEX)
    for sql in SQLITE:
        await db.run_ddl(sql)


async def _sqlite_backwards(db) -> None:
    for sql in (
        "DROP TRIGGER job_after_insert",
        "DROP TRIGGER job_after_update",
        "DROP TRIGGER job_after_text_update",
        "DROP TRIGGER job_after_delete",
        "DROP TRIGGER job_tally_employer_renamed",
        "DROP TABLE job_search",
        "DROP TABLE job_search_key",
        "DROP TABLE job_tally",
        "DROP INDEX job_event_listing_index",
    ):
        await db.run_ddl(sql)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        await (_sqlite_forwards(db) if db.engine_type == "sqlite" else _postgres_forwards(db))

    async def undo() -> None:
        db = engine_finder()
        await (_sqlite_backwards(db) if db.engine_type == "sqlite" else _postgres_backwards(db))

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
