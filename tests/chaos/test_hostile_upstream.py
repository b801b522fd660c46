"""A hostile upstream: every answer is a documented status, never a 500, and costs one search.

Each case asks twice: once for a key with a cached copy gone stale (the copy
is served, `"cache": "stale"`), and once for a key with none (the documented
problem). Both cost exactly one search each; /health stays fast throughout.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from sports_api.core.errors import UpstreamTimeout
from sports_api.sports.catalogue import LEAGUES
from sports_api.upstream.base import Lookup
from sports_api.upstream.serpapi import SerpApiSource
from tests.chaos.conftest import HealthProbe, problem_type
from tests.conftest import FAKE_KEY
from tests.fakes.serpapi import FakeSerpApi

CACHED = "/v1/leagues/nfl/games"
UNCACHED = "/v1/leagues/nba/games"


def start_stale(live, fake: FakeSerpApi, **values: object):
    """A server whose NFL copy is stale (TTL 1 s): an upstream failure may serve it."""
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, stale_retry_seconds=0, **values)
    assert httpx.get(server.url + CACHED).status_code == 200
    time.sleep(1.1)
    fake.reset()
    return server


HOSTILE = [
    # (behaviour, status without a copy, problem type, timeout setting)
    ({"mode": "huge", "size": 45 * 1024 * 1024}, 502, "upstream-bad-response"),
    ({"mode": "nested", "depth": 100_000}, 502, "upstream-bad-response"),
    ({"mode": "absurd", "digits": 5_000}, 502, "upstream-bad-response"),
    ({"mode": "redirect"}, 502, "upstream-bad-response"),
    ({"mode": "rst"}, 502, "upstream-unavailable"),
    ({"mode": "reset"}, 502, "upstream-unavailable"),
    ({"mode": "malformed"}, 502, "upstream-bad-response"),
    ({"mode": "drip", "drip_interval": 0.2}, 504, "upstream-timeout"),
]


@pytest.mark.parametrize(("behaviour", "status", "kind"), HOSTILE, ids=lambda v: str(v))
def test_hostile_answer_is_stale_or_its_problem_for_one_search(
    live, fake_serpapi: FakeSerpApi, behaviour: dict, status: int, kind: str
) -> None:
    server = start_stale(live, fake_serpapi, serpapi_timeout_seconds=1)
    fake_serpapi.set(**behaviour)
    with HealthProbe(server.url) as health, httpx.Client(base_url=server.url, timeout=10) as client:
        stale = client.get(CACHED)
        none = client.get(UNCACHED)
    assert stale.status_code == 200 and stale.json()["cache"] == "stale"
    assert stale.headers["cache-control"] == "public, max-age=0"
    assert none.status_code == status and problem_type(none) == kind
    assert fake_serpapi.calls == 2  # one search per key: no redirect followed, no retry
    health.assert_fast()


def test_a_45mb_body_is_cut_at_the_cap_and_never_blocks_the_loop(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    fake_serpapi.set(mode="huge", size=45 * 1024 * 1024)
    with HealthProbe(server.url) as health:
        answers = [httpx.get(server.url + f"/v1/leagues/{slug}/games", timeout=10) for slug in ("nba", "mlb")]
    assert [(a.status_code, problem_type(a)) for a in answers] == [(502, "upstream-bad-response")] * 2
    assert "KB" in answers[0].json()["detail"]  # says it was the size
    assert fake_serpapi.calls == 2
    health.assert_fast()


def test_absurd_numbers_become_null_scores_not_500(live, fake_serpapi: FakeSerpApi) -> None:
    # 30 digits: orjson reads the bare number as a float; the scores are strings of 30 nines.
    server = live()
    fake_serpapi.set(mode="absurd", digits=30)
    response = httpx.get(server.url + CACHED, timeout=10)
    assert response.status_code == 200 and response.json()["cache"] == "miss"
    teams = [team for game in response.json()["games"] for team in game["teams"]]
    assert teams and all(team["score"] is None for team in teams)
    assert fake_serpapi.calls == 1
    # Cached like any answer: a repeat is a hit, not another search.
    assert httpx.get(server.url + CACHED).json()["cache"] == "hit"
    assert fake_serpapi.calls == 1


def test_deep_nesting_orjson_accepts_is_pruned_to_an_empty_answer(live, fake_serpapi: FakeSerpApi) -> None:
    # 1,000 levels: under orjson's limit, so it parses; the boundary cuts it at 24 levels,
    # and nothing in it is a game.
    server = live()
    fake_serpapi.set(mode="nested", depth=1_000)
    with HealthProbe(server.url) as health:
        response = httpx.get(server.url + CACHED, timeout=10)
    assert response.status_code == 200 and response.json()["games"] == []
    assert fake_serpapi.calls == 1
    health.assert_fast()


def http_date(seconds: int) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("\u00b2", 60, 60),  # isdigit() says yes, int() says no: the default
        ("9" * 5_000, 60, 60),  # past any bound: the default
        ("soon", 60, 60),
        ("120", 120, 120),
        (None, 60, 60),
    ],
    ids=["superscript-two", "5000-digits", "words", "seconds", "absent"],
)
def test_odd_retry_after_values_still_start_the_cool_down(
    live, fake_serpapi: FakeSerpApi, header: str | None, low: int, high: int
) -> None:
    server = live()
    fake_serpapi.set(mode="status", status=429, retry_after=header)
    with HealthProbe(server.url) as health:
        first = httpx.get(server.url + CACHED, timeout=10)
        held = httpx.get(server.url + UNCACHED, timeout=10)  # another key, inside the cool-down
    for response in (first, held):
        assert response.status_code == 503 and problem_type(response) == "upstream-rate-limited"
        assert low - 1 <= int(response.headers["retry-after"]) <= high
    assert fake_serpapi.calls == 1  # the cool-down covers every key
    health.assert_fast()


def test_retry_after_as_an_http_date_is_honoured(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    fake_serpapi.set(mode="status", status=429, retry_after=http_date(300))
    response = httpx.get(server.url + CACHED, timeout=10)
    assert response.status_code == 503 and problem_type(response) == "upstream-rate-limited"
    assert 290 <= int(response.headers["retry-after"]) <= 301
    assert fake_serpapi.calls == 1


def anyio_workers() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "AnyIO worker thread")


def test_timed_out_searches_end_in_their_threads(fake_serpapi: FakeSerpApi) -> None:
    """Three waves of 24 dripping searches at the boundary: never more threads than the limiter's 16.

    Before, a timed-out search was abandoned with its thread still reading (a
    1-byte-per-second drip never trips a socket timeout), and the limiter's
    slot was freed for the next one: 65 threads after 60 slow searches.
    """
    source = SerpApiSource(FAKE_KEY, fake_serpapi.url, 1.0, "New York, New York, United States")
    fake_serpapi.set(mode="drip", drip_interval=1.0)

    async def wave(n: int) -> list[BaseException | dict]:
        lookups = [Lookup.for_unknown_team(f"Drip {n} {i}") for i in range(24)]
        return await asyncio.gather(*(source.fetch(lookup) for lookup in lookups), return_exceptions=True)

    async def waves() -> int:
        peak = before = anyio_workers()
        for n in range(3):
            started = time.monotonic()
            outcomes = await wave(n)
            peak = max(peak, anyio_workers())
            took = time.monotonic() - started
            assert took < 4.0, f"wave {n} took {took:.1f} s"  # the 1 s deadline, not the drip's minute
            assert all(isinstance(outcome, UpstreamTimeout) for outcome in outcomes), outcomes
        return peak - before

    extra = asyncio.run(waves())
    assert extra <= 16, f"{extra} worker threads for a limiter of 16"
    # A slot frees up only when a search has ended: about 16 per wave reached the fake.
    assert 3 * 16 <= fake_serpapi.calls <= 3 * 24, fake_serpapi.calls


def test_a_drip_storm_is_504_on_time(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(serpapi_timeout_seconds=1)
    fake_serpapi.set(mode="drip", drip_interval=1.0)
    paths = [f"/v1/leagues/{league.slug}/games" for league in LEAGUES]

    async def storm() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            return await asyncio.gather(*(client.get(path) for path in paths))

    with HealthProbe(server.url) as health:
        started = time.monotonic()
        answers = asyncio.run(storm())
        assert time.monotonic() - started < 2.5
    assert [(a.status_code, problem_type(a)) for a in answers] == [(504, "upstream-timeout")] * len(paths)
    assert fake_serpapi.calls == len(paths)
    health.assert_fast()
