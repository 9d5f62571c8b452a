"""Live attendance updates: scans announce themselves, dashboards listen, in this process or, with Redis, across workers.

Why not Litestar's channels plugin: with Redis down its publishing task died and SIGTERM then
hung for good waiting on its queue (seen in test_crash.py). Here a publish is one bounded call
that logs and falls back to this process's listeners when Redis is away, and shutdown has
nothing to wait for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from events import broadcast

log = logging.getLogger(__name__)

#: Updates kept for one dashboard that is slow to read; past this its oldest are dropped.
LISTENER_BACKLOG = 1000
_local: defaultdict[str, set[asyncio.Queue[str]]] = defaultdict(set)
_redis: Redis | None = None


def channel(event_id: uuid.UUID | str) -> str:
    return f"attendance:{event_id}"


def use_redis(url: str | None) -> None:
    """Share updates through Redis pub/sub (several workers) or keep them in this process (one worker)."""
    global _redis
    _redis = broadcast.client(url) if url else None


async def close() -> None:
    global _redis
    if _redis is not None:
        await broadcast.close(_redis)
        _redis = None


def _deliver_here(name: str, data: str) -> None:
    for queue in list(_local[name]):
        if queue.full():
            # A dashboard that stopped reading loses its oldest update; it never holds up (or fails) a scan.
            queue.get_nowait()
        queue.put_nowait(data)


def announce(event_id: uuid.UUID, **update: object) -> None:
    """Tell the event's dashboards that something was counted; never slow or fail the scan that was already committed."""
    try:
        name, data = channel(event_id), json.dumps({key: str(value) for key, value in update.items()})
        if _redis is None:
            _deliver_here(name, data)
            return

        def here_only(error: Exception) -> None:
            log.warning("live update not shared through Redis (%s); delivering to this worker's dashboards only", error)
            _deliver_here(name, data)

        broadcast.publish_later(_redis, name, data, fallback=here_only)
    except Exception:
        # The scan is committed and its answer due: a live update lost is logged, never raised into it.
        log.exception("live update for event %s not delivered", event_id)


async def listen(event_id: uuid.UUID) -> AsyncIterator[str]:
    """Every update announced for the event from now on, as JSON text."""
    name = channel(event_id)
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=LISTENER_BACKLOG)
    _local[name].add(queue)
    pubsub = None
    try:
        if _redis is not None:
            try:
                pubsub = _redis.pubsub()
                await pubsub.subscribe(name)
            except (RedisError, OSError) as error:
                log.warning("live updates for %s from this worker only: %s", name, error)
                pubsub = None
        while True:
            if pubsub is None:
                yield await queue.get()
                continue
            # Updates from Redis (every worker), and any this worker had to deliver locally while Redis was away.
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError) as error:
                log.warning("live updates for %s from this worker only: %s", name, error)
                pubsub = None
                continue
            if message is not None:
                yield message["data"].decode() if isinstance(message["data"], bytes) else message["data"]
            while not queue.empty():
                yield queue.get_nowait()
    finally:
        _local[name].discard(queue)
        if pubsub is not None:
            await pubsub.aclose()
