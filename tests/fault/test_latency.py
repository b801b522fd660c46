"""Upstream latency spikes: slow searches hold up only their own keys; past the timeout, 504 then recovery."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.fakes.serpapi import FakeSerpApi
from tests.integration.test_api import assert_problem

SLOW = ["nba", "mlb", "nhl"]
FAST = ["mls", "serie-a", "la-liga"]


def path(slug: str) -> str:
    return f"/v1/leagues/{slug}/games"


async def timed(client: httpx.AsyncClient, url: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await client.get(url)
    return response, time.perf_counter() - started


def wait_for_calls(fake: FakeSerpApi, n: int, within: float = 2.0) -> None:
    deadline = time.monotonic() + within
    while fake.calls < n:
        assert time.monotonic() < deadline, f"{fake.calls} upstream calls, expected {n}"
        time.sleep(0.01)


def test_slow_searches_under_the_timeout_delay_only_their_own_keys(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(serpapi_timeout_seconds=2)
    assert httpx.get(server.url + path("nfl")).status_code == 200  # a cached key

    async def spike() -> tuple[list, list, tuple]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            fake_serpapi.set(latency=0.8)
            slow = [asyncio.ensure_future(timed(client, path(s))) for s in SLOW]
            await asyncio.to_thread(wait_for_calls, fake_serpapi, 1 + len(SLOW))
            fake_serpapi.set(latency=0.0)  # the spike is over for new searches only
            fast = await asyncio.gather(*(timed(client, path(s)) for s in FAST))
            cached = await timed(client, path("nfl"))
            return await asyncio.gather(*slow), fast, cached

    slow, fast, cached = asyncio.run(spike())
    assert [r.status_code for r, _ in slow + fast] == [200] * 6
    assert all(seconds >= 0.75 for _, seconds in slow)
    assert all(seconds < 0.5 for _, seconds in fast), [seconds for _, seconds in fast]
    assert cached[0].json()["cache"] == "hit" and cached[1] < 0.2
    assert fake_serpapi.calls == 1 + len(SLOW) + len(FAST)


def test_spike_past_the_timeout_is_504_on_time_then_recovers(live, fake_serpapi: FakeSerpApi) -> None:
    # A back-off short enough to wait out here; tests/unit/test_quota.py covers its growth and jitter.
    server = live(serpapi_timeout_seconds=0.5, backoff_base_seconds=0.2, backoff_max_seconds=0.4)
    fake_serpapi.set(latency=1.5)
    keys = SLOW + FAST

    async def during() -> list[tuple[httpx.Response, float]]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            return await asyncio.gather(*(timed(client, path(s)) for s in keys for _ in range(3)))

    answers = asyncio.run(during())
    for response, seconds in answers:
        assert assert_problem(response, 504)["type"] == "urn:sports-api:problem:upstream-timeout"
        assert 0.45 < seconds < 1.0  # the timeout, not the upstream's 1.5 s
    assert fake_serpapi.calls == len(keys)  # three callers per key, one search each

    fake_serpapi.set(latency=0.0)
    time.sleep(0.5)  # the back-off after repeated timeouts: no search until it has passed
    after = [httpx.get(server.url + path(s), timeout=5) for s in keys]
    assert [(r.status_code, r.json()["cache"]) for r in after] == [(200, "miss")] * len(keys)
    assert httpx.get(server.url + "/health").status_code == 200
