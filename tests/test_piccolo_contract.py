"""The Piccolo (and aiosqlite) internals events/db.py builds on, checked so that an upgrade that changes them fails here, by name.

`PooledSQLiteEngine` overrides Piccolo's private `_run_in_new_connection` and
`_run_in_existing_connection` (which `run_querystring` and `run_ddl` call), and `_PooledTransaction`
re-implements `SQLiteTransaction.__aexit__` around the private `_parent`, `_committed`,
`_rolled_back` and `context`; `_SharedTransaction` opens such a transaction by hand
(`connection`, `begin()`) and sets `current_transaction` itself. None of that is public API: a
Piccolo release may rename or rework any of it, and the pool would then be bypassed silently (a
connection and a thread per query again) or, worse, end transactions wrongly. Each test below says
which internal changed and in which Piccolo version; the fingerprints say when code we copied the
behaviour of changed at all, so that someone reads the new version before trusting the pool.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import inspect
import textwrap
from collections.abc import Callable

import aiosqlite
import piccolo
import pytest
from conftest import DATABASE
from piccolo.columns import Integer, Varchar
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from events import db
from events.tables import Stop

VERSION = piccolo.__VERSION__


def changed(internal: str, how: str) -> str:
    return (
        f"Piccolo {VERSION} (aiosqlite {aiosqlite.__version__}) changed {internal}, which events/db.py's SQLite pool relies on: {how}. "
        "Read the new code, adapt PooledSQLiteEngine/_PooledTransaction/_SharedTransaction, then update this contract."
    )


# ---------------------------------------------------------------- names and signatures

#: (owner, attribute, its parameters as events/db.py calls or overrides them)
SIGNATURES: list[tuple[type, str, list[str]]] = [
    (SQLiteEngine, "_run_in_new_connection", ["self", "query", "args", "query_type", "table"]),
    (SQLiteEngine, "_run_in_existing_connection", ["self", "connection", "query", "args", "query_type", "table"]),
    (SQLiteEngine, "transaction", ["self", "transaction_type", "allow_nested"]),
    (SQLiteEngine, "run_querystring", ["self", "querystring", "in_pool"]),
    (SQLiteEngine, "run_ddl", ["self", "ddl", "in_pool"]),
    (SQLiteTransaction, "__init__", ["self", "engine", "transaction_type", "allow_nested"]),
    (SQLiteTransaction, "get_connection", ["self"]),
    (SQLiteTransaction, "begin", ["self"]),
    (SQLiteTransaction, "commit", ["self"]),
    (SQLiteTransaction, "rollback", ["self"]),
    (SQLiteTransaction, "__aexit__", ["self", "exception_type", "exception", "traceback"]),
    (Engine, "transaction_exists", ["self"]),
    (PostgresEngine, "start_connection_pool", ["self"]),
    (PostgresEngine, "close_connection_pool", ["self"]),
]


@pytest.mark.parametrize(("owner", "name", "parameters"), SIGNATURES, ids=[f"{owner.__name__}.{name}" for owner, name, _ in SIGNATURES])
def test_the_methods_the_pool_overrides_or_calls_keep_their_names_and_parameters(owner: type, name: str, parameters: list[str]):
    method = getattr(owner, name, None)
    assert method is not None, changed(f"{owner.__name__}.{name}", "it is gone")
    found = list(inspect.signature(method).parameters)
    # Extra keyword parameters with defaults would be harmless; a renamed or reordered one is not.
    assert found[: len(parameters)] == parameters, changed(f"{owner.__name__}.{name}", f"its parameters are now {found}, not {parameters}")


def test_a_transaction_keeps_the_private_state_the_pool_reads_and_sets():
    slots = set(SQLiteTransaction.__slots__)
    for name in ("engine", "context", "connection", "transaction_type", "_parent", "_committed", "_rolled_back"):
        assert name in slots, changed(f"SQLiteTransaction.{name}", "it is no longer one of the transaction's slots")
    assert {member.name for member in TransactionType} >= {"deferred", "immediate"}, changed("TransactionType", "deferred/immediate are gone")


def test_the_engine_keeps_its_connection_settings_in_autocommit_mode(tmp_path):
    engine = SQLiteEngine(path=str(tmp_path / "contract.sqlite3"))
    kwargs = getattr(engine, "connection_kwargs", None)
    assert isinstance(kwargs, dict), changed("SQLiteEngine.connection_kwargs", "it is not a dict of aiosqlite.connect() arguments any more")
    # The pooled connections stay open between queries: only autocommit (isolation_level None) commits each statement by itself.
    assert kwargs.get("isolation_level", "missing") is None, changed("SQLiteEngine.connection_kwargs['isolation_level']", f"it is {kwargs.get('isolation_level', 'missing')!r}, not None (autocommit)")
    assert callable(dict_factory), changed("piccolo.engine.sqlite.dict_factory", "it is gone")
    assert isinstance(engine.current_transaction.get(), type(None)), changed("SQLiteEngine.current_transaction", "it is not a ContextVar defaulting to None")


async def test_aiosqlite_still_has_the_thread_the_pool_makes_a_daemon_and_a_stop(tmp_path):
    pending = aiosqlite.connect(str(tmp_path / "thread.sqlite3"))
    assert hasattr(pending, "_thread"), "aiosqlite changed: a connection has no `_thread`, which events/db.py marks as a daemon"
    assert callable(getattr(pending, "stop", None)), "aiosqlite changed: a connection has no `stop()`, which events/db.py calls on a stale loop's connections"
    connection = await pending
    await connection.close()


# ---------------------------------------------------------------- what the overridden methods copy

def _fingerprint(function: Callable) -> str:
    """A hash of the function's code, leaving out its docstring, comments and layout."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    node = tree.body[0]
    if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str):
        node.body = node.body[1:]
    return hashlib.sha256(ast.unparse(node).encode()).hexdigest()[:16]


