"""Telling every worker through Redis pub/sub, after the fact: the request that caused it neither waits for it nor hears of a failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

#: How long connecting to Redis may take (Redis away: give up fast and fall back).
CONNECT_TIMEOUT = 0.5
#: How long a publish may take on a connected Redis. Nobody waits for it; with 0.5 s a busy machine (four workers
#: on two cores) fell back and other workers missed updates.
PUBLISH_WAIT = 3.0

_pending: set[asyncio.Task[None]] = set()


def client(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=None)


def publish_later(redis: Redis, channel: str, data: str, *, fallback: Callable[[Exception], None]) -> None:
    """Publish in a task of its own; `fallback(error)` runs if Redis does not take it in time."""
    task = asyncio.get_running_loop().create_task(_publish(redis, channel, data, fallback))
    _pending.add(task)  # kept until done: the loop holds tasks only weakly
    task.add_done_callback(_pending.discard)


async def _publish(redis: Redis, channel: str, data: str, fallback: Callable[[Exception], None]) -> None:
    try:
        await asyncio.wait_for(redis.publish(channel, data), PUBLISH_WAIT)
    except (RedisError, OSError, TimeoutError) as error:
        fallback(error)
