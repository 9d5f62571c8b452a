"""Telling every worker through Redis pub/sub, after the fact: the request that caused it neither waits for it nor hears of a failure."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

#: How long connecting to Redis may take (Redis away: give up fast and fall back).
CONNECT_TIMEOUT = 0.5
#: How long one round of publishes may take on a connected Redis. Nobody waits for it.
PUBLISH_WAIT = 3.0
#: Publishes sent in one pipelined round trip.
ROUND_SIZE = 500

Fallback = Callable[[Exception], None]


def client(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=None)


class _Publisher:
    """One task per Redis client that sends what was queued, in order, pipelined over one connection.

    A task and a connection per publish (the first design) opened hundreds of connections at once
    when a batch of scans committed; on a busy machine some of them missed the connect timeout,
    fell back to local delivery, and dashboards on other workers missed counts (test_scale_out).
    """

    def __init__(self, redis: Redis) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[str, str, Fallback]] = asyncio.Queue()
        self.task = self.loop.create_task(self._run(redis))

    async def _run(self, redis: Redis) -> None:
        while True:
            round_ = [await self.queue.get()]
            while not self.queue.empty() and len(round_) < ROUND_SIZE:
                round_.append(self.queue.get_nowait())
            try:
                async with redis.pipeline(transaction=False) as pipe:
                    for channel, data, _ in round_:
                        pipe.publish(channel, data)
                    await asyncio.wait_for(pipe.execute(), PUBLISH_WAIT)
            except (RedisError, OSError, TimeoutError) as error:
                for _, _, fallback in round_:
                    fallback(error)


_publishers: dict[int, _Publisher] = {}


def publish_later(redis: Redis, channel: str, data: str, *, fallback: Fallback) -> None:
    """Queue a publish; `fallback(error)` runs if Redis does not take it in time."""
    publisher = _publishers.get(id(redis))
    if publisher is None or publisher.loop is not asyncio.get_running_loop() or publisher.task.done():
        publisher = _publishers[id(redis)] = _Publisher(redis)
    publisher.queue.put_nowait((channel, data, fallback))


async def close(redis: Redis) -> None:
    """Stop the client's publisher (what is still queued is dropped: shutting down) and close the client."""
    publisher = _publishers.pop(id(redis), None)
    if publisher is not None and publisher.loop is asyncio.get_running_loop():
        publisher.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher.task
    await redis.aclose()
