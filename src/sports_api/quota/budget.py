"""The upstream budget: who may spend a search this hour, counted per clock hour.

Every search is asked for before it is sent (`acquire`), and its grant is
settled after: a search that reached SerpAPI and succeeded keeps its place in
the counts; a failed attempt gives it back and counts against a small,
separate failure allowance instead (SerpAPI bills only successful searches,
and an outage must not use up the hour). The place is taken before the
search, not after, so that concurrent searches can never spend more than the
allowance between them.

The hour's allowance comes from the pacer (the plan spread over the month).
Within it, shares keep one kind of traffic from draining the others:

- team searches (catalogue teams and unknown names) may not spend the part
  kept for the catalogue's leagues (`league_reserve_share` of the hour, and
  one search per league, up to half of the hour);
- names outside the catalogue may spend at most `unknown_share` (half) of the
  hour between all clients,
- and each client at most `client_per_hour` of those: past it, 429;
- a client whose names found nothing `client_empty_per_hour` times this hour
  (made-up names, typing out a dictionary) gets 429 for further ones: what
  it asks for costs money and tells it nothing.

With Redis every count is shared by all tasks; when Redis fails, each task
counts for itself (so the hour may be spent once per task: degraded, never
stopped). A counter someone set to a non-integer is reset with a warning.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sports_api.cache import MemoryStore, Store, StoreUnavailable
from sports_api.core.errors import BudgetExhausted, ClientShareExhausted, ShareSpent
from sports_api.quota.pacing import HOUR, Pacer, live_stretch

_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,80}")


class Kind(StrEnum):
    LEAGUE = "league"  # a catalogue league's games or table
    TEAM = "team"  # a catalogue team's games
    UNKNOWN = "unknown"  # a team name outside the catalogue


@dataclass(frozen=True, slots=True)
class Shares:
    allowance: int  # the hour's searches, all kinds
    teams: int  # what team searches may spend: the allowance less the leagues' reserve
    unknown: int  # what names outside the catalogue may spend, all clients together
    client: int  # what one client may cause for names outside the catalogue
    client_empty: int  # how many of those may find nothing before the client's searches stop
    failures: int  # failed attempts allowed


@dataclass(slots=True)
class Grant:
    """One search's place in the hour's counts, until it is settled."""

    budget: Budget
    places: list[tuple[str, Store]] = field(default_factory=list)
    hour: int = 0
    settled: bool = False

    async def succeeded(self) -> None:
        self.settled = True  # the places stay counted

    async def failed(self) -> None:
        """Give the places back, and count one failed attempt."""
        if self.settled:
            return
        self.settled = True
        for counter, store in self.places:
            await self.budget._add(counter, -1, prefer=store)
        await self.budget._add(self.budget.counter(self.hour, "failed"), 1)


class Budget:
    def __init__(
        self,
        store: Store,
        per_hour: int,
        *,
        pacer: Pacer | None = None,
        failures_per_hour: int = 10,
        client_per_hour: int = 20,
        client_empty_per_hour: int = 3,
        unknown_share: float = 0.5,
        league_reserve: float = 0.25,
        league_keys: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._local = store if isinstance(store, MemoryStore) else MemoryStore(clock=clock)
        self.pacer = pacer or Pacer(per_hour)
        self._failures = failures_per_hour
        self._client = client_per_hour
        self._empty = client_empty_per_hour
        self._unknown = unknown_share
        self._reserve = league_reserve
        self._league_keys = league_keys
        self._clock = clock

    @staticmethod
    def counter(hour: int, name: str) -> str:
        return f"quota:{hour}:{name}"

    @staticmethod
    def client_counter(hour: int, client: str, what: str = "client") -> str:
        name = (
            client
            if _SAFE_ID.fullmatch(client)
            else hashlib.blake2b(client.encode(), digest_size=12).hexdigest()
        )
        return Budget.counter(hour, f"{what}:{name}")

    def shares(self, now: float) -> Shares:
        allowance = self.pacer.allowance(now)
        # One search an hour for each catalogue league if the hour has room (at most half of it), so
        # that leagues with no copy yet (a task just started) are not refused while teams take the rest.
        wanted = max(math.ceil(allowance * self._reserve), min(self._league_keys, math.ceil(allowance / 2)))
        reserve = min(allowance, wanted) if allowance > 1 else 0
        teams = allowance - reserve
        return Shares(
            allowance=allowance,
            teams=teams,
            unknown=min(teams, math.floor(allowance * self._unknown)),
            client=self._client,
            client_empty=self._empty,
            failures=self._failures,
        )

    async def acquire(self, kind: Kind, client: str = "anonymous") -> Grant:
        """A place for one search of `kind` caused by `client`, or the error that refuses it."""
        now = self._clock()
        hour = int(now // HOUR)
        retry_after = int(HOUR - now % HOUR) + 1
        shares = self.shares(now)
        (failed,) = await self._counts([self.counter(hour, "failed")])
        if failed >= shares.failures:
            raise ShareSpent(
                f"{failed} upstream attempts failed this hour, the allowance for failures; "
                "no search until the next hour",
                retry_after=retry_after,
            )
        limits: list[tuple[str, int, Exception]] = []
        if kind is Kind.UNKNOWN:
            (empty,) = await self._counts([self.client_counter(hour, client, "empty")])
            if empty >= shares.client_empty:
                raise ClientShareExhausted(
                    f"{empty} of this client's searches this hour for team names outside the catalogue "
                    "found nothing; no more until the next hour. Catalogue teams and leagues still "
                    "answer (GET /v1/teams)",
                    retry_after=retry_after,
                )
            limits += [
                (
                    self.client_counter(hour, client),
                    shares.client,
                    ClientShareExhausted(
                        f"This client's {shares.client} searches this hour for team names outside the "
                        "catalogue are spent; catalogue teams and leagues still answer (GET /v1/teams)",
                        retry_after=retry_after,
                    ),
                ),
                (
                    self.counter(hour, "unknown"),
                    shares.unknown,
                    ShareSpent(
                        f"The {shares.unknown} searches this hour for team names outside the catalogue "
                        "are spent; catalogue teams and leagues still answer",
                        retry_after=retry_after,
                    ),
                ),
            ]
        if kind is not Kind.LEAGUE:
            limits.append(
                (
                    self.counter(hour, "teams"),
                    shares.teams,
                    ShareSpent(
                        f"The {shares.teams} team searches this hour are spent; the rest is kept for "
                        "the catalogue's leagues",
                        retry_after=retry_after,
                    ),
                )
            )
        limits.append(
            (
                self.counter(hour, "spent"),
                shares.allowance,
                BudgetExhausted(
                    f"The service's budget of {shares.allowance} upstream searches this hour is spent",
                    retry_after=retry_after,
                ),
            )
        )
        grant = Grant(self, hour=hour)
        for counter, limit, refusal in limits:
            value, store = await self._add(counter, 1)
            grant.places.append((counter, store))
            if value > limit:
                for taken, where in grant.places:
                    await self._add(taken, -1, prefer=where)
                grant.settled = True
                raise refusal
        return grant

    async def found_nothing(self, client: str) -> None:
        """Count a search for a name outside the catalogue that found no games, against `client`."""
        await self._add(self.client_counter(int(self._clock() // HOUR), client, "empty"), 1)

    async def spend(self) -> None:
        """Take one league search's place and keep it, as a search that succeeded."""
        await (await self.acquire(Kind.LEAGUE)).succeeded()

    async def live_stretch(self) -> float:
        """How much longer than TTL_LIVE_SECONDS a live answer stays fresh now (`pacing.live_stretch`)."""
        now = self._clock()
        (spent,) = await self._counts([self.counter(int(now // HOUR), "spent")])
        return live_stretch(spent, self.pacer.allowance(now))

    async def status(self, client: str | None) -> dict[str, object]:
        """The hour's allowance, spending and shares, for GET /v1/quota."""
        now = self._clock()
        hour = int(now // HOUR)
        shares = self.shares(now)
        names = ["spent", "teams", "unknown", "failed"]
        counters = [self.counter(hour, name) for name in names]
        if client is not None:
            counters += [self.client_counter(hour, client), self.client_counter(hour, client, "empty")]
        values = await self._counts(counters)
        counted = dict(zip(names, values, strict=False))
        return {
            "hour_started": hour * HOUR,
            "resets_in": int(HOUR - now % HOUR),
            "cap": self.pacer.cap,
            "allowance": shares.allowance,
            "spent": counted["spent"],
            "failed": counted["failed"],
            "failure_allowance": shares.failures,
            "live_stretch": round(live_stretch(counted["spent"], shares.allowance), 2),
            "shares": {
                "league_reserve": shares.allowance - shares.teams,
                "teams": {"limit": shares.teams, "spent": counted["teams"]},
                "unknown_teams": {"limit": shares.unknown, "spent": counted["unknown"]},
                "client": (
                    {
                        "id": client,
                        "limit": shares.client,
                        "spent": values[-2],
                        "found_nothing": values[-1],
                        "found_nothing_limit": shares.client_empty,
                    }
                    if client is not None
                    else None
                ),
            },
        }

    async def _add(self, counter: str, amount: int, prefer: Store | None = None) -> tuple[int, Store]:
        store = prefer or self._store
        if store is not self._local:
            try:
                return await store.incr(counter, HOUR + 60, amount), store
            except StoreUnavailable:
                if amount < 0:
                    return 0, store  # the place was taken in the shared count; it expires with the hour
        return await self._local.incr(counter, HOUR + 60, amount), self._local

    async def _counts(self, counters: list[str]) -> list[int]:
        if self._store is not self._local:
            try:
                return await self._store.counts(counters)
            except StoreUnavailable:
                pass
        return await self._local.counts(counters)
