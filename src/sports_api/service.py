"""The sports service: cache first, one upstream call per cold key, stale on failure.

This is where the upstream quota is protected. A request is answered from a
fresh cached copy if there is one; otherwise exactly one caller (per process
through single-flight, across processes through the store's lock) spends one
search, and every other caller waits for its result. The answer is
normalised once, into a document (games and, when Google showed one, a
table), and kept with its own freshness (`quota/freshness.py`). When the
upstream fails, a copy up to `stale_max` seconds old is served instead,
marked stale. After a 429, nobody searches until its Retry-After has passed;
after repeated 5xx or timeouts, nobody searches until a back-off has passed.

Every search is paid for from the budget (`quota/budget.py`): a place is
taken before it goes out, in the share of its kind (a league, a catalogue
team, a name outside the catalogue, and the client who asked), and kept only
if the search succeeds; a failed attempt gives it back and counts as a
failure instead. A live answer's freshness stretches as the hour's
allowance runs low, so live refreshes slow down before other searches stop.
A catalogue team's running games are read from its league's answer, so one
live search a minute per league, not per team, keeps them fresh.
"""

from __future__ import annotations

import dataclasses
import functools
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
from sports_api.core.errors import (
    BudgetExhausted,
    ClientShareExhausted,
    ServiceError,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
)
from sports_api.quota.account import AccountMonitor
from sports_api.quota.budget import Budget, Grant, Kind
from sports_api.quota.cooldown import Cooldown
from sports_api.quota.freshness import Freshness
from sports_api.sports import live
from sports_api.sports.catalogue import League
from sports_api.sports.models import Document
from sports_api.sports.normalize import Reading, normalize
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Lookup, Source

log = logging.getLogger(__name__)

# Bumped when the cached format or normaliser output changes, so a shared
# Redis never serves one release's entries to another.
CACHE_VERSION = "v2"
PEER_POLL_SECONDS = 0.05
_WORSE = ("hit", "miss", "stale")  # how an answer made of two is marked: as the worse of them


