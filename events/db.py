"""Database engine choice and the transaction that serialises writers on both engines."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.engine.sqlite import dict_factory as sqlite_dict_factory
from piccolo.table import Table
from uuid_utils import compat as uuid_utils

#: Seconds a SQLite writer waits for the lock before failing; writers queue rather than fail.
SQLITE_BUSY_TIMEOUT = 30
#: A writer holding SQLite's one write lock longer than this is logged: everyone else waited for it.
SLOW_WRITER_SECONDS = 0.05

log = logging.getLogger(__name__)


def make_engine(database_url: str | None, sqlite_path: Path) -> Engine:
    """PostgreSQL for a postgresql:// URL, otherwise a SQLite file."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": database_url})
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return PooledSQLiteEngine(path=str(sqlite_path), timeout=SQLITE_BUSY_TIMEOUT)


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, keeping its connections open between queries.

    Piccolo opens a new connection (a new thread, `PRAGMA foreign_keys`) for every query
    outside a transaction and for every transaction, and sends the PRAGMA again before each
    statement inside one. Profiled under a scan load, that connection churn cost more than
    the SQL. Here queries and transactions borrow a connection from a small pool; the
    connections are in autocommit mode (Piccolo's `isolation_level=None`) with foreign keys
    switched on once. A connection whose transaction could not be ended cleanly is closed,
    never reused.
    """

    POOL_SIZE = 8

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list = []
        self._opened = 0
        self._returned: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connect(self):
        connection = aiosqlite.connect(**self.connection_kwargs)
        # aiosqlite's worker threads are not daemons: one left open would keep the process from exiting.
        connection._thread.daemon = True
        connection = await connection
        connection.row_factory = sqlite_dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def acquire(self):
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A new event loop (the CLI migrates in one, then serves in another): start a fresh pool.
            for connection in self._idle:
                connection.stop()
            self._idle, self._opened, self._returned, self._loop = [], 0, asyncio.Condition(), loop
        async with self._returned:
            while not self._idle and self._opened >= self.POOL_SIZE:
                await self._returned.wait()
            if self._idle:
                return self._idle.pop()
            self._opened += 1
        try:
            return await self._connect()
        except BaseException:
            await self._forget(None)
            raise

    async def release(self, connection) -> None:
        if self._loop is not asyncio.get_running_loop() or self._returned is None:
            connection.stop()
            return
        async with self._returned:
            self._idle.append(connection)
            self._returned.notify()

    async def _forget(self, connection) -> None:
        """Drop a connection that may hold a half-finished transaction."""
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
        assert self._returned is not None
        async with self._returned:
            self._opened -= 1
            self._returned.notify()

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        self._opened -= len(idle)

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        connection = await self.acquire()
        try:
            rows = await connection.execute_fetchall(query, args or [])
        except BaseException:
            await self._forget(connection)
            raise
        await self.release(connection)
        return list(rows)

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        return list(await connection.execute_fetchall(query, args or []))

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True) -> SQLiteTransaction:
        return _PooledTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)


class _PooledTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on a pooled connection, given back (not closed) when it ends."""

    async def get_connection(self):
        return await self.engine.acquire()

    async def begin(self):
        try:
            await super().begin()
        except BaseException:
            await self.engine._forget(self.connection)
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.engine._forget(self.connection)
            raise
        else:
            await self.engine.release(self.connection)
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None


def engine() -> Engine:
    from events.tables import Event

    return Event._meta.db


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


class _SharedTransaction:
    """SQLite's writers, one at a time, sharing one transaction and one COMMIT.

    Every COMMIT waits for an fsync (measured here: 10 ms), and SQLite lets only one writer
    through at a time: one COMMIT each capped writes at about a hundred a second. So writers that queue
    up share one physical transaction: each runs inside its own SAVEPOINT (its failure rolls
    back only its own changes), and one COMMIT after the last of them makes all their changes
    durable together. A writer is let go only after that COMMIT, so nothing is acknowledged
    before it is on disk; a failed COMMIT fails every writer in the group, none of which had
    been acknowledged. Queueing in order also beats letting hundreds of SQLite writers poll the
    file lock (STACK-NOTES: p99 1.4 s → 0.2 s).
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._turn: asyncio.Lock | None = None
        self._open = None
        self._group: list[asyncio.Future] = []
        self._committer: asyncio.Task | None = None

    @asynccontextmanager
    async def write(self, db: PooledSQLiteEngine) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Everything here belongs to one event loop: `main.py run` loads the demo in one
            # (asyncio.run) and serves in another. Ask our own record, not the lock: an
            # asyncio.Lock's _get_loop() raises on a foreign loop instead of answering.
            self._loop, self._turn, self._open, self._group, self._committer = loop, asyncio.Lock(), None, [], None
        assert self._turn is not None
        async with self._turn:
            took_turn = time.perf_counter()
            if self._open is None:
                self._open = await _begin(db)
            transaction = self._open
            token = db.current_transaction.set(transaction)
            try:
                await transaction.connection.execute("SAVEPOINT writer")
                try:
                    yield
                except BaseException:
                    await transaction.connection.execute("ROLLBACK TO SAVEPOINT writer")
                    await transaction.connection.execute("RELEASE SAVEPOINT writer")
                    raise
                await transaction.connection.execute("RELEASE SAVEPOINT writer")
            except BaseException:
                if self._open is transaction and not self._group:
                    await self._end(db)
                raise
            finally:
                db.current_transaction.reset(token)
                held = time.perf_counter() - took_turn
                if held > SLOW_WRITER_SECONDS:
                    log.warning("a writer held the SQLite write lock for %.0f ms (every other writer waited): keep slow work out of write_transaction()", held * 1000)
            committed = loop.create_future()
            self._group.append(committed)
            if self._committer is None:
                # Queued behind the writers already waiting (the lock is first come, first served): one COMMIT for them all.
                self._committer = loop.create_task(self._commit(db))
        # Shielded: a writer whose caller hangs up is still part of the COMMIT.
        await asyncio.shield(committed)

    async def _commit(self, db: PooledSQLiteEngine) -> None:
        assert self._turn is not None
        async with self._turn:
            self._committer = None
            await self._end(db)

    async def _end(self, db: PooledSQLiteEngine) -> None:
        """COMMIT the open transaction (ROLLBACK if it holds no finished writer) and tell its writers."""
        transaction, group = self._open, self._group
        self._open, self._group = None, []
        if transaction is None:
            return
        try:
            await _finish(db, transaction, commit=bool(group))
        except BaseException as error:
            for committed in group:
                committed.set_exception(error if isinstance(error, Exception) else RuntimeError("the commit was interrupted"))
            raise
        for committed in group:
            committed.set_result(None)


async def _begin(db: PooledSQLiteEngine) -> SQLiteTransaction:
    """A Piccolo transaction object opened by hand, so that several tasks can run queries in it."""
    transaction = _PooledTransaction(engine=db, transaction_type=TransactionType.immediate)
    transaction.connection = await db.acquire()
    await transaction.begin()
    return transaction


async def _finish(db: PooledSQLiteEngine, transaction: SQLiteTransaction, *, commit: bool) -> None:
    """COMMIT or ROLLBACK a transaction from `_begin` and give its connection back (a broken one is dropped)."""
    try:
        await transaction.connection.execute("COMMIT" if commit else "ROLLBACK")
    except BaseException:
        with contextlib.suppress(Exception):
            await transaction.connection.execute("ROLLBACK")
        await db._forget(transaction.connection)
        raise
    await db.release(transaction.connection)


_SQLITE_WRITERS = _SharedTransaction()


#: Callbacks of the outermost write_transaction() in progress, run once it has committed.
_after_commit: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar("after_commit", default=None)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` (once) after the current write transaction commits; never if it rolls back.

    Inside a transaction opened some other way (not write_transaction) there is no commit to wait for: it runs now.
    """
    callbacks = _after_commit.get()
    if callbacks is None:
        callback()
    elif callback not in callbacks:
        callbacks.append(callback)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that may read then write without losing a race.

    SQLite: one writer at a time in this process, under `BEGIN IMMEDIATE`, which takes the
    database's write lock up front (a deferred transaction that reads and then writes fails
    with "database is locked"); writers queued together share one COMMIT (_SharedTransaction).
    PostgreSQL: a plain transaction; callers that must serialise lock rows (`for_update`) or
    use conditional updates (and batch what would queue on one hot row: events.batching).
    """
    db = engine()
    if db.transaction_exists():
        yield
        return
    callbacks: list[Callable[[], None]] = []
    token = _after_commit.set(callbacks)
    try:
        if isinstance(db, PooledSQLiteEngine):
            async with _SQLITE_WRITERS.write(db):
                yield
        elif isinstance(db, SQLiteEngine):
            async with db.transaction(transaction_type=TransactionType.immediate):
                yield
        else:
            async with db.transaction():
                yield
    finally:
        _after_commit.reset(token)
    # Only reached once the COMMIT succeeded (on SQLite: the group's COMMIT this writer waited for).
    for callback in callbacks:
        callback()


def for_update(query):
    """Lock the selected rows until the transaction ends (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds the database.

    NO KEY UPDATE, not UPDATE: we never change a key, and a plain FOR UPDATE also blocks the
    KEY SHARE locks that PostgreSQL's foreign-key checks take on the parent row. That deadlocked
    a capacity change (event locked) against a cancellation whose second UPDATE of the stop
    re-checked the stop's foreign key to the event.
    """
    return query if is_sqlite() else query.lock_rows("NO KEY UPDATE")


async def open_database() -> None:
    """Prepare the engine for serving: WAL for SQLite, a pool for PostgreSQL."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        # WAL lets readers proceed while one writer commits; the mode persists in the file.
        await db.run_ddl("PRAGMA journal_mode=WAL")
        # Every SQLite statement is a hop to a connection's thread and back. With the event loop
        # busy serving requests, that thread waited up to the default 5 ms switch interval for
        # the GIL on each hop; a 0.5 ms interval cut scan latency under load (docs/benchmarks.md).
        sys.setswitchinterval(0.0005)
    else:
        await db.start_connection_pool(reset=_keep_session)


async def _keep_session(connection) -> None:
    """What asyncpg's pool does to a connection given back, besides rolling back an open transaction (which it always does).

    By default it also sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`: one
    more round trip after every query outside a transaction and every transaction (docs/benchmarks.md,
    "Writes"). This app leaves none of that on a session: no advisory locks, no cursors outside a
    transaction, no LISTEN (live updates go through Redis), no session SET. tests/test_piccolo_contract.py
    checks that the pool is made with this.
    """


async def close_database() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_pool()


async def ping() -> None:
    """Raise if the database does not answer."""
    await engine().run_ddl("SELECT 1")


_LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def contains(column: Column, text: str) -> WhereRaw:
    """A case-insensitive match of `text` anywhere in the column, taken literally: `%`, `_` and `\\` match themselves.

    Piccolo's like()/ilike() cannot say ESCAPE, and without it PostgreSQL and SQLite read a
    backslash differently; so this one clause is written out, with the text still a bound parameter.
    """
    operator = "LIKE" if is_sqlite() else "ILIKE"  # SQLite's LIKE already ignores ASCII case
    pattern = f"%{text.translate(_LIKE_ESCAPES)}%"
    return WhereRaw(f"{column._meta.get_full_name(with_alias=False)} {operator} {{}} ESCAPE '\\'", pattern)


def raw_migration(*, migration_id: str, description: str, statements: dict[str, str]):
    """A Piccolo migration that runs SQL both engines accept (named CREATE INDEX statements) and drops them going back."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager
    from piccolo.engine.finder import engine_finder

    manager = MigrationManager(migration_id=migration_id, app_name="events", description=description)

    async def forwards() -> None:
        for sql in statements.values():
            await engine_finder().run_ddl(sql)

    async def backwards() -> None:
        for name in statements:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(forwards)
    manager.add_raw_backwards(backwards)
    return manager


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID column's value from a raw query: PostgreSQL gives a UUID, SQLite its text."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def new_ordered_id() -> uuid.UUID:
    """A UUIDv7: the time comes first, so rows a hot path appends in bulk (domain events, messages, delivery attempts)
    go to the end of their primary key's index instead of one random page each.

    Random (v4) keys dirty a different index page per row, and every page goes to the WAL at the commit: measured on
    SQLite with 64-row batches into 300,000 rows, 42 µs a row against 9 µs (the outbox's cost on the scan path, issue 13).
    The id still says nothing a client could guess beyond the millisecond it was made.
    """
    return uuid_utils.uuid7()


async def insert_new(table: type[Table], rows: list[dict[str, Any]], *, returning: Column) -> list[str]:
    """INSERT the rows (one statement), skipping any that hit a unique index; the `returning` value of each row that went in, as text.

    For the scan path's batches: Piccolo builds a multi-row INSERT from Table objects, and
    profiled under load that building cost several times the statement itself. The rows are
    plain dicts with every column given; values are bound as parameters.
    """
    if not rows:
        return []
    columns = list(rows[0])
    db = engine()
    sqlite = isinstance(db, SQLiteEngine)
    width = len(columns)
    placeholders = ", ".join(
        "(" + ", ".join("?" if sqlite else f"${row * width + col + 1}" for col in range(width)) + ")" for row in range(len(rows))
    )
    names = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES {placeholders} ON CONFLICT DO NOTHING RETURNING "{returning._meta.db_column_name}"'  # noqa: S608 (names come from our tables, values are parameters)
    values = [row[name] for row in rows for name in columns]
    transaction = db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_new runs inside write_transaction()")
    if sqlite:
        found = await transaction.connection.execute_fetchall(sql, values)
        return [str(next(iter(row.values()))) for row in found]
    return [str(row[0]) for row in await transaction.connection.fetch(sql, *values)]
