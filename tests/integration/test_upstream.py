"""Live mode against the fake SerpAPI over real HTTP: faults, stale copies, budget, single-flight."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.conftest import FAKE_KEY
from tests.fakes.serpapi import FakeSerpApi
from tests.integration.test_api import assert_problem

NFL = "/v1/leagues/nfl/games"


def get(server, path: str = NFL, **kwargs) -> httpx.Response:
    return httpx.get(server.url + path, timeout=10, **kwargs)


def test_live_data_goes_through_the_normaliser(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    body = get(server).json()
    assert body["source"] == "serpapi"
    assert body["games"] and body["games"][0]["home"]["name"] == "Chiefs"
    assert fake_serpapi.stats.queries == ["NFL schedule"]
    assert fake_serpapi.stats.keys == {FAKE_KEY}


def test_cache_hit_makes_no_upstream_call(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    for _ in range(5):
        get(server)
    assert fake_serpapi.calls == 1


def test_team_query(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    body = get(server, "/v1/teams/Chiefs/games").json()
    assert fake_serpapi.stats.queries == ["Kansas City Chiefs schedule"]
    assert body["team"]["id"] == "kansas-city-chiefs"


@pytest.mark.parametrize(
    ("behaviour", "status", "kind"),
    [
        ({"mode": "status", "status": 500}, 502, "upstream-unavailable"),
        ({"mode": "status", "status": 503}, 502, "upstream-unavailable"),
        ({"mode": "status", "status": 401}, 503, "misconfigured"),
        ({"mode": "status", "status": 403}, 503, "misconfigured"),
        ({"mode": "status", "status": 429, "retry_after": "90"}, 503, "upstream-rate-limited"),
        ({"mode": "malformed"}, 502, "upstream-bad-response"),
        ({"mode": "truncated"}, 502, "upstream-bad-response"),
        ({"mode": "reset"}, 502, "upstream-unavailable"),
        ({"mode": "hang"}, 504, "upstream-timeout"),
        ({"latency": 2.0}, 504, "upstream-timeout"),
    ],
)
def test_upstream_faults_map_to_clear_problems(live, fake_serpapi, behaviour, status, kind) -> None:
    fake_serpapi.set(**behaviour)
    server = live(serpapi_timeout_seconds=0.5)
    response = get(server)
    body = assert_problem(response, status)
    assert body["type"] == f"urn:sports-api:problem:{kind}"
    assert FAKE_KEY not in response.text
    if kind == "upstream-rate-limited":
        assert response.headers["retry-after"] == "90"
    fake_serpapi.set(mode="ok", latency=0.0)
    assert get(server, "/health").status_code == 200


def test_bad_key_problem_says_misconfigured(live, fake_serpapi) -> None:
    fake_serpapi.set(mode="status", status=401)
    body = get(live()).json()
    assert body["title"] == "Service misconfigured"
    assert "SERPAPI_API_KEY" in body["detail"]


def test_connection_refused_is_502(serve) -> None:
    server = serve(serpapi_api_key=FAKE_KEY, serpapi_base_url="http://127.0.0.1:9")
    response = get(server)
    assert_problem(response, 502)
    assert FAKE_KEY not in response.text


def test_200_with_error_is_an_empty_list(live, fake_serpapi) -> None:
    fake_serpapi.set(mode="no-results")
    body = get(live()).json()
    assert body["games"] == [] and body["cache"] == "miss"


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "status", "status": 500},
        {"mode": "status", "status": 401},
        {"mode": "status", "status": 429},
        {"mode": "malformed"},
        {"mode": "hang"},
    ],
)
def test_stale_copy_is_served_on_any_upstream_failure(live, fake_serpapi, fault) -> None:
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, serpapi_timeout_seconds=0.5)
    fresh = get(server).json()
    time.sleep(1.1)
    fake_serpapi.set(**fault)
    stale = get(server)
    assert stale.status_code == 200
    assert stale.json()["cache"] == "stale"
    assert stale.json()["fetched_at"] == fresh["fetched_at"]
    assert stale.headers["cache-control"] == "public, max-age=0"


def test_stale_copy_older_than_the_limit_is_not_served(live, fake_serpapi) -> None:
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, stale_max_seconds=1)
    get(server)
    time.sleep(1.2)
    fake_serpapi.set(mode="status", status=500)
    assert_problem(get(server), 502)


def test_stale_copy_is_retried_after_the_retry_interval(live, fake_serpapi) -> None:
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, stale_retry_seconds=1)
    get(server)
    time.sleep(1.1)
    fake_serpapi.set(mode="status", status=500)
    assert get(server).json()["cache"] == "stale"
    calls = fake_serpapi.calls
    fake_serpapi.set(mode="ok")
    again = get(server)
    assert again.json()["cache"] == "stale"  # within the interval: no search
    assert again.headers["cache-control"] == "public, max-age=0"
    assert fake_serpapi.calls == calls
    time.sleep(1.1)
    assert get(server).json()["cache"] == "miss"
    assert fake_serpapi.calls == calls + 1


def test_with_no_retry_interval_every_request_tries_the_upstream(live, fake_serpapi) -> None:
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, stale_retry_seconds=0)
    get(server)
    time.sleep(1.1)
    fake_serpapi.set(mode="status", status=500)
    assert get(server).json()["cache"] == "stale"
    fake_serpapi.set(mode="ok")
    assert get(server).json()["cache"] == "miss"


def test_budget_is_never_overspent(live, fake_serpapi) -> None:
    server = live(serpapi_max_searches_per_hour=2)
    assert get(server, "/v1/leagues/nfl/games").status_code == 200
    assert get(server, "/v1/leagues/nba/games").status_code == 200
    response = get(server, "/v1/leagues/mlb/games")
    body = assert_problem(response, 503)
    assert body["type"] == "urn:sports-api:problem:upstream-budget-exhausted"
    assert 0 < int(response.headers["retry-after"]) <= 3601
    for team in ("a", "b", "c"):
        get(server, f"/v1/teams/{team}/games")
    assert fake_serpapi.calls == 2
    assert get(server, "/v1/leagues/nfl/games").json()["cache"] == "hit"


def test_budget_exhausted_serves_stale(live, fake_serpapi) -> None:
    server = live(serpapi_max_searches_per_hour=1, ttl_live_seconds=1, ttl_idle_seconds=1)
    get(server)
    time.sleep(1.1)
    assert get(server).json()["cache"] == "stale"
    assert fake_serpapi.calls == 1


async def burst(url: str, n: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        return await asyncio.gather(*(client.get(url) for _ in range(n)))


def test_single_flight_many_concurrent_cold_requests_make_one_call(live, fake_serpapi) -> None:
    fake_serpapi.set(latency=0.5)
    server = live()
    responses = asyncio.run(burst(server.url + NFL, 150))
    assert [r.status_code for r in responses] == [200] * 150
    assert fake_serpapi.calls == 1
    assert {r.json()["fetched_at"] for r in responses} == {responses[0].json()["fetched_at"]}


def test_single_flight_failure_is_shared_too(live, fake_serpapi) -> None:
    fake_serpapi.set(mode="status", status=500, latency=0.3)
    server = live()
    responses = asyncio.run(burst(server.url + NFL, 100))
    assert {r.status_code for r in responses} == {502}
    assert fake_serpapi.calls == 1


def test_a_slow_search_does_not_block_the_event_loop(live, fake_serpapi) -> None:
    """If the blocking client ran on the loop, /health would wait behind the search."""
    fake_serpapi.set(latency=1.0)
    server = live()
    finished: list[str] = []

    async def fetch(client: httpx.AsyncClient, path: str, label: str) -> None:
        await client.get(server.url + path)
        finished.append(label)

    async def race() -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            slow = asyncio.ensure_future(fetch(client, NFL, "search"))
            while fake_serpapi.calls == 0:  # noqa: ASYNC110 - counted on the fake's thread
                await asyncio.sleep(0.01)
            await fetch(client, "/health", "health")
            await slow

    asyncio.run(race())
    assert finished == ["health", "search"]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("%E2%80%8B", 404),
        ("%C2%AD%C2%AD", 404),
        ("%C2%A0", 404),
        ("%E2%80%8B%E2%80%8C", 404),
        ("%EF%B7%BA" * 4, 422),
    ],
)
def test_a_name_that_folds_to_nothing_or_too_much_is_no_search(
    live, fake_serpapi, name: str, status: int
) -> None:
    server = live()
    assert_problem(get(server, f"/v1/teams/{name}/games"), status)
    assert fake_serpapi.calls == 0
