"""Job search on SQLite: one index of each job's characters, pairs of characters and filter values.

FTS5's trigram index (…_job_search) found nothing shorter than three characters, and most Chinese
job searches are one or two ("销售", "数据"): they read every job of the event. Longer ones found
through it were each read back to test the other filters: "工程师" in half the jobs meant reading
half the jobs to count the few in one category. `job_gram` replaces it: a contentless FTS5 table
without positions (`detail=none`) whose document for a job is a set of words,
- its characters and adjacent pairs of characters, each `g` and the hex of its UTF-8 bytes
  ("数据" is `ge695b0e68dae`), lower-cased as SQLite's `lower()` and `LIKE` do (ASCII only);
- its facets: `v` and the event, `x` and the status (`xdeleted` once deleted), `c` and the hex
  of the category, `e` and the hex of the education, `m` and the employer.
A search asks for its text's character or pairs AND the facets it filters on
(events/job_search.py `_Search.facets`), reads back only the jobs that have them all, and tests
those with the exact conditions (text by LIKE, salary, majors).

SQL has no loop, and a trigger no recursive query: the characters are cut out by a join with
`job_gram_position`, every position up to GRAMMED characters with widths 1 and 2. Longer text
(only a writer going past the API's limits can store it) is indexed up to there and marked with
the word `long`, which a text search always takes as a candidate.

The rows follow the jobs through the triggers of …_job_search, recreated here (SQLite runs a
table's triggers in no order one could rely on, and the gram rows need the job's
`job_search_key`). PostgreSQL needs nothing here: its `job_search_grams` index (…t00_30…) serves
text of any length.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

from events.piccolo_migrations.events_2026_11_25t23_30_00_000000 import SQLITE as SQLITE_BEFORE
from events.piccolo_migrations.events_2026_11_25t23_30_00_000000 import SQLITE_DOC, _tally_change

ID = "2026-12-06T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_search_short_text"

#: Characters of a job's text that are indexed: the API stores at most 200 + 50 + 10,000 and two newlines.
GRAMMED = 12_000

#: A job's text as search reads it. Must be the same expression whenever a row goes in or out of the
#: table: a contentless FTS5 table removes a row only when given exactly the words it indexed.
_TEXT = "lower({row}.title || char(10) || {row}.category || char(10) || {row}.description)"

#: The columns whose change changes a job's words.
INDEXED = "title, category, description, event, status, deleted_at, education, employer"


def gram_doc(row: str) -> str:
    """SQL for the words of `row` (`new`, `old` or a table alias): its characters and pairs, `long` past GRAMMED, its facets."""
    text = _TEXT.format(row=row)
    return (
        f"(SELECT coalesce(group_concat(word, ' '), '') FROM (SELECT DISTINCT 'g' || lower(hex(substr({text}, p.n, p.w))) AS word "
        f"FROM job_gram_position p WHERE p.n <= length({text}) AND p.n + p.w - 1 <= length({text})))"
        f" || CASE WHEN length({text}) > {GRAMMED} THEN ' long' ELSE '' END"
        f" || ' v' || replace({row}.event, '-', '')"
        f" || ' x' || CASE WHEN {row}.deleted_at IS NULL THEN {row}.status ELSE 'deleted' END"
        f" || ' c' || lower(hex({row}.category)) || ' e' || lower(hex({row}.education)) || ' m' || replace({row}.employer, '-', '')"
    )


def _gram_add(row: str) -> str:
    return f"INSERT INTO job_gram (rowid, doc) VALUES ((SELECT seq FROM job_search_key WHERE job = {row}.id), {gram_doc(row)});"


def _gram_remove(row: str) -> str:
    return (
        f"INSERT INTO job_gram (job_gram, rowid, doc) "
        f"VALUES ('delete', (SELECT seq FROM job_search_key WHERE job = {row}.id), {gram_doc(row)});"
    )


FORWARDS = [
    "CREATE TABLE job_gram_position (n INTEGER NOT NULL, w INTEGER NOT NULL, PRIMARY KEY (n, w)) WITHOUT ROWID",
    f"INSERT INTO job_gram_position (n, w) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {GRAMMED}) "
    "SELECT n, w FROM s, (SELECT 1 AS w UNION ALL SELECT 2)",
    "CREATE VIRTUAL TABLE job_gram USING fts5(doc, content='', detail=none, tokenize='ascii')",
    f"INSERT INTO job_gram (rowid, doc) SELECT k.seq, {gram_doc('j')} FROM job j JOIN job_search_key k ON k.job = j.id",
    "DROP TRIGGER job_after_insert",
    "DROP TRIGGER job_after_text_update",
    "DROP TRIGGER job_after_delete",
    "DROP TABLE job_search",
    f"""CREATE TRIGGER job_after_insert AFTER INSERT ON job BEGIN
        INSERT OR IGNORE INTO job_tally (event) VALUES (new.event);
        {_tally_change("new", "+")}
        INSERT INTO job_search_key (job) VALUES (new.id);
        {_gram_add("new")}
    END""",
    f"""CREATE TRIGGER job_after_indexed_update AFTER UPDATE OF {INDEXED} ON job BEGIN
        {_gram_remove("old")}
        {_gram_add("new")}
    END""",
    f"""CREATE TRIGGER job_after_delete AFTER DELETE ON job BEGIN
        {_tally_change("old", "-")}
        {_gram_remove("old")}
        DELETE FROM job_search_key WHERE job = old.id;
    END""",
]

#: …_job_search's trigram table and triggers, as they were.
BACKWARDS = [
    "DROP TRIGGER job_after_insert",
    "DROP TRIGGER job_after_indexed_update",
    "DROP TRIGGER job_after_delete",
    "DROP TABLE job_gram",
    "DROP TABLE job_gram_position",
    "CREATE VIRTUAL TABLE job_search USING fts5(doc, content='', tokenize='trigram')",
    f"INSERT INTO job_search (rowid, doc) SELECT k.seq, {SQLITE_DOC.format(row='j')} FROM job j JOIN job_search_key k ON k.job = j.id",
    *(sql for sql in SQLITE_BEFORE if sql.startswith(("CREATE TRIGGER job_after_insert", "CREATE TRIGGER job_after_text_update", "CREATE TRIGGER job_after_delete"))),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        if db.engine_type != "sqlite":
            return
        for sql in FORWARDS:
            await db.run_ddl(sql)

    async def undo() -> None:
        db = engine_finder()
        if db.engine_type != "sqlite":
            return
        for sql in BACKWARDS:
            await db.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
