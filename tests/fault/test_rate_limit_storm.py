"""A 429 storm: many clients on many keys while SerpAPI keeps answering 429.

Every answer is a stale copy or a 503 with Retry-After. Searches stop at the
first 429 until its Retry-After has passed (only searches already under way
when it arrived still go out), the hourly budget caps even those, and the
process answers normally once the storm passes.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.fakes.serpapi import FakeSerpApi
from tests.integration.test_api import assert_problem

CACHED = ["nfl", "nba", "mlb"]
TEAMS = [f"Storm Team {i}" for i in range(30)]
PATHS = [f"/v1/leagues/{slug}/games" for slug in CACHED] + [f"/v1/teams/{team}/games" for team in TEAMS]
CALLERS_PER_KEY = 4
WAVES = 2


async def storm(url: str, fake: FakeSerpApi) -> tuple[list[list[httpx.Response]], list[int]]:
    """The waves' answers, and the upstream's call count after each wave."""
    limits = httpx.Limits(max_connections=len(PATHS) * CALLERS_PER_KEY)
    waves, calls = [], []
    for _ in range(WAVES):
        # A client per wave: httpx re-using 132 pooled connections stalls for seconds.
        async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:
            waves.append(
                await asyncio.gather(*(client.get(p) for p in PATHS for _ in range(CALLERS_PER_KEY)))
            )
        calls.append(fake.calls)
    return waves, calls


def start_storm(live, fake: FakeSerpApi, latency: float = 0.0, **settings: object):
    # One client asks for 30 names at once: its own share (20 by default) is not what is tested here.
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, client_searches_per_hour=1000, **settings)
    for slug in CACHED:
        assert httpx.get(f"{server.url}/v1/leagues/{slug}/games").status_code == 200
    time.sleep(1.1)  # the cached leagues are stale now
    fake.set(mode="status", status=429, retry_after="120", latency=latency)
    return server


def check_answers(waves: list[list[httpx.Response]]) -> set[str]:
    """Stale copies for the cached leagues, 503 with Retry-After for the rest; the problem types seen."""
    kinds = set()
    for wave in waves:
        for response in wave:
            if response.request.url.path.startswith("/v1/leagues/"):
                assert response.status_code == 200 and response.json()["cache"] == "stale"
                continue
            body = assert_problem(response, 503)
            kinds.add(body["type"])
            assert int(response.headers["retry-after"]) > 0
            if body["type"].endswith("upstream-rate-limited"):
                assert int(response.headers["retry-after"]) <= 120  # what is left of SerpAPI's
    return kinds


def assert_recovers(server, fake: FakeSerpApi) -> None:
    fake.set(mode="ok", retry_after=None, latency=0.0)
    assert httpx.get(f"{server.url}/health").status_code == 200
    assert httpx.get(f"{server.url}/ready").status_code == 200
    assert httpx.get(f"{server.url}/v1/leagues/nfl/games").status_code == 200


def test_storm_stops_searching_until_retry_after(live, fake_serpapi: FakeSerpApi) -> None:
    server = start_storm(live, fake_serpapi, serpapi_max_searches_per_hour=1000)
    waves, calls = asyncio.run(storm(server.url, fake_serpapi))
    assert check_answers(waves) == {"urn:sports-api:problem:upstream-rate-limited"}
    # At most the searches under way when the first 429 came back; then none.
    assert calls[0] - len(CACHED) <= len(PATHS)
    assert calls[-1] == calls[0]
    assert_recovers(server, fake_serpapi)


def test_budget_caps_the_searches_under_way_when_the_storm_starts(live, fake_serpapi: FakeSerpApi) -> None:
    # Slow 429s: every key's search has started before the first one comes back.
    server = start_storm(live, fake_serpapi, latency=0.3, serpapi_max_searches_per_hour=10)
    waves, _ = asyncio.run(storm(server.url, fake_serpapi))
    assert "urn:sports-api:problem:upstream-budget-exhausted" in check_answers(waves)
    assert fake_serpapi.calls == 10  # the cap, never more
    assert_recovers(server, fake_serpapi)


def test_searching_resumes_once_retry_after_has_passed(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    fake_serpapi.set(mode="status", status=429, retry_after="1")
    first = httpx.get(f"{server.url}/v1/leagues/nfl/games")
    assert assert_problem(first, 503)["type"] == "urn:sports-api:problem:upstream-rate-limited"
    fake_serpapi.set(mode="ok", retry_after=None)
    held = httpx.get(f"{server.url}/v1/leagues/nba/games")
    assert assert_problem(held, 503)["type"] == "urn:sports-api:problem:upstream-rate-limited"
    assert held.headers["retry-after"] == "1"
    assert fake_serpapi.calls == 1  # the pause covers every key
    time.sleep(1.05)
    assert httpx.get(f"{server.url}/v1/leagues/nba/games").status_code == 200
    assert fake_serpapi.calls == 2
