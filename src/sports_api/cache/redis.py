"""The shared backend: one Redis (or Valkey) for every task of the service.

Tasks share cached games, the refresh lock that makes single-flight hold
across processes, and the quota counters. Two things keep a sick Redis from
costing searches or time:

- An in-process layer in front of it (`near`): every entry this task read or
  wrote is kept here too, so a fresh copy is answered without a round trip,
  and when Redis is gone the last copy is still here, fresh or stale. Without
  it a dead Redis turned every request into a search (reads missed, writes
  were dropped).
- A short circuit-breaker: the first Redis error opens it for
  `breaker_seconds`, and while it is open nothing is sent to Redis (reads
  answer from the near layer, writes go there only, locks are per process,
  counters fall back to the caller's own). Then one call probes; success
  closes it. A hung Redis therefore costs one socket timeout per
  `breaker_seconds`, not one per operation (five per request).

`/ready` always asks Redis itself, and reports the outage.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError, ResponseError

from sports_api.cache.entry import Entry
from sports_api.cache.memory import MemoryStore, _NoLock
from sports_api.cache.store import StoreUnavailable

log = logging.getLogger(__name__)

NEAR_KEEP_SECONDS = 86_400  # how long a copy read from Redis stays in the near layer


class Breaker:
    """Closed: calls go through. Open: none do until `seconds` pass; then one probe at a time."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._open = False
        self._until = 0.0

    @property
    def is_open(self) -> bool:
        return self._open

    def allow(self) -> bool:
        if not self._open:
            return True
        now = self._clock()
        if now < self._until:
            return False
        self._until = now + self._seconds  # this caller probes; the others keep skipping
        return True

    def failed(self) -> bool:
        """Open (again); True when it was closed, so the caller logs the outage once."""
        opened = not self._open
        self._open, self._until = True, self._clock() + self._seconds
        return opened

    def succeeded(self) -> None:
        if self._open:
            log.info("redis answers again", extra={"event": "redis_recovered"})
        self._open = False


class _RedisLock:
    def __init__(self, lock) -> None:  # type: ignore[no-untyped-def]
        self._lock = lock

    async def release(self) -> None:
        # Expired, or Redis gone: either way the lock frees itself by its timeout.
        with contextlib.suppress(LockError, RedisError):
            await self._lock.release()


class RedisStore:
    kind = "redis"

    def __init__(
        self,
        url: str,
        prefix: str = "sports-api",
        *,
        breaker_seconds: float = 5.0,
        socket_timeout: float = 1.0,
        near_entries: int = 2048,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            health_check_interval=30,
        )
        self._prefix = prefix
        self._clock = clock
        self._near = MemoryStore(near_entries, clock)
        self.breaker = Breaker(breaker_seconds)

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def _failed(self, operation: str, exc: Exception) -> None:
        if self.breaker.failed():
            log.warning(
                "redis %s failed (%s); using this task's own copies and counts for %g s",
                operation,
                type(exc).__name__,
                self.breaker._seconds,
                extra={"event": "redis_error"},
            )

    async def get(self, key: str) -> Entry | None:
        near = await self._near.get(key)
        now = self._clock()
        if near is not None and near.fresh_until > now:
            return near
        if not self.breaker.allow():
            return near
        try:
            raw = await self._client.get(self._key(key))
        except RedisError as exc:
            self._failed("read", exc)
            return near
        self.breaker.succeeded()
        if not raw:
            return near
        entry = Entry.load(raw, now)
        if entry is None:
            log.warning("redis entry unreadable, treated as a miss", extra={"event": "cache_entry_invalid"})
            return near
        if near is not None and near.fetched_at >= entry.fetched_at:
            return near
        await self._near.put(key, entry, NEAR_KEEP_SECONDS)
        return entry

    async def put(self, key: str, entry: Entry, keep_seconds: int) -> None:
        await self._near.put(key, entry, keep_seconds)
        if not self.breaker.allow():
            return
        try:
            await self._client.set(self._key(key), entry.dump(), ex=keep_seconds)
        except RedisError as exc:
            self._failed("write", exc)
            return
        self.breaker.succeeded()

    async def try_lock(self, key: str, seconds: float) -> _RedisLock | _NoLock | None:
        if not self.breaker.allow():
            return _NoLock()  # one search per task for this key: the in-process single-flight still holds
        lock = self._client.lock(self._key(f"lock:{key}"), timeout=seconds, blocking=False)
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            self._failed("lock", exc)
            return _NoLock()
        self.breaker.succeeded()
        return _RedisLock(lock) if acquired else None

    async def incr(self, counter: str, expire_seconds: int, amount: int = 1) -> int:
        if not self.breaker.allow():
            raise StoreUnavailable("redis circuit open")
        key = self._key(counter)
        try:
            try:
                value = await self._add(key, expire_seconds, amount)
            except ResponseError:
                # Not an integer: written by something else, or corrupted. Counting must go on.
                log.warning("counter %s is not an integer; reset", counter, extra={"event": "counter_reset"})
                await self._client.delete(key)
                value = await self._add(key, expire_seconds, amount)
        except RedisError as exc:
            self._failed("count", exc)
            raise StoreUnavailable(type(exc).__name__) from None
        self.breaker.succeeded()
        return value

    async def _add(self, key: str, expire_seconds: int, amount: int) -> int:
        async with self._client.pipeline(transaction=True) as pipe:
            value, _ = await pipe.incrby(key, amount).expire(key, expire_seconds, nx=True).execute()
        return int(value)

    async def counts(self, counters: list[str]) -> list[int]:
        if not self.breaker.allow():
            raise StoreUnavailable("redis circuit open")
        keys = [self._key(counter) for counter in counters]
        try:
            raw = await self._client.mget(keys) if keys else []
            values = []
            for key, counter, value in zip(keys, counters, raw, strict=True):
                try:
                    values.append(int(value) if value is not None else 0)
                except ValueError:
                    log.warning(
                        "counter %s is not an integer; reset", counter, extra={"event": "counter_reset"}
                    )
                    await self._client.delete(key)
                    values.append(0)
        except RedisError as exc:
            self._failed("count", exc)
            raise StoreUnavailable(type(exc).__name__) from None
        self.breaker.succeeded()
        return values

    async def ping(self) -> None:
        """Always asks Redis, whatever the breaker says: readiness must be the truth."""
        try:
            await self._client.ping()
        except RedisError as exc:
            self.breaker.failed()
            raise StoreUnavailable(f"Redis is unreachable ({type(exc).__name__})") from None
        self.breaker.succeeded()

    async def close(self) -> None:
        await self._near.close()
        await self._client.aclose()
