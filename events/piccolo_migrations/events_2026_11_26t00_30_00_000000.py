"""Job search on PostgreSQL: text of any length through one index of each job's characters and character pairs.

pg_trgm's index (…_job_search) served only text of three or more characters, and depends on the
database's locale to see Chinese at all. `job_search_grams` splits lower-cased text into its
characters and pairs of adjacent characters (by position, whatever the locale); a GIN index of
those arrays finds one or two characters exactly (array containment needs no recheck) and longer
text by its pairs, which the search then confirms. One more index serves the category filter.
Plain SQL, outside Piccolo's model of the schema.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_search_grams"

CATEGORY_INDEX = "CREATE INDEX job_event_category_index ON job (event, category) WHERE deleted_at IS NULL"

POSTGRES = [
    "DROP INDEX IF EXISTS job_search_trgm_index",
    # Characters, pairs starting at odd positions, pairs starting at even ones; split on spaces
    # (a pair with a space in it falls apart into its other character, which search text of one
    # or two characters, stripped, never holds).
    r"""
    CREATE FUNCTION job_search_grams(doc text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_remove(string_to_array(
            regexp_replace(lower(doc), '(.)', '\1 ', 'g') || regexp_replace(lower(doc), '(..)', '\1 ', 'g') || ' '
            || regexp_replace(substr(lower(doc), 2), '(..)', '\1 ', 'g'),
            ' '), '')
    $$
    """,
    # What a search text asks of those arrays: its one character, or its pairs.
    r"""
    CREATE FUNCTION job_search_wanted(text text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN length(lower(text)) < 2 THEN ARRAY[lower(text)] ELSE array_remove(string_to_array(
            regexp_replace(lower(text), '(..)', '\1 ', 'g') || ' ' || regexp_replace(substr(lower(text), 2), '(..)', '\1 ', 'g'),
            ' '), '') END
    $$
    """,
    # Must be the expression events/jobs.py searches, or the planner will not use the index.
    "CREATE INDEX job_search_grams_index ON job USING gin (job_search_grams(title || E'\\n' || category || E'\\n' || description))",
    CATEGORY_INDEX,
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        for sql in [CATEGORY_INDEX] if db.engine_type == "sqlite" else POSTGRES:
            await db.run_ddl(sql)

    async def undo() -> None:
        db = engine_finder()
        await db.run_ddl("DROP INDEX job_event_category_index")
        if db.engine_type != "sqlite":
            await db.run_ddl("DROP INDEX job_search_grams_index")
            await db.run_ddl("DROP FUNCTION job_search_grams(text)")
            await db.run_ddl("DROP FUNCTION job_search_wanted(text)")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
