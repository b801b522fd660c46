"""A real redis-server killed, paused, flushed and fed corrupted entries while requests run.

The service keeps answering from its own process (hot answers, single-flight,
per-process counting) whatever Redis does: every answer a 200, never a 500,
/health fast, and the searches it costs are the keys that had no copy.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson
import pytest

from sports_api.service import CACHE_VERSION
from tests.chaos.conftest import HealthProbe, RedisProcess, problem_type, wait_for
from tests.fakes.serpapi import FakeSerpApi

pytestmark = pytest.mark.redis

WARM = ["nfl", "nba", "mlb"]
COLD = ["nhl", "mls", "serie-a"]
CALLERS = 5
TEN_YEARS = 10 * 365 * 86400


def games(slug: str) -> str:
    return f"/v1/leagues/{slug}/games"


def entry_key(slug: str) -> str:
    return f"sports-api:{CACHE_VERSION}:serpapi:league:{slug}"


async def load(url: str, slugs: list[str], callers: int = CALLERS) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await asyncio.gather(*(client.get(games(slug)) for slug in slugs for _ in range(callers)))


def warm_up(url: str) -> None:
    for slug in WARM:
        assert httpx.get(url + games(slug), timeout=10).status_code == 200


def assert_answered(responses: list[httpx.Response]) -> None:
    assert [r.status_code for r in responses] == [200] * len(responses), [
        (r.status_code, r.text[:120]) for r in responses if r.status_code != 200
    ]


def test_redis_killed_under_load(redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi) -> None:
    server = redis_live()
    warm_up(server.url)
    with HealthProbe(server.url) as health:
        redis_server.kill()
        responses = asyncio.run(load(server.url, WARM + COLD))
        again = asyncio.run(load(server.url, WARM + COLD, callers=1))
        ready = httpx.get(server.url + "/ready", timeout=10)
    assert_answered(responses + again)
    assert {r.json()["cache"] for r in again} == {"hit"}
    assert fake_serpapi.calls == len(WARM) + len(COLD)  # one search per key that had no copy
    assert ready.status_code == 503 and "Redis" in ready.json()["detail"]
    health.assert_fast()
    redis_server.start()  # back, on the same port
    wait_for(lambda: httpx.get(server.url + "/ready", timeout=10).status_code == 200, within=15)


def test_redis_paused_under_load(redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi) -> None:
    """SIGSTOP: connections stay open and nothing answers; every Redis call waits for its timeout."""
    server = redis_live()
    warm_up(server.url)
    with HealthProbe(server.url) as health:
        redis_server.pause()
        try:
            responses = asyncio.run(load(server.url, WARM + COLD))
        finally:
            redis_server.resume()
    assert_answered(responses)
    assert fake_serpapi.calls == len(WARM) + len(COLD)
    health.assert_fast()
    wait_for(lambda: httpx.get(server.url + "/ready", timeout=10).status_code == 200, within=15)


def test_redis_flushed_under_load(redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi) -> None:
    """Two tasks share Redis; it is flushed while the second reads what the first fetched."""
    first, second = redis_live(), redis_live()
    warm_up(first.url)
    with redis_server.client() as client, HealthProbe(second.url) as health:
        before = asyncio.run(load(second.url, WARM))  # shared copies: hits, no search
        assert fake_serpapi.calls == len(WARM)
        client.flushall()
        after = asyncio.run(load(second.url, WARM + COLD))
    assert_answered(before + after)
    assert {r.json()["cache"] for r in before} == {"hit"}
    # The second task's hot answers survive the flush; the cold keys cost one search each.
    assert fake_serpapi.calls == len(WARM) + len(COLD)
    # The first task answers from its own hot copies; a third task has to search again.
    third = redis_live()
    assert httpx.get(third.url + games("nfl")).json()["cache"] == "miss"
    assert fake_serpapi.calls == len(WARM) + len(COLD) + 1
    health.assert_fast()


def header_and_parts(raw: bytes) -> tuple[dict, bytes]:
    line, _, rest = raw.partition(b"\n")
    return orjson.loads(line), rest


def with_header(raw: bytes, **changes: object) -> bytes:
    header, rest = header_and_parts(raw)
    return orjson.dumps({**header, **changes}) + b"\n" + rest


def corruptions(raw: bytes) -> dict[str, bytes]:
    header, rest = header_and_parts(raw)
    now = time.time()
    games_size = header["parts"]["games"]
    return {
        "not-an-entry": b"\x00\xff garbage \r\n",
        "fetched-at-nan": raw.replace(b'"fetched_at":', b'"fetched_at":NaN,"x":', 1),
        "fetched-at-string-nan": with_header(raw, fetched_at="nan", fresh_until="nan"),
        "fetched-at-inf": with_header(raw, fetched_at="inf"),
        "ten-years-ahead": with_header(raw, fetched_at=now + TEN_YEARS, fresh_until=now + TEN_YEARS),
        "fresh-for-ten-years": with_header(raw, fresh_until=now + TEN_YEARS),
        "unknown-source": with_header(raw, source="evil"),
        "games-not-json": raw.partition(b"\n")[0] + b"\n" + b"{" * games_size + rest[games_size:],
        "sizes-lie": with_header(raw, parts={**header["parts"], "games": games_size + 5}),
        "header-only": with_header(raw).partition(b"\n")[0],
        "cr-in-header": raw.replace(b'"serpapi"', b'"serp\\r\\napi"', 1),
    }


CORRUPTIONS = [
    "not-an-entry",
    "fetched-at-nan",
    "fetched-at-string-nan",
    "fetched-at-inf",
    "ten-years-ahead",
    "fresh-for-ten-years",
    "unknown-source",
    "games-not-json",
    "sizes-lie",
    "header-only",
    "cr-in-header",
]


@pytest.fixture
def valid_entry(redis_live, redis_server: RedisProcess) -> bytes:
    """What a task writes for the NFL, read back raw."""
    writer = redis_live()
    assert httpx.get(writer.url + games("nfl")).status_code == 200
    with redis_server.client() as client:
        raw = client.get(entry_key("nfl"))
    assert raw
    return raw


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_corrupted_entry_is_a_miss_and_one_search(
    redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi, valid_entry: bytes, corruption: str
) -> None:
    with redis_server.client() as client:
        client.set(entry_key("nfl"), corruptions(valid_entry)[corruption])
    fake_serpapi.reset()
    reader = redis_live()  # a task that has not seen the key: it reads Redis
    with HealthProbe(reader.url) as health:
        first = httpx.get(reader.url + games("nfl"), timeout=10)
        second = httpx.get(reader.url + games("nfl"), timeout=10)
    assert first.status_code == 200 and first.json()["cache"] == "miss"
    assert second.status_code == 200 and second.json()["cache"] == "hit"
    orjson.loads(first.content)  # valid JSON, whatever was stored
    max_age = int(first.headers["cache-control"].rsplit("=", 1)[1])
    assert 0 < max_age <= 3600  # never the ten years an entry claimed
    assert fake_serpapi.calls == 1
    with redis_server.client() as client:  # replaced by a good entry
        assert client.get(entry_key("nfl")) != corruptions(valid_entry)[corruption]
    health.assert_fast()


@pytest.mark.parametrize("corruption", ["fetched-at-nan", "ten-years-ahead", "games-not-json"])
def test_a_corrupted_entry_is_never_served_as_a_stale_copy(
    redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi, valid_entry: bytes, corruption: str
) -> None:
    with redis_server.client() as client:
        client.set(entry_key("nfl"), corruptions(valid_entry)[corruption])
    fake_serpapi.reset()
    fake_serpapi.set(mode="status", status=503)
    reader = redis_live()
    response = httpx.get(reader.url + games("nfl"), timeout=10)
    assert response.status_code == 502 and problem_type(response) == "upstream-unavailable"
    assert fake_serpapi.calls == 1


def test_an_entry_of_the_wrong_redis_type_is_a_miss(
    redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi
) -> None:
    with redis_server.client() as client:
        client.hset(entry_key("nfl"), mapping={"games": "[]"})  # GET answers WRONGTYPE
    server = redis_live()
    with HealthProbe(server.url) as health:
        response = httpx.get(server.url + games("nfl"), timeout=10)
    assert response.status_code == 200 and response.json()["cache"] == "miss"
    assert fake_serpapi.calls == 1
    health.assert_fast()


def test_corrupted_budget_counters_cost_no_500(
    redis_live, redis_server: RedisProcess, fake_serpapi: FakeSerpApi
) -> None:
    server = redis_live()
    assert httpx.get(server.url + games("nfl")).status_code == 200
    with redis_server.client() as client:
        counters = [key for key in client.keys("sports-api:*") if b"quota" in key or b"budget" in key]
        assert counters, client.keys("sports-api:*")
        for key in counters:
            client.set(key, b"not a number \xff")
    with HealthProbe(server.url) as health:
        response = httpx.get(server.url + games("nba"), timeout=10)
    assert response.status_code == 200 and response.json()["cache"] == "miss"
    assert fake_serpapi.calls == 2
    health.assert_fast()
