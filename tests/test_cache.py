"""The per-worker cache: bounds, versions, single flight, counts."""

from __future__ import annotations

import asyncio
import threading

import pytest
from prometheus_client import generate_latest

from events.cache import MISSING, Cache


def test_a_cache_bounded_by_entries_drops_the_least_recently_used():
    cache = Cache("test lru", max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"] and cache.get("b") is MISSING and cache.evictions == 1


def test_a_cache_bounded_by_bytes_counts_what_size_says_and_keeps_the_newest_even_alone():
    cache = Cache("test bytes", max_bytes=10, size=len)
    cache.put("a", b"12345")
    cache.put("b", b"1234")
    assert cache.bytes == 9
    cache.put("c", b"123")
    assert cache.keys() == ["b", "c"] and cache.bytes == 7
    cache.put("huge", b"x" * 50)
    assert cache.keys() == ["huge"] and cache.bytes == 50
    cache.put("huge", b"small")
    assert cache.bytes == 5, "a replaced entry's bytes are given back"
    cache.discard("huge")
    assert cache.bytes == 0 and len(cache) == 0


def test_an_entry_answers_only_for_the_version_it_was_made_for_and_a_new_version_replaces_it():
    cache = Cache("test versions", max_entries=10)
    cache.put("feed", "old", version=1)
    assert cache.get("feed", 2) is MISSING and cache.get("feed", 1) == "old"
    cache.put("feed", "new", version=2)
    assert len(cache) == 1 and cache.get("feed", 1) is MISSING and cache.get("feed", 2) == "new"
    assert cache.peek("feed") == (2, "new")


def test_an_entry_past_its_time_to_live_is_a_miss_but_can_still_be_peeked():
    cache = Cache("test ttl", max_entries=10, ttl=3600)
    cache.put("long", 1)
    cache.put("gone", 2, ttl=0)
    assert cache.get("long") == 1 and cache.get("gone") is MISSING
    assert cache.peek("gone") == (None, 2)


def test_none_is_a_value_worth_keeping():
    cache = Cache("test none", max_entries=10)
    cache.put("unknown slug", None)
    assert cache.get("unknown slug") is None and cache.get("other") is MISSING


async def test_fifty_concurrent_misses_for_one_key_make_it_once():
    cache = Cache("test flight", max_entries=10)
    made = []
    gate = asyncio.Event()

    async def make():
        made.append(1)
        await gate.wait()
        return "value"

    waiting = [asyncio.ensure_future(cache.get_or_make("k", make, version=7)) for _ in range(50)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiting) == ["value"] * 50
    assert made == [1] and (cache.misses, cache.joined) == (1, 49)
    assert await cache.get_or_make("k", make, version=7) == "value" and cache.hits == 1 and made == [1]


async def test_misses_for_different_versions_make_each_once():
    cache = Cache("test flight versions", max_entries=10)
    made = []

    async def make(version):
        made.append(version)
        await asyncio.sleep(0)
        return version

    got = await asyncio.gather(*(cache.get_or_make("k", lambda v=v: make(v), version=v) for v in (1, 2, 1, 2)))
    assert got == [1, 2, 1, 2] and sorted(made) == [1, 2]


async def test_a_caller_hanging_up_does_not_cancel_the_others_answer():
    cache = Cache("test cancel", max_entries=10)
    gate = asyncio.Event()

    async def make():
        await gate.wait()
        return "value"

    first = asyncio.ensure_future(cache.get_or_make("k", make))
    second = asyncio.ensure_future(cache.get_or_make("k", make))
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    assert await second == "value"
    assert first.cancelled() and cache.get("k") == "value"


async def test_a_failing_make_reaches_every_waiter_and_keeps_nothing():
    cache = Cache("test failure", max_entries=10)
    calls = []

    async def make():
        calls.append(1)
        await asyncio.sleep(0)
        raise LookupError("no such thing")

    results = await asyncio.gather(*(cache.get_or_make("k", make) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results) and calls == [1]
    assert len(cache) == 0
    with pytest.raises(LookupError):
        await cache.get_or_make("k", make)
    assert calls == [1, 1]


def test_discard_where_forgets_the_matching_entries_and_their_bytes():
    cache = Cache("test discard", max_bytes=100, size=lambda value: value[1])
    for n in range(6):
        cache.put(f"token{n}", (n % 2, 10))
    assert cache.discard_where(lambda _key, value: value[0] == 1) == 3
    assert cache.keys() == ["token0", "token2", "token4"] and cache.bytes == 30


def test_a_cache_needs_a_bound():
    with pytest.raises(ValueError):
        Cache("test unbounded")
    with pytest.raises(ValueError):
        Cache("test bytes without size", max_bytes=10)


def test_threads_putting_and_getting_at_once_keep_the_byte_count_right():
    cache = Cache("test threads", max_bytes=1_000, size=len, threads=True)

    def work(n):
        for i in range(2_000):
            cache.put((n, i % 50), b"x" * (i % 7 + 1))
            cache.get((n, (i * 7) % 50))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.bytes == sum(len(value) for value in cache.values()) <= 1_000


def test_hits_misses_and_bytes_are_exported_to_prometheus():
    cache = Cache("test metrics", max_bytes=100, size=len)
    cache.put("a", b"abc")
    cache.get("a")
    cache.get("b")
    text = generate_latest().decode()
    assert 'events_cache_requests_total{cache="test metrics",result="hit"} 1.0' in text
    assert 'events_cache_requests_total{cache="test metrics",result="miss"} 1.0' in text
    assert 'events_cache_bytes{cache="test metrics"} 3.0' in text
