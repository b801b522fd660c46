"""Results and favourites over real HTTP: the app under uvicorn, the fake SerpAPI, a real archive.

The whole path runs: search, normalise, the service's `on_document` hook,
the writer's queue, the upsert, and the read through the results routes.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sports_api.sports.catalogue import get_league
from tests.fakes.serpapi import FakeSerpApi
from tests.servers import ThreadServer, free_port

KEY = {"X-Api-Key-Id": "k3y1d"}


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the archive did not catch up in time")
        time.sleep(0.05)


def results(server: ThreadServer, path: str, **params: Any) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}{path}", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def every_page(server: ThreadServer, path: str, **params: Any) -> list[dict[str, Any]]:
    games, cursor = [], None
    while True:
        page = results(server, path, **params, **({"cursor": cursor} if cursor else {}))
        games += page["games"]
        cursor = page["next_cursor"]
        if cursor is None:
            return games


def _days_ahead(days: int) -> str:
    """The day `days` from now in New York, as Google writes it there: "Sat, Nov 28"."""
    day = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=days)
    return f"{day:%a}, {day:%b} {day.day}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# -- results ---------------------------------------------------------------------


def test_results_accumulate_across_upstream_answers_and_outlast_a_restart(
    live: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi, data_dir: Path
) -> None:
    league = get_league("premier-league")
    assert league is not None
    query = league.query.casefold()
    captured = copy.deepcopy(fake_serpapi._payloads[query])
    captured["sports_results"].pop("game_spotlight", None)
    box = captured["sports_results"]["games"]
    for days, game in enumerate(box[2:], start=3):  # "Sat, Nov 28" is a real day only in some years
        game["date"] = _days_ahead(days)
    first = copy.deepcopy(captured)
    first["sports_results"]["games"] = box[:2]  # Arsenal-Villa (FT), Liverpool-City (later today)
    second = copy.deepcopy(captured)
    second["sports_results"]["games"] = copy.deepcopy(box[1:])  # Arsenal-Villa has left Google's box
    finished = second["sports_results"]["games"][0]
    finished.update(status="FT")
    finished["teams"][0]["score"], finished["teams"][1]["score"] = "2", "1"

    server = live(data_dir=data_dir, ttl_live_seconds=1, ttl_idle_seconds=1)
    fake_serpapi._payloads[query] = first
    assert httpx.get(f"{server.url}/v1/leagues/premier-league/games", timeout=10).status_code == 200
    wait_for(lambda: len(results(server, "/v1/leagues/premier-league/results")["games"]) == 2)
    time.sleep(1.1)  # the first answer goes stale: the next request searches again
    fake_serpapi._payloads[query] = second
    latest = httpx.get(f"{server.url}/v1/leagues/premier-league/games", timeout=10).json()
    assert len(latest["games"]) == 3  # Google's box no longer shows Arsenal-Villa...

    body = wait_for(
        lambda: (b := results(server, "/v1/leagues/premier-league/results")) and len(b["games"]) == 4 and b
    )
    assert body["league"] == "premier-league" and body["source"] == "serpapi" and body["next_cursor"] is None
    by_teams = {tuple(team["id"] for team in game["teams"]): game for game in body["games"]}
    assert ("arsenal", "aston-villa") in by_teams  # ...the archive still does
    liverpool = by_teams[("liverpool", "manchester-city")]
    assert liverpool["status"] == "final" and [t["score"] for t in liverpool["teams"]] == [2, 1]
    assert liverpool["first_seen"] < liverpool["last_seen"]
    starts = [game["start_time"] or game["start_date"] for game in body["games"]]
    assert starts == sorted(starts)

    finals = results(server, "/v1/leagues/premier-league/results", status="final")["games"]
    assert {tuple(t["id"] for t in g["teams"]) for g in finals} == {
        ("arsenal", "aston-villa"),
        ("liverpool", "manchester-city"),
    }
    arsenal = results(server, "/v1/teams/Arsenal/results")
    assert arsenal["team"]["id"] == "arsenal"
    assert [tuple(t["id"] for t in g["teams"]) for g in arsenal["games"]] == [("arsenal", "aston-villa")]

    # Pages of two cover the same games once, in the same order; a page is validated by ETag.
    assert every_page(server, "/v1/leagues/premier-league/results", limit=2) == body["games"]
    page = httpx.get(f"{server.url}/v1/leagues/premier-league/results", params={"limit": 2}, timeout=10)
    again = httpx.get(
        f"{server.url}/v1/leagues/premier-league/results",
        params={"limit": 2},
        headers={"If-None-Match": page.headers["etag"]},
        timeout=10,
    )
    assert again.status_code == 304 and page.headers["cache-control"] == "public, max-age=30"

    # Results never search: the fake saw the two searches and nothing since.
    searches = fake_serpapi.calls
    results(server, "/v1/leagues/premier-league/results", **{"from": "2020-01-01", "tz": "Europe/London"})
    assert fake_serpapi.calls == searches
    server.stop()

    # A new process on the same DATA_DIR: the games are still there, and still no search.
    again_server = live(data_dir=data_dir)
    assert results(again_server, "/v1/leagues/premier-league/results")["games"] == body["games"]
    assert fake_serpapi.calls == searches


def test_a_cursor_is_checked(serve: Callable[..., ThreadServer], data_dir: Path) -> None:
    server = serve(data_dir=data_dir)
    assert httpx.get(f"{server.url}/v1/leagues/nba/games", timeout=10).status_code == 200
    first = wait_for(
        lambda: (b := results(server, "/v1/leagues/nba/results", limit=1)) and b["next_cursor"] and b
    )
    cursor = first["next_cursor"]
    assert results(server, "/v1/leagues/nba/results", limit=1, cursor=cursor)["games"] != first["games"]
    for bad, params in (
        (cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB"), {}),  # altered
        ("bm90LWEtY3Vyc29y", {}),  # base64 of "not-a-cursor"
        (cursor, {"status": "final"}),  # another query's
        (cursor, {"path": "/v1/leagues/nfl/results"}),  # another league's
    ):
        path = params.pop("path", "/v1/leagues/nba/results")
        answer = httpx.get(f"{server.url}{path}", params={"limit": 1, "cursor": bad, **params}, timeout=10)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:sports-api:problem:invalid-cursor"


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/v1/leagues/xfl/results", 404, "unknown-league"),
        ("/v1/teams/nobody-fc/results", 404, "unknown-team"),
        ("/v1/teams/Giants/results", 409, "ambiguous-team"),
        ("/v1/leagues/nfl/results?limit=0", 422, "invalid-request"),
        ("/v1/leagues/nfl/results?limit=101", 422, "invalid-request"),
        ("/v1/leagues/nfl/results?from=2026-11-2", 422, "invalid-request"),
        ("/v1/leagues/nfl/results?tz=Mars/Olympus", 422, "invalid-request"),
        ("/v1/leagues/nfl/results?page=2", 400, "unknown-parameter"),
    ],
)
def test_results_problems(
    serve: Callable[..., ThreadServer], data_dir: Path, path: str, status: int, kind: str
):
    answer = httpx.get(serve(data_dir=data_dir).url + path, timeout=10)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"urn:sports-api:problem:{kind}"


def test_an_empty_window_has_no_results(serve: Callable[..., ThreadServer], data_dir: Path) -> None:
    page = results(
        serve(data_dir=data_dir), "/v1/leagues/nfl/results", **{"from": "2026-11-02", "to": "2026-11-01"}
    )
    assert (page["games"], page["next_cursor"]) == ([], None)


# -- favourites --------------------------------------------------------------------


def test_favourites_round_trip(serve: Callable[..., ThreadServer], data_dir: Path) -> None:
    server = serve(data_dir=data_dir, favourites_max=2)
    base = f"{server.url}/v1/me"
    with httpx.Client(headers=KEY, timeout=10) as client:
        assert client.get(f"{base}/teams").json() == {"teams": [], "limit": 2}
        added = client.put(f"{base}/teams/Man Utd")
        assert added.status_code == 201 and [t["id"] for t in added.json()["teams"]] == ["manchester-united"]
        assert added.headers["vary"] == "X-Api-Key-Id"
        assert client.put(f"{base}/teams/manchester-united").status_code == 200  # already followed
        assert client.put(f"{base}/teams/Chiefs").status_code == 201
        full = client.put(f"{base}/teams/Arsenal")
        assert full.status_code == 409 and full.json()["type"] == "urn:sports-api:problem:favourites-full"
        listing = client.get(f"{base}/teams")
        assert [t["id"] for t in listing.json()["teams"]] == ["kansas-city-chiefs", "manchester-united"]
        assert (
            client.get(f"{base}/teams", headers={"If-None-Match": listing.headers["etag"]}).status_code == 304
        )

        games = client.get(f"{base}/games")
        assert games.status_code == 200, games.text
        body = games.json()
        assert body["teams"] == ["kansas-city-chiefs", "manchester-united"] and body["unavailable"] == []
        assert body["source"] == "demo" and body["cache"] in {"hit", "miss"}
        for game in body["games"]:
            assert {t["id"] for t in game["teams"]} & {"kansas-city-chiefs", "manchester-united"}

        # Another caller has a list of its own.
        assert client.get(f"{base}/teams", headers={"X-Api-Key-Id": "other"}).json()["teams"] == []
        assert client.delete(f"{base}/teams/Chiefs").status_code == 204
        assert client.delete(f"{base}/teams/Chiefs").status_code == 204  # idempotent
        assert [t["id"] for t in client.get(f"{base}/teams").json()["teams"]] == ["manchester-united"]

        # Teams the demo has games for at this instant, whatever it is: the games of both, merged.
        followed = {_playing(client, server, "nba")} | {_playing(client, server, "serie-a")}
        client.delete(f"{base}/teams/manchester-united")
        for team in followed:
            assert client.put(f"{base}/teams/{team}").status_code == 201
        body = client.get(f"{base}/games").json()
        assert set(body["teams"]) == followed and body["games"]
        assert {t["id"] for game in body["games"] for t in game["teams"]} >= followed
        for game in body["games"]:
            assert {t["id"] for t in game["teams"]} & followed
        finals = client.get(f"{base}/games", params={"status": "final"}).json()["games"]
        assert finals and all(game["status"] == "final" for game in finals)

        for verb, path, status, kind in (
            ("PUT", "/teams/nobody-fc", 404, "unknown-team"),
            ("PUT", "/teams/Giants", 409, "ambiguous-team"),
            ("DELETE", "/teams/nobody-fc", 404, "unknown-team"),
            ("GET", "/games?status=over", 422, "invalid-request"),
            ("GET", "/teams?x=1", 400, "unknown-parameter"),
        ):
            answer = client.request(verb, base + path)
            assert answer.status_code == status, (verb, path, answer.text)
            assert answer.json()["type"] == f"urn:sports-api:problem:{kind}"


def _playing(client: httpx.Client, server: ThreadServer, league: str) -> str:
    """A catalogue team in the league's latest final: it has a result in the demo now."""
    games = client.get(f"{server.url}/v1/leagues/{league}/games", params={"status": "final"}).json()["games"]
    return games[-1]["teams"][0]["id"]


