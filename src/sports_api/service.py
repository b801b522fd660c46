"""The games service: cache first, one upstream call per cold key, stale on failure.

This is where the upstream quota is protected. A request is answered from a
fresh cached copy if there is one; otherwise exactly one caller (per process
through single-flight, across processes through the store's lock) spends one
search, and every other caller waits for its result. When the upstream fails,
a copy up to `stale_max` seconds old is served instead, marked stale. After a
429, nobody searches until its Retry-After has passed (`cooldown.py`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

import anyio

from sports_api.cache import Entry, Store
from sports_api.cache.flight import SingleFlight
from sports_api.core import context
from sports_api.core.errors import BudgetExhausted, UpstreamError, UpstreamRateLimited, UpstreamTimeout
from sports_api.quota.budget import Budget
from sports_api.quota.cooldown import Cooldown
from sports_api.sports.normalize import normalize
from sports_api.upstream import Lookup, Source

log = logging.getLogger(__name__)

# Bumped when the cached format or normaliser output changes, so a shared
# Redis never serves one release's entries to another.
CACHE_VERSION = "v1"
PEER_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Result:
    entry: Entry
    cache: Literal["hit", "miss", "stale"]
    fresh_for: int  # seconds of freshness left, for Cache-Control
    fresh_until: float = 0.0  # Unix time freshness ends; 0 for a stale copy


class GamesService:
    def __init__(
        self,
        source: Source,
        store: Store,
        budget: Budget,
        *,
        ttl: int,
        stale_max: int,
        upstream_timeout: float,
    ) -> None:
        self._source = source
        self._store = store
        self._budget = budget
        self._ttl = ttl
        self._stale_max = stale_max
        self._wait = upstream_timeout + 1.0
        self._flight = SingleFlight()
        self._cooldown = Cooldown()

    async def games(self, lookup: Lookup) -> Result:
        key = f"{CACHE_VERSION}:{self._source.name}:{lookup.key}"
        known = await self._store.get(key)
        result = self._fresh(known, time.time())
        if result is None:
            result = await self._flight.run(key, lambda: self._refresh(lookup, key, known))
        if ctx := context.current():
            ctx.cache = result.cache
        return result

    def _fresh(self, entry: Entry | None, now: float, state: Literal["hit", "miss"] = "hit") -> Result | None:
        if entry is None:
            return None
        left = self._ttl - entry.age(now)
        return Result(entry, state, int(left), entry.fetched_at + self._ttl) if left > 0 else None

    async def _refresh(self, lookup: Lookup, key: str, known: Entry | None) -> Result:
        deadline = time.monotonic() + self._wait
        lock = await self._store.try_lock(key, self._wait)
        while lock is None:
            # Another process is searching for this key: wait for its answer.
            await anyio.sleep(PEER_POLL_SECONDS)
            if result := self._fresh(await self._store.get(key), time.time(), "miss"):
                return result
            if time.monotonic() > deadline:
                return self._stale_or_raise(
                    known, UpstreamTimeout("Another task's search did not finish in time")
                )
            lock = await self._store.try_lock(key, self._wait)
        try:
            # The key may have been refreshed between our read and the lock.
            if result := self._fresh(await self._store.get(key), time.time(), "miss"):
                return result
            return await self._fetch(lookup, key, known)
        finally:
            await lock.release()

    async def _fetch(self, lookup: Lookup, key: str, known: Entry | None) -> Result:
        try:
            if wait := self._cooldown.remaining(time.time()):
                raise UpstreamRateLimited(
                    "SerpAPI's rate limit is in force; the service is not searching until it passes",
                    retry_after=wait,
                )
            if self._source.metered:
                await self._budget.spend()
            payload = await self._source.fetch(lookup)
        except (UpstreamError, BudgetExhausted) as exc:
            if isinstance(exc, UpstreamRateLimited) and exc.retry_after:
                self._cooldown.start(exc.retry_after, time.time())
            log.warning("upstream failed for %s: %s", lookup.key, exc.detail, extra={"event": exc.kind})
            return self._stale_or_raise(known, exc)
        entry = Entry.build(normalize(payload, lookup.league), self._source.name, time.time())
        await self._store.put(key, entry, max(self._ttl, self._stale_max))
        return Result(entry, "miss", self._ttl, entry.fetched_at + self._ttl)

    def _stale_or_raise(self, known: Entry | None, exc: Exception) -> Result:
        if known is not None and known.age(time.time()) <= self._stale_max:
            log.warning("serving stale copy", extra={"event": "stale_served"})
            return Result(known, "stale", 0)
        raise exc
