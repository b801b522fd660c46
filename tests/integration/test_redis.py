"""The shared cache on a real redis-server: one upstream call across processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.conftest import FAKE_KEY
from tests.servers import ProcessServer, RedisProcess, free_port, redis_binary

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = RedisProcess(redis_binary()).start()
    yield server.url
    server.stop()


@pytest.fixture
def flushed(redis_url: str) -> str:
    with redis.Redis.from_url(redis_url) as client:
        client.flushall()
    return redis_url


@pytest.fixture
def pair(flushed: str, fake_serpapi) -> Iterator[tuple[ProcessServer, ProcessServer]]:
    """Two service processes sharing one Redis, as two ECS tasks would."""
    env = {"SERPAPI_API_KEY": FAKE_KEY, "SERPAPI_BASE_URL": fake_serpapi.url, "REDIS_URL": flushed}
    servers = (ProcessServer(env).start(), ProcessServer(env).start())
    yield servers
    for server in servers:
        output = server.stop()
        assert FAKE_KEY not in output


def test_ready_reports_the_redis_cache(pair) -> None:
    assert httpx.get(f"{pair[0].url}/ready").json()["cache"] == "redis"


def test_a_copy_fetched_by_one_task_is_a_hit_on_the_other(pair, fake_serpapi) -> None:
    a, b = pair
    assert httpx.get(f"{a.url}/v1/leagues/nfl/games").json()["cache"] == "miss"
    assert httpx.get(f"{b.url}/v1/leagues/nfl/games").json()["cache"] == "hit"
    assert fake_serpapi.calls == 1


def test_single_flight_holds_across_processes(pair, fake_serpapi) -> None:
    fake_serpapi.set(latency=1.0)

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            urls = [f"{server.url}/v1/teams/Arsenal/games" for server in pair] * 60
            return await asyncio.gather(*(client.get(url) for url in urls))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 120
    assert fake_serpapi.calls == 1
    assert len({r.json()["fetched_at"] for r in responses}) == 1


def test_budget_is_shared_across_processes(flushed, fake_serpapi) -> None:
    env = {
        "SERPAPI_API_KEY": FAKE_KEY,
        "SERPAPI_BASE_URL": fake_serpapi.url,
        "REDIS_URL": flushed,
        "SERPAPI_MAX_SEARCHES_PER_HOUR": "2",
    }
    a, b = ProcessServer(env).start(), ProcessServer(env).start()
    try:
        statuses = [
            httpx.get(f"{a.url}/v1/leagues/nfl/games").status_code,
            httpx.get(f"{b.url}/v1/leagues/nba/games").status_code,
            httpx.get(f"{a.url}/v1/leagues/mlb/games").status_code,
            httpx.get(f"{b.url}/v1/leagues/nhl/games").status_code,
        ]
    finally:
        a.stop(), b.stop()
    assert statuses == [200, 200, 503, 503]
    assert fake_serpapi.calls == 2


def test_redis_outage_degrades_instead_of_failing(fake_serpapi) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    server = ProcessServer(
        {"SERPAPI_API_KEY": FAKE_KEY, "SERPAPI_BASE_URL": fake_serpapi.url, "REDIS_URL": dead}
    ).start()
    try:
        ready = httpx.get(f"{server.url}/ready")
        games = httpx.get(f"{server.url}/v1/leagues/nfl/games")
    finally:
        server.stop()
    assert ready.status_code == 503 and "Redis" in ready.json()["detail"]
    assert games.status_code == 200 and games.json()["source"] == "serpapi"