@pytest.mark.parametrize(
    ("settings", "headers"),
    [
        ({}, {}),  # no header at all
        ({}, {"X-Api-Key-Id": "bad id with spaces"}),
        ({"forwarded_allow_ips": "10.0.0.0/8"}, KEY),  # a header from a peer that is not the proxy
    ],
)
def test_me_needs_a_trusted_api_key_id(
    serve: Callable[..., ThreadServer], data_dir: Path, settings: dict[str, str], headers: dict[str, str]
) -> None:
    server = serve(data_dir=data_dir, **settings)
    for verb, path in (
        ("GET", "/teams"),
        ("PUT", "/teams/arsenal"),
        ("DELETE", "/teams/arsenal"),
        ("GET", "/games"),
    ):
        answer = httpx.request(verb, f"{server.url}/v1/me{path}", headers=headers, timeout=10)
        assert answer.status_code == 401, (verb, path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"].startswith("ApiKey")
        assert answer.json()["type"] == "urn:sports-api:problem:unauthenticated"


# -- outages -----------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite-unwritable", "dynamodb-down"])
def test_an_archive_outage_leaves_every_other_route_answering(
    serve: Callable[..., ThreadServer], tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "sqlite-unwritable":
        blocker = tmp_path / "a-file"
        blocker.write_text("not a directory")
        settings: dict[str, Any] = {"data_dir": blocker / "data"}  # cannot be created, even by root
    else:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        settings = {
            "archive_backend": "dynamodb",
            "archive_table": "sports-api-archive",
            "archive_endpoint_url": f"http://127.0.0.1:{free_port()}",  # nothing listens
        }
    server = serve(**settings)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for path in (
            "/health",
            "/ready",
            "/v1/leagues",
            "/v1/leagues/nfl/games",
            "/v1/leagues/premier-league/standings",
            "/v1/teams?league=nfl",
            "/v1/teams/Chiefs",
            "/v1/teams/Chiefs/games",
            "/sports",
        ):
            assert client.get(path).status_code == 200, path
        for path, headers in (
            ("/v1/leagues/nfl/results", {}),
            ("/v1/teams/Chiefs/results", {}),
            ("/v1/me/teams", KEY),
        ):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 503, (path, answer.text)
            assert answer.json()["type"] == "urn:sports-api:problem:archive-unavailable"
        # The answers keep coming while the archive is down, and each is counted, never raised.
        assert client.get("/v1/leagues/nba/games").status_code == 200
    archive = server.app.state.archive
    counted = wait_for(lambda: archive.counters.dropped + archive.counters.failed_batches)
    assert counted >= 1
