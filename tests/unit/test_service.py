"""The sports service with an injected clock and fakes for the source: no sleeping, no sockets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sports_api.cache import MemoryStore
from sports_api.core.errors import UpstreamRateLimited, UpstreamUnavailable
from sports_api.quota.budget import Budget
from sports_api.quota.freshness import Freshness
from sports_api.service import SportsService
from sports_api.sports.catalogue import get_league
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Lookup

NFL = Lookup.for_league(get_league("nfl"))
# Sunday 2026-11-22, 18:00 in New York.
T0 = datetime(2026, 11, 22, 23, 0, tzinfo=UTC).timestamp()


def game(status: str | None, date: str, time: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "tournament": "NFL",
        "date": date,
        "teams": [{"name": "Jets"}, {"name": "Bills"}],
    }
    if status:
        block["status"] = status
        block["teams"] = [{"name": "Jets", "score": "7"}, {"name": "Bills", "score": "3"}]
    if time:
        block["time"] = time
    return block


LIVE = {"sports_results": {"games": [game("3rd Quarter", "today, 4:25 PM")]}}
IDLE = {
    "sports_results": {"games": [game("Final", "yesterday, 1:00 PM"), game(None, "Thu, Nov 26", "8:15 PM")]}
}
SOON = {"sports_results": {"games": [game(None, "today, 6:30 PM")]}}  # 30 minutes after T0


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeSource:
    name = "serpapi"
    metered = True

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.calls: list[bool] = []  # the no_cache flag of each fetch
        self.failure: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        self.calls.append(no_cache)
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return self.payload


def service(source: FakeSource, clock: Clock, **overrides: Any) -> SportsService:
    store = MemoryStore(clock=clock)
    options: dict[str, Any] = {
        "freshness": Freshness(live=60, idle=3600),
        "stale_max": 86_400,
        "upstream_timeout": 5.0,
        "zone": ZoneInfo("America/New_York"),
        "teams": TeamCatalogue.load(),
        "clock": clock,
    }
    return SportsService(source, store, Budget(store, 1000), **(options | overrides))


async def test_a_repeat_is_a_hit_until_freshness_ends() -> None:
    clock, source = Clock(), FakeSource(IDLE)
    sports = service(source, clock)
    first = await sports.get(NFL)
    clock.now += 3599
    again = await sports.get(NFL)
    assert (first.cache, again.cache, len(source.calls)) == ("miss", "hit", 1)
    assert again.fresh_for(clock.now) == 1
    clock.now += 1
    assert (await sports.get(NFL)).cache == "miss" and len(source.calls) == 2


@pytest.mark.parametrize(("payload", "seconds"), [(LIVE, 60), (IDLE, 3600), (SOON, 30 * 60 + 60)])
async def test_freshness_follows_what_the_answer_holds(payload: dict, seconds: int) -> None:
    clock = Clock()
    result = await service(FakeSource(payload), clock).get(NFL)
    assert result.entry.fresh_until - clock.now == seconds


async def test_only_a_live_refresh_asks_for_a_fresh_search() -> None:
    clock, source = Clock(), FakeSource(LIVE)
    sports = service(source, clock)
    await sports.get(NFL)
    clock.now += 61
    source.payload = IDLE
    await sports.get(NFL)  # the known answer was live: worth a paid search
    clock.now += 3601
    await sports.get(NFL)  # the known answer was idle: SerpAPI's cache will do
    assert source.calls == [False, True, False]


async def test_relative_dates_are_read_at_the_moment_of_the_search() -> None:
    clock = Clock()
    result = await service(FakeSource(LIVE), clock).get(NFL)
    [live] = result.entry.document().games
    assert live.start_time == datetime(2026, 11, 22, 21, 25, tzinfo=UTC)
    assert (live.status, live.clock) == ("live", "3rd Quarter")
    assert result.entry.fetched_at == T0


async def test_a_failure_serves_the_stale_copy_then_raises_past_the_limit() -> None:
    clock, source = Clock(), FakeSource(IDLE)
    sports = service(source, clock, stale_max=7200)
    await sports.get(NFL)
    source.failure = UpstreamUnavailable("down")
    clock.now += 3600
    stale = await sports.get(NFL)
    assert stale.cache == "stale" and stale.fresh_for(clock.now) == 0
    clock.now += 3601
    with pytest.raises(UpstreamUnavailable):
        await sports.get(NFL)


async def test_no_search_while_a_rate_limit_is_in_force() -> None:
    clock, source = Clock(), FakeSource(IDLE)
    sports = service(source, clock)
    source.failure = UpstreamRateLimited("slow down", retry_after=120)
    with pytest.raises(UpstreamRateLimited):
        await sports.get(NFL)
    clock.now += 119
    with pytest.raises(UpstreamRateLimited) as waiting:
        await sports.get(Lookup.for_league(get_league("nba")))  # the pause covers every key
    assert waiting.value.retry_after == 1 and len(source.calls) == 1
    source.failure = None
    clock.now += 1
    assert (await sports.get(NFL)).cache == "miss" and len(source.calls) == 2


async def test_concurrent_misses_share_one_search() -> None:
    clock, source = Clock(), FakeSource(IDLE)
    source.gate = asyncio.Event()
    sports = service(source, clock)
    waiting = [asyncio.ensure_future(sports.get(NFL)) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    results = await asyncio.gather(*waiting)
    assert len(source.calls) == 1 and {r.cache for r in results} == {"miss"}


# ---- a team's running game read from its league's answer ------------------------------------------

JETS = Lookup.for_team(TeamCatalogue.load().resolve("New York Jets"))  # type: ignore[arg-type]
TEAM_ANSWER = {
    "sports_results": {
        "games": [
            game("3rd Quarter", "today, 4:25 PM"),
            {
                "tournament": "NFL",
                "date": "Sun, Nov 29",
                "time": "1:00 PM",
                "teams": [{"name": "Jets"}, {"name": "Dolphins"}],
            },
        ]
    }
}


def league_answer(status: str, scores: tuple[str, str]) -> dict[str, Any]:
    block = game(status, "today, 4:25 PM")
    block["teams"] = [{"name": "Jets", "score": scores[0]}, {"name": "Bills", "score": scores[1]}]
    return {"sports_results": {"games": [block]}}


class ByKind(FakeSource):
    """A league answer and a team answer; each fetch recorded as (kind, no_cache)."""

    def __init__(self, league: dict[str, Any], team: dict[str, Any]) -> None:
        super().__init__(league)
        self.answers = {"league": league, "team": team}
        self.fetched: list[tuple[str, bool]] = []

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        self.fetched.append((lookup.kind, no_cache))
        return self.answers[lookup.kind]


def score(result: Any) -> tuple[str | None, list[int | None]]:
    first = result.entry.document().games[0]
    return first.status, [team.score for team in first.teams]


async def test_a_teams_running_game_is_kept_fresh_by_its_leagues_search() -> None:
    clock, source = Clock(), ByKind(league_answer("3rd Quarter", ("7", "3")), TEAM_ANSWER)
    sports = service(source, clock)
    await sports.get(NFL)  # the league's answer, live
    first = await sports.get(JETS)
    assert source.fetched == [("league", False), ("team", False)]
    # Fresh while the league's answer is (60 s); the team's own answer until its next game needs it.
    assert first.fresh_for(clock.now) == 60 and first.live_from is not None
    source.answers["league"] = league_answer("4th Quarter", ("14", "3"))
    clock.now += 61
    later = await sports.get(JETS)
    assert source.fetched[2:] == [("league", True)]  # one paid league search; no team search
    assert score(later) == ("live", [14, 3]) and later.cache == "miss"
    assert later.entry.document().games[1].teams[1].name == "Dolphins"  # the team's own games stay
    assert later.entry.document().games[0].id == first.entry.document().games[0].id
    source.answers["league"] = league_answer("Final", ("21", "3"))
    clock.now += 61
    assert score(await sports.get(JETS)) == ("final", [21, 3])
    assert [kind for kind, _ in source.fetched] == ["league", "team", "league", "league"]


async def test_a_team_asked_for_before_its_league_follows_it_from_its_next_search() -> None:
    clock, source = Clock(), ByKind(league_answer("3rd Quarter", ("7", "3")), TEAM_ANSWER)
    sports = service(source, clock)
    await sports.get(JETS)  # no league answer yet: the team's own is live (60 s); the league's is searched
    for _ in range(3):
        clock.now += 61
        await sports.get(JETS)
    # The team's second search saw the league's answer follow its game: from then on, the league's only.
    assert [kind for kind, _ in source.fetched] == ["team", "league", "team", "league", "league", "league"]


async def test_a_running_game_the_league_does_not_show_keeps_the_team_on_its_own_live_freshness() -> None:
    clock, source = Clock(), ByKind({"sports_results": {"games": []}}, TEAM_ANSWER)
    sports = service(source, clock)
    first = await sports.get(JETS)
    assert first.fresh_for(clock.now) == 60 and first.live_from is None
    clock.now += 61
    await sports.get(JETS)
    assert source.fetched == [("team", False), ("league", False), ("team", True)]


async def test_a_league_answer_that_stops_showing_the_game_sends_the_team_back_to_its_own_search() -> None:
    clock, source = Clock(), ByKind(league_answer("3rd Quarter", ("7", "3")), TEAM_ANSWER)
    sports = service(source, clock)
    await sports.get(NFL)
    await sports.get(JETS)
    source.answers["league"] = {"sports_results": {"games": []}}
    clock.now += 61
    result = await sports.get(JETS)
    assert source.fetched[2:] == [("league", True), ("team", True)]
    assert result.live_from is None and result.fresh_for(clock.now) == 60


async def test_a_team_kept_on_its_league_is_never_fresh_longer_than_live_when_the_league_fails() -> None:
    clock, source = Clock(), ByKind(league_answer("3rd Quarter", ("7", "3")), TEAM_ANSWER)
    sports = service(source, clock, stale_max=0)
    await sports.get(NFL)
    assert (await sports.get(JETS)).fresh_for(clock.now) == 60
    clock.now += 61
    source.answers["league"] = None  # type: ignore[assignment]

    async def failing(lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        source.fetched.append((lookup.kind, no_cache))
        if lookup.kind == "league":
            raise UpstreamUnavailable("down")
        return source.answers[lookup.kind]

    source.fetch = failing  # type: ignore[method-assign]
    result = await sports.get(JETS)  # no league answer at all: the team's own search, live freshness
    assert source.fetched[2:] == [("league", False), ("team", True)]  # (the league's copy expired with it)
    assert result.live_from is None and result.fresh_for(clock.now) == 60


async def test_an_older_league_answer_never_overwrites_a_newer_team_answer() -> None:
    clock, source = Clock(), ByKind(league_answer("3rd Quarter", ("7", "3")), TEAM_ANSWER)
    sports = service(source, clock)
    await sports.get(NFL)  # the league's answer first: 7-3
    clock.now += 30
    source.answers["team"] = {
        "sports_results": {"games": [league_answer("4th Quarter", ("10", "3"))["sports_results"]["games"][0]]}
    }
    result = await sports.get(JETS)
    assert score(result) == ("live", [10, 3]) and result.live_from is None
    assert result.fresh_for(clock.now) == 30  # but fresh only while the league's answer is
