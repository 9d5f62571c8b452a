"""Job search on PostgreSQL: the filters' values beside the text's characters in one GIN index.

The character index (…t00_30…, `job_search_grams_index`) found the jobs holding a text; each was
then read from the table to test the event, status, category and education. For a common text
("工程师" is in half the benchmark's jobs) with a rare filter that read tens of thousands of jobs for
a few hundred matches, and ten times as many at 10⁶ jobs. `job_search_words` is the job's
characters and pairs of characters (job_search_grams) and its facets, `v:` event, `x:` status
(`x:deleted` once deleted), `c:` category, `e:` education, `m:` employer; the index over it lets
GIN intersect text and filters before any row is read. Facets are three characters or more,
grams one or two: they never collide. It replaces the character index (the text alone is a
question it answers too). Plain SQL, outside Piccolo's model of the schema.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

from events.piccolo_migrations.events_2026_11_26t00_30_00_000000 import POSTGRES as GRAMS

ID = "2026-12-06T02:30:00:000002"
VERSION = "1.38.0"
DESCRIPTION = "job_search_words"

FACETS = """
CREATE FUNCTION job_search_facets(event uuid, status text, deleted_at timestamptz, category text, education text, employer uuid)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['v:' || event::text, 'x:' || CASE WHEN deleted_at IS NULL THEN status ELSE 'deleted' END,
                 'c:' || category, 'e:' || education, 'm:' || employer::text]
$$
"""

#: Must be the expression events/job_search.py searches (_PG_WORDS), or the planner will not use the index.
WORDS_INDEX = (
    "CREATE INDEX job_search_words_index ON job USING gin ("
    "(job_search_grams(title || E'\\n' || category || E'\\n' || description) || job_search_facets(event, status, deleted_at, category, education, employer)))"
)

#: …t00_30…'s character index, as it was.
GRAMS_INDEX = next(sql for sql in GRAMS if "job_search_grams_index" in sql and sql.startswith("CREATE INDEX"))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        if db.engine_type == "sqlite":
            return
        for sql in (FACETS, WORDS_INDEX, "DROP INDEX job_search_grams_index"):
            await db.run_ddl(sql)

    async def undo() -> None:
        db = engine_finder()
        if db.engine_type == "sqlite":
            return
        for sql in (GRAMS_INDEX, "DROP INDEX job_search_words_index", "DROP FUNCTION job_search_facets(uuid, text, timestamptz, text, text, uuid)"):
            await db.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
