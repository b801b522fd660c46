"""The event-stream routes over real HTTP: two app instances sharing a real redis-server, against the fake.

A score moved upstream reaches the subscribers of both instances within
TTL_LIVE_SECONDS plus a few seconds, for one search per interval however many
subscribers there are; quiet streams carry heartbeats; a client that
reconnects with `Last-Event-ID` (to either instance) gets what it missed, or a
fresh snapshot when the id is unknown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from tests.fakes.serpapi import FakeSerpApi
from tests.servers import RedisProcess, ThreadServer
from tests.sse import Stream, until

TTL = 2  # seconds: TTL_LIVE_SECONDS
PER_INSTANCE = 100  # subscribers on each instance
QUERY = "NFL schedule"
NFL = "/v1/leagues/nfl/events"


def _live_settings() -> dict[str, object]:
    return {
        "ttl_live_seconds": TTL,
        "events_heartbeat_seconds": 1,
        "serpapi_max_searches_per_hour": 100_000,  # the pace of a 2 s TTL; the budget is not what is tested
    }


def searches(fake: FakeSerpApi, query: str = QUERY) -> int:
    return sum(1 for q in fake.stats.queries if q == query)


def first_game_scores(stream: Stream) -> list[list[int | None]]:
    """The scores of the live game in each `game` event, in order."""
    return [
        [team["score"] for team in event.json()["game"]["teams"]]
        for event in stream.named("game")
        if event.json()["game"]["status"] == "live"
    ]


def test_a_score_moved_upstream_reaches_every_subscriber_of_both_instances(
    live: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi, redis_server: RedisProcess
) -> None:
    fake_serpapi.plan.live.add(QUERY.casefold())
    one = live(redis_url=redis_server.url, **_live_settings())
    two = live(redis_url=redis_server.url, **_live_settings())

    async def scenario() -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            streams = [
                Stream(server.url + NFL).start(client) for server in (one, two) for _ in range(PER_INSTANCE)
            ]
            assert await until(lambda: all(s.named("snapshot") for s in streams), 20)
            assert {s.status for s in streams} == {200}
            assert {s.content_type for s in streams} == {"text/event-stream; charset=utf-8"}
            snapshot = streams[0].named("snapshot")[0].json()
            assert snapshot["league"] == "nfl" and snapshot["games"][0]["status"] == "live"
            assert [t["score"] for t in snapshot["games"][0]["teams"]] == [1, 0]
            assert all(s.events[0].retry and s.events[0].event is None for s in streams)  # `retry:` first

            # One search per interval, across both instances and all their subscribers.
            await asyncio.sleep(0.2)
            before, started = searches(fake_serpapi), time.monotonic()
            await asyncio.sleep(3 * TTL + 0.5)
            spent, elapsed = searches(fake_serpapi) - before, time.monotonic() - started
            assert 2 <= spent <= elapsed / TTL + 1, (spent, elapsed)

            # A goal upstream: every subscriber of both instances hears it within the TTL and a few seconds.
            moved = time.monotonic()
            fake_serpapi.plan.live_score = ("2", "0")
            assert await until(lambda: all([2, 0] in first_game_scores(s) for s in streams), TTL + 5)
            latest = max(
                next(e.at for e in s.named("game") if e.json()["game"]["status"] == "live") for s in streams
            )
            assert latest - moved <= TTL + 5
            goal = next(e for e in streams[0].named("game") if e.json()["game"]["status"] == "live")
            assert "score" in goal.json()["changed"] and goal.id
            assert {
                e.id for s in streams for e in s.named("game") if e.json()["game"]["status"] == "live"
            } == {goal.id}  # the same id from both instances: the change travelled as it was made

            # Heartbeats on every stream (1 s apart while nothing else is sent), repeating the last id.
            assert all(s.named("heartbeat") for s in streams)
            beats = streams[-1].named("heartbeat")
            assert all(beat.data == "{}" and beat.id for beat in beats)

            # Resume: a client that saw the goal reconnects to the other instance after another one.
            fake_serpapi.plan.live_score = ("3", "0")
            assert await until(lambda: all([3, 0] in first_game_scores(s) for s in streams), TTL + 5)
            resumed = Stream(two.url + NFL, {"Last-Event-ID": goal.id}).start(client)
            assert await until(lambda: resumed.named("game"), 5)
            assert not resumed.named("snapshot")  # what it missed, not the whole document again
            assert first_game_scores(resumed) == [[3, 0]]
            unknown = Stream(one.url + NFL, {"Last-Event-ID": "ffffffff-00000000.1"}).start(client)
            assert await until(lambda: unknown.named("snapshot"), 5)
            scores = [t["score"] for t in unknown.named("snapshot")[0].json()["games"][0]["teams"]]
            assert scores == [3, 0]
            for stream in [*streams, resumed, unknown]:
                await stream.close()
            assert all(s.error is None for s in streams)

    asyncio.run(scenario())
    # Every stream closed: nobody watches, nothing is kept fresh any more.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (one.app.state.events.hub.count or two.app.state.events.hub.count):
        time.sleep(0.05)
    assert one.app.state.events.hub.count == two.app.state.events.hub.count == 0
    assert one.app.state.events.keeper.watching == two.app.state.events.keeper.watching == []
    quiet = searches(fake_serpapi)
    time.sleep(TTL + 0.5)
    assert searches(fake_serpapi) == quiet


def test_without_redis_changes_reach_this_tasks_streams(
    live: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi
) -> None:
    fake_serpapi.plan.live |= {"premier league schedule", "arsenal schedule"}
    server = live(**_live_settings())

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            league = Stream(server.url + "/v1/leagues/premier-league/events").start(client)
            team = Stream(server.url + "/v1/teams/Arsenal/events").start(client)
            assert await until(lambda: league.named("snapshot") and team.named("snapshot"), 10)
            assert team.named("snapshot")[0].json()["team"]["id"] == "arsenal"
            fake_serpapi.plan.live_score = ("2", "1")
            assert await until(lambda: [2, 1] in first_game_scores(league), TTL + 5)
            # The team's running game is refreshed through its league's search, and pushed from it.
            assert await until(lambda: [2, 1] in first_game_scores(team), TTL + 5)
            await league.close()
            await team.close()

    asyncio.run(scenario())
    assert server.app.state.events.bus is None


def test_the_scoreboards_keyless_stream_is_its_leagues_stream(
    live: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi
) -> None:
    """GET /events/{slug}, which the page opens (a browser sends no key), shares the league's
    topic: one refresh feeds it and /v1/leagues/{slug}/events alike, and it is no API operation."""
    fake_serpapi.plan.live.add("premier league schedule")
    server = live(**_live_settings())

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            page = Stream(server.url + "/events/premier-league").start(client)
            api = Stream(server.url + "/v1/leagues/premier-league/events").start(client)
            assert await until(lambda: page.named("snapshot") and api.named("snapshot"), 10)
            assert page.content_type is not None and page.content_type.startswith("text/event-stream")
            assert page.named("snapshot")[0].json()["league"] == "premier-league"
            fake_serpapi.plan.live_score = ("3", "1")
            assert await until(lambda: [3, 1] in first_game_scores(page), TTL + 5)
            assert await until(lambda: [3, 1] in first_game_scores(api), TTL + 5)
            assert page.named("game")[-1].id == api.named("game")[-1].id  # one change, one event
            await page.close()
            await api.close()

    asyncio.run(scenario())
    assert "/events/{slug}" not in httpx.get(server.url + "/openapi.json", timeout=10).json()["paths"]


def test_an_idle_stream_costs_no_search_beyond_the_idle_refresh(
    live: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi
) -> None:
    # Google shows no game: nothing live or about to start, whatever the hour the test runs at.
    fake_serpapi.set(mode="no-results")
    server = live(ttl_live_seconds=1, events_heartbeat_seconds=1)

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            stream = Stream(server.url + NFL).start(client)
            assert await until(lambda: stream.named("snapshot"), 10)
            assert searches(fake_serpapi) == 1
            await asyncio.sleep(3.5)
            assert searches(fake_serpapi) == 1  # an hour's freshness: the keeper sleeps through it
            assert len(stream.named("heartbeat")) >= 2
            await stream.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/v1/leagues/xfl/events", 404, "unknown-league"),
        ("/v1/teams/Giants/events", 409, "ambiguous-team"),
        ("/v1/leagues/nfl/events?status=live", 400, "unknown-parameter"),
        ("/v1/me/events", 401, "unauthenticated"),
        ("/events/xfl", 404, "unknown-league"),
    ],
)
def test_a_stream_that_cannot_start_is_a_problem(
    live: Callable[..., ThreadServer], path: str, status: int, kind: str
) -> None:
    server = live()
    answer = httpx.get(server.url + path, timeout=10)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"urn:sports-api:problem:{kind}"
    assert server.app.state.events.hub.count == 0


def test_a_stream_of_a_name_outside_the_catalogue_is_paid_from_its_callers_share(
    live: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi
) -> None:
    server = live(client_searches_per_hour=1)
    first = httpx.get(server.url + "/v1/teams/Some Made Up Club/games", timeout=10)
    assert first.status_code == 200
    answer = httpx.get(server.url + "/v1/teams/Another Made Up Club/events", timeout=10)
    assert answer.status_code == 429
    assert answer.json()["type"] == "urn:sports-api:problem:client-share-exhausted"
    assert fake_serpapi.calls == 1
