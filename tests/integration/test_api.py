"""The HTTP contract, over real HTTP, in demo mode."""

from __future__ import annotations

import httpx
import pytest

from sports_api.sports.catalogue import LEAGUES

REQUIRED_LEAGUES = {
    "nfl", "nba", "mlb", "nhl", "mls", "premier-league", "serie-a", "la-liga",
    "bundesliga", "ligue-1", "champions-league",
}  # fmt: skip


@pytest.fixture
def api(serve) -> httpx.Client:
    server = serve()
    with httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


def test_catalogue(api: httpx.Client) -> None:
    response = api.get("/v1/leagues")
    assert response.status_code == 200
    body = response.json()
    assert {entry["slug"] for entry in body} >= REQUIRED_LEAGUES
    assert all(set(entry) == {"slug", "name", "sport"} for entry in body)


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
def test_every_league_serves_demo_games(api: httpx.Client, league) -> None:
    response = api.get(f"/v1/leagues/{league.slug}/games")
    assert response.status_code == 200
    body = response.json()
    assert body["league"] == league.slug
    assert body["source"] == "demo"
    assert body["cache"] == "miss"
    assert body["games"], "demo data must have games"
    assert set(body) == {"league", "games", "source", "fetched_at", "cache"}
    game = body["games"][0]
    assert set(game) == {
        "competition", "stage", "status", "date", "time", "venue", "teams", "home", "away", "highlights",
    }  # fmt: skip


def test_second_request_is_a_hit_with_remaining_freshness(api: httpx.Client) -> None:
    first = api.get("/v1/leagues/nba/games")
    second = api.get("/v1/leagues/nba/games")
    assert (first.json()["cache"], second.json()["cache"]) == ("miss", "hit")
    assert first.headers["cache-control"] == "public, max-age=600"
    max_age = int(second.headers["cache-control"].rsplit("=", 1)[1])
    assert 0 < max_age <= 600
    assert first.json()["fetched_at"] == second.json()["fetched_at"]


def test_etag_and_if_none_match(api: httpx.Client) -> None:
    first = api.get("/v1/leagues/nhl/games")
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    not_modified = api.get("/v1/leagues/nhl/games", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert "cache-control" in not_modified.headers
    strong = etag.removeprefix("W/")
    assert api.get("/v1/leagues/nhl/games", headers={"If-None-Match": f'"x", {strong}'}).status_code == 304
    assert api.get("/v1/leagues/nhl/games", headers={"If-None-Match": '"other"'}).status_code == 200


def test_request_id_is_echoed_or_generated(api: httpx.Client) -> None:
    echoed = api.get("/health", headers={"X-Request-ID": "gw-1234-abcd"})
    assert echoed.headers["x-request-id"] == "gw-1234-abcd"
    generated = api.get("/health", headers={"X-Request-ID": "bad id; <script>"})
    assert generated.headers["x-request-id"] != "bad id; <script>"
    assert len(api.get("/health").headers["x-request-id"]) == 32


def test_sports_compat_endpoint_defaults_to_nfl(api: httpx.Client) -> None:
    assert api.get("/sports").json()["league"] == "nfl"
    assert api.get("/sports", params={"league": "serie-a"}).json()["league"] == "serie-a"
    assert api.get("/sports", params={"league": "xfl"}).status_code == 404


def test_team_games_gather_across_leagues(api: httpx.Client) -> None:
    body = api.get("/v1/teams/Bayern Munich/games").json()
    assert body["team"] == "Bayern Munich"
    competitions = {game["competition"] for game in body["games"]}
    assert {"Bundesliga", "UEFA Champions League"} <= competitions
    for game in body["games"]:
        assert game["home"]["name"] in [t["name"] for t in game["teams"]]


def test_team_case_and_spacing_share_one_cache_entry(api: httpx.Client) -> None:
    assert api.get("/v1/teams/Aston Villa/games").json()["cache"] == "miss"
    assert api.get("/v1/teams/aston   VILLA/games").json()["cache"] == "hit"


def test_unknown_team_is_an_empty_list(api: httpx.Client) -> None:
    body = api.get("/v1/teams/Nobody FC/games").json()
    assert body["games"] == []


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def test_unknown_league_is_404_problem(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/leagues/xfl/games"), 404)
    assert body["type"] == "urn:sports-api:problem:unknown-league"
    assert "xfl" in body["detail"]


@pytest.mark.parametrize(
    "team",
    [
        "%20",
        "x" * 65,
        "Aston%00Villa",
        "Aston%0AVilla",
        "%1B[31m",
        "%7F",
        " leading",
        "trailing%20",
        "%C2%85",
    ],
)
def test_bad_team_text_is_422_problem(api: httpx.Client, team: str) -> None:
    assert_problem(api.get(f"/v1/teams/{team}/games"), 422)


def test_empty_team_is_a_4xx_problem(api: httpx.Client) -> None:
    response = api.get("/v1/teams//games")
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_route_and_method_are_problems(api: httpx.Client) -> None:
    assert_problem(api.get("/v2/nothing"), 404)
    body = assert_problem(api.post("/v1/leagues"), 405)
    assert body["title"] == "Method Not Allowed"


def test_health_and_ready(api: httpx.Client) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    assert api.get("/ready").json() == {"status": "ready", "source": "demo", "cache": "memory"}


def test_docs_and_openapi(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    spec = api.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/v1/leagues",
        "/v1/leagues/{slug}/games",
        "/v1/teams/{team}/games",
        "/sports",
        "/health",
        "/ready",
    ):
        assert path in paths
    games = paths["/v1/leagues/{slug}/games"]["get"]["responses"]
    assert {"200", "304", "404", "502", "503", "504"} <= set(games)
    assert "application/problem+json" in games["404"]["content"]
    schemas = spec["components"]["schemas"]
    assert schemas["LeagueGames"]["examples"] and schemas["Problem"]["examples"]


def test_misconfigured_live_mode_is_not_ready(serve) -> None:
    server = serve(data_source="serpapi")
    with httpx.Client(base_url=server.url) as client:
        ready = assert_problem(client.get("/ready"), 503)
        assert "SERPAPI_API_KEY" in ready["detail"]
        assert assert_problem(client.get("/v1/leagues/nfl/games"), 503)["type"].endswith("misconfigured")
        assert client.get("/health").status_code == 200


def test_team_of_64_characters_is_accepted(api: httpx.Client) -> None:
    assert api.get(f"/v1/teams/{'x' * 64}/games").status_code == 200