#: The Piccolo code whose behaviour events/db.py re-implements or steps around, as it is in Piccolo 1.38.0.
#: A different fingerprint means that code changed: read it, carry the change over to events/db.py, then put the new fingerprint here.
FINGERPRINTS = {
    # PooledSQLiteEngine._run_in_new_connection replaces it: a pooled connection instead of a new one, no PRAGMA, no commit() (autocommit).
    "SQLiteEngine._run_in_new_connection": "9a2bd00849dbc5d7",
    # PooledSQLiteEngine._run_in_existing_connection replaces it: no PRAGMA before every statement.
    "SQLiteEngine._run_in_existing_connection": "3e155782a912908e",
    # Must still pick the existing/new-connection method by current_transaction, or the overrides are bypassed.
    "SQLiteEngine.run_querystring": "c3d6e77fd44bcea2",
    "SQLiteEngine.run_ddl": "a45fcc50a7e03770",
    # PooledSQLiteEngine._connect copies it (row factory, foreign keys on).
    "SQLiteEngine.get_connection": "7c098cd6d661f3fc",
    # _PooledTransaction.__aexit__ re-implements it, giving the connection back instead of closing it.
    "SQLiteTransaction.__aexit__": "844f0ac3d168cca2",
    # _SharedTransaction opens a transaction by hand: connection set, then begin(), then current_transaction set.
    "SQLiteTransaction.__aenter__": "2c0370613b2bfa84",
    "SQLiteTransaction.__init__": "eb4cf10d4a234b43",
    "SQLiteTransaction.begin": "3518f05b2635bf1f",
    "SQLiteTransaction.commit": "342948295a951a94",
    "SQLiteTransaction.rollback": "6e20d232a338b413",
}


@pytest.mark.parametrize("internal", sorted(FINGERPRINTS))
def test_the_piccolo_code_the_pool_re_implements_is_the_code_it_was_written_against(internal: str):
    owner, name = internal.split(".")
    function = getattr({"SQLiteEngine": SQLiteEngine, "SQLiteTransaction": SQLiteTransaction}[owner], name)
    assert _fingerprint(function) == FINGERPRINTS[internal], changed(
        internal, "its code is not the code events/db.py was written against (Piccolo 1.38.0; with that same Piccolo, a new Python's ast.unparse may only lay it out anew)"
    )


# ---------------------------------------------------------------- the behaviour, on a pool of its own

class ContractThing(Table, tablename="contract_thing"):
    name = Varchar(length=20)
    number = Integer()


@pytest.fixture
async def pool(tmp_path):
    """A PooledSQLiteEngine on a file of its own, with one table bound to it (whatever database the suite runs on)."""
    engine = db.PooledSQLiteEngine(path=str(tmp_path / "pool.sqlite3"), timeout=db.SQLITE_BUSY_TIMEOUT)
    bound = ContractThing._meta.db
    ContractThing._meta.db = engine
    try:
        await ContractThing.create_table()
        yield engine
    finally:
        ContractThing._meta.db = bound
        await engine.close_pool()


async def _visible_outside(engine: db.PooledSQLiteEngine, name: str) -> bool:
    """Whether a connection of its own (not from the pool) sees the row: whether it was committed."""
    async with aiosqlite.connect(engine.path) as connection:
        async with connection.execute('SELECT COUNT(*) FROM "contract_thing" WHERE "name" = ?', [name]) as cursor:
            return (await cursor.fetchone())[0] == 1


async def test_queries_outside_a_transaction_borrow_one_pooled_connection_and_give_it_back(pool):
    for n in range(5):
        await ContractThing.insert(ContractThing(name=f"row-{n}", number=n))
        rows = await ContractThing.select(ContractThing.name).where(ContractThing.number == n)
        assert rows == [{"name": f"row-{n}"}], changed("SQLiteEngine.run_querystring", f"rows came back as {rows!r}, not dicts (dict_factory)")
    assert (pool._opened, len(pool._idle)) == (1, 1), changed(
        "SQLiteEngine.run_querystring/_run_in_new_connection", f"ten queries one after another opened {pool._opened} pooled connections, not 1 (is the override still called?)"
    )
    assert pool._idle[0]._thread.daemon, "aiosqlite changed: the pooled connection's thread is not a daemon"


