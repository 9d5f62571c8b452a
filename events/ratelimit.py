"""Rate limits: moving windows kept in memory, or in Redis when REDIS_URL is set so that every worker shares them."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.exceptions import RedisError

from events.errors import RateLimited

log = logging.getLogger(__name__)


class Limiter:
    """Named limits over one storage, e.g. `login_account` = "10/minute"."""

    def __init__(self, storage: Storage, limits: dict[str, str]) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        # "unlimited" switches a limit off (the benchmarks drive every scanner with one token). A huge
        # number would not do: a moving window keeps one entry per request it has seen.
        self._limits: dict[str, RateLimitItem | None] = {name: None if text == "unlimited" else parse(text) for name, text in limits.items()}

    async def hit(self, name: str, key: str) -> None:
        """Count one request against the limit `name` for `key`; raise RateLimited when over."""
        await self._enforce(self._strategy.hit, name, key)

    async def check(self, name: str, key: str) -> None:
        """Raise RateLimited if `key` has used up `name`, without counting this request."""
        await self._enforce(self._strategy.test, name, key)

    async def _enforce(self, probe, name: str, key: str) -> None:
        item = self._limits[name]
        if item is None:
            return
        try:
            allowed = await probe(item, name, key)
            retry_after = 0 if allowed else await self._retry_after(item, name, key)
        except (RedisError, OSError) as error:
            # A limit is a guard, not a gate: when Redis is away, let people sign in and say so loudly.
            log.warning("rate limit %s unavailable, allowing the request: %s", name, error)
            return
        if not allowed:
            raise RateLimited(f"{name}_rate_limited", "Too many attempts; try again later.", retry_after)

    async def reset(self) -> None:
        await self._strategy.storage.reset()

    async def _retry_after(self, item: RateLimitItem, name: str, key: str) -> int:
        stats = await self._strategy.get_window_stats(item, name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def make_storage(redis_url: str | None) -> Storage:
    if redis_url:
        return storage_from_string(f"async+{redis_url}", implementation="redispy")
    return MemoryStorage()
