"""The sports service: cache first, one upstream call per cold key, stale on failure.

This is where the upstream quota is protected. A request is answered from a
fresh cached copy if there is one; otherwise exactly one caller (per process
through single-flight, across processes through the store's lock) spends one
search, and every other caller waits for its result. The answer is
normalised once, into a document (games and, when Google showed one, a
table), and kept with its own freshness (`quota/freshness.py`). When the
upstream fails, a copy up to `stale_max` seconds old is served instead,
marked stale. After a 429, nobody searches until its Retry-After has passed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import anyio

from sports_api.cache import Entry, Store
from sports_api.cache.flight import SingleFlight
from sports_api.core import context
from sports_api.core.errors import BudgetExhausted, UpstreamError, UpstreamRateLimited, UpstreamTimeout
from sports_api.quota.budget import Budget
from sports_api.quota.cooldown import Cooldown
from sports_api.quota.freshness import Freshness
from sports_api.sports.normalize import Reading, normalize
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Lookup, Source

log = logging.getLogger(__name__)

# Bumped when the cached format or normaliser output changes, so a shared
# Redis never serves one release's entries to another.
CACHE_VERSION = "v2"
PEER_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Result:
    entry: Entry
    cache: Literal["hit", "miss", "stale"]

    @property
    def fresh_until(self) -> float:
        """Unix time freshness ends; 0 for a stale copy."""
        return 0.0 if self.cache == "stale" else self.entry.fresh_until

    def fresh_for(self, now: float) -> int:
        """Seconds of freshness left, for Cache-Control: rounded up, so a fresh answer never says 0."""
        return max(0, math.ceil(self.fresh_until - now))


class SportsService:
    def __init__(
        self,
        source: Source,
        store: Store,
        budget: Budget,
        *,
        freshness: Freshness,
        stale_max: int,
        upstream_timeout: float,
        zone: ZoneInfo,
        teams: TeamCatalogue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._store = store
        self._budget = budget
        self._freshness = freshness
        self._stale_max = stale_max
        self._wait = upstream_timeout + 1.0
        self._zone = zone
        self._teams = teams
        self._clock = clock
        self._flight = SingleFlight()
        self._cooldown = Cooldown()

    @property
    def source_name(self) -> str:
        return self._source.name

    @property
    def zone(self) -> ZoneInfo:
        """The search's zone: Google's local dates and times, and `start_date`, are in it."""
        return self._zone

    @property
    def time_zone(self) -> str:
        return self._zone.key

    async def get(self, lookup: Lookup) -> Result:
        key = f"{CACHE_VERSION}:{self._source.name}:{lookup.key}"
        known = await self._store.get(key)
        result = self._fresh(known, self._clock())
        if result is None:
            result = await self._flight.run(key, lambda: self._refresh(lookup, key, known))
        if ctx := context.current():
            ctx.cache = result.cache
        return result

    def _fresh(self, entry: Entry | None, now: float, state: Literal["hit", "miss"] = "hit") -> Result | None:
        if entry is None or entry.fresh_until <= now:
            return None
        return Result(entry, state)

    async def _refresh(self, lookup: Lookup, key: str, known: Entry | None) -> Result:
        deadline = time.monotonic() + self._wait
        lock = await self._store.try_lock(key, self._wait)
        while lock is None:
            # Another process is searching for this key: wait for its answer.
            await anyio.sleep(PEER_POLL_SECONDS)
            if result := self._fresh(await self._store.get(key), self._clock(), "miss"):
                return result
            if time.monotonic() > deadline:
                return self._stale_or_raise(
                    known, UpstreamTimeout("Another task's search did not finish in time")
                )
            lock = await self._store.try_lock(key, self._wait)
        try:
            # The key may have been refreshed between our read and the lock.
            if result := self._fresh(await self._store.get(key), self._clock(), "miss"):
                return result
            return await self._fetch(lookup, key, known)
        finally:
            await lock.release()

    async def _fetch(self, lookup: Lookup, key: str, known: Entry | None) -> Result:
        try:
            if wait := self._cooldown.remaining(self._clock()):
                raise UpstreamRateLimited(
                    "SerpAPI's rate limit is in force; the service is not searching until it passes",
                    retry_after=wait,
                )
            if self._source.metered:
                await self._budget.spend()
            # A live game is worth a fresh (paid) search; anything else may come
            # from SerpAPI's own hour-long cache for free.
            no_cache = known is not None and self._freshness.is_live(known.document(), self._clock())
            payload = await self._source.fetch(lookup, no_cache=no_cache)
        except (UpstreamError, BudgetExhausted) as exc:
            if isinstance(exc, UpstreamRateLimited) and exc.retry_after:
                self._cooldown.start(exc.retry_after, self._clock())
            log.warning("upstream failed for %s: %s", lookup.key, exc.detail, extra={"event": exc.kind})
            return self._stale_or_raise(known, exc)
        now = self._clock()
        reading = Reading(datetime.fromtimestamp(now, UTC), self._zone, self._teams, lookup.league)
        document = normalize(payload, reading)
        entry = Entry.build(document, self._source.name, now, now + self._freshness.seconds(document, now))
        await self._store.put(key, entry, max(int(entry.fresh_until - now), self._stale_max))
        return Result(entry, "miss")

    def _stale_or_raise(self, known: Entry | None, exc: Exception) -> Result:
        if known is not None and known.age(self._clock()) <= self._stale_max:
            log.warning("serving stale copy", extra={"event": "stale_served"})
            return Result(known, "stale")
        raise exc
