"""Ended sign-ins, told to every worker: a password change or a deactivation on one worker ends the account's tokens on all of them.

Each worker remembers verified tokens for a moment (accounts.ACCOUNT_RECHECK_SECONDS) so that a
request costs no account read. The worker that ends an account's sign-ins forgets them at once;
the others hear it here, through Redis pub/sub, when the deployment has several workers. With no
Redis there is one worker, and nothing to tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from events import broadcast

log = logging.getLogger(__name__)

CHANNEL = "accounts:signed_out"
_redis: Redis | None = None
_listener: asyncio.Task[None] | None = None


async def start(url: str | None, *, forget: Callable[[uuid.UUID], None]) -> None:
    """Listen for accounts signed out by other workers, and `forget` each in this one."""
    global _redis, _listener
    if not url:
        return
    _redis = broadcast.client(url)
    subscribed = asyncio.get_running_loop().create_future()
    _listener = asyncio.get_running_loop().create_task(_listen(_redis, forget, subscribed))
    # Wait for the subscription (bounded): a sign-out announced right after start-up must reach this worker.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(subscribed), broadcast.CONNECT_TIMEOUT * 4)


async def close() -> None:
    global _redis, _listener
    if _listener is not None:
        _listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _listener
        _listener = None
    if _redis is not None:
        await broadcast.close(_redis)
        _redis = None


def announce(account_id: uuid.UUID) -> None:
    """Tell the other workers; never fails or slows the change that was already committed."""
    if _redis is None:
        return

    def missed(error: Exception) -> None:
        log.warning("sign-out of account %s not shared through Redis (%s); other workers notice on their next recheck", account_id, error)

    broadcast.publish_later(_redis, CHANNEL, str(account_id), fallback=missed)


async def _listen(redis: Redis, forget: Callable[[uuid.UUID], None], subscribed: asyncio.Future[None]) -> None:
    """Forget every account announced, reconnecting after Redis goes away (a sign-out missed meanwhile lapses with the recheck)."""
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                if not subscribed.done():
                    subscribed.set_result(None)
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None:
                        continue
                    data = message["data"]
                    try:
                        forget(uuid.UUID(data.decode() if isinstance(data, bytes) else data))
                    except ValueError:
                        log.warning("ignored a malformed sign-out announcement: %r", data)
        except (RedisError, OSError) as error:
            log.warning("not hearing other workers' sign-outs (%s); retrying", error)
            await asyncio.sleep(1)
