"""Quota economics over real HTTP against the fake SerpAPI (issue 11).

Junk names cannot drain the hour, catalogue leagues are never refused while
they flow, each client has its own part, an outage costs nothing against the
plan's pacing and ends at the first success, the plan paces the hour, and a
dead or hung Redis costs neither searches nor seconds.
"""

from __future__ import annotations

import socket
import threading
import time
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis

from sports_api.quota.pacing import plan_allowance
from sports_api.sports.catalogue import LEAGUES
from tests.conftest import FAKE_KEY
from tests.fakes.serpapi import FakeSerpApi
from tests.integration.test_api import assert_problem
from tests.integration.test_redis import flushed, redis_url  # noqa: F401 - fixtures
from tests.servers import free_port

NEW_YORK = ZoneInfo("America/New_York")
LEAGUE_PATHS = [f"/v1/leagues/{league.slug}/games" for league in LEAGUES]


def get(server, path: str, key_id: str | None = None, **kwargs) -> httpx.Response:
    headers = {"X-Api-Key-Id": key_id} if key_id else {}
    return httpx.get(server.url + path, headers=headers, timeout=15, **kwargs)


def junk(n: int) -> str:
    return f"/v1/teams/Made Up Team {n}/games"


def quota(server, key_id: str | None = None) -> dict:
    response = get(server, "/v1/quota", key_id)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# ---- junk cannot drain --------------------------------------------------------------------------


