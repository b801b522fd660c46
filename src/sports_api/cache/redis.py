"""The shared backend: one Redis (or Valkey) for every task of the service.

Tasks share cached games, the refresh lock that makes single-flight hold
across processes, and the upstream budget counter. When Redis fails, reads
miss and writes are dropped rather than failing requests; `/ready` reports it.
"""

from __future__ import annotations

import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from sports_api.cache.entry import Entry
from sports_api.cache.memory import _NoLock
from sports_api.cache.store import StoreUnavailable

log = logging.getLogger(__name__)


class _RedisLock:
    def __init__(self, lock) -> None:  # type: ignore[no-untyped-def]
        self._lock = lock

    async def release(self) -> None:
        # Expired, or Redis gone: either way the lock frees itself by its timeout.
        with contextlib.suppress(LockError, RedisError):
            await self._lock.release()


class RedisStore:
    kind = "redis"

    def __init__(self, url: str, prefix: str = "sports-api") -> None:
        self._client = Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=30
        )
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    async def get(self, key: str) -> Entry | None:
        try:
            raw = await self._client.get(self._key(key))
        except RedisError as exc:
            log.warning("redis read failed: %s", type(exc).__name__, extra={"event": "redis_error"})
            return None
        if not raw:
            return None
        entry = Entry.load(raw, time.time())
        if entry is None:
            log.warning("redis entry unreadable, treated as a miss", extra={"event": "cache_entry_invalid"})
        return entry

    async def put(self, key: str, entry: Entry, keep_seconds: int) -> None:
        try:
            await self._client.set(self._key(key), entry.dump(), ex=keep_seconds)
        except RedisError as exc:
            log.warning("redis write failed: %s", type(exc).__name__, extra={"event": "redis_error"})

    async def try_lock(self, key: str, seconds: float) -> _RedisLock | _NoLock | None:
        lock = self._client.lock(self._key(f"lock:{key}"), timeout=seconds, blocking=False)
        try:
            return _RedisLock(lock) if await lock.acquire() else None
        except RedisError as exc:
            log.warning("redis lock failed: %s", type(exc).__name__, extra={"event": "redis_error"})
            return _NoLock()

    async def incr(self, counter: str, expire_seconds: int) -> int:
        key = self._key(counter)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                value, _ = await pipe.incr(key).expire(key, expire_seconds, nx=True).execute()
        except RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from None
        return int(value)

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except RedisError as exc:
            raise StoreUnavailable(f"Redis is unreachable ({type(exc).__name__})") from None

    async def close(self) -> None:
        await self._client.aclose()
