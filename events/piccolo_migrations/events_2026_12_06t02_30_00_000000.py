"""Job search on SQLite: one and two characters through an index of each job's characters and character pairs.

FTS5's trigram index (…_job_search) finds nothing shorter than three characters, and most Chinese
job searches are one or two ("销售", "数据"): they scanned every job of the event. `job_gram` is a
contentless FTS5 table (no positions: `detail=none`) whose document is the set of the job's
characters and adjacent pairs of characters, each written as `g` and the hex of its UTF-8 bytes
so that any tokenizer reads it as one word ("数据" is `ge695b0e68dae`). Text is lower-cased as
SQLite's `lower()` and `LIKE` do (ASCII only), so a one- or two-character search is exactly a
lookup of one word; events/job_search.py still confirms each match with `LIKE`.

SQL has no loop, and a trigger no recursive query: the characters are cut out by a join with
`job_gram_position`, every position up to GRAMMED characters with widths 1 and 2. Longer text
(only a writer going past the API's limits can store it) is indexed up to there and marked with
the word `long`, which a search always takes as a candidate.

The rows follow the jobs through the triggers of …_job_search, recreated here with the gram
statements added (SQLite runs a table's triggers in no order one could rely on, and the gram
rows need the job's `job_search_key`). PostgreSQL needs nothing here: its `job_search_grams`
index (…t00_30…) already serves text of any length.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

from events.piccolo_migrations.events_2026_11_25t23_30_00_000000 import _fts_add, _fts_remove, _tally_change

ID = "2026-12-06T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_search_short_text"

#: Characters of a job's text that are indexed: the API stores at most 200 + 50 + 10,000 and two newlines.
GRAMMED = 12_000

#: A job's text as search reads it. Must be the same expression whenever a row goes in or out of the
#: table: a contentless FTS5 table removes a row only when given exactly the words it indexed.
_TEXT = "lower({row}.title || char(10) || {row}.category || char(10) || {row}.description)"


def gram_doc(row: str) -> str:
    """SQL for the words of `row` (`new`, `old` or a table alias): its distinct characters and pairs, and `long` past GRAMMED."""
    text = _TEXT.format(row=row)
    return (
        f"(SELECT coalesce(group_concat(word, ' '), '') FROM (SELECT DISTINCT 'g' || lower(hex(substr({text}, p.n, p.w))) AS word "
        f"FROM job_gram_position p WHERE p.n <= length({text}) AND p.n + p.w - 1 <= length({text})))"
        f" || CASE WHEN length({text}) > {GRAMMED} THEN ' long' ELSE '' END"
    )


def _gram_add(row: str) -> str:
    return f"INSERT INTO job_gram (rowid, doc) VALUES ((SELECT seq FROM job_search_key WHERE job = {row}.id), {gram_doc(row)});"


def _gram_remove(row: str) -> str:
    return (
        f"INSERT INTO job_gram (job_gram, rowid, doc) "
        f"VALUES ('delete', (SELECT seq FROM job_search_key WHERE job = {row}.id), {gram_doc(row)});"
    )


TABLES = [
    "CREATE TABLE job_gram_position (n INTEGER NOT NULL, w INTEGER NOT NULL, PRIMARY KEY (n, w)) WITHOUT ROWID",
    f"INSERT INTO job_gram_position (n, w) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {GRAMMED}) "
    "SELECT n, w FROM s, (SELECT 1 AS w UNION ALL SELECT 2)",
    "CREATE VIRTUAL TABLE job_gram USING fts5(doc, content='', detail=none, tokenize='ascii')",
    f"INSERT INTO job_gram (rowid, doc) SELECT k.seq, {gram_doc('j')} FROM job j JOIN job_search_key k ON k.job = j.id",
    "DROP TRIGGER job_after_insert",
    "DROP TRIGGER job_after_text_update",
    "DROP TRIGGER job_after_delete",
]


def _triggers(*, grams: bool) -> list[str]:
    """…_job_search's triggers on job, with the gram rows kept when `grams`."""
    add, remove = (_gram_add, _gram_remove) if grams else (lambda _: "", lambda _: "")
    return [
        f"""CREATE TRIGGER job_after_insert AFTER INSERT ON job BEGIN
            INSERT OR IGNORE INTO job_tally (event) VALUES (new.event);
            {_tally_change("new", "+")}
            INSERT INTO job_search_key (job) VALUES (new.id);
            {_fts_add("new")}
            {add("new")}
        END""",
        f"""CREATE TRIGGER job_after_text_update AFTER UPDATE OF title, category, description ON job BEGIN
            {_fts_remove("old")}
            {remove("old")}
            {_fts_add("new")}
            {add("new")}
        END""",
        f"""CREATE TRIGGER job_after_delete AFTER DELETE ON job BEGIN
            {_tally_change("old", "-")}
            {_fts_remove("old")}
            {remove("old")}
            DELETE FROM job_search_key WHERE job = old.id;
        END""",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run() -> None:
        db = engine_finder()
        if db.engine_type != "sqlite":
            return
        for sql in [*TABLES, *_triggers(grams=True)]:
            await db.run_ddl(sql)

    async def undo() -> None:
        db = engine_finder()
        if db.engine_type != "sqlite":
            return
        for sql in ["DROP TRIGGER job_after_insert", "DROP TRIGGER job_after_text_update", "DROP TRIGGER job_after_delete", *_triggers(grams=False),
                    "DROP TABLE job_gram", "DROP TABLE job_gram_position"]:
            await db.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