def test_junk_names_cannot_drain_and_leagues_are_never_refused(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(serpapi_max_searches_per_hour=30)
    answers = [get(server, junk(n), key_id=f"client-{n % 10}") for n in range(59)]
    statuses = [r.status_code for r in answers]
    assert statuses.count(200) == 15  # half of the hour's 30, between all clients
    refused = [assert_problem(r, 503) for r in answers if r.status_code != 200]
    assert {body["type"] for body in refused} == {"urn:sports-api:problem:upstream-budget-exhausted"}
    assert all(0 < int(r.headers["retry-after"]) <= 3601 for r in answers if r.status_code != 200)
    # Every league still answers, and readiness says what is true.
    for path in LEAGUE_PATHS:
        assert get(server, path).status_code == 200, path
    assert get(server, "/ready").status_code == 200
    assert fake_serpapi.calls == 15 + len(LEAGUES)
    state = quota(server)["hour"]
    assert state["spent"] == 15 + len(LEAGUES)
    assert state["shares"]["unknown_teams"] == {"limit": 15, "spent": 15}


def test_every_spelling_of_one_unknown_name_is_one_search(live, fake_serpapi: FakeSerpApi) -> None:
    server = live()
    name = "Atlético Ñublense"
    spellings = [
        unicodedata.normalize("NFC", name),
        unicodedata.normalize("NFD", name),
        "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "ATLETICO NUBLENSE"),  # full-width
        "Atle\u200btico\u00ad Nublense",
        "atletico  ñublense",
    ]
    for spelling in spellings:
        assert get(server, f"/v1/teams/{spelling}/games").status_code == 200, spelling
    assert fake_serpapi.calls == 1


def test_a_client_past_its_share_gets_429_with_retry_after(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(client_searches_per_hour=3, client_empty_searches_per_hour=100)
    for n in range(3):
        assert get(server, junk(n), key_id="greedy").status_code == 200
    refused = get(server, junk(3), key_id="greedy")
    body = assert_problem(refused, 429)
    assert body["type"] == "urn:sports-api:problem:client-share-exhausted"
    assert 0 < int(refused.headers["retry-after"]) <= 3601
    assert get(server, junk(3), key_id="polite").status_code == 200  # another client's part
    assert get(server, "/v1/teams/Arsenal/games", key_id="greedy").status_code == 200  # catalogue team
    assert get(server, junk(0), key_id="greedy").json()["cache"] == "hit"  # cached: no search, no charge
    assert quota(server, "greedy")["hour"]["shares"]["client"] == {
        "id": "key:greedy",
        "limit": 3,
        "spent": 3,
        "found_nothing": 3,
        "found_nothing_limit": 100,
    }
    assert fake_serpapi.calls == 5


def test_the_key_id_header_is_ignored_from_an_untrusted_address(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(client_searches_per_hour=2, forwarded_allow_ips="10.9.9.9")
    assert get(server, junk(0), key_id="a").status_code == 200
    assert get(server, junk(1), key_id="b").status_code == 200
    # A new id per request would be a new share per request: the address is the client.
    assert_problem(get(server, junk(2), key_id="c"), 429)
    assert quota(server, "c")["hour"]["shares"]["client"]["id"] == "ip:127.0.0.1"


def test_behind_a_trusted_proxy_the_key_id_or_the_forwarded_address_is_the_client(live) -> None:
    server = live()  # FORWARDED_ALLOW_IPS=127.0.0.1: uvicorn and the app trust this test's address
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    as_key = httpx.get(f"{server.url}/v1/quota", headers={**forwarded, "X-Api-Key-Id": "gw-key-1"}).json()
    as_address = httpx.get(f"{server.url}/v1/quota", headers=forwarded).json()
    assert as_key["hour"]["shares"]["client"]["id"] == "key:gw-key-1"
    assert as_address["hour"]["shares"]["client"]["id"] == "ip:198.51.100.7"


def test_names_that_find_nothing_stop_that_client_for_the_hour(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(client_empty_searches_per_hour=2)
    assert get(server, junk(0), key_id="bot").json()["games"] == []
    assert get(server, junk(1), key_id="bot").json()["games"] == []
    refused = get(server, junk(2), key_id="bot")
    body = assert_problem(refused, 429)
    assert "found nothing" in body["detail"] and 0 < int(refused.headers["retry-after"]) <= 3601
    assert get(server, "/v1/teams/Arsenal/games", key_id="bot").status_code == 200  # catalogue teams answer
    assert get(server, junk(2), key_id="someone-else").status_code == 200
    client = quota(server, "bot")["hour"]["shares"]["client"]
    assert (client["found_nothing"], client["found_nothing_limit"]) == (2, 2)
    assert fake_serpapi.calls == 4


# ---- a team's live game rides on its league's search -------------------------------------------


def test_a_teams_live_game_is_kept_fresh_by_its_leagues_search(live, fake_serpapi: FakeSerpApi) -> None:
    fake_serpapi.plan.live |= {"premier league schedule", "arsenal schedule"}
    server = live(ttl_live_seconds=1)

    def arsenal() -> tuple[httpx.Response, list[int]]:
        answer = get(server, "/v1/teams/Arsenal/games")
        assert answer.status_code == 200, answer.text
        [game] = [g for g in answer.json()["games"] if g["status"] == "live"]
        return answer, [team["score"] for team in game["teams"]]

    assert get(server, "/v1/leagues/premier-league/games").status_code == 200
    first, score = arsenal()
    assert score == [1, 0] and first.headers["cache-control"] == "public, max-age=1"
    assert fake_serpapi.stats.queries == ["Premier League schedule", "Arsenal schedule"]
    fake_serpapi.plan.live_score = ("2", "1")
    time.sleep(1.1)
    later, score = arsenal()
    # One paid league search moved the score; the team's own search was not repeated.
    assert score == [2, 1] and later.json()["cache"] == "miss"
    assert fake_serpapi.stats.queries[2:] == ["Premier League schedule"]
    assert fake_serpapi.plan.no_cache == ["Premier League schedule"]
    assert get(server, "/v1/leagues/premier-league/games").json()["cache"] == "hit"  # the same search


# ---- outages cost nothing -----------------------------------------------------------------------


def test_an_outage_costs_nothing_and_recovery_ends_the_backoff(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(
        ttl_live_seconds=1,
        ttl_idle_seconds=1,
        stale_retry_seconds=0,
        backoff_base_seconds=8,
        backoff_max_seconds=8,
        serpapi_max_failed_searches_per_hour=50,
    )
    assert get(server, LEAGUE_PATHS[0]).status_code == 200
    time.sleep(1.1)
    fake_serpapi.set(mode="status", status=500)
    answers = [get(server, LEAGUE_PATHS[0]) for _ in range(10)]  # well within the back-off (4-8 s)
    assert {r.json()["cache"] for r in answers} == {"stale"}
    held = get(server, LEAGUE_PATHS[1])  # no copy: 503 with Retry-After, not a search
    assert assert_problem(held, 503)["type"] == "urn:sports-api:problem:upstream-unavailable"
    assert 1 <= int(held.headers["retry-after"]) <= 8
    assert fake_serpapi.calls == 1 + 2  # the success, then two failures before the back-off
    state = quota(server)
    assert state["hour"]["spent"] == 1 and state["hour"]["failed"] == 2
    assert state["cooldown"]["state"] == "backing-off" and state["cooldown"]["consecutive_failures"] == 2
    fake_serpapi.set(mode="ok")
    time.sleep(state["cooldown"]["retry_after"] + 0.1)
    recovered = get(server, LEAGUE_PATHS[0])
    assert recovered.json()["cache"] == "miss"
    assert get(server, LEAGUE_PATHS[1]).json()["cache"] == "miss"  # every key searches again at once
    state = quota(server)
    assert state["cooldown"] == {"state": "searching", "retry_after": 0, "consecutive_failures": 0}
    assert state["hour"]["spent"] == 3 and state["hour"]["failed"] == 2


def test_failed_attempts_have_their_own_small_allowance(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(serpapi_max_failed_searches_per_hour=2, backoff_after_failures=10)
    fake_serpapi.set(mode="status", status=500)
    assert [get(server, path).status_code for path in LEAGUE_PATHS[:4]] == [502, 502, 503, 503]
    assert fake_serpapi.calls == 2
    fake_serpapi.set(mode="ok")
    assert quota(server)["hour"]["spent"] == 0  # the pacing allowance is untouched


# ---- the plan paces the hour --------------------------------------------------------------------


def test_the_account_api_paces_the_hour_and_quota_reports_it(live, fake_serpapi: FakeSerpApi) -> None:
    fake_serpapi.plan.hourly = 20  # what is left is 20 searches for each hour left in the month
    server = live(serpapi_max_searches_per_hour=60)
    wait_for(lambda: quota(server)["plan"]["read_at"] is not None)
    state = quota(server, "me")
    left = state["plan"]["searches_left"]
    read_at = datetime.fromisoformat(state["plan"]["read_at"]).timestamp()
    expected = plan_allowance(left, read_at, 60, 1000)
    assert state["source"] == "serpapi" and state["metered"] is True
    assert left == fake_serpapi.plan.left(read_at) and state["plan"]["searches_per_month"] == 5000
    assert state["plan"]["account_api"]["last_error"] is None
    assert state["hour"]["allowance"] == expected == 20
    assert state["hour"]["cap"] == 60
    shares = state["hour"]["shares"]
    assert shares["league_reserve"] + shares["teams"]["limit"] == expected
    assert shares["league_reserve"] >= expected / 4
    assert shares["unknown_teams"]["limit"] == min(expected // 2, shares["teams"]["limit"])
    assert state["hour"]["shares"]["client"] == {
        "id": "key:me",
        "limit": 20,
        "spent": 0,
        "found_nothing": 0,
        "found_nothing_limit": 3,
    }
    assert state["cooldown"]["state"] == "searching"
    assert fake_serpapi.plan.account_keys == {FAKE_KEY}
    assert fake_serpapi.calls == 0  # reading the account is not a search


def test_a_spent_plan_stops_searches_and_readiness_says_why(live, fake_serpapi: FakeSerpApi) -> None:
    fake_serpapi.plan.plan_searches_left = 0
    server = live()
    wait_for(lambda: quota(server)["plan"]["read_at"] is not None)
    body = assert_problem(get(server, LEAGUE_PATHS[0]), 503)
    assert body["type"] == "urn:sports-api:problem:upstream-budget-exhausted"
    ready = get(server, "/ready")
    assert ready.status_code == 503 and "no searches left" in ready.json()["detail"]
    assert fake_serpapi.calls == 0


@pytest.mark.parametrize("mode", ["status", "malformed"])
def test_without_the_account_api_the_cap_applies(live, fake_serpapi: FakeSerpApi, mode: str) -> None:
    fake_serpapi.plan.account_mode = mode
    server = live(serpapi_max_searches_per_hour=7)
    wait_for(lambda: quota(server)["plan"]["account_api"]["last_attempt"] is not None)
    state = quota(server)
    assert state["plan"]["read_at"] is None and state["plan"]["account_api"]["last_error"]
    assert FAKE_KEY not in str(state)
    assert state["hour"]["allowance"] == 7
    assert get(server, LEAGUE_PATHS[0]).status_code == 200


def test_an_unreachable_account_api_is_reported_without_the_key(serve) -> None:
    server = serve(serpapi_api_key=FAKE_KEY, serpapi_base_url=f"http://127.0.0.1:{free_port()}")
    wait_for(lambda: quota(server)["plan"]["account_api"]["last_error"] is not None)
    state = quota(server)
    assert "ConnectionError" in state["plan"]["account_api"]["last_error"]
    assert FAKE_KEY not in str(state)


def test_freshness_follows_the_games_and_only_live_refreshes_skip_serpapis_cache(
    live, fake_serpapi: FakeSerpApi
) -> None:
    fake_serpapi.plan.live.add("nfl schedule")
    fake_serpapi.plan.starting.add("nhl schedule")
    server = live(ttl_live_seconds=1, ttl_idle_seconds=3600)
    assert get(server, "/v1/leagues/nfl/games").headers["cache-control"] == "public, max-age=1"
    # MLB's capture holds a final alone: idle at any hour (NBA's has a game "today, 8:00 PM").
    assert get(server, "/v1/leagues/mlb/games").headers["cache-control"] == "public, max-age=3600"
    # A game about to start: fresh until just after its start (Google prints the minute).
    soon = get(server, "/v1/leagues/nhl/games")
    game, max_age = soon.json()["games"][0], int(soon.headers["cache-control"].rsplit("=", 1)[1])
    assert game["status"] == "scheduled"
    if _twice_in_new_york(time.time() + 30 * 60):
        # The night New York's clocks fall back, "1:22 AM" is either of two hours: no start
        # time, so nothing says the game is near, and the answer is as fresh as an idle one.
        assert game["start_time"] is None and max_age == 3600
    else:
        assert 29 * 60 < max_age <= 30 * 60 + 1
    time.sleep(1.1)
    for path in ("/v1/leagues/nfl/games", "/v1/leagues/mlb/games", "/v1/leagues/nhl/games"):
        assert get(server, path).status_code == 200
    # Only the live answer was searched again, and only it asked SerpAPI for a fresh (paid) search.
    assert fake_serpapi.stats.queries == ["NFL schedule", "MLB schedule", "NHL schedule", "NFL schedule"]
    assert fake_serpapi.plan.no_cache == ["NFL schedule"]


def _twice_in_new_york(moment: float) -> bool:
    """Whether New York's wall clock shows the time of `moment` twice that night (DST ends)."""
    local = datetime.fromtimestamp(moment, NEW_YORK)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def test_live_refreshes_slow_as_the_hour_fills(live, fake_serpapi: FakeSerpApi) -> None:
    fake_serpapi.plan.live |= {"nfl schedule", "nba schedule"}
    server = live(serpapi_max_searches_per_hour=10, ttl_live_seconds=60)
    early = get(server, "/v1/leagues/nfl/games")
    assert early.headers["cache-control"] == "public, max-age=60"
    assert any(game["status"] == "live" for game in early.json()["games"])
    for path in LEAGUE_PATHS[2:8]:
        assert get(server, path).status_code == 200
    # 8 of 10 spent with this one (a fifth left): a live answer now stays fresh 2.5x as long.
    late = get(server, "/v1/leagues/nba/games")
    assert any(game["status"] == "live" for game in late.json()["games"])
    assert late.headers["cache-control"] == "public, max-age=150"
    assert quota(server)["hour"]["live_stretch"] == 2.5
    idle = get(server, LEAGUE_PATHS[8])  # an idle league still gets its search
    assert idle.status_code == 200 and idle.json()["cache"] == "miss"


def test_demo_spends_nothing_and_says_so(serve) -> None:
    server = serve(data_source="demo")
    assert get(server, LEAGUE_PATHS[0]).status_code == 200
    state = quota(server)
    assert state["source"] == "demo" and state["metered"] is False
    assert state["hour"]["spent"] == 0 and state["plan"]["account_api"] is None


# ---- Redis down is not a search storm -----------------------------------------------------------


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A listener that accepts connections and never answers: a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_dead_redis_is_not_a_search_storm(live, fake_serpapi: FakeSerpApi) -> None:
    server = live(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    # A new query string each time, so that every request reaches the store (not the hot answers).
    answers = [get(server, LEAGUE_PATHS[0], params={"from": f"2020-01-{n + 1:02d}"}) for n in range(20)]
    assert [r.status_code for r in answers] == [200] * 20
    assert [r.json()["cache"] for r in answers] == ["miss"] + ["hit"] * 19
    assert fake_serpapi.calls == 1
    assert get(server, "/ready").status_code == 503


def test_a_hung_redis_costs_one_timeout_not_one_per_request(
    live, fake_serpapi: FakeSerpApi, hung_redis
) -> None:
    server = live(redis_url=hung_redis, redis_breaker_seconds=30)
    started = time.monotonic()
    first = get(server, LEAGUE_PATHS[0], params={"from": "2020-01-01"})
    first_took = time.monotonic() - started
    started = time.monotonic()
    rest = [
        get(server, path, params={"from": f"2020-01-{n // len(LEAGUES) + 2:02d}"})
        for n, path in enumerate(LEAGUE_PATHS * 2)
    ]
    rest_took = time.monotonic() - started
    assert first.status_code == 200 and {r.status_code for r in rest} == {200}
    assert first_took < 2.5  # one socket timeout (1 s), then the breaker is open
    assert rest_took < 3.0  # 22 requests: without the breaker, about 5 s each
    assert fake_serpapi.calls == len(LEAGUES)


@pytest.mark.redis
def test_shares_are_counted_in_redis_across_tasks(serve, fake_serpapi: FakeSerpApi, flushed) -> None:  # noqa: F811
    options = {
        "serpapi_api_key": FAKE_KEY,
        "serpapi_base_url": fake_serpapi.url,
        "redis_url": flushed,
        "client_searches_per_hour": 2,
    }
    a, b = serve(**options), serve(**options)
    assert get(a, junk(0), key_id="k").status_code == 200
    assert get(b, junk(1), key_id="k").status_code == 200
    assert_problem(get(a, junk(2), key_id="k"), 429)
    assert_problem(get(b, junk(3), key_id="k"), 429)
    assert quota(b, "k")["hour"]["shares"]["client"]["spent"] == 2
    assert fake_serpapi.calls == 2


@pytest.mark.redis
def test_a_counter_that_is_not_an_integer_is_reset(serve, fake_serpapi: FakeSerpApi, flushed, caplog) -> None:  # noqa: F811
    server = serve(serpapi_api_key=FAKE_KEY, serpapi_base_url=fake_serpapi.url, redis_url=flushed)
    hour = int(time.time() // 3600)
    with redis.Redis.from_url(flushed) as client:
        client.set(f"sports-api:quota:{hour}:spent", "lots")
        assert get(server, LEAGUE_PATHS[0]).status_code == 200
        assert client.get(f"sports-api:quota:{hour}:spent") == b"1"
    assert "not an integer; reset" in caplog.text
    assert quota(server)["hour"]["spent"] == 1