async def test_concurrent_queries_never_open_more_than_the_pool_holds(pool):
    await asyncio.gather(*(ContractThing.select().where(ContractThing.number == n) for n in range(4 * db.PooledSQLiteEngine.POOL_SIZE)))
    assert pool._opened <= db.PooledSQLiteEngine.POOL_SIZE
    assert len(pool._idle) == pool._opened


async def test_a_transaction_runs_on_one_pooled_connection_commits_on_exit_and_gives_it_back(pool):
    async with pool.transaction(transaction_type=TransactionType.immediate) as transaction:
        assert pool.current_transaction.get() is transaction, changed("SQLiteTransaction.__aenter__", "it no longer sets engine.current_transaction")
        await ContractThing.insert(ContractThing(name="inside", number=1))
        assert await ContractThing.count().where(ContractThing.name == "inside") == 1, changed(
            "SQLiteEngine._run_in_existing_connection", "a query inside the transaction did not see the transaction's own row"
        )
        assert not await _visible_outside(pool, "inside"), changed("SQLiteTransaction.begin", "the row was committed before the transaction ended")
        connection = transaction.connection
    assert transaction._committed and not transaction._rolled_back, changed("SQLiteTransaction.commit", "_committed/_rolled_back are not set as before")
    assert await _visible_outside(pool, "inside")
    assert pool.current_transaction.get() is None
    assert pool._idle == [connection], "the transaction's connection was not given back to the pool"


async def test_a_nested_transaction_joins_its_parent_and_leaves_the_commit_to_it(pool):
    async with pool.transaction(transaction_type=TransactionType.immediate) as outer:
        inner = pool.transaction()
        assert inner._parent is outer, changed("SQLiteTransaction._parent", "a transaction opened inside another does not record it as its parent")
        async with inner as joined:
            assert joined is outer, changed("SQLiteTransaction.__aenter__", "a nested transaction does not hand back its parent")
            await ContractThing.insert(ContractThing(name="nested", number=2))
        assert not await _visible_outside(pool, "nested"), changed("SQLiteTransaction.__aexit__", "leaving a nested transaction committed its parent's work")
    assert await _visible_outside(pool, "nested")


async def test_a_failing_transaction_rolls_back_and_its_connection_serves_again(pool):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with pool.transaction(transaction_type=TransactionType.immediate) as transaction:
            await ContractThing.insert(ContractThing(name="undone", number=3))
            raise Boom
    assert transaction._rolled_back, changed("SQLiteTransaction.rollback", "_rolled_back is not set")
    assert await ContractThing.count().where(ContractThing.name == "undone") == 0
    assert pool.current_transaction.get() is None
    # The connection came back with no transaction open on it: the next immediate transaction can begin on it.
    async with pool.transaction(transaction_type=TransactionType.immediate):
        await ContractThing.insert(ContractThing(name="after", number=4))
    assert await _visible_outside(pool, "after")
    assert pool._opened == 1


async def test_a_transaction_opened_by_hand_is_what_queries_run_in(pool):
    """What _SharedTransaction does: connection set, begin(), current_transaction set by hand, COMMIT sent by hand."""
    transaction = await db._begin(pool)
    token = pool.current_transaction.set(transaction)
    try:
        await ContractThing.insert(ContractThing(name="by-hand", number=5))
        assert pool.transaction_exists(), changed("Engine.transaction_exists", "it does not see a transaction set in current_transaction")
        assert not await _visible_outside(pool, "by-hand")
    finally:
        pool.current_transaction.reset(token)
    await db._finish(pool, transaction, commit=True)
    assert await _visible_outside(pool, "by-hand")
    assert pool._idle == [transaction.connection]


@pytest.mark.skipif(DATABASE != "postgresql", reason="PostgreSQL's side of the contract")
async def test_on_postgresql_a_write_transaction_holds_an_asyncpg_connection_and_rows_lock_without_key(app):
    async with db.write_transaction():
        transaction = db.engine().current_transaction.get()
        assert transaction is not None and callable(getattr(transaction.connection, "fetch", None)), changed(
            "PostgresTransaction.connection", "db.insert_new calls asyncpg's fetch() on it"
        )
        assert await db.insert_new(Stop, [], returning=Stop.id) == []
    sql = str(db.for_update(Stop.select(Stop.id)))
    assert "FOR NO KEY UPDATE" in sql, changed("Select.lock_rows", f"lock_rows('NO KEY UPDATE') wrote {sql!r}")


@pytest.mark.skipif(DATABASE != "postgresql", reason="PostgreSQL's side of the contract")
async def test_on_postgresql_the_pool_gives_connections_back_without_asyncpgs_reset_query(app):
    pool = db.engine().pool
    assert getattr(pool, "_reset", None) is db._keep_session, (
        "asyncpg's Pool no longer keeps the `reset` given to create_pool() (Piccolo's start_connection_pool passes it on): "
        "every release would send the reset query again (events/db.py _keep_session)"
    )
    with pytest.raises(RuntimeError):
        async with db.write_transaction():
            await Stop.select(Stop.id)
            raise RuntimeError("abandon the transaction")
    # A connection given back after a failed transaction still serves: asyncpg rolls back whatever reset it is given.
    assert await Stop.count() >= 0
