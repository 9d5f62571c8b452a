"""Per-worker caches: bounded, versioned, single-flight, with hit and miss counts; the one helper every in-memory cache uses.

A worker may keep something in memory only when it is bounded (by entries, by bytes, or both:
least recently used go first), valid only for the version it was made for (a version read from
the database, so every worker agrees without messages, or this worker's own generation counter),
and made once when many ask at once (concurrent misses for one key and version wait for one
computation, in a task of its own so that one caller hanging up does not cancel the others').
An optional time to live bounds how long an entry is trusted when its version is this worker's
own (a change made through another worker shows within it).

Counts are plain integers, read by Prometheus at scrape time (`events_cache_*`): a hit costs no lock.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Generic, TypeVar

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

V = TypeVar("V")
#: What `get` answers for a key it does not hold for that version (None can be a value worth keeping).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()


class _Kept:
    __slots__ = ("expires", "size", "value", "version")

    def __init__(self, value: Any, version: Hashable, size: int, expires: float | None) -> None:
        self.value, self.version, self.size, self.expires = value, version, size, expires


class Cache(Generic[V]):
    """A bounded, versioned, single-flight cache of one kind of value, per worker."""

    def __init__(
        self,
        name: str,
        *,
        max_entries: int | None = None,
        max_bytes: int | None = None,
        size: Callable[[V], int] | None = None,
        ttl: float | None = None,
        threads: bool = False,
    ) -> None:
        if max_entries is None and max_bytes is None:
            raise ValueError("a cache needs a bound: max_entries, max_bytes or both")
        if max_bytes is not None and size is None:
            raise ValueError("a cache bounded by bytes needs size(value)")
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._flights: dict[tuple[Hashable, Hashable], asyncio.Task] = {}
        #: Caches used from worker threads too (iCal heads are made while rendering in a thread) take a lock.
        self._lock: AbstractContextManager[Any] = threading.Lock() if threads else nullcontext()
        self.bytes = 0
        self.hits = self.misses = self.joined = self.evictions = 0
        _ALL.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._entries)

    def values(self) -> Iterator[V]:
        with self._lock:
            return iter([kept.value for kept in self._entries.values()])

    def get(self, key: Hashable, version: Hashable = None) -> V:
        """The value kept for `key` and this version, not expired, or MISSING; counted as a hit or a miss."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept.version == version and (kept.expires is None or kept.expires > time.monotonic()):
                self._entries.move_to_end(key)
                self.hits += 1
                return kept.value
        self.misses += 1
        return MISSING

    def peek(self, key: Hashable) -> tuple[Hashable, V] | None:
        """(version, value) kept for `key` whatever its version or age, uncounted: what a patch starts from."""
        kept = self._entries.get(key)
        return None if kept is None else (kept.version, kept.value)

    def put(self, key: Hashable, value: V, *, version: Hashable = None, ttl: float | None = None, started: float | None = None) -> V:
        """Keep `value` for `key` and this version (replacing any other version), then drop the least recently used beyond the bounds.

        `ttl` (or the cache's) counts from `started` (monotonic), by default now: from when the value's reads began.
        """
        ttl = self.ttl if ttl is None else ttl
        expires = None if ttl is None else (time.monotonic() if started is None else started) + ttl
        size = self._size(value) if self._size is not None else 0
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = _Kept(value, version, size, expires)
            self.bytes += size
            # The newest entry stays even alone past the byte bound: a feed larger than the budget is still served from memory.
            while len(self._entries) > 1 and (
                (self.max_entries is not None and len(self._entries) > self.max_entries)
                or (self.max_bytes is not None and self.bytes > self.max_bytes)
            ):
                _key, oldest = self._entries.popitem(last=False)
                self.bytes -= oldest.size
                self.evictions += 1
        return value

    async def get_or_make(self, key: Hashable, make: Callable[[], Awaitable[V]], *, version: Hashable = None, ttl: float | None = None) -> V:
        """The kept value, or `make()`'s, kept; concurrent misses for the same key and version wait for one `make()`.

        If `make()` raises, every waiter gets the error and nothing is kept.
        """
        found = self.get(key, version)
        if found is not MISSING:
            return found
        flight = (key, version)
        task = self._flights.get(flight)
        loop = asyncio.get_running_loop()
        if task is None or task.get_loop() is not loop:
            # A task of its own: one caller hanging up must not cancel the others' answer.
            task = loop.create_task(self._make(key, make, version, ttl))
            self._flights[flight] = task
            task.add_done_callback(lambda done: self._landed(flight, done))
        else:
            # Counted as a miss by get() above; undo that, it is a wait for someone else's miss.
            self.misses -= 1
            self.joined += 1
        return await asyncio.shield(task)

    async def _make(self, key: Hashable, make: Callable[[], Awaitable[V]], version: Hashable, ttl: float | None) -> V:
        started = time.monotonic()
        value = await make()
        # Kept by the task itself, before it counts as done: a request arriving between the end of make() and its first
        # waiter waking up finds the value, instead of neither the flight nor the value (and making it again).
        return self.put(key, value, version=version, ttl=ttl, started=started)

    def _landed(self, flight: tuple[Hashable, Hashable], task: asyncio.Task) -> None:
        if self._flights.get(flight) is task:
            del self._flights[flight]
        if not task.cancelled():
            task.exception()  # retrieved: when every waiter hung up, asyncio would otherwise log it as never retrieved

    def discard(self, key: Hashable) -> None:
        with self._lock:
            kept = self._entries.pop(key, None)
            if kept is not None:
                self.bytes -= kept.size

    def discard_where(self, condition: Callable[[Hashable, V], bool]) -> int:
        """Forget every entry for which condition(key, value) holds; how many went."""
        with self._lock:
            gone = [key for key, kept in self._entries.items() if condition(key, kept.value)]
            for key in gone:
                self.bytes -= self._entries.pop(key).size
        return len(gone)

    def clear(self) -> None:
        """Forget every entry (flights under way finish and keep what they made, for the version they were made for)."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0


_ALL: weakref.WeakSet[Cache] = weakref.WeakSet()


class CacheCollector(Collector):
    """Every cache's hits, misses, waits and evictions, entries and bytes, read at scrape time (summed per name)."""

    def collect(self):
        requests = CounterMetricFamily("events_cache_requests", "Cache lookups: hit, miss (made), joined (waited for another's make).",
                                       labels=["cache", "result"])
        evictions = CounterMetricFamily("events_cache_evictions", "Entries dropped to stay within a cache's bounds.", labels=["cache"])
        entries = GaugeMetricFamily("events_cache_entries", "Entries kept.", labels=["cache"])
        size = GaugeMetricFamily("events_cache_bytes", "Bytes kept, as each cache counts them (compressed, for feeds).", labels=["cache"])
        totals: dict[str, list[int]] = {}
        for cache in list(_ALL):
            total = totals.setdefault(cache.name, [0] * 6)
            for n, figure in enumerate((cache.hits, cache.misses, cache.joined, cache.evictions, len(cache), cache.bytes)):
                total[n] += figure
        for name, (hits, misses, joined, evicted, kept, kept_bytes) in sorted(totals.items()):
            for result, figure in (("hit", hits), ("miss", misses), ("joined", joined)):
                requests.add_metric([name, result], figure)
            evictions.add_metric([name], evicted)
            entries.add_metric([name], kept)
            size.add_metric([name], kept_bytes)
        yield from (requests, evictions, entries, size)


REGISTRY.register(CacheCollector())