@dataclass(frozen=True, slots=True)
class Result:
    entry: Entry
    cache: Literal["hit", "miss", "stale"]
    live_from: Entry | None = None  # the league answer a team's running games were read from

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
        cooldown: Cooldown | None = None,
        account: AccountMonitor | None = None,
        on_document: Callable[[Document, float, str, Lookup], None] | None = None,
        on_refresh: Callable[[Lookup, Entry | None, Entry], None] | None = None,
        follow_leagues: bool = True,
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
        self._cooldown = cooldown or Cooldown()
        self.account = account
        # Told of every document a search produced (the archive); must not block or raise.
        self._on_document = on_document
        # Told of every entry a search stored, with the one it replaced (live push, `events/push.py`):
        # the task that searched tells every stream what changed. Must not block or raise.
        self._on_refresh = on_refresh
        # A team's running games read from its league's answer (`_follow_league`); off only to
        # replay the service before it, in bench/quota_day.py.
        self._follow = follow_leagues

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

    @property
    def budget(self) -> Budget:
        return self._budget

    async def get(self, lookup: Lookup, client: str | None = None) -> Result:
        """The answer for `lookup`; `client` (default: the request's) is who pays for a search."""
        ctx = context.current()
        who = client or (ctx.client if ctx and ctx.client else "anonymous")
        result = await self._answer(lookup, who)
        if (league := self._followed(lookup)) is not None:
            result = await self._follow_league(lookup, league, result, who)
        if ctx:
            ctx.cache = result.cache
        return result

    async def _answer(self, lookup: Lookup, who: str, after: float = -math.inf) -> Result:
        """The cached answer if fresh (and fetched after `after`), else one search's."""
        key = self._key(lookup)
        known = await self._store.get(key)
        result = self._fresh(known, self._clock(), after=after)
        if result is None:
            result = await self._flight.run(key, lambda: self._refresh(lookup, key, known, who, after))
        return result

    def _followed(self, lookup: Lookup) -> League | None:
        """The league whose answer a catalogue team's running games are read from (`_follow_league`)."""
        return lookup.league if self._follow and lookup.team is not None else None

    def _key(self, lookup: Lookup) -> str:
        return f"{CACHE_VERSION}:{self._source.name}:{lookup.key}"

    async def _follow_league(self, lookup: Lookup, league: League, result: Result, who: str) -> Result:
        """A catalogue team's answer with its running games as its league's answer shows them.

        One league search a minute then keeps every team's game in progress
        fresh (`sports/live.py`), and the team's own answer is searched again
        only as often as its other games need (`_seconds`). The answer is fresh
        while both parts are. A running game the league's answer does not
        follow (a cup game, a league answer that moved on) sends the team's own
        answer back to `TTL_LIVE_SECONDS`, as without a league.
        """
        now = self._clock()
        running = functools.partial(self._freshness.running, now=now)
        team = result.entry.document()
        if not any(running(game) for game in team.games):
            return result
        try:
            found: Result | None = await self._answer(Lookup.for_league(league), who)
        except ServiceError:
            found = None
        if found is None or found.cache == "stale" or not live.covered(team, found.entry.document(), running):
            own = await self._live_seconds()
            if result.cache == "hit" and result.entry.age(now) >= own:
                # Kept fresh on the league's answer, which no longer follows the game: search the team.
                result = await self._answer(lookup, who, after=result.entry.fetched_at)
            # Never fresh longer than a live answer of its own: it may have been kept on the league's.
            until = min(result.entry.fresh_until, result.entry.fetched_at + own)
            return Result(dataclasses.replace(result.entry, fresh_until=until), result.cache)
        games = found.entry.document()
        newer = found.entry.fetched_at >= result.entry.fetched_at
        if newer:
            team = live.follow(team, games, running)
        entry = Entry.build(
            team,
            result.entry.source,
            min(result.entry.fetched_at, found.entry.fetched_at),
            min(result.entry.fresh_until, found.entry.fresh_until),
        )
        state = max(result.cache, found.cache, key=_WORSE.index)
        return Result(entry, state, live_from=found.entry if newer else None)

    def readiness_problems(self) -> list[str]:
        """What keeps this service from answering new data for long: a plan with no searches left."""
        account = self._budget.pacer.current(self._clock())
        if self._source.metered and account is not None and account.plan_searches_left <= 0:
            read = datetime.fromtimestamp(account.read_at, UTC).isoformat(timespec="seconds")
            return [f"SerpAPI's plan has no searches left this month (Account API, {read})"]
        return []

    async def quota(self, client: str | None) -> dict[str, object]:
        """The plan, the hour's allowance and shares, and the cool-down: GET /v1/quota."""
        now = self._clock()
        account = self._budget.pacer.account
        plan: dict[str, object] = {
            "searches_left": account.plan_searches_left if account else None,
            "searches_per_month": account.searches_per_month if account else None,
            "this_month_usage": account.this_month_usage if account else None,
            "read_at": account.read_at if account else None,
            "hourly_rate": round(rate, 2) if (rate := self._budget.pacer.rate(now)) is not None else None,
            "account_api": self.account.state() if self.account else None,
        }
        return {
            "source": self._source.name,
            "metered": self._source.metered,
            "plan": plan,
            "hour": await self._budget.status(client),
            "cooldown": self._cooldown.state(now),
        }

    def _fresh(
        self, entry: Entry | None, now: float, state: Literal["hit", "miss"] = "hit", after: float = -math.inf
    ) -> Result | None:
        if entry is None or entry.fresh_until <= now or entry.fetched_at <= after:
            return None
        return Result(entry, state)

    async def _refresh(
        self, lookup: Lookup, key: str, known: Entry | None, client: str, after: float = -math.inf
    ) -> Result:
        deadline = time.monotonic() + self._wait
        lock = await self._store.try_lock(key, self._wait)
        while lock is None:
            # Another process is searching for this key: wait for its answer.
            await anyio.sleep(PEER_POLL_SECONDS)
            if result := self._fresh(await self._store.get(key), self._clock(), "miss", after):
                return result
            if time.monotonic() > deadline:
                return self._stale_or_raise(
                    known, UpstreamTimeout("Another task's search did not finish in time")
                )
            lock = await self._store.try_lock(key, self._wait)
        try:
            # The key may have been refreshed between our read and the lock.
            if result := self._fresh(await self._store.get(key), self._clock(), "miss", after):
                return result
            return await self._fetch(lookup, key, known, client)
        finally:
            await lock.release()

    async def _fetch(self, lookup: Lookup, key: str, known: Entry | None, client: str) -> Result:
        grant: Grant | None = None
        try:
            self._cooldown.check(self._clock())
        except UpstreamError as exc:
            log.warning("no search for %s: %s", lookup.key, exc.detail, extra={"event": exc.kind})
            return self._stale_or_raise(known, exc)
        try:
            if self._source.metered:
                grant = await self._budget.acquire(_kind(lookup), client)
        except (BudgetExhausted, ClientShareExhausted) as exc:
            self._cooldown.settled()  # a probe that did not go out
            log.warning("no search for %s: %s", lookup.key, exc.detail, extra={"event": exc.kind})
            return self._stale_or_raise(known, exc)
        # A live game is worth a fresh (paid) search; anything else may come
        # from SerpAPI's own hour-long cache for free.
        no_cache = known is not None and self._freshness.is_live(known.document(), self._clock())
        try:
            payload = await self._source.fetch(lookup, no_cache=no_cache)
        except UpstreamError as exc:
            self._failed(exc)  # first: the place given back must not go to a search during the pause
            if grant is not None:
                await grant.failed()
            log.warning("upstream failed for %s: %s", lookup.key, exc.detail, extra={"event": exc.kind})
            return self._stale_or_raise(known, exc)
        except BaseException:
            self._cooldown.settled()
            raise
        if grant is not None:
            await grant.succeeded()
        self._cooldown.succeeded()
        now = self._clock()
        reading = Reading(datetime.fromtimestamp(now, UTC), self._zone, self._teams, lookup.league)
        # Off the event loop: even a bounded hostile payload takes a while to read.
        document = await anyio.to_thread.run_sync(normalize, payload, reading)
        if self._on_document is not None:
            self._on_document(document, now, self._source.name, lookup)
        if self._source.metered and lookup.kind == "team" and lookup.team is None and not document.games:
            await self._budget.found_nothing(client)  # a name that finds nothing costs its caller
        seconds = await self._seconds(lookup, document, now, client)
        entry = Entry.build(document, self._source.name, now, now + seconds)
        await self._store.put(key, entry, max(int(entry.fresh_until - now), self._stale_max))
        if self._on_refresh is not None:
            self._on_refresh(lookup, known, entry)
        return Result(entry, "miss")

    async def _seconds(self, lookup: Lookup, document: Document, now: float, client: str) -> int:
        """How long a new answer stays fresh (`quota/freshness.py`).

        A team's running games that its league's answer shows are kept fresh
        by that answer (`get`), so the team's own answer need only be as fresh
        as its other games require. A live answer's freshness stretches as the
        hour's allowance runs low.
        """
        if not self._freshness.is_live(document, now):
            return self._freshness.seconds(document, now)
        if (followed := self._followed(lookup)) is not None:
            # The league's copy as it is, not a search under this team's lock: if it shows the game
            # running, the league's answer is being refreshed as a live one. Each request checks
            # again (`_follow_league`), with the league's answer made fresh first.
            league = await self._store.get(self._key(Lookup.for_league(followed)))
            running = functools.partial(self._freshness.running, now=now)
            if (
                league is not None
                and league.age(now) <= self._freshness.idle
                and live.covered(document, league.document(), running)
            ):
                rest = [game for game in document.games if not running(game)]
                return self._freshness.seconds(document.model_copy(update={"games": rest}), now)
        return await self._live_seconds()

    async def _live_seconds(self) -> int:
        """How long a live answer stays fresh now: stretched as the hour's allowance runs low."""
        seconds = self._freshness.live
        if self._source.metered:
            seconds = math.ceil(round(seconds * await self._budget.live_stretch(), 3))
        return seconds

    def _failed(self, exc: UpstreamError) -> None:
        now = self._clock()
        if isinstance(exc, UpstreamRateLimited) and exc.retry_after:
            self._cooldown.start(exc.retry_after, now)
            self._cooldown.settled()
        elif Cooldown.counts_as_outage(exc):
            if wait := self._cooldown.failed(now):
                log.warning(
                    "upstream failed %d times in a row; no search for %.0f s",
                    self._cooldown.failures,
                    wait,
                    extra={"event": "upstream_backoff"},
                )
        else:
            self._cooldown.settled()

    def _stale_or_raise(self, known: Entry | None, exc: ServiceError) -> Result:
        if known is not None and known.age(self._clock()) <= self._stale_max:
            log.warning("serving stale copy", extra={"event": "stale_served"})
            return Result(known, "stale")
        raise exc


def _kind(lookup: Lookup) -> Kind:
    """Which share a search for `lookup` is paid from."""
    if lookup.kind != "team":
        return Kind.LEAGUE
    return Kind.TEAM if lookup.team is not None else Kind.UNKNOWN
