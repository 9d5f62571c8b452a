"""Group commit for hot writes: requests that arrive while a batch is being written wait for the next one, and share its transaction."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from events.errors import DomainError

Item = TypeVar("Item")
Result = TypeVar("Result")

log = logging.getLogger(__name__)

#: When any batcher last took an item (time.monotonic()): hot writes are coming in while this is recent.
_last_item_at = float("-inf")


def seconds_since_last_item() -> float:
    """How long no batcher in this process has been given an item (the inline delivery worker yields to them)."""
    return time.monotonic() - _last_item_at


class Batcher(Generic[Item, Result]):
    """Feeds `write` every item queued since its last call: a lone item is written at once, and under
    load each call (one transaction) carries everything that queued meanwhile.

    `write` returns a result, or the DomainError that refuses it, per item and in order; each caller
    hears its own only after `write` returns, that is after its transaction committed. With more than
    one writer, one batch is prepared while the other waits for its commit (on SQLite they then share
    that commit, see db.write_transaction).
    """

    def __init__(self, write: Callable[[list[Item]], Awaitable[list[Result | DomainError]]], *, limit: int, writers: int = 1) -> None:
        self._write_batch = write
        self._limit = limit
        self._writers_wanted = writers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[tuple[Item, asyncio.Future]] = []
        self._writers: set[asyncio.Task] = set()

    async def submit(self, item: Item) -> Result:
        global _last_item_at
        _last_item_at = time.monotonic()
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Futures and tasks belong to the loop that made them; a batcher outlives loops (tests, `main.py run`).
            self._loop, self._queue, self._writers = loop, [], set()
        answer = loop.create_future()
        self._queue.append((item, answer))
        self._writers = {writer for writer in self._writers if not writer.done()}
        if len(self._writers) < self._writers_wanted:
            # A context of its own: the writer serves many callers, so it must not carry the first one's
            # contextvars (its request id in the logs, a transaction it happened to be inside).
            self._writers.add(loop.create_task(self._write(), context=contextvars.Context()))
        # Shielded: a caller that hangs up does not take its item out of a batch being written.
        result = await asyncio.shield(answer)
        if isinstance(result, DomainError):
            raise result
        return result

    @property
    def idle(self) -> bool:
        return not self._queue and not any(not writer.done() for writer in self._writers)

    async def _write(self) -> None:
        while self._queue:
            taken, self._queue = self._queue[: self._limit], self._queue[self._limit :]
            try:
                results = await self._write_batch([item for item, _ in taken])
            except BaseException as error:  # the batch's transaction failed (or the writer was stopped): every caller in it hears why
                for _, answer in taken:
                    if not answer.done():
                        answer.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            if not isinstance(results, list) or len(results) != len(taken):
                # A bug in `write`, after its transaction committed: nobody may be left waiting, and nobody
                # told a result that may be someone else's.
                log.error("batch writer %s answered %r for %d items", self._write_batch, type(results), len(taken))
                error = RuntimeError("the batch writer answered the wrong number of results")
                for _, answer in taken:
                    if not answer.done():
                        answer.set_exception(error)
                continue
            for (_, answer), result in zip(taken, results, strict=True):
                if not answer.done():
                    answer.set_result(result)
